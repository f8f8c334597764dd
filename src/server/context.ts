/** What every feature plugin is built from: configuration, database, logger and build facts. */
import type { LoadedConfig } from "../config/load";
import type { Config } from "../config/schema";
import type { BuildInfo } from "../core/build-info";
import type { Logger } from "../core/log";
import type { DbHandle } from "../db";

export interface AppContext {
  readonly config: Config;
  readonly loaded: LoadedConfig;
  readonly db: DbHandle;
  readonly log: Logger;
  readonly build: BuildInfo;
  readonly startedAt: Date;
  /** Aborted when the server begins shutting down: long-lived streams end so in-flight requests can finish. */
  readonly stopping: AbortSignal;
  /** Distinguishes app instances for Elysia's plugin de-duplication (tests build several apps in one process). */
  readonly instanceId: string;
}
