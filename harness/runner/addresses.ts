/**
 * Puts the running lab's real addresses into an apply step's rules files and
 * commands (`{{ db.ipv4 }}`, `{{ db.lan.ipv6 }}`, `{{ lan.ipv4 }}`,
 * `{{ gw.wan.interface }}`; the syntax is scenario/placeholders.ts). The
 * substituted text is what is applied and what the step's evidence shows.
 * Also the lab's address book: which host an address belongs to.
 */
import { isIPv4 } from "node:net";
import { LabError } from "../errors.ts";
import type { AddressBook } from "../judge/answer.ts";
import type { Family } from "../model/types.ts";
import type { LabHost, RunningLab } from "../lab/types.ts";
import type { RejectedRuleLine } from "../model/results.ts";
import type { RuleSource } from "../scenario/model.ts";
import { columnAsWritten, type Names, substitute, type Values } from "../scenario/placeholders.ts";

function namesOf(lab: RunningLab): Names {
  return { hosts: new Map([...lab.hosts].map(([name, h]) => [name, h.networks])), networks: [...lab.networks.keys()] };
}

function valuesOf(lab: RunningLab): Values {
  return {
    address: (host, network, family) => lab.hosts.get(host)?.addressOn(network, family),
    subnet: (network, family) => {
      const n = lab.networks.get(network);
      return n === undefined ? undefined : family === "ipv4" ? n.ipv4Subnet : n.ipv6Subnet;
    },
    interface: (host, network) => lab.hosts.get(host)?.interfaceOn(network),
  };
}

/** Replaces placeholders in one text. */
function putter(lab: RunningLab): (text: string) => string {
  const names = namesOf(lab);
  const values = valuesOf(lab);
  return (text: string): string => {
    try {
      return substitute(text, names, values);
    } catch (error) {
      throw new LabError(`lab address: ${(error as Error).message}`, { hint: "the scenario check should have caught this; please report it" });
    }
  };
}

/** Rejected lines as the user wrote them (placeholders.ts columnAsWritten, per file); nft's columns are mapped already (rules/nft-apply.ts). */
export function rejectedAsWritten(rejected: readonly RejectedRuleLine[], sources: readonly RuleSource[]): RejectedRuleLine[] {
  const written = new Map(sources.flatMap((s) => (s.kind === "commands" ? [] : [[s.path, s.content.split("\n")] as const])));
  return rejected.map((r) => (r.family === "nft" ? r : columnAsWritten(r, written.get(r.file) ?? [])));
}

/** A `run` step's command with every lab-address placeholder replaced. */
export function commandWithLabAddresses(command: readonly string[], lab: RunningLab): string[] {
  return command.map(putter(lab));
}

/** The sources with every lab-address placeholder replaced. */
export function withLabAddresses(sources: readonly RuleSource[], lab: RunningLab): RuleSource[] {
  const put = putter(lab);
  return sources.map((s) => {
    if (s.kind === "commands") return { ...s, commands: s.commands.map((c) => c.map(put)) };
    const content = put(s.content);
    return s.kind === "nft" && content !== s.content ? { ...s, content, written: s.content } : { ...s, content };
  });
}

/** Every host's addresses in one family, on each of its networks, its declared extra ones too: whose source a listener saw (judge/answer.ts). */
export function addressBook(lab: RunningLab, family: Family): AddressBook {
  const extra = (h: LabHost, n: string) => (h.spec.addresses?.[n]?.extra ?? []).filter((a) => isIPv4(a) === (family === "ipv4"));
  return new Map([...lab.hosts].map(([name, h]) => [name, h.networks.flatMap((n) => [h.addressOn(n, family) ?? [], extra(h, n)].flat())]));
}

/** The lab host an address in the book belongs to (written as the lab writes it), or undefined. */
export function addressOwner(book: AddressBook): (address: string) => string | undefined {
  const owners = new Map([...book].flatMap(([host, addresses]) => addresses.map((a) => [a, host] as const)));
  return (address) => owners.get(address);
}
