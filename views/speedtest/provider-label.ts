/** How each speed-test provider is named on the pages. */
import type { TestType } from "../../src/speedtest/speedtest.schema";

export const PROVIDER_LABEL: Record<TestType, string> = {
  speedtest: "Speedtest.net",
  librespeed: "LibreSpeed",
  iperf3: "iperf3",
};
