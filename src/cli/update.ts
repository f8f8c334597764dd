/** `netronome update [--check] [--rollback] [--restart[=<unit>]]`: self-update from GitHub releases. */
import { existsSync, statSync } from "node:fs";
import { loadConfig } from "../config/load";
import { buildInfo } from "../core/build-info";
import { UpdateError } from "../update/http";
import { releasePlatform } from "../update/platform";
import { previousPath } from "../update/replace";
import { checkServiceName, restartService, servicesRunning } from "../update/restart";
import { checkForUpdate, installRelease, rollbackExecutable, type UpdateTarget } from "../update/update.service";

export interface UpdateFlags {
  check: boolean;
  rollback: boolean;
  /** true: the services found running this executable; a string: that unit (launchd label on macOS). */
  restart: string | boolean;
}

function progressPrinter(): UpdateTarget["onProgress"] {
  const tty = process.stderr.isTTY;
  let last = 0;
  const mb = (n: number) => (n / 1024 / 1024).toFixed(1);
  return (received, total) => {
    const done = total !== null && received >= total;
    if (!tty && !done) return;
    const now = performance.now();
    if (!done && now - last < 100) return;
    last = now;
    const share = total ? ` ${Math.floor((received / total) * 100)} %` : "";
    const line = `  ${mb(received)}${total ? ` / ${mb(total)}` : ""} MB${share}`;
    process.stderr.write(tty ? `\r\x1b[K${line}${done ? "\n" : ""}` : `${line}\n`);
  };
}

async function restart(flag: string | boolean, say: (line: string) => void): Promise<void> {
  if (flag === false) {
    say("restart the services that run it for the change to take effect (or pass --restart)");
    return;
  }
  if (typeof flag === "string") {
    await restartService(flag);
    say(`restarted ${flag}`);
    return;
  }
  if (process.platform === "darwin")
    throw new UpdateError("on macOS name the launchd job to restart: --restart=com.netronome.agent");
  if (!existsSync("/run/systemd/system")) {
    say("systemd is not running here: restart netronome yourself");
    return;
  }
  const units = servicesRunning(process.execPath);
  if (!units.length) say(`no systemd service runs ${process.execPath}; nothing to restart`);
  for (const unit of units) {
    await restartService(unit);
    say(`restarted ${unit}`);
  }
}

export async function update(configPath: string | undefined, flags: UpdateFlags): Promise<number> {
  if (flags.check && flags.rollback) throw new UpdateError("--check and --rollback do not go together");
  if (typeof flags.restart === "string") checkServiceName(flags.restart);
  if (!buildInfo.compiled)
    throw new UpdateError("update replaces the compiled executable; this is running from source (use git pull)");
  const say = (line: string) => console.log(line);
  const exe = process.execPath;
  const exeInode = statSync(exe).ino;

  if (flags.rollback) {
    const version = await rollbackExecutable(exe);
    say(`rolled back: ${exe} is netronome ${version} again (the replaced one is now ${previousPath(exe)})`);
    await restart(flags.restart, say);
    return 0;
  }

  const { config } = loadConfig({ path: configPath });
  const repository = config.update.repository || buildInfo.repository;
  if (!repository)
    throw new UpdateError(
      "no repository to update from: set [update] repository (NETRONOME__UPDATE_REPOSITORY) to owner/name",
    );
  const target: UpdateTarget = {
    apiUrl: config.update.api_url,
    repository,
    exe,
    exeInode,
    currentVersion: buildInfo.version,
    runtimePlatform: buildInfo.platform,
    platform: releasePlatform(buildInfo),
    updateKey: buildInfo.updateKey,
    say,
    onProgress: progressPrinter(),
  };
  const { release, newer } = await checkForUpdate(target);
  if (!newer) {
    say(`netronome ${buildInfo.version} is up to date (latest release in ${repository}: ${release.version})`);
    return 0;
  }
  if (flags.check) {
    const when = release.publishedAt ? `, published ${release.publishedAt.slice(0, 10)}` : "";
    say(`netronome ${release.version} is available${when} (this is ${buildInfo.version}); run \`netronome update\``);
    return 0;
  }
  say(`updating netronome ${buildInfo.version} to ${release.version} from ${repository}`);
  await installRelease(release, target);
  say(`updated ${exe} to ${release.version}; \`netronome update --rollback\` restores ${buildInfo.version}`);
  await restart(flags.restart, say);
  return 0;
}
