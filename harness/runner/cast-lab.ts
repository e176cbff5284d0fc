/**
 * A lab as one scenario sees it when the lab was started for another of its
 * shape (plan/shape.ts): the same containers, networks and addresses, each
 * host under the scenario's name and with the scenario's host spec (its
 * listeners), so placeholders, reports, errors and reboots speak the
 * scenario's names. Repro commands name the real containers (they must work).
 */
import { CommandError, LabError } from "../errors.ts";
import type { ExecOptions, ExecResult } from "../lab/exec.ts";
import type { HostAddresses, KeptLab, LabHost, LabNetworkInfo, RebootOutcome, RunningLab, StagedOptions } from "../lab/types.ts";
import type { Family, HostSpec } from "../model/types.ts";
import type { LayerEntries } from "../lab/writable-layer.ts";

/** A CommandError from the lab host, told under the scenario's name. */
function renamed(error: unknown, from: string, to: string): unknown {
  if (!(error instanceof CommandError) || error.failure.where !== from) return error;
  const message = error.message.endsWith(` on ${from}`) ? `${error.message.slice(0, -from.length)}${to}` : error.message;
  return new CommandError(message, { ...error.failure, where: to }, { cause: error.cause, ...(error.hint ? { hint: error.hint } : {}), ...(error.rejected ? { rejected: error.rejected } : {}) });
}

class CastHost implements LabHost {
  readonly spec: HostSpec;
  /** The lab's own host. */
  readonly base: LabHost;

  constructor(spec: HostSpec, base: LabHost) {
    this.spec = spec;
    this.base = base;
  }
  get name(): string {
    return this.spec.name;
  }
  get containerName(): string {
    return this.base.containerName;
  }
  get addresses(): HostAddresses {
    return this.base.addresses;
  }
  get networks(): readonly string[] {
    return this.base.networks;
  }
  addressOn(network: string, family: Family): string | undefined {
    return this.base.addressOn(network, family);
  }
  interfaceOn(network: string): string | undefined {
    return this.base.interfaceOn(network);
  }
  async readInterfaces(): Promise<void> {
    await this.base.readInterfaces?.();
  }
  loopback(family: Family): string {
    return this.base.loopback(family);
  }
  repro(command: readonly string[]): string {
    return this.base.repro(command);
  }
  writableLayer(skip?: readonly string[]): Promise<LayerEntries | undefined> {
    return this.base.writableLayer?.(skip) ?? Promise.resolve(undefined);
  }
  async assertIsolated(): Promise<void> {
    await this.base.assertIsolated();
  }
  async #as<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw renamed(error, this.base.name, this.name);
    }
  }
  exec(command: readonly string[], options?: ExecOptions): Promise<ExecResult> {
    return this.#as(() => this.base.exec(command, options));
  }
  run(command: readonly string[], what: string, options?: ExecOptions): Promise<ExecResult> {
    return this.#as(() => this.base.run(command, what, options));
  }
  runStaged(content: string, target: string, command: readonly string[], what: string, options?: StagedOptions): Promise<ExecResult> {
    return this.#as(() => this.base.runStaged(content, target, command, what, options));
  }
  copyFile(content: string, target: string): Promise<void> {
    return this.#as(() => this.base.copyFile(content, target));
  }
}

/** `lab` under the names of `cast` (scenario host → lab host name), each host with the scenario's spec. */
export class CastLab implements RunningLab {
  readonly #lab: RunningLab;
  readonly #labName = new Map<string, string>();
  readonly hosts: ReadonlyMap<string, CastHost>;

  constructor(lab: RunningLab, specs: readonly HostSpec[], cast: ReadonlyMap<string, string>) {
    this.#lab = lab;
    this.hosts = new Map(specs.map((spec) => [spec.name, new CastHost(spec, lab.host(cast.get(spec.name)!))]));
    for (const [name, labName] of cast) this.#labName.set(labName, name);
  }
  get name(): string {
    return this.#lab.name;
  }
  get networks(): ReadonlyMap<string, LabNetworkInfo> {
    return this.#lab.networks;
  }
  host(name: string): CastHost {
    const h = this.hosts.get(name);
    if (!h) throw new LabError(`no host \`${name}\` in lab ${this.name} (hosts: ${[...this.hosts.keys()].join(", ")})`);
    return h;
  }
  addressFor(from: LabHost, to: LabHost, family: Family): string {
    const base = (h: LabHost) => (h instanceof CastHost ? h.base : h);
    return this.#lab.addressFor(base(from), base(to), family);
  }
  async reboot(name: string): Promise<RebootOutcome> {
    return await this.#lab.reboot(this.host(name).base.name);
  }
  /**
   * The lab kept, its hosts under the scenario's names; one the lab knows by another name (a shared lab started
   * for another scenario: its containers are named after that one's hosts) says which; a lab host the
   * scenario left idle (a larger lab: plan/absorb.ts) is said to be one, under its lab name.
   */
  async keep(): Promise<KeptLab> {
    const kept = await this.#lab.keep();
    const named = (lab: string) => {
      const mine = this.#labName.get(lab);
      return mine === undefined ? `${lab} (idle: no host of this scenario)` : mine === lab ? mine : `${mine} (the lab's ${lab}, named for the scenario the lab was started for)`;
    };
    return { ...kept, hosts: kept.hosts.map((h) => ({ ...h, name: named(h.name) })) };
  }
  /** The lab itself is disposed by whoever started it. */
  async [Symbol.asyncDispose](): Promise<void> {}
}
