/** RunOptions for provider tests that keep every progress report the run makes. */
import type { Progress, RunOptions } from "../../src/speedtest/providers/provider";

export function recordingRunOptions(overrides: Partial<RunOptions> = {}): RunOptions & { progress: Progress[] } {
  const progress: Progress[] = [];
  return {
    enableDownload: true,
    enableUpload: true,
    signal: new AbortController().signal,
    onProgress: (p) => progress.push(p),
    progress,
    ...overrides,
  };
}
