/**
 * The one home of the name and token syntaxes of the scenario format: host,
 * network and hold names, listeners (`tcp/8080`) and counter comparisons
 * (`">= 1"`). The regular expressions the checks use and the pattern strings
 * the JSON Schema carries are built from the same text.
 */

/** A host, network, hold or lab name: a lowercase letter, then up to 30 lowercase letters, digits or dashes. */
export const NAME_BODY = "[a-z][a-z0-9-]{0,30}";
/** Network and hold names follow the host-name syntax. */
export const NAME_PATTERN = `^${NAME_BODY}$`;
/** Host names: the name syntax, except `localhost` (the probing host's own loopback). */
export const HOST_NAME_PATTERN = `^(?!localhost$)${NAME_BODY}$`;
/** Tests the name syntax (host, network, hold and lab names); `localhost` is refused separately. */
export const HOST_NAME = new RegExp(NAME_PATTERN);
export const NAME_RULE = "a lowercase letter, then up to 30 lowercase letters, digits or dashes";

/** `PROTOCOL/PORT`: group 1 is the protocol. */
export const LISTENER_PATTERN = "^(tcp|udp|http)/[0-9]{1,5}$";
export const LISTENER = new RegExp(LISTENER_PATTERN);

/** An operator (group 1, default ==) and a whole number. */
export const COMPARISON_PATTERN = "^\\s*(>=|<=|==|!=|>|<)?\\s*[0-9]+\\s*$";
export const COMPARISON = new RegExp(COMPARISON_PATTERN);
