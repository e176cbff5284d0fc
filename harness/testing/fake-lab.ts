/**
 * An in-memory lab for runner unit tests: a LabProvider whose hosts answer
 * exec() from a small model of iptables (-A/-I/-C, iptables-save -c with
 * counters), conntrack, nc and fwspec-probe (start/wait/stop, see
 * docker/fwspec-probe). TCP only; one network; a DROP rule counts the probe
 * and leaves it pending, so the runner decides it early from counters as it
 * does with real containers. No Docker, no processes, milliseconds per scenario.
 */
import { CommandError, LabError } from "../errors.ts";
import type { ExecOptions, ExecResult } from "../lab/exec.ts";
import { shellQuote } from "../lab/exec.ts";
import type { HostAddresses, KeptLab, LabHost, LabNetworkInfo, LabProvider, LabSpec, RebootOutcome, RunningLab, WarmLab, WarmState } from "../lab/types.ts";
import { type Family, FAMILIES, type HostSpec } from "../model/types.ts";
import { shapeKey } from "../plan/shape.ts";
import { UDP_IDENTITY_BYTES } from "../probes/answer.ts";
import { LISTENER_STATE_SCRIPT } from "../probes/listeners.ts";

interface FakeRule {
  readonly text: string;
  readonly port: number | undefined;
  readonly target: string;
  packets: number;
  bytes: number;
}

export interface FakeLabOptions {
  /** Hosts whose probe tools fail to run (the engine lost them): their probes are `error`. */
  readonly failing?: readonly string[];
  /** What every reboot's boot reports failing (a `pre-up` line that did not load). */
  readonly bootProblems?: readonly string[];
  readonly bootNotes?: readonly string[];
}

/** A host-state reading (rules/host-state.ts) of a host with nothing but iptables rules. */
const HOST_STATE = ["nft", "{}", "legacy4", "", "legacy6", "", "ip", "[]\n[]\n[]", "rule6", "[]", "alternatives", "", "sysctl", "", "neigh", ""]
  .map((part, i) => (i % 2 === 0 ? `@@fwspec-state ${part}` : part)).join("\n");

const ok = (command: readonly string[], stdout = "", stderr = "", exitCode = 0): ExecResult => ({ command, exitCode, stdout, stderr, durationMs: 1 });

class FakeHost implements LabHost {
  readonly spec: HostSpec;
  readonly name: string;
  readonly containerName: string;
  readonly addresses: HostAddresses;
  readonly networks = ["lan"];
  readonly rules: Record<Family, FakeRule[]> = { ipv4: [], ipv6: [] };
  readonly #lab: FakeLab;
  readonly #pending = new Map<string, readonly string[]>();
  /** What its listeners are and the name they answer with (docker/fwspec-listen set changes both). */
  listening: { name: string; listen: readonly { readonly protocol: string; readonly port: number }[] };
  /** Addresses `ip addr add` added (a run step's). */
  readonly added: string[] = [];

  constructor(spec: HostSpec, index: number, lab: FakeLab) {
    this.spec = spec;
    this.name = spec.name;
    this.containerName = `fake-${spec.name}`;
    this.listening = { name: spec.name, listen: spec.listen };
    this.addresses = { ipv4: `198.18.0.${index + 2}`, ipv6: `2001:db8::${index + 2}` };
    this.#lab = lab;
  }

  addressOn(_network: string, family: Family): string {
    return this.addresses[family];
  }
  interfaceOn(network: string): string | undefined {
    return this.spec.interfaces?.[network] ?? (network === "lan" ? "eth0" : undefined);
  }
  loopback(family: Family): string {
    return family === "ipv4" ? "127.0.0.1" : "::1";
  }
  repro(command: readonly string[]): string {
    return `fake-exec ${this.name} ${shellQuote(command)}`;
  }
  async assertIsolated(): Promise<void> {}
  async copyFile(): Promise<void> {}
  async runStaged(_content: string, _target: string, command: readonly string[], what: string): Promise<ExecResult> {
    return this.run(command, what);
  }
  async run(command: readonly string[], what: string, options?: ExecOptions): Promise<ExecResult> {
    const r = await this.exec(command, options);
    if (r.exitCode !== 0) throw new CommandError(`${what} failed`, { command, exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr, where: this.name });
    return r;
  }

  async exec(command: readonly string[], options?: ExecOptions): Promise<ExecResult> {
    const [tool, ...args] = command;
    if (tool === "sh" && command.includes("fwspec-reset")) return this.#restore(command, command.includes("iptables-restore") ? "ipv4" : "ipv6", options?.stdin ?? "");
    // Empty tables deleted (shared-lab.ts, before a scenario that prints counters): the fake's filter table has no policies that count.
    if (tool === "sh" && command.includes("fwspec-drop-empty")) return ok(command, this.#save(command[2]!.includes("ip6tables-save") ? "ipv6" : "ipv4"));
    // readHostDigest: both families' iptables-save, then the state reading, in one command.
    if (tool === "sh" && command.some((a) => a.includes("@@fwspec-saves-end"))) return ok(command, `${this.#save("ipv4")}@@fwspec-saves-end\n${this.#save("ipv6")}@@fwspec-saves-end\n${HOST_STATE}`);
    if (tool === "sh" && command.some((a) => a.includes("@@fwspec-state"))) return ok(command, HOST_STATE);
    if (tool === "ss") return ok(command, this.#listeningSockets());
    // After a run step: the listeners' sockets with their processes (pids from 100), then every process running.
    if (tool === "bash" && command[2] === LISTENER_STATE_SCRIPT) {
      const pids = this.listening.listen.map((_, i) => 100 + i);
      return ok(command, `${this.#listeningSockets().split("\n").map((l, i) => (l ? `${l} users:(("fwspec-tcp-echo",pid=${pids[i]},fd=5))` : l)).join("\n")}\n\n${["1 Ss", ...pids.map((p) => `${p} Ss`)].join("\n")}\n`);
    }
    if (tool === "fwspec-listen" && args[0] === "set") {
      this.listening = { name: args[1]!, listen: args.slice(2).map((w) => ({ protocol: w.split("/")[0]!, port: Number(w.split("/")[1]) })) };
      return ok(command);
    }
    // The fake's UDP listeners answer from every address at once.
    if (tool === "fwspec-listen" && args[0] === "settled") return ok(command);
    if (tool === "sh" && command[2]?.startsWith("for tool in")) return ok(command);
    const backendTool = /^(ip6?tables)-(?:nft|legacy)(-restore)?$/.exec(tool ?? "");
    if (backendTool?.[2]) return this.#restoreTool(command, backendTool[1] === "iptables" ? "ipv4" : "ipv6", options?.stdin ?? "");
    const unknown = args.find((a) => a.startsWith("--no-such-"));
    if (unknown) return ok(command, "", `${tool} v0 (fake): unknown option "${unknown}"\nTry \`${tool} -h' for more information.\n`, 2);
    if (tool === "iptables" || tool === "ip6tables" || backendTool) return this.#iptables(command, (backendTool?.[1] ?? tool) === "iptables" ? "ipv4" : "ipv6", args);
    if (tool === "iptables-save" || tool === "ip6tables-save") return ok(command, this.#save(tool === "iptables-save" ? "ipv4" : "ipv6"));
    if (tool === "conntrack") return ok(command);
    // The handoff's end of connections, flush of neighbours and IPsec policies, then its listening sockets: the listeners'
    // (and, when asked, each family's iptables-save -c after a line of its own).
    if (isForgetScript(command)) {
      const saves = command[2]!.includes("iptables-save -c") ? [this.#save("ipv4"), this.#save("ipv6")].map((t) => `\n@@fwspec-forget-saves\n${t}`).join("") + "\n@@fwspec-forget-saves\n" : "";
      return ok(command, (command[2]!.includes("ss -H -ltun") ? this.#listeningSockets() : "") + saves);
    }
    const addrAdd = tool === "ip" ? /^(?:-6 )?addr add (\S+?)(?:\/\d+)? dev \S+/.exec(args.join(" ")) : null;
    if (addrAdd) {
      this.added.push(addrAdd[1]!);
      return ok(command);
    }
    if (tool === "ip" && (args.join(" ") === "-j addr show" || args.join(" ") === "-j -d addr show")) return ok(command, JSON.stringify([{ ifname: "lo", flags: ["LOOPBACK", "UP", "LOWER_UP"], addr_info: [{ local: "127.0.0.1" }, { local: "::1" }] }, { ifname: "eth0", flags: ["BROADCAST", "MULTICAST", "UP", "LOWER_UP"], addr_info: [{ local: this.addresses.ipv4 }, { local: this.addresses.ipv6 }, ...this.added.map((local) => ({ local }))] }]));
    // No native nftables tables in the fake: listing them gives none, flushing the ruleset succeeds (other nft commands: not found).
    if (tool === "nft" && args.includes("list")) return ok(command, args[0] === "-j" ? '{"nftables": []}' : "");
    if (tool === "nft" && args.join(" ") === "flush ruleset") return ok(command);
    // As `nft -c`: a misspelt verdict (`acept`) is a syntax error at its line and column; a file without one passes (and loads).
    if (tool === "nft" && args[args.length - 2] === "-f" && args.at(-1) === "/dev/stdin") return this.#nftCheck(command, options?.stdin ?? "");
    if (tool === "fwspec-probe") return this.#probeTool(command, args);
    if (tool === "timeout") return this.#nc(command, command.slice(command.indexOf("nc")), false);
    return ok(command, "", `${tool}: not found`, 127);
  }

  /** `ss -H -ltun` as the fake's listeners make it. */
  #listeningSockets(): string {
    return this.listening.listen.map((l) => `${l.protocol === "udp" ? "udp" : "tcp"} LISTEN 0 4096 0.0.0.0:${l.port} 0.0.0.0:*`).join("\n");
  }

  #iptables(command: readonly string[], family: Family, args: readonly string[]): ExecResult {
    const [op, chain, ...rest] = args;
    const spec = rest[0] === "1" && op === "-I" ? rest.slice(1) : rest;
    const text = `-A ${chain} ${spec.join(" ").replace("-p tcp --dport", "-p tcp -m tcp --dport")}`;
    const port = Number(spec[spec.indexOf("--dport") + 1]) || undefined;
    const target = spec[spec.indexOf("-j") + 1] ?? "";
    if (op === "-C") return this.rules[family].some((r) => r.text === text) ? ok(command) : ok(command, "", `${command[0]}: Bad rule (does a matching rule exist in that chain?).`, 1);
    const rule = { text, port, target, packets: 0, bytes: 0 };
    if (op === "-I") this.rules[family].unshift(rule);
    else this.rules[family].push(rule);
    return ok(command);
  }

  /** `ip[6]tables-<backend>-restore [--test]` (the rule syntax check): an option `--no-such-…` is unknown, reported with its line; a jump to `NOSUCH…` fails the load. */
  /** `nft -c -f /dev/stdin` (and `nft -f`) as nft words a misspelt verdict: file:line:first-last column, the line, its marks. */
  #nftCheck(command: readonly string[], input: string): ExecResult {
    const errors = input.split("\n").flatMap((line, i) => {
      const at = line.indexOf("acept");
      return at < 0 ? [] : [`/dev/stdin:${i + 1}:${at + 1}-${at + 5}: Error: syntax error, unexpected string\n${line}\n${" ".repeat(at)}^^^^^\n`];
    });
    return errors.length === 0 ? ok(command) : ok(command, "", errors.join(""), 1);
  }

  #restoreTool(command: readonly string[], family: Family, input: string): ExecResult {
    const bad = input.split("\n").findIndex((l) => l.split(" ").some((w) => w.startsWith("--no-such-")));
    if (bad >= 0) return ok(command, "", `${command[0]} v0 (fake): unknown option\nError occurred at line: ${bad + 1}\nTry \`${command[0]} -h' for more information.\n`, 2);
    if (command.includes("--test")) return ok(command);
    // As iptables-nft: a jump to a chain that does not exist (`-j NOSUCH…`) only when the table is committed, named at its COMMIT.
    const lines = input.split("\n");
    const jump = lines.findIndex((l) => /-j NOSUCH/.test(l));
    if (jump >= 0) {
      const chain = /-j (NOSUCH\S*)/.exec(lines[jump]!)![1]!;
      return ok(command, "", `${command[0]} v0 (fake): Chain '${chain}' does not exist\nError occurred at line: ${lines.indexOf("COMMIT", jump) + 1}\n`, 2);
    }
    return this.#restore(command, family, input);
  }

  /** iptables-restore of a filter table (the shared-lab reset; the tables it deletes first, named after its `yes`/`no`), then iptables-save -c. */
  #restore(command: readonly string[], family: Family, input: string): ExecResult {
    const reset = command.indexOf("fwspec-reset");
    const dropped = reset >= 0 ? command.slice(reset + 5) : [];
    if (input.includes("*filter") || dropped.includes("filter")) this.rules[family].length = 0;
    for (const line of input.split("\n").filter((l) => l.startsWith("-A "))) this.#iptables(command, family, line.split(" "));
    return ok(command, this.#save(family));
  }

  #save(family: Family): string {
    const rules = this.rules[family].map((r) => `[${r.packets}:${r.bytes}] ${r.text}`);
    return ["*filter", ":INPUT ACCEPT [0:0]", ":FORWARD ACCEPT [0:0]", ":OUTPUT ACCEPT [0:0]", ...rules, "COMMIT", ""].join("\n");
  }

  /** The verdict of a TCP connection to this host's `port` over `family`, counted by the rule that decides it. */
  receive(family: Family, port: number, fromSelf: boolean): "open" | "refused" | "dropped" {
    for (const rule of fromSelf ? [] : this.rules[family]) {
      if (rule.port !== undefined && rule.port !== port) continue;
      rule.packets += 1;
      rule.bytes += 60;
      if (rule.target === "DROP") return "dropped";
      if (rule.target === "REJECT") return "refused";
      if (rule.target === "ACCEPT") break;
    }
    return this.listening.listen.some((l) => l.port === port) ? "open" : "refused";
  }

  /** A probe's packet to address:port from this host: what happened to it and, when answered, the listener's identity line (who answered, the source it saw). */
  #send(address: string, port: number): { readonly verdict: "open" | "refused" | "dropped"; readonly identity: string } {
    if (this.#lab.failing.has(this.name)) throw new LabError(`the container of ${this.name} is gone`);
    const family: Family = address.includes(":") ? "ipv6" : "ipv4";
    const self = address === this.loopback(family) || address === this.addresses[family];
    const target = self ? this : this.#lab.byAddress(address);
    const verdict = target ? target.receive(family, port, self) : "dropped";
    const seen = address === this.loopback(family) ? address : this.addresses[family];
    return { verdict, identity: verdict === "open" ? `fwspec ${target!.listening.name} ${port} ${seen} 40000` : "" };
  }

  #nc(command: readonly string[], nc: readonly string[], pending: boolean): ExecResult {
    const address = nc.at(-2)!;
    const port = Number(nc.at(-1));
    const { verdict, identity } = this.#send(address, port);
    if (verdict === "open") return ok(command, `${identity}\n`, `Connection to ${address} ${port} port [tcp/*] succeeded!`);
    if (verdict === "refused") return ok(command, "", `nc: connect to ${address} port ${port} (tcp) failed: Connection refused`, 1);
    if (pending) return ok(command, "fwspec-probe: pending\n", "", 199);
    return ok(command, "", `nc: connect to ${address} port ${port} (tcp) timed out: Operation now in progress`, 1);
  }

  /**
   * A UDP probe (probes/command.ts: socat sends the nonce to `UDP:<address>:<port>,…`): the nonce and the
   * padded identity line come back when it is open; a dropped one ends at once, as socat at its timeout.
   */
  #udp(command: readonly string[], argv: readonly string[]): ExecResult {
    const nonce = argv[argv.indexOf("udp-probe") + 1]!;
    const [, address, port] = /^UDP:\[?([^\]]*?)\]?:(\d+),/.exec(argv.at(-1)!)!;
    const { verdict, identity } = this.#send(address!, Number(port));
    if (verdict === "open") return ok(command, `${nonce}\n${identity.padEnd(UDP_IDENTITY_BYTES)}\n`);
    if (verdict === "refused") return ok(command, "", "socat[1] E read(5, 0x1, 8192): Connection refused", 1);
    return ok(command);
  }

  #probeTool(command: readonly string[], args: readonly string[]): ExecResult {
    const [op, id, ...rest] = args;
    // No half-open sockets in the fake: ending them finds none.
    if (op === "half-open") return ok(command);
    if (op === "start") {
      const argv = rest.slice(1);
      if (argv.includes("udp-probe")) return this.#udp(command, argv);
      const r = this.#nc(command, argv.slice(argv.indexOf("nc")), true);
      if (r.exitCode === 199) this.#pending.set(id!, argv);
      return r;
    }
    const argv = this.#pending.get(id!);
    if (!argv) return ok(command, "", `fwspec-probe: no probe ${id}`, 196);
    if (op === "wait" && rest.length > 0) return ok(command, "fwspec-probe: pending\n", "", 199);
    this.#pending.delete(id!);
    if (op === "stop") return ok(command, "fwspec-probe: stopped\n", "", 198);
    const address = argv.at(-2)!;
    return ok(command, "", `nc: connect to ${address} port ${argv.at(-1)} (tcp) timed out: Operation now in progress`, 1);
  }
}

/** The handoff's script of a host (runner/forget.ts forgetScript): what a test makes fail as a kernel would. */
export function isForgetScript(command: readonly string[]): boolean {
  return command[0] === "sh" && command[1] === "-c" && /^\{ e=\$\(ss -K .* && ip neigh flush all nud all( && |$)/s.test(command[2] ?? "");
}

class FakeLab implements RunningLab {
  readonly name: string;
  readonly hosts: ReadonlyMap<string, FakeHost>;
  readonly networks: ReadonlyMap<string, LabNetworkInfo> = new Map([["lan", { name: "lan", ipv4Subnet: "198.18.0.0/24", ipv6Subnet: "2001:db8::/64" }]]);
  readonly failing: ReadonlySet<string>;
  disposed = false;
  /** Set by keep(): disposing then lets the lab run on (`disposed` stays false). */
  kept = false;
  /** Set by park(): left warm in its provider; disposing then lets it run on. */
  parked = false;
  readonly #provider: FakeLabProvider | undefined;
  readonly #bootProblems: readonly string[];
  readonly #bootNotes: readonly string[];

  constructor(spec: LabSpec, options: FakeLabOptions, provider?: FakeLabProvider) {
    this.name = spec.name;
    this.#provider = provider;
    this.failing = new Set(options.failing ?? []);
    this.#bootProblems = options.bootProblems ?? [];
    this.#bootNotes = options.bootNotes ?? [];
    this.hosts = new Map(spec.hosts.map((h, i) => [h.name, new FakeHost(h, i, this)]));
  }
  host(name: string): FakeHost {
    const h = this.hosts.get(name);
    if (!h) throw new LabError(`no host ${name} in lab ${this.name}`);
    return h;
  }
  byAddress(address: string): FakeHost | undefined {
    return [...this.hosts.values()].find((h) => FAMILIES.some((f) => h.addresses[f] === address) || h.added.includes(address));
  }
  addressFor(_from: LabHost, to: LabHost, family: Family): string {
    return to.addresses[family];
  }
  async reboot(name: string): Promise<RebootOutcome> {
    const h = this.host(name);
    for (const f of FAMILIES) h.rules[f].length = 0;
    return { bootProblems: this.#bootProblems, bootNotes: this.#bootNotes };
  }
  async keep(): Promise<KeptLab> {
    this.kept = true;
    return { lab: this.name, run: "0fa4e1ab", until: new Date(0).toISOString(), hosts: [...this.hosts.values()].map((h) => ({ name: h.name, shell: `fake-shell ${h.name}` })) };
  }
  async park(state: WarmState): Promise<string> {
    if (!this.#provider) throw new LabError("this fake lab has no provider to be left warm in");
    this.parked = true;
    this.#provider.warm.push({ lab: this, state });
    return new Date(0).toISOString();
  }
  /** Taken from its provider's warm labs: disposing it removes it again, unless it is left warm again. */
  taken(): void {
    this.parked = false;
  }
  async [Symbol.asyncDispose](): Promise<void> {
    if (!this.kept && !this.parked) this.disposed = true;
  }
}

/** A LabProvider of in-memory labs; `started` keeps every lab it made (to look at after a run). */
export class FakeLabProvider implements LabProvider {
  readonly started: FakeLab[] = [];
  /** Labs left warm (`reuse`), across the runs this provider is given to. */
  readonly warm: { readonly lab: FakeLab; readonly state: WarmState }[] = [];
  readonly #options: FakeLabOptions;
  constructor(options: FakeLabOptions = {}) {
    this.#options = options;
  }
  async start(spec: LabSpec): Promise<RunningLab> {
    const lab = new FakeLab(spec, this.#options, this);
    this.started.push(lab);
    return lab;
  }
  /** A warm lab of `spec`'s shape, the oldest first (the fake has one image). */
  async claimWarm(spec: LabSpec): Promise<WarmLab | undefined> {
    const at = this.warm.findIndex((w) => shapeKey(w.state.shape) === shapeKey(spec));
    if (at < 0) return undefined;
    const [taken] = this.warm.splice(at, 1);
    taken!.lab.taken();
    return taken;
  }
}

/** Runs `around` around every command of the lab's hosts (tests that record commands or hold some back). */
export function aroundExec(lab: RunningLab, around: (host: LabHost, command: readonly string[], exec: () => Promise<ExecResult>, options?: ExecOptions) => Promise<ExecResult>): void {
  for (const host of lab.hosts.values()) {
    const exec = host.exec.bind(host);
    host.exec = (command, options) => around(host, command, () => exec(command, options), options);
  }
}
