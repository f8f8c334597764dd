/**
 * The native speedtest.net and LibreSpeed clients on loopback: download and upload goodput against the local
 * protocol servers (each in its own process), as a ratio to iperf3's single-stream rate measured in the same run,
 * with the CPU the client and the server spent.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createLibreSpeedProvider, LIBRESPEED_DEFAULTS } from "../src/measure/providers/librespeed";
import type { SpeedTestProvider } from "../src/measure/providers/provider";
import { createSpeedtestNetProvider, SPEEDTESTNET_DEFAULTS } from "../src/measure/providers/speedtestnet";
import { freePort, LOOPBACK } from "./lib/net";
import { projectRoot } from "./lib/paths";
import { type Child, runCommand, startChild, waitForOk } from "./lib/process";
import { type Benchmark, formatPercent, info, judge, type Measurement, progress } from "./lib/report";
import { median } from "./lib/stats";
import { makeTempDir, removeTempDir } from "./lib/temp";

const TARGET_RATIO = 0.7;
/** The rate the clients must sustain without being the bottleneck. */
const LINK_MBPS = 2500;
const IPERF_SECONDS = 5;
const MEASURE_SECONDS = 5;
const GRACE_SECONDS = 1;
const START_TIMEOUT_MS = 10_000;
/** iperf3 runs after this long are killed: its own duration plus connection setup and the JSON report. */
const IPERF_TIMEOUT_MS = (IPERF_SECONDS + 10) * 1000;
const CLOCK_TICKS_PER_SECOND = 100;
/** Pairs of (iperf3, client) runs per single-stream row. */
const ROUNDS = 3;

type Direction = "download" | "upload";

interface ClientRun {
  mbps: number;
  clientCpuPercent: number;
  serverCpuPercent: number;
}

interface ClientSubject {
  label: string;
  /** The provider's default stream counts. */
  defaultStreams: Record<Direction, number>;
  server: Child;
  make(streams: number): SpeedTestProvider;
  serverId: string;
}

const formatMbps = (mbps: number) => `${Math.round(mbps).toLocaleString("en-US")} Mbit/s`;
const formatCpu = (percent: number) => `${Math.round(percent)} %`;
const streamCount = (streams: number) => `${streams} stream${streams > 1 ? "s" : ""}`;

/** CPU seconds a process has used so far (user + system), from /proc/<pid>/stat. */
function processCpuSeconds(pid: number): number {
  // The command name in parentheses may hold spaces: count fields after its closing parenthesis.
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
}

async function waitForLog(child: Child, text: string): Promise<void> {
  const deadline = performance.now() + START_TIMEOUT_MS;
  while (!readFileSync(child.logPath, "utf8").includes(text)) {
    if (!child.isRunning()) throw new Error(`process exited before saying "${text}":\n${child.logTail()}`);
    if (performance.now() > deadline) throw new Error(`no "${text}" within ${START_TIMEOUT_MS} ms`);
    await Bun.sleep(50);
  }
}

/** iperf3's single-stream goodput in Mbit/s, as the receiver counted it. */
async function iperfSingleStream(port: number): Promise<number> {
  const command = ["iperf3", "-c", LOOPBACK, "-p", String(port), "-J", "-t", String(IPERF_SECONDS)];
  const output = await runCommand(command, { cwd: "/", env: {}, timeoutMs: IPERF_TIMEOUT_MS });
  const report = JSON.parse(output) as { error?: string; end: { sum_received: { bits_per_second: number } } };
  // iperf3 3.12 exits 0 on errors; the JSON says so.
  if (report.error) throw new Error(`iperf3: ${report.error}`);
  return report.end.sum_received.bits_per_second / 1e6;
}

async function clientRun(subject: ClientSubject, streams: number, direction: Direction): Promise<ClientRun> {
  const provider = subject.make(streams);
  const serverCpuBefore = processCpuSeconds(subject.server.pid);
  const cpuBefore = process.cpuUsage();
  const startedAt = performance.now();
  const result = await provider.run({
    serverId: subject.serverId,
    enableDownload: direction === "download",
    enableUpload: direction === "upload",
    signal: AbortSignal.timeout((MEASURE_SECONDS + GRACE_SECONDS + 20) * 1000),
    onProgress: () => {},
  });
  const wallSeconds = (performance.now() - startedAt) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const mbps = direction === "download" ? result.downloadMbps : result.uploadMbps;
  if (mbps === null) throw new Error(`${subject.label} reported no ${direction} rate`);
  return {
    mbps,
    clientCpuPercent: ((cpu.user + cpu.system) / 1e6 / wallSeconds) * 100,
    serverCpuPercent: ((processCpuSeconds(subject.server.pid) - serverCpuBefore) / wallSeconds) * 100,
  };
}

async function startProtocolServer(
  script: string,
  readyPath: string,
  dir: string,
): Promise<{ child: Child; url: string }> {
  const port = freePort();
  const child = startChild([process.execPath, join(projectRoot, script)], {
    cwd: projectRoot,
    env: { PATH: process.env.PATH ?? "", PORT: String(port) },
    logPath: join(dir, `${script.replaceAll("/", "_")}.log`),
  });
  const url = `http://${LOOPBACK}:${port}`;
  await waitForOk(`${url}${readyPath}`, child, { intervalMs: 50, timeoutMs: START_TIMEOUT_MS });
  return { child, url };
}

const benchmark: Benchmark = {
  title: "HTTP speed-test clients on loopback",
  async run() {
    const dir = makeTempDir("http-clients");
    const children: Child[] = [];
    try {
      const iperfPort = freePort();
      const iperfServer = startChild(["iperf3", "-s", "-B", LOOPBACK, "-p", String(iperfPort), "--forceflush"], {
        cwd: "/",
        env: {},
        logPath: join(dir, "iperf3-server.log"),
      });
      children.push(iperfServer);
      await waitForLog(iperfServer, "Server listening");
      const speedtestServer = await startProtocolServer(
        "test/servers/speedtestnet-server.ts",
        "/speedtest-config.php",
        dir,
      );
      children.push(speedtestServer.child);
      const libreSpeedServer = await startProtocolServer("test/servers/librespeed-server.ts", "/servers.json", dir);
      children.push(libreSpeedServer.child);

      const subjects: ClientSubject[] = [
        {
          label: "speedtest.net",
          defaultStreams: {
            download: SPEEDTESTNET_DEFAULTS.downloadStreams,
            upload: SPEEDTESTNET_DEFAULTS.uploadStreams,
          },
          server: speedtestServer.child,
          serverId: "1001",
          make: (streams) =>
            createSpeedtestNetProvider({
              serversUrl: `${speedtestServer.url}/api/js/servers`,
              configUrl: `${speedtestServer.url}/speedtest-config.php`,
              timeoutSeconds: MEASURE_SECONDS + GRACE_SECONDS + 10,
              durationSeconds: MEASURE_SECONDS,
              graceSeconds: GRACE_SECONDS,
              downloadStreams: streams,
              uploadStreams: streams,
              pingIntervalMs: 0,
            }),
        },
        {
          label: "LibreSpeed",
          defaultStreams: { download: LIBRESPEED_DEFAULTS.downloadStreams, upload: LIBRESPEED_DEFAULTS.uploadStreams },
          server: libreSpeedServer.child,
          serverId: "public-1",
          make: (streams) =>
            createLibreSpeedProvider({
              serversFile: join(dir, "no-custom-servers.json"),
              publicServersUrl: `${libreSpeedServer.url}/servers.json`,
              timeoutSeconds: 2 * (MEASURE_SECONDS + GRACE_SECONDS) + 20,
              durationSeconds: MEASURE_SECONDS,
              graceSeconds: GRACE_SECONDS,
              downloadStreams: streams,
              uploadStreams: streams,
            }),
        },
      ];

      // Single stream, like iperf3's reference: ROUNDS pairs of (iperf3, client) back to back, judged on the median ratio,
      // so a burst of other work on this shared machine skews one pair rather than the verdict.
      const measurements: Measurement[] = [];
      const iperfRates: number[] = [];
      for (const subject of subjects) {
        for (const direction of ["download", "upload"] as const) {
          const pairs: { iperfMbps: number; client: ClientRun }[] = [];
          for (let round = 1; round <= ROUNDS; round++) {
            progress(`iperf3 -c ${LOOPBACK} -J -t ${IPERF_SECONDS}`);
            const iperfMbps = await iperfSingleStream(iperfPort);
            progress(`${subject.label} ${direction}, 1 stream (round ${round} of ${ROUNDS})`);
            pairs.push({ iperfMbps, client: await clientRun(subject, 1, direction) });
          }
          iperfRates.push(...pairs.map((pair) => pair.iperfMbps));
          const ratios = pairs.map((pair) => pair.client.mbps / pair.iperfMbps);
          const rounds = pairs
            .map(
              ({ iperfMbps, client }) =>
                `${formatMbps(client.mbps)} vs ${formatMbps(iperfMbps)}, CPU client ${formatCpu(client.clientCpuPercent)} / server ${formatCpu(client.serverCpuPercent)}`,
            )
            .join("; ");
          measurements.push(
            judge(
              `${subject.label} ${direction}, 1 stream / iperf3`,
              median(ratios),
              { atLeast: TARGET_RATIO },
              formatPercent,
              {
                detail: `(median of ${ROUNDS}: ${rounds})`,
              },
            ),
          );
        }
      }
      const iperfMedian = median(iperfRates);
      // The providers' own stream counts, once each: the client must never be what limits a 2.5 Gbit/s link.
      for (const subject of subjects) {
        for (const direction of ["download", "upload"] as const) {
          const streams = subject.defaultStreams[direction];
          progress(`${subject.label} ${direction}, ${streamCount(streams)}`);
          const run = await clientRun(subject, streams, direction);
          measurements.push(
            judge(
              `${subject.label} ${direction}, ${streamCount(streams)}`,
              run.mbps,
              { atLeast: LINK_MBPS },
              formatMbps,
              {
                detail: `(${formatPercent(run.mbps / iperfMedian)} of the iperf3 median; CPU client ${formatCpu(run.clientCpuPercent)} / server ${formatCpu(run.serverCpuPercent)})`,
              },
            ),
          );
        }
      }
      measurements.unshift(
        info(
          "iperf3 single stream (reference)",
          `median ${formatMbps(iperfMedian)} (${iperfRates.length} runs, ${formatMbps(Math.min(...iperfRates))} – ${formatMbps(Math.max(...iperfRates))})`,
        ),
      );
      return {
        measurements,
        notes: [
          `Reference: \`iperf3 -s -B ${LOOPBACK}\` and \`iperf3 -c ${LOOPBACK} -J -t ${IPERF_SECONDS}\` (one TCP stream, end.sum_received), run right before each single-stream client run; a row's ratio is the median of its ${ROUNDS} pairs.`,
          `Clients: the providers' run() with one phase enabled, ${GRACE_SECONDS} s discarded warm-up and ${MEASURE_SECONDS} s measured, against test/servers/speedtestnet-server.ts (random4000x4000.jpg, upload.php) and test/servers/librespeed-server.ts (garbage.php?ckSize=100, empty.php), each in its own Bun process on ${LOOPBACK}.`,
          "Rates are goodput as measured: response body bytes counted from each chunk read off the socket (download) or POST bodies the server answered (upload), over the measured window; no correction factors.",
          "LibreSpeed downloads can beat iperf3's single stream: the garbage server writes 1 MiB per call where iperf3 writes 128 KiB (curl reads that server as fast). In the speedtest.net rows the image server, which answers with one 31.6 MB buffer, is the busier process (server CPU).",
          "CPU is user + system time over wall time, as a share of one core: the client from process.cpuUsage() of this process (the whole run, latency phase included), the server from /proc/<pid>/stat.",
          `The single-stream rows compare like with like; the rows with the providers' default stream counts (run once each, after the pairs) show that the client sustains well over ${formatMbps(LINK_MBPS)}.`,
        ],
      };
    } finally {
      await Promise.all(children.map((child) => child.stop()));
      removeTempDir(dir);
    }
  },
};

export default benchmark;
