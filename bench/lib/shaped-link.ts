/**
 * A rate-limited link to a server namespace, for benchmarks that need a real bottleneck:
 *
 *   root namespace (the benchmark, client side) ── veth, tbf both ways ── server namespace
 *
 * The pair takes a /30 from the first free /24 of 10.213.200.0 – 10.213.253.0 (tests take their own /24s of
 * 10.213.0.0/16 and skip any in use). Servers inside listen on the namespace's 127.0.0.1 and are reached at the
 * namespace's veth address through a DNAT rule per port, so servers that can only bind 127.0.0.1 work unchanged.
 * Names carry the pid, so leftovers of a crashed run (their pid is gone) are found and removed, processes
 * included, before a new link is made. Needs root, iproute2 and iptables.
 */
import { existsSync } from "node:fs";
import { type Child, runCommand, startChild } from "./process";
import { progress } from "./report";

const NAMESPACE_PREFIX = "ntbench-";
/** Interface names are limited to 15 characters: "ntb" + a pid fits. */
const ROOT_LINK_PREFIX = "ntb";
/** The server end of the pair, inside the namespace, where no other interface can share its name. */
const SERVER_LINK = "veth0";
const SUBNET = "10.213";
const FIRST_BLOCK = 200;
const LAST_BLOCK = 253;
const COMMAND_TIMEOUT_MS = 10_000;
const PATH_ENV = { PATH: `/usr/sbin:/sbin:${process.env.PATH ?? "/usr/bin:/bin"}` };

/**
 * tbf settings. The burst is larger than the biggest GSO packet veth hands to the qdisc (64 KiB): with a smaller
 * burst, tbf must split every such packet in software, which at 500 Mbit/s cost the sending side 40–60 % of a core
 * (iperf3 with a 64 KiB burst) on a machine the client and the servers share. 256 KiB is 21 ms of line rate at 100 Mbit/s and 4 ms at 500 Mbit/s, so the burst a
 * fresh connection gets is small next to a measured window; `latency` caps the queue behind the bucket.
 */
export const TBF_BURST = "256kb";
export const TBF_LATENCY = "20ms";

export interface ShapedLink {
  readonly namespace: string;
  /** The root namespace's end: the client's source address. */
  readonly clientAddress: string;
  /** The server namespace's end: where the client connects. */
  readonly serverAddress: string;
  /** Sets tbf at `mbit` Mbit/s on the egress of both ends, replacing the previous rate. */
  shape(mbit: number): Promise<void>;
  /** Makes serverAddress:port reach a server listening on the namespace's 127.0.0.1:port. */
  forwardPort(port: number): Promise<void>;
  /** Starts a long-running command inside the namespace, its output going to `logPath`. */
  startInside(command: readonly string[], logPath: string, env?: Record<string, string>): Child;
  /** Throws unless `url` points at this link's server address or at 127.0.0.1. */
  assertAllowedTarget(url: string): void;
  /** Stops what still runs inside, deletes the namespace and both ends of the pair. Safe to call again. */
  destroy(): Promise<void>;
}

/** Runs a command to completion; failures are returned, not thrown, for clean-up steps that may find nothing. */
async function attempt(command: readonly string[]): Promise<{ ok: boolean; output: string }> {
  try {
    return { ok: true, output: await mustRun(command) };
  } catch (error) {
    return { ok: false, output: error instanceof Error ? error.message : String(error) };
  }
}

function mustRun(command: readonly string[]): Promise<string> {
  return runCommand(command, { cwd: "/", env: PATH_ENV, timeoutMs: COMMAND_TIMEOUT_MS });
}

/** SIGKILLs every process left in `namespace` (all were started by a benchmark in it) and deletes it. */
async function removeNamespace(namespace: string): Promise<void> {
  const pids = await attempt(["ip", "netns", "pids", namespace]);
  if (pids.ok) {
    for (const pid of pids.output.split(/\s+/).filter(Boolean)) {
      try {
        process.kill(Number(pid), "SIGKILL");
      } catch {
        // Already gone.
      }
    }
  }
  await attempt(["ip", "netns", "del", namespace]);
}

/** Removes namespaces and root links whose creating process is gone. */
async function removeLeftovers(): Promise<void> {
  const isGone = (pid: string) => !existsSync(`/proc/${pid}`);
  const namespaces = await mustRun(["ip", "netns", "list"]);
  for (const [, name, pid] of namespaces.matchAll(new RegExp(`^(${NAMESPACE_PREFIX}(\\d+))\\b`, "gm"))) {
    if (!isGone(pid!)) continue;
    progress(`removing the leftover namespace ${name}`);
    await removeNamespace(name!);
  }
  // Deleting a namespace takes its end of the pair and so the root end with it; this covers a run that died half-way.
  const links = await mustRun(["ip", "-o", "link", "show"]);
  for (const [, name, pid] of links.matchAll(new RegExp(`^\\d+: (${ROOT_LINK_PREFIX}(\\d+))[@:]`, "gm"))) {
    if (isGone(pid!)) await attempt(["ip", "link", "del", name!]);
  }
}

/** The first /24 of the range that no route or address on this machine mentions. */
async function freeBlock(): Promise<number> {
  const used =
    (await mustRun(["ip", "-4", "route", "show", "table", "all"])) + (await mustRun(["ip", "-4", "-o", "addr"]));
  for (let block = FIRST_BLOCK; block <= LAST_BLOCK; block++) {
    if (!used.includes(`${SUBNET}.${block}.`)) return block;
  }
  throw new Error(`no free /24 between ${SUBNET}.${FIRST_BLOCK}.0 and ${SUBNET}.${LAST_BLOCK}.0`);
}

export async function createShapedLink(): Promise<ShapedLink> {
  if (process.getuid?.() !== 0) throw new Error("the shaped link needs root (network namespaces, tc, iptables)");
  for (const tool of ["ip", "tc", "iptables"]) {
    if (!Bun.which(tool, PATH_ENV)) throw new Error(`${tool} is not installed`);
  }
  await removeLeftovers();
  const namespace = `${NAMESPACE_PREFIX}${process.pid}`;
  const rootLink = `${ROOT_LINK_PREFIX}${process.pid}`;
  const block = await freeBlock();
  const clientAddress = `${SUBNET}.${block}.1`;
  const serverAddress = `${SUBNET}.${block}.2`;
  const inside = (command: readonly string[]) => mustRun(["ip", "netns", "exec", namespace, ...command]);

  const link: ShapedLink = {
    namespace,
    clientAddress,
    serverAddress,
    async shape(mbit) {
      const tbf = ["root", "tbf", "rate", `${mbit}mbit`, "burst", TBF_BURST, "latency", TBF_LATENCY];
      await mustRun(["tc", "qdisc", "replace", "dev", rootLink, ...tbf]);
      await inside(["tc", "qdisc", "replace", "dev", SERVER_LINK, ...tbf]);
    },
    async forwardPort(port) {
      await inside([
        "iptables",
        ...["-t", "nat", "-A", "PREROUTING", "-i", SERVER_LINK, "-p", "tcp"],
        ...["-d", serverAddress, "--dport", String(port), "-j", "DNAT", "--to-destination", `127.0.0.1:${port}`],
      ]);
    },
    startInside(command, logPath, env = {}) {
      return startChild(["ip", "netns", "exec", namespace, ...command], {
        cwd: "/",
        env: { ...PATH_ENV, ...env },
        logPath,
      });
    },
    assertAllowedTarget(url) {
      const { hostname } = new URL(url);
      if (hostname !== serverAddress && hostname !== "127.0.0.1") {
        throw new Error(`benchmark traffic must stay on ${serverAddress} or 127.0.0.1, not ${hostname}`);
      }
    },
    async destroy() {
      await removeNamespace(namespace);
      await attempt(["ip", "link", "del", rootLink]);
    },
  };

  try {
    await mustRun(["ip", "netns", "add", namespace]);
    await inside(["ip", "link", "set", "lo", "up"]);
    await mustRun(["ip", "link", "add", rootLink, "type", "veth", "peer", "name", SERVER_LINK, "netns", namespace]);
    await mustRun(["ip", "addr", "add", `${clientAddress}/30`, "dev", rootLink]);
    await inside(["ip", "addr", "add", `${serverAddress}/30`, "dev", SERVER_LINK]);
    await mustRun(["ip", "link", "set", rootLink, "up"]);
    await inside(["ip", "link", "set", SERVER_LINK, "up"]);
    // DNAT to 127.0.0.1 needs the kernel to accept loopback addresses on a non-loopback interface.
    await inside(["sysctl", "-q", "-w", `net.ipv4.conf.${SERVER_LINK}.route_localnet=1`]);
    // Traffic to the server must never take the default route off this machine.
    const route = await mustRun(["ip", "-4", "route", "get", serverAddress]);
    if (!route.includes(`dev ${rootLink}`))
      throw new Error(`${serverAddress} is not routed over ${rootLink}: ${route}`);
  } catch (error) {
    await link.destroy();
    throw error;
  }
  return link;
}
