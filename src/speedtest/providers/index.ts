/** The provider registry: one entry per test type, built from the configuration. */
import { join } from "node:path";
import type { LoadedConfig } from "../../config/load";
import type { TestType } from "../speedtest.schema";
import { LIBRESPEED_LATENCY_HELP, SPEEDTESTNET_LATENCY_HELP } from "./http-throughput";
import { createIperf3Provider } from "./iperf3";
import { createLibreSpeedProvider } from "./librespeed";
import type { SpeedTestProvider } from "./provider";
import { createSpeedtestNetProvider } from "./speedtestnet";

export function createProviders({ config, dir }: LoadedConfig): Record<TestType, SpeedTestProvider> {
  const st = config.speedtest;
  return {
    speedtest: createSpeedtestNetProvider({
      serversUrl: st.speedtestnet.servers_url,
      configUrl: st.speedtestnet.config_url,
      timeoutSeconds: st.timeout,
      durationSeconds: st.speedtestnet.duration,
      downloadStreams: st.speedtestnet.streams,
      uploadStreams: st.speedtestnet.streams,
    }),
    librespeed: createLibreSpeedProvider({
      serversFile: join(dir, "librespeed-servers.json"),
      publicServersUrl: st.librespeed.servers_url,
      timeoutSeconds: st.librespeed.timeout,
      durationSeconds: st.librespeed.duration,
      downloadStreams: st.librespeed.download_streams,
      uploadStreams: st.librespeed.upload_streams,
    }),
    iperf3: createIperf3Provider({
      testDurationSeconds: st.iperf.test_duration,
      parallelStreams: st.iperf.parallel_conns,
      timeoutSeconds: st.iperf.timeout,
      pingCount: st.iperf.ping.count,
      pingIntervalMs: st.iperf.ping.interval,
      pingTimeoutSeconds: st.iperf.ping.timeout,
    }),
  };
}

/** How each provider measures latency and jitter, for the page's help text. */
export const latencyMethods: Record<TestType, string> = {
  speedtest: SPEEDTESTNET_LATENCY_HELP,
  librespeed: LIBRESPEED_LATENCY_HELP,
  iperf3:
    "Latency is the average round trip of ICMP pings to the iperf3 server (ping's rtt avg, [speedtest.iperf.ping] count " +
    "and interval). Jitter is ping's mdev, the spread of those round trips. In UDP mode jitter and packet loss come " +
    "from iperf3 itself: the receiver's smoothed inter-packet delay variation (RFC 3550) and lost datagrams.",
};
