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

/**
 * An interface name as a lab host may give one (`wan`, `ens18`, `eth1`, `br-lan.10`): 1 to 15 ASCII
 * letters, digits, `_`, `-` or `.` (Linux: IFNAMSIZ 16 with the terminating NUL), starting with a letter or digit.
 */
export const INTERFACE_NAME_PATTERN = "^[A-Za-z0-9][A-Za-z0-9_.-]{0,14}$";
export const INTERFACE_NAME = new RegExp(INTERFACE_NAME_PATTERN);
/** Interface names Linux or fwspec keep for themselves. */
export const RESERVED_INTERFACE_NAMES = ["lo", "all", "default"] as const;
/** fwspec's own temporary names while it renames interfaces (names with this start are refused). */
export const INTERFACE_TEMP_PREFIX = "fwspec-";
