/** [speedtest] and its [speedtest.iperf], [speedtest.librespeed] and [speedtest.speedtestnet] tables. */
import { int, str, urlCheck } from "../field";

const iperf = {
  test_duration: int(10, "IPERF_TEST_DURATION", "Duration of each iperf3 direction in seconds", 1, 300),
  parallel_conns: int(4, "IPERF_PARALLEL_CONNS", "Parallel iperf3 streams", 1, 128),
  timeout: int(60, "IPERF_TIMEOUT", "Timeout of one iperf3 run in seconds", 5, 3600),
  ping: {
    count: int(5, "IPERF_PING_COUNT", "Pings sent to measure iperf3 server latency", 1, 100),
    interval: int(1000, "IPERF_PING_INTERVAL", "Interval between those pings in milliseconds", 200, 10000),
    timeout: int(10, "IPERF_PING_TIMEOUT", "Timeout of the latency ping in seconds", 1, 300),
  },
} as const;

const librespeed = {
  timeout: int(60, "LIBRESPEED_TIMEOUT", "Timeout of a LibreSpeed test in seconds", 5, 3600),
  duration: int(10, "LIBRESPEED_DURATION", "Measured seconds per direction (after a discarded 2 s warm-up)", 1, 120),
  download_streams: int(6, "LIBRESPEED_DOWNLOAD_STREAMS", "Parallel download streams", 1, 32),
  upload_streams: int(3, "LIBRESPEED_UPLOAD_STREAMS", "Parallel upload streams", 1, 32),
  servers_url: str(
    "",
    "LIBRESPEED_SERVERS_URL",
    "Public LibreSpeed server list to offer besides librespeed-servers.json",
    { check: urlCheck },
  ),
} as const;

const speedtestnet = {
  duration: int(10, "SPEEDTESTNET_DURATION", "Measured seconds per direction (after a discarded 2 s warm-up)", 1, 120),
  streams: int(4, "SPEEDTESTNET_STREAMS", "Parallel download and upload streams", 1, 32),
  servers_url: str(
    "https://www.speedtest.net/api/js/servers?engine=js&limit=20",
    "SPEEDTESTNET_SERVERS_URL",
    "Speedtest.net server list (JSON; XML accepted)",
    { check: urlCheck },
  ),
  config_url: str(
    "https://www.speedtest.net/speedtest-config.php",
    "SPEEDTESTNET_CONFIG_URL",
    "Speedtest.net client configuration (XML)",
    { check: urlCheck },
  ),
} as const;

export const speedtest = {
  timeout: int(30, "SPEEDTEST_TIMEOUT", "Speedtest.net phase timeout in seconds", 5, 3600),
  iperf,
  librespeed,
  speedtestnet,
} as const;
