/**
 * The compiled executable, built once per test run by scripts/build.sh (the release build) and shared by every
 * end-to-end file in the run; it lives in a temporary folder that is removed when the run ends.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const ROOT = join(import.meta.dir, "../..");
let built: Promise<string> | undefined;

export function compiledBinary(): Promise<string> {
  built ??= (async () => {
    const dir = mkdtempSync(join(tmpdir(), "netronome-bin-"));
    process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
    const bin = join(dir, "netronome");
    const build = Bun.spawn(["bash", "scripts/build.sh", bin], { cwd: ROOT, stdout: "pipe", stderr: "pipe" });
    if ((await build.exited) !== 0) throw new Error(`build failed: ${await new Response(build.stderr).text()}`);
    return bin;
  })();
  return built;
}

/** Generous: the build takes a few seconds alone and much longer on a busy machine. */
export const BUILD_TIMEOUT_MS = 240_000;
