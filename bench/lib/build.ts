/** Binaries under test: the appliance (rebuilt when stale) and small scripts compiled the same way for baselines. */
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { projectRoot } from "./paths";
import { runCommand } from "./process";
import { progress } from "./report";

export const appBinary = join(projectRoot, "dist", "netronome");

/** Everything scripts/build.sh embeds or reads; a change to any of it makes dist/netronome stale. */
const BUILD_INPUTS = ["src", "views", "public", "drizzle", "scripts/build.sh"];
const BUILD_TIMEOUT_MS = 300_000;

function newestMtimeMs(path: string): number {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(path, { recursive: true, encoding: "utf8" }).reduce(
    (newest, entry) => Math.max(newest, statSync(join(path, entry)).mtimeMs),
    stat.mtimeMs,
  );
}

/** Files under the build inputs that differ from the commit, so recorded figures say what was measured. */
export async function uncommittedBuildInputs(): Promise<number> {
  const status = await runCommand(["git", "status", "--porcelain", "--", ...BUILD_INPUTS], {
    cwd: projectRoot,
    env: buildEnv(),
    timeoutMs: 30_000,
  });
  return status ? status.split("\n").length : 0;
}

/** The project's tools first, so scripts that call `bun` find the pinned one. */
function buildEnv(): Record<string, string> {
  return { ...process.env, PATH: `${join(projectRoot, "node_modules", ".bin")}:${process.env.PATH ?? ""}` };
}

/** Runs scripts/build.sh when dist/netronome is missing or older than its sources; returns the binary's path. */
export async function ensureAppBinary(): Promise<string> {
  const builtAt = existsSync(appBinary) ? statSync(appBinary).mtimeMs : -1;
  const sourcesAt = Math.max(...BUILD_INPUTS.map((input) => newestMtimeMs(join(projectRoot, input))));
  if (builtAt >= sourcesAt) return appBinary;
  progress(existsSync(appBinary) ? "dist/netronome is older than its sources: rebuilding" : "building dist/netronome");
  const output = await runCommand(["bash", "scripts/build.sh"], {
    cwd: projectRoot,
    env: buildEnv(),
    timeoutMs: BUILD_TIMEOUT_MS,
  });
  progress(output.split("\n").at(-1) ?? "built");
  return appBinary;
}

/** `bun build --compile` of one script into `outfile`, for baselines that should run as the appliance does. */
export async function compileScript(entry: string, outfile: string): Promise<string> {
  await runCommand([process.execPath, "build", "--compile", entry, "--outfile", outfile], {
    cwd: projectRoot,
    env: buildEnv(),
    timeoutMs: BUILD_TIMEOUT_MS,
  });
  return outfile;
}
