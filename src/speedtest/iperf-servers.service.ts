/** Saved iperf3 servers: a name for a host and port, so tests and results can say "Office NAS" instead of an address. */
import { BadInput, NotFound } from "../core/errors";
import { parseTarget } from "../core/host";
import { DEFAULT_IPERF3_PORT } from "../measure/providers/iperf3";
import type { IperfServerRow, SpeedtestRepository } from "./speedtest.repository";

const MAX_NAME_LENGTH = 100;

export function createIperfServersService(repo: SpeedtestRepository) {
  return {
    list: (): Promise<IperfServerRow[]> => repo.listIperfServers(),

    /** The saved server at `host` and `port` (iperf3's default port when none is given), if there is one. */
    async find(host: string, port: number | undefined): Promise<IperfServerRow | undefined> {
      const wanted = port ?? DEFAULT_IPERF3_PORT;
      return (await repo.listIperfServers()).find((s) => s.host === host && s.port === wanted);
    },

    /** `host` may carry the port (`host:port`, `[v6]:port`); an explicit `port` wins. */
    async save(input: { name: string; host: string; port?: number }): Promise<IperfServerRow> {
      const name = input.name.trim();
      if (name === "") throw new BadInput("name: required", "name");
      if (name.length > MAX_NAME_LENGTH) throw new BadInput(`name: at most ${MAX_NAME_LENGTH} characters`, "name");
      const target = parseTarget(input.host, "host");
      const port = input.port ?? target.port ?? DEFAULT_IPERF3_PORT;
      if (!Number.isInteger(port) || port < 1 || port > 65535)
        throw new BadInput("port: must be between 1 and 65535", "port");
      return repo.insertIperfServer({ name, host: target.host, port });
    },

    async remove(id: number): Promise<void> {
      if (!(await repo.deleteIperfServer(id))) throw new NotFound(`iperf3 server ${id} not found`);
    },
  };
}

export type IperfServersService = ReturnType<typeof createIperfServersService>;
