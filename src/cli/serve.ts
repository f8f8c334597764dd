/** `netronome serve`: the boot order on one screen. */
import { type LoadedConfig, loadConfig } from "../config/load";
import { buildInfo } from "../core/build-info";
import { createLogger } from "../core/log";
import { openDatabase } from "../db";
import { createApp } from "../server/app";
import type { AppContext } from "../server/context";

/** How long in-flight requests may take to finish at shutdown before connections are cut. */
const SHUTDOWN_GRACE_MS = 10_000;

export async function serve(configPath: string | undefined): Promise<number> {
  const loaded: LoadedConfig = loadConfig({ path: configPath });
  const { config } = loaded;
  const log = createLogger(config.logging.level);
  for (const w of loaded.warnings) log.warn(w);
  log.info("starting Netronome", {
    version: buildInfo.version,
    config: loaded.file ?? "(none: defaults and environment)",
  });
  if (config.oidc.issuer)
    log.warn("OpenID Connect is configured but not supported by this version; built-in login is used");

  const db = await openDatabase(config.database);
  log.info("database ready", { type: db.dialect, ...(db.dialect === "sqlite" ? { path: config.database.path } : {}) });
  const shuttingDown = new AbortController();
  const ctx: AppContext = {
    config,
    loaded,
    db,
    log,
    build: buildInfo,
    startedAt: new Date(),
    stopping: shuttingDown.signal,
    instanceId: crypto.randomUUID(),
  };
  const { app, start, stop } = await createApp(ctx);
  try {
    // Exclusively: Elysia asks for SO_REUSEPORT by default, with which a second instance would silently share
    // this port (and its visitors) with the first instead of failing.
    app.listen({ hostname: config.server.host, port: config.server.port, reusePort: false });
  } catch (e) {
    await stop();
    await db.close();
    const inUse = (e as { code?: string }).code === "EADDRINUSE" || /in use/i.test((e as Error).message);
    throw new Error(
      inUse
        ? `cannot listen on ${config.server.host}:${config.server.port}: the port is already in use (is another Netronome running?)`
        : `cannot listen on ${config.server.host}:${config.server.port}: ${(e as Error).message}`,
    );
  }
  await start();
  // The executable starts with JIT tier-up thresholds raised (scripts/build.sh), so run-once start-up code is not
  // compiled and its compiled code does not stay resident; from here on, code that runs often is compiled as usual.
  // (Optional call: Bun releases before the JIT policy API run from source at the normal policy anyway.)
  Bun.unsafe.setJITPolicy?.(1);
  log.info(`listening on http://${config.server.host}:${config.server.port}${config.server.base_url}/`);

  return await new Promise<number>((resolve) => {
    let stopping = false;
    const shutdown = async (signal: string) => {
      if (stopping) return;
      stopping = true;
      log.info("shutting down", { signal });
      shuttingDown.abort();
      const force = setTimeout(() => void app.server?.stop(true), SHUTDOWN_GRACE_MS);
      await stop();
      await app.stop(false);
      clearTimeout(force);
      await db.close();
      log.info("stopped");
      resolve(0);
    };
    // Handlers stay installed: a repeated signal during shutdown must not kill the process mid-way.
    process.on("SIGINT", () => void shutdown("SIGINT"));
    process.on("SIGTERM", () => void shutdown("SIGTERM"));
  });
}
