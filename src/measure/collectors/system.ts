/**
 * System information: host name, kernel, uptime, vnStat's version and the network interfaces with their addresses,
 * link speed, state and traffic totals (vnStat's all-time totals when its database knows the interface, else the
 * kernel's counters since boot).
 */
import { networkInterfaces, hostname as osHostname, uptime as osUptime, release } from "node:os";
import type { InterfaceInfo, SystemInfo } from "../../protocol/agent";
import type { Collector, CollectorContext, CollectorDefinition } from "./collector";
import { readNetDev } from "./net-dev";
import { listDir, readInteger, readText, readTrimmed } from "./procfs";
import { vnstatExport, vnstatVersion } from "./vnstat";

export type SystemSnapshot = Omit<SystemInfo, "updated_at" | "agent_version">;

export interface SystemCollector extends Collector {
  read(): Promise<SystemSnapshot>;
}

/** vnStat's totals are asked for at most this often (each ask starts a process). */
const VNSTAT_TOTALS_TTL_MS = 60_000;
const IFF_UP = 0x1;
const IFF_LOOPBACK = 0x8;
/** Interface kinds whose `speed` means nothing even when the driver reports one. */
const VIRTUAL_NAME = /^(veth|vmbr|virbr|br-|docker|tap|tun|wg|tailscale|zt|bond|dummy|ifb)/;

interface VnstatTotals {
  alias: string;
  total: number;
}

export function kernelName(): string {
  const os = process.platform === "darwin" ? "Darwin" : process.platform === "linux" ? "Linux" : process.platform;
  return `${os} ${release()}`;
}

function linkSpeed(sys: string, name: string): number {
  const dir = `${sys}/class/net/${name}`;
  const hasDevice = listDir(dir).includes("device");
  if (!hasDevice || VIRTUAL_NAME.test(name) || listDir(`${dir}/bridge`).length > 0) return -1;
  const speed = readInteger(`${dir}/speed`);
  return speed !== null && speed > 0 ? speed : -1;
}

function isUp(sys: string, name: string): boolean {
  const dir = `${sys}/class/net/${name}`;
  const state = readTrimmed(`${dir}/operstate`);
  if (state === "up") return true;
  // Tunnels and some virtual drivers never report carrier: "unknown" with the interface switched on counts as up.
  const flags = Number.parseInt(readTrimmed(`${dir}/flags`) || "0", 16);
  return state === "unknown" && (flags & IFF_UP) !== 0;
}

function create(ctx: CollectorContext): SystemCollector {
  const { proc, sys } = ctx.paths;
  const version = vnstatVersion().catch(() => "");
  let totals: { at: number; value: Promise<Map<string, VnstatTotals>> } | null = null;

  const vnstatTotals = () => {
    if (!totals || Date.now() - totals.at > VNSTAT_TOTALS_TTL_MS) {
      const value = vnstatExport("m")
        .then(
          (data) =>
            new Map(
              data.interfaces.map((i) => [i.name, { alias: i.alias, total: i.traffic.total.rx + i.traffic.total.tx }]),
            ),
        )
        .catch(() => new Map<string, VnstatTotals>());
      totals = { at: Date.now(), value };
    }
    return totals.value;
  };

  return {
    unsupported: null,
    async read() {
      const counters = readNetDev(proc);
      const addresses = networkInterfaces();
      const known = await vnstatTotals();
      const interfaces: Record<string, InterfaceInfo> = {};
      const names = listDir(`${sys}/class/net`);
      for (const name of (names.length ? names : [...counters.keys()]).sort()) {
        const flags = Number.parseInt(readTrimmed(`${sys}/class/net/${name}/flags`) || "0", 16);
        if (name === "lo" || (flags & IFF_LOOPBACK) !== 0 || name.startsWith("veth")) continue;
        const addrs = addresses[name] ?? [];
        const kernel = counters.get(name);
        const vnstat = known.get(name);
        interfaces[name] = {
          name,
          alias: vnstat?.alias || readTrimmed(`${sys}/class/net/${name}/ifalias`),
          ip_address: addrs.find((a) => a.family === "IPv4")?.address ?? "",
          link_speed: linkSpeed(sys, name),
          is_up: isUp(sys, name),
          bytes_total: vnstat ? vnstat.total : kernel ? kernel.rxBytes + kernel.txBytes : 0,
          addresses: addrs.map((a) => a.address),
        };
      }
      const uptime = Number((readText(`${proc}/uptime`) ?? "").split(/\s+/)[0]);
      return {
        hostname: osHostname(),
        kernel: kernelName(),
        uptime: Math.floor(Number.isFinite(uptime) && uptime > 0 ? uptime : osUptime()),
        interfaces,
        vnstat_version: await version,
      };
    },
  };
}

export const system = { label: "System", systemMetric: true, create } satisfies CollectorDefinition<SystemCollector>;
