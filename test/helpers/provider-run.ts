/** RunOptions for provider tests that keep every progress report the run makes. */
import type { RunOptions } from "../../src/measure/providers/provider";
import type { SpeedTestProgress as Progress } from "../../src/protocol/measurements";

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
