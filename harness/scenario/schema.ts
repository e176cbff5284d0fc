/**
 * The input format of scenarios (YAML files and `defineScenario`), as a zod
 * schema: shapes, types, enums and ranges, with strict objects (an unknown key
 * is an error). Rules that need words of their own (host-name syntax, listener
 * and comparison syntax, the compact expectation grammar, references between
 * hosts and steps, fixture files) are checked by the loader, which turns every
 * problem into a positioned diagnostic; the JSON Schema for editors carries
 * them as patterns where a pattern can say it.
 */
import { z } from "zod";
import { BACKENDS, EXPECTED_VERDICTS, IPTABLES_TABLES } from "../model/types.ts";
import { COMPARISON_PATTERN, HOST_NAME_PATTERN, INTERFACE_NAME_PATTERN, LISTENER_PATTERN, NAME_PATTERN } from "../model/names.ts";
import { EXPECTATION_PATTERN } from "./expectation.ts";
import { REFUSAL_KINDS } from "./refusal.ts";


/** An nftables table as `FAMILY NAME` (`inet fw`, `ip6 filter`). */
export const NFT_TABLE = /^(ip|ip6|inet|arp|bridge|netdev) [A-Za-z_][A-Za-z0-9_.-]{0,63}$/;
export const FAMILY_CHOICES = ["ipv4", "ipv6", "both"] as const;
/** `tcp`, `tcp4`, `tcp6`, ... : a protocol, optionally pinning the family. */
export const PROTOCOL_CHOICES = ["tcp", "tcp4", "tcp6", "udp", "udp4", "udp6", "http", "http4", "http6"] as const;
/** What a difference between the IPv4 and IPv6 verdicts of one expectation is. */
export const PARITY_CHOICES = ["warn", "fail", "off"] as const;
/** Protocols a `hold` step can hold open. */
export const HOLD_PROTOCOLS = ["tcp", "udp"] as const;
export const HOLD_FAMILIES = ["ipv4", "ipv6"] as const;
/** The step kinds; a step holds exactly one. */
export const STEP_KINDS = ["apply", "expect", "counters", "run", "reboot", "hold"] as const;
/** A scenario's name is a title on one line of a report (a JUnit test suite's name, a report heading). */
export const MAX_NAME_LENGTH = 200;

/** Scenario files and the fixture files they name may be at most this large. */
export const MAX_FILE_BYTES = 1024 * 1024;
/**
 * The largest script or rules file a scenario names (and `init --from`, `diff
 * --rules-a/-b` read): 32 MiB, about 600 000 iptables rules (a blocklist); its
 * `iptables-save -c` then stays under the 64 MiB of a command's output fwspec
 * reads back (lab/agent.ts OUTPUT_KEPT_BYTES).
 */
export const MAX_FIXTURE_BYTES = 32 * 1024 * 1024;

const familyChoice = z.enum(FAMILY_CHOICES);

/** `{ ipv4?, ipv6? }`: a host's addresses on one network, or a network's subnets. */
function familyAddresses(what: string, v4: string, v6: string) {
  return z
    .strictObject({
      ipv4: z.string().optional().meta({ description: `IPv4 ${what}, e.g. ${v4}.` }),
      ipv6: z.string().optional().meta({ description: `IPv6 ${what}, e.g. ${v6}.` }),
    })
    .meta({ description: `An IPv4 and/or IPv6 ${what}.` });
}

const hostSchema = z
  .strictObject({
    firewall: z
      .boolean()
      .default(false)
      .meta({ description: "Rules may be applied and counted only on firewall hosts (every host has NET_ADMIN alike)." }),
    backend: z
      .enum(BACKENDS)
      .optional()
      .meta({ description: "iptables backend of a firewall host (default nft); only allowed on firewall hosts.", default: "nft" }),
    listen: z
      .array(z.string().meta({ pattern: LISTENER_PATTERN, description: "PROTOCOL/PORT: tcp/8080, udp/5353, http/3000." }))
      .default([])
      .meta({ description: "Listeners the host runs (each proven up on loopback before probes run)." }),
    networks: z
      .array(z.string().meta({ pattern: NAME_PATTERN }))
      .min(1)
      .optional()
      .meta({
        description: "Networks the host is attached to, each declared in the scenario's `networks` (default: the first declared one); only allowed when the scenario declares networks.",
        uniqueItems: true,
      }),
    router: z
      .boolean()
      .default(false)
      .meta({ description: "Forwards packets between its networks (needs `firewall: true` and at least two networks)." }),
    addresses: z
      .record(
        z.string(),
        familyAddresses("address", "198.18.7.10", "2001:db8:7::10").extend({
          extra: z
            .array(z.string())
            .min(1)
            .optional()
            .meta({ description: "Extra addresses the host also holds on this network (IPv4 or IPv6, inside the declared subnet), e.g. [198.18.7.99, \"2001:db8:7::99\"]; a probe may leave from one: `host@198.18.7.99 -> …`." }),
        }),
      )
      .optional()
      .meta({ description: "Fixed and extra addresses by network, each inside that network's declared subnet (`subnets`); others are automatic." }),
    interfaces: z
      .record(z.string(), z.string().meta({ pattern: INTERFACE_NAME_PATTERN, description: "An interface name, e.g. wan, lan, ens18, eth1 (at most 15 characters)." }))
      .optional()
      .meta({ description: "Interface names by network (`{ outside: wan, inside: lan }`); networks not named keep the engine's names (eth0, eth1, …), unless a named one takes the name: then the lowest free ethN." }),
  })
  .nullable()
  .meta({ description: "A lab host; `{}` (or nothing) for a plain host with defaults." });

const pathString = z.string().meta({ description: "A file path, relative to the scenario file; it must stay inside the project." });

const applyObjectSchema = z
  .strictObject({
    host: z.string().optional().meta({ description: "The firewall host to apply to (default: the only firewall host)." }),
    script: pathString.optional().meta({ description: "A shell script run on the host with `sh -e`." }),
    restore: z
      .strictObject({
        ipv4: pathString.optional().meta({ description: "iptables-restore input." }),
        ipv6: pathString.optional().meta({ description: "ip6tables-restore input." }),
      })
      .optional()
      .meta({ description: "iptables-restore / ip6tables-restore files, applied atomically.", minProperties: 1 }),
    nft: pathString.optional().meta({ description: "An nftables ruleset file (`nft -f` input), checked with `nft -c -f`, then applied as one transaction." }),
    commands: z
      .array(
        z.union([
          z.string().meta({ description: "A command line, split into words like a shell does but run without one (no operators or expansions)." }),
          z.array(z.string()).min(1).meta({ description: "A command as an argument array." }),
        ]),
      )
      .min(1)
      .optional()
      .meta({ description: "Commands run in order, never through a shell." }),
  })
  .meta({ oneOf: [{ required: ["script"] }, { required: ["restore"] }, { required: ["nft"] }, { required: ["commands"] }] });

const applySchema = z
  .union([z.string().meta({ description: "A script path, applied to the only firewall host." }), applyObjectSchema])
  .meta({ description: "Apply rules to a firewall host." });

const expectObjectSchema = z.strictObject({
  from: z.string().meta({ description: "The host the probe starts from; HOST@ADDRESS (`scanner@198.18.7.99`, `scanner@[2001:db8:7::99]`) leaves from one of its declared addresses." }),
  to: z.string().meta({ description: "A host, `localhost` (the source's own loopback), or a literal IPv4/IPv6 address." }),
  port: z.union([
    z.number().int().min(1).max(65535),
    // Any text reaches the one-line grammar's range parser (port-range.ts), which gives its messages.
    z.string().meta({ pattern: "^[0-9]{1,5}-[0-9]{1,5}$", description: "A range FIRST-LAST: a sweep of every port in it, e.g. `1-1024` (with `except`)." }),
  ]),
  except: z.array(z.number().int().meta({ minimum: 1, maximum: 65535 })).min(1).optional().meta({ description: "With a port range: the ports the firewall must admit, e.g. `[22, 80, 443]` (a sweep's `except`)." }),
  protocol: z
    .enum(PROTOCOL_CHOICES)
    .optional()
    .meta({ description: "tcp (default), udp or http; a 4/6 suffix pins the family.", default: "tcp" }),
  family: familyChoice.optional().meta({ description: "Default: the scenario's family, or the literal address's." }),
  // Any text reaches the one-line grammar's verdict parser (expectation-verdict.ts), which gives its messages.
  verdict: z.string().meta({ enum: [...EXPECTED_VERDICTS, ...REFUSAL_KINDS.map((k) => `refused:${k}`)], description: "`blocked` accepts refused, unreachable or dropped; `refused:rst` / `refused:icmp`: refused by a TCP reset / an ICMP port unreachable." }),
  answeredBy: z.string().optional().meta({ description: "With `open`: HOST[:PORT], the listener that must answer (default port: the probed one), e.g. `backend:8080` behind a DNAT." }),
  seenFrom: z.string().optional().meta({ description: "With `open`: the host whose address the answering listener must see as the source, e.g. `router` behind a MASQUERADE." }),
});

const heldObjectSchema = z.strictObject({
  held: z.string().meta({ pattern: NAME_PATTERN, description: "The name of a connection held by an earlier `hold` step." }),
  verdict: z.enum(EXPECTED_VERDICTS).meta({ description: "`open`: the held connection still passes data; `blocked` accepts refused, unreachable or dropped." }),
});

const expectItemSchema = z.union([
  z.string().meta({
    pattern: EXPECTATION_PATTERN,
    description: "FROM -> TARGET:PORT[/PROTOCOL[4|6]] VERDICT [answered-by HOST[:PORT]] [seen-from HOST], e.g. `remote -> server:8080/tcp6 dropped`, `client -> router:80 open answered-by backend:8080 seen-from router`, `remote -> server:8080 refused:rst`; a sweep FROM -> TARGET:FIRST-LAST[/PROTOCOL[4|6]] VERDICT [except PORT,PORT,...], e.g. `outside -> server:1-1024 blocked except 22,80,443`; or held NAME VERDICT, e.g. `held session dropped`.",
  }),
  expectObjectSchema,
  heldObjectSchema,
]);

const comparisonSchema = z
  .union([
    z.string().meta({ pattern: COMPARISON_PATTERN }),
    z.number().int().min(0),
  ])
  .meta({ description: "`>= 1`, `== 0`, `> 0`, `< 5`, `!= 0`, `<= 3`, or a bare number (==)." });

const counterCheckSchema = z
  .strictObject({
    rule: z.string().optional().meta({ description: "The rule as `iptables -S` prints it, e.g. `-A INPUT -p tcp --dport 8080 -j DROP`; another table's rule with `-t nat -A PREROUTING …` (or `table: nat`); or, with an nftables `table` and `chain`, as `nft list ruleset` prints it, e.g. `tcp dport 8080 counter drop`." }),
    chain: z.string().optional().meta({ description: "With `position`: the rule at that position of the chain; with an nft `rule` or `handle`: its chain; with `comment`: the chain to look in (default any)." }),
    position: z.number().int().min(1).optional().meta({ description: "1-based rule position in `chain`." }),
    table: z
      .union([z.enum(IPTABLES_TABLES), z.string().regex(NFT_TABLE)])
      .optional()
      .meta({ description: "Table of `chain` or `rule` (default filter), or an nftables table as `FAMILY NAME`, e.g. `inet fw`; with `comment`: the table to look in (default any).", default: "filter" }),
    handle: z.number().int().min(1).optional().meta({ description: "The nftables rule with this handle (`nft -a list ruleset`) in the nft `table`." }),
    counter: z.string().optional().meta({ description: "A named nftables counter (`counter NAME { }`), in the nft `table` if given." }),
    comment: z.string().optional().meta({ description: "The rule carrying this `-m comment --comment` (iptables) or `comment \"...\"` (nftables), in `table` and `chain` if given." }),
    host: z.string().optional().meta({ description: "Firewall host (default: the only firewall host)." }),
    family: familyChoice.optional().meta({ description: "Which rule set: default ipv4, or the family of the nft `table` named (`ip6`: ipv6)." }),
    packets: comparisonSchema.optional(),
    bytes: comparisonSchema.optional(),
  })
  .meta({
    anyOf: [{ required: ["packets"] }, { required: ["bytes"] }],
  });

const commandSchema = z.union([
  z.string().meta({ description: "A command line, split into words like a shell does but run without one (no operators or expansions)." }),
  z.array(z.string()).min(1).meta({ description: "A command as an argument array." }),
]);

const patternsSchema = (what: string) =>
  z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional().meta({ description: what });

const runObjectSchema = z.strictObject({
  host: z.string().optional().meta({ description: "The host to run on, any lab host (default: the only firewall host)." }),
  command: commandSchema.meta({ description: "The command: a line (split like a shell, run without one) or an argument array." }),
  exit: z
    .union([z.number().int().min(0).max(255), z.literal("nonzero")])
    .default(0)
    .meta({ description: "Expected exit status: 0..255, or `nonzero` for any failure." }),
  contains: patternsSchema("Text (or texts) stdout+stderr must contain."),
  excludes: patternsSchema("Text (or texts) stdout+stderr must not contain."),
  matches: patternsSchema("JavaScript regular expression(s), multiline, stdout+stderr must match."),
});

const runSchema = z
  .union([z.string().meta({ description: "A command line, run on the only firewall host; it must exit 0." }), runObjectSchema])
  .meta({ description: "Run a command on a host and check its exit status and output." });

const holdSchema = z
  .strictObject({
    name: z.string().meta({ pattern: NAME_PATTERN, description: "Names the held connection for later `held NAME VERDICT` expectations; unique in the scenario." }),
    from: z.string().meta({ description: "The host that opens the connection." }),
    to: z.string().meta({ pattern: HOST_NAME_PATTERN, description: "The host it connects to (a lab host; not `localhost` or an address)." }),
    port: z.number().int().min(1).max(65535),
    protocol: z.enum(HOLD_PROTOCOLS).default("tcp").meta({ description: "tcp (a connection) or udp (a flow)." }),
    family: z.enum(HOLD_FAMILIES).default("ipv4").meta({ description: "The address family of the connection." }),
  })
  .meta({ description: "Open a connection and hold it for later `held` expectations." });

const stepSchema = z
  .strictObject({
    apply: applySchema.optional(),
    expect: z.array(expectItemSchema).min(1).optional().meta({ description: "Expectations, each proven by probes." }),
    counters: z
      .array(counterCheckSchema)
      .min(1)
      .optional()
      .meta({ description: "Rule counters compared since the previous counters step (or the last apply)." }),
    run: runSchema.optional(),
    reboot: z.string().optional().meta({ pattern: HOST_NAME_PATTERN, description: "A host that goes through a reboot (runtime rules gone, boot-time restores run)." }),
    hold: holdSchema.optional(),
  })
  .meta({ description: "One of `apply`, `expect`, `counters`, `run`, `reboot` or `hold`.", minProperties: 1, maxProperties: 1 });

const declaredEquivalentSchema = z
  .strictObject({
    mutant: z.string().min(1).meta({ description: "The mutant's id exactly as `fwspec mutate` prints it, e.g. `delete@firewalld.nft:139`." }),
    because: z.string().min(1).meta({ description: "Why no packet's fate can differ: name the rule lines that make it so." }),
    rule: z
      .string()
      .min(1)
      .optional()
      .meta({ description: "Recommended: the text of the rule the mutant changes, as written (whitespace aside). When the rules file is edited and the id comes to name another rule, `fwspec mutate` refuses the declaration instead of applying it to that rule." }),
  })
  .meta({ description: "A mutant the author declares equivalent (`fwspec mutate` reports it, not run; `--run-equivalent` audits it)." });

const mutateSchema = z
  .strictObject({
    equivalent: z.array(declaredEquivalentSchema).min(1).optional().meta({ description: "Mutants that hold equivalent only because of this ruleset, each with its reason." }),
  })
  .meta({ description: "For `fwspec mutate` only (`fwspec run` ignores it)." });

export const scenarioSchema = z
  .strictObject({
    name: z.string().min(1).max(MAX_NAME_LENGTH).meta({ description: `A one-line title (at most ${MAX_NAME_LENGTH} characters).` }),
    description: z.string().min(1).meta({ description: "Why: what this scenario proves." }),
    family: familyChoice.default("both").meta({ description: "Default family of expectations." }),
    timeout: z.number().int().min(1).max(30).default(2).meta({ description: "Probe timeout in whole seconds." }),
    parity: z
      .enum(PARITY_CHOICES)
      .default("warn")
      .meta({ description: "When an expectation checks one family, the other is probed too; a different verdict is a warning (`warn`) or a failure (`fail`); `off`: the other family is not probed (a network that has none)." }),
    networks: z
      .array(z.string().meta({ pattern: NAME_PATTERN }))
      .min(1)
      .optional()
      .meta({ description: "Lab networks (default: one network). Hosts choose theirs with `networks`; a `router: true` host joins two.", uniqueItems: true }),
    subnets: z
      .record(z.string(), familyAddresses("subnet", "198.18.7.0/24", "2001:db8:7::/64"))
      .optional()
      .meta({ description: "Declared subnets by network (inside 198.18.0.0/16 and 2001:db8::/32); networks and families not named get automatic ones." }),
    hosts: z
      .record(z.string(), hostSchema)
      .meta({ description: "The lab hosts by name.", minProperties: 1, propertyNames: { pattern: HOST_NAME_PATTERN } }),
    steps: z.array(stepSchema).min(1).meta({ description: "Run in order." }),
    mutate: mutateSchema.optional(),
  })
  .meta({ title: "fwspec scenario", description: "An executable firewall specification." });

export const schemas = {
  scenario: scenarioSchema,
  host: hostSchema,
  step: stepSchema,
  apply: applySchema,
  expectItem: expectItemSchema,
  counterCheck: counterCheckSchema,
  comparison: comparisonSchema,
  run: runSchema,
  hold: holdSchema,
  mutate: mutateSchema,
} as const;

export type ScenarioInput = z.input<typeof scenarioSchema>;
export type HostInput = z.input<typeof hostSchema>;
export type StepInput = z.input<typeof stepSchema>;
export type ApplyInput = z.input<typeof applySchema>;
export type ExpectItemInput = z.input<typeof expectItemSchema>;
export type CounterCheckInput = z.input<typeof counterCheckSchema>;
export type RunInput = z.input<typeof runSchema>;
export type HoldInput = z.input<typeof holdSchema>;
