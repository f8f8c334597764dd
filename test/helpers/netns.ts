/**
 * A routed chain of network namespaces for tests that need real hops:
 *
 *   root (this process) ── r1 ── r2 ── target
 *
 * joined by veth pairs, with forwarding on r1 and r2, so a traceroute or mtr
 * run by the app in this process sees exactly three hops. Each chain takes one
 * /24 of 10.213.0.0/16 (three /30 links), so test files running in parallel get
 * separate chains. Namespace and interface names carry the pid: leftovers of
 * a crashed run are recognised (their pid is gone) and removed before a new
 * chain is made. Needs root and iproute2.
 */
import { existsSync } from "node:fs";
import { run } from "../../src/core/runner";
import { hasCommand, isRoot } from "./env";

export const netnsAvailable = isRoot && hasCommand("ip");

export type ChainNode = "r1" | "r2" | "target";

export interface ExecResult {
  exitCode: number | null;
  stdout: string;
  stderr: string;
}

export interface NetnsChain {
  /** The address traces go to (target's side of the r2–target link). */
  targetIp: string;
  /** The addresses a trace from the root namespace sees, in order: r1, r2, target. */
  hopIps: string[];
  /** The root namespace's address on the chain (where a trace from the target goes back to). */
  rootIp: string;
  /** The addresses a trace from the target to rootIp sees, in order: r2, r1, root. */
  reverseHopIps: string[];
  /** The namespace names, for diagnostics. */
  namespaces: Record<ChainNode, string>;
  /** The chain's interface in the root namespace (its traffic passes there). */
  rootLink: string;
  /** Runs a command inside one of the namespaces (for example iptables rules that drop probes). */
  exec(ns: ChainNode, argv: string[]): Promise<ExecResult>;
  /** Deletes the namespaces, the root veth and its route. Safe to call more than once. */
  destroy(): Promise<void>;
}

/** A chain's id is `<pid>-<n>`: unique per process, and tells whether its creator is still alive. */
const PREFIX = "ntr-";
/** Interface names are limited to 15 characters: "ntr" + pid + "-" + n fits. */
const rootLinkName = (id: string) => `ntr${id}`;
const namespaceName = (id: string, node: ChainNode) => `${PREFIX}${id}-${node}`;
const SUBNET = "10.213";

/** Chains this process has made and not yet destroyed. */
const liveChains = new Set<string>();
let chainsMade = 0;

async function ip(args: string[]): Promise<ExecResult> {
  const r = await run(["ip", ...args], { timeoutMs: 10_000 });
  return { exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr };
}

async function mustIp(args: string[]): Promise<string> {
  const r = await ip(args);
  if (r.exitCode !== 0) throw new Error(`ip ${args.join(" ")} failed: ${r.stderr.trim()}`);
  return r.stdout;
}

async function removeChain(id: string): Promise<void> {
  for (const node of ["r1", "r2", "target"] as const) await ip(["netns", "del", namespaceName(id, node)]);
  // Deleting r1 normally takes the root end of the pair with it; this covers a run that died half-way.
  await ip(["link", "del", rootLinkName(id)]);
  liveChains.delete(id);
}

/** Removes chains whose creator is gone (a crashed run), including one whose pid this process now has. */
async function removeLeftovers(): Promise<void> {
  const ids = new Set<string>();
  const listed = await ip(["netns", "list"]);
  for (const m of listed.stdout.matchAll(new RegExp(`^${PREFIX}(\\d+-\\d+)-`, "gm"))) ids.add(m[1]!);
  const links = await ip(["-o", "link", "show"]);
  for (const m of links.stdout.matchAll(/^\d+: ntr(\d+-\d+)[@:]/gm)) ids.add(m[1]!);
  for (const id of ids) {
    const pid = Number(id.split("-")[0]);
    const ours = pid === process.pid;
    if ((ours && !liveChains.has(id)) || (!ours && !existsSync(`/proc/${pid}`))) await removeChain(id);
  }
}

/** The first /24 of 10.213.0.0/16 that no route or address on this machine uses yet, starting from the pid's. */
async function freeBlock(): Promise<number> {
  const used = (await mustIp(["-4", "route", "show", "table", "all"])) + (await mustIp(["-4", "-o", "addr", "show"]));
  for (let i = 0; i < 254; i++) {
    const block = ((process.pid + i) % 254) + 1;
    if (!used.includes(`${SUBNET}.${block}.`)) return block;
  }
  throw new Error(`no free /24 left in ${SUBNET}.0.0/16`);
}

/** Makes the target drop traceroute's UDP probes (ports 33434–33534), so a trace ends in silent hops. */
export function dropTracerouteProbes(chain: NetnsChain): Promise<ExecResult> {
  return chain.exec("target", ["iptables", "-A", "INPUT", "-p", "udp", "--dport", "33434:33534", "-j", "DROP"]);
}

export async function createChain(): Promise<NetnsChain> {
  if (!netnsAvailable) throw new Error("network namespaces need root and iproute2");
  await removeLeftovers();
  const id = `${process.pid}-${++chainsMade}`;
  const ns = { r1: namespaceName(id, "r1"), r2: namespaceName(id, "r2"), target: namespaceName(id, "target") };
  const rootLink = rootLinkName(id);
  const block = await freeBlock();
  const net = `${SUBNET}.${block}`;
  // Three /30 links: root .1 – r1 .2, r1 .5 – r2 .6, r2 .9 – target .10.
  const addr = (host: number) => `${net}.${host}`;
  const inNs = (node: ChainNode, args: string[]) => mustIp(["-n", ns[node], ...args]);

  const chain: NetnsChain = {
    targetIp: addr(10),
    hopIps: [addr(2), addr(6), addr(10)],
    rootIp: addr(1),
    reverseHopIps: [addr(9), addr(5), addr(1)],
    namespaces: ns,
    rootLink,
    async exec(node, argv) {
      const r = await run(["ip", "netns", "exec", ns[node], ...argv], { timeoutMs: 30_000 });
      return { exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr };
    },
    destroy: () => removeChain(id),
  };
  liveChains.add(id);

  try {
    for (const node of ["r1", "r2", "target"] as const) {
      await mustIp(["netns", "add", ns[node]]);
      await inNs(node, ["link", "set", "lo", "up"]);
    }
    await mustIp(["link", "add", rootLink, "type", "veth", "peer", "name", "up0", "netns", ns.r1]);
    await inNs("r1", ["link", "add", "down0", "type", "veth", "peer", "name", "up0", "netns", ns.r2]);
    await inNs("r2", ["link", "add", "down0", "type", "veth", "peer", "name", "up0", "netns", ns.target]);

    await mustIp(["addr", "add", `${addr(1)}/30`, "dev", rootLink]);
    await mustIp(["link", "set", rootLink, "up"]);
    await inNs("r1", ["addr", "add", `${addr(2)}/30`, "dev", "up0"]);
    await inNs("r1", ["addr", "add", `${addr(5)}/30`, "dev", "down0"]);
    await inNs("r2", ["addr", "add", `${addr(6)}/30`, "dev", "up0"]);
    await inNs("r2", ["addr", "add", `${addr(9)}/30`, "dev", "down0"]);
    await inNs("target", ["addr", "add", `${addr(10)}/30`, "dev", "up0"]);
    for (const [node, links] of [
      ["r1", ["up0", "down0"]],
      ["r2", ["up0", "down0"]],
      ["target", ["up0"]],
    ] as const)
      for (const link of links) await inNs(node, ["link", "set", link, "up"]);

    await mustIp(["route", "add", `${net}.0/24`, "via", addr(2), "dev", rootLink]);
    await inNs("r1", ["route", "add", "default", "via", addr(6)]);
    await inNs("r2", ["route", "add", "default", "via", addr(5)]);
    await inNs("target", ["route", "add", "default", "via", addr(9)]);
    for (const router of ["r1", "r2"] as const) {
      const r = await chain.exec(router, ["sh", "-c", "echo 1 > /proc/sys/net/ipv4/ip_forward"]);
      if (r.exitCode !== 0) throw new Error(`enabling forwarding in ${router} failed: ${r.stderr.trim()}`);
    }

    // Traffic to the chain must never take the default route off this machine.
    const route = await mustIp(["-4", "route", "get", chain.targetIp]);
    if (!route.includes(`dev ${rootLink}`)) throw new Error(`${chain.targetIp} is not routed into the chain: ${route}`);
  } catch (e) {
    await chain.destroy();
    throw e;
  }
  return chain;
}
