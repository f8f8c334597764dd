/** Builds a real app on a real database for API tests through app.handle, with a cookie-keeping client. */
import { configFrom } from "../../src/config/load";
import { buildInfo } from "../../src/core/build-info";
import { type Logger, silentLogger } from "../../src/core/log";
import { type DbHandle, openDatabase } from "../../src/db";
import { type AppOptions, createApp } from "../../src/server/app";
import type { AppContext } from "../../src/server/context";
import { ADMIN } from "./admin";
import { createSqliteDatabase, type TestDatabase } from "./db";

export interface TestApp {
  ctx: AppContext;
  app: Awaited<ReturnType<typeof createApp>>["app"];
  services: Awaited<ReturnType<typeof createApp>>["services"];
  db: DbHandle;
  /** Starts background work (restores schedules). */
  start(): Promise<void>;
  close(): Promise<void>;
}

export interface TestAppOptions extends AppOptions {
  /** Where the app logs (default: nowhere). */
  log?: Logger;
}

export async function startTestApp(
  database: TestDatabase,
  overrides: Record<string, Record<string, unknown>> = {},
  { log, ...options }: TestAppOptions = {},
): Promise<TestApp> {
  const loaded = configFrom({ ...overrides, logging: { level: "error", ...overrides.logging } });
  const db = await openDatabase(database.options);
  const ctx: AppContext = {
    config: loaded.config,
    loaded,
    db,
    log: log ?? silentLogger,
    build: buildInfo,
    startedAt: new Date(),
    stopping: new AbortController().signal,
    instanceId: crypto.randomUUID(),
  };
  const created = await createApp(ctx, options);
  return {
    ctx,
    app: created.app,
    services: created.services,
    db,
    start: created.start,
    close: async () => {
      await created.stop();
      await db.close();
    },
  };
}

/** startTestApp on a fresh SQLite database of its own, which close() deletes. */
export async function startSqliteTestApp(
  overrides: Record<string, Record<string, unknown>> = {},
  opts: TestAppOptions = {},
): Promise<TestApp> {
  const database = await createSqliteDatabase();
  let app: TestApp;
  try {
    app = await startTestApp(database, overrides, opts);
  } catch (e) {
    await database.drop();
    throw e;
  }
  return {
    ...app,
    close: async () => {
      await app.close();
      await database.drop();
    },
  };
}

/** A client for app.handle that keeps cookies between requests, like a browser. */
export class Client {
  readonly cookies = new Map<string, string>();
  constructor(
    private readonly app: TestApp["app"],
    private readonly base = "",
  ) {}

  async fetch(
    path: string,
    init: RequestInit & { json?: unknown; form?: Record<string, string> } = {},
  ): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookies.size) headers.set("cookie", [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; "));
    let body = init.body;
    if (init.json !== undefined) {
      headers.set("content-type", "application/json");
      body = JSON.stringify(init.json);
    }
    if (init.form) {
      headers.set("content-type", "application/x-www-form-urlencoded");
      body = new URLSearchParams(init.form).toString();
    }
    const res = await this.app.handle(new Request(`http://localhost${this.base}${path}`, { ...init, headers, body }));
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(";");
      const [name, ...rest] = pair!.split("=");
      const value = rest.join("=");
      if (value === "" || /max-age=0/i.test(c)) this.cookies.delete(name!.trim());
      else this.cookies.set(name!.trim(), value);
    }
    return res;
  }

  get(path: string, init: RequestInit = {}) {
    return this.fetch(path, init);
  }

  postJson(path: string, json: unknown) {
    return this.fetch(path, { method: "POST", json });
  }

  postForm(path: string, form: Record<string, string>, init: RequestInit = {}) {
    return this.fetch(path, { ...init, method: "POST", form });
  }
}

/** Creates ADMIN in the app and returns a client signed in as it. */
export async function signedInClient(t: TestApp): Promise<Client> {
  await t.services.auth.createUser(ADMIN.username, ADMIN.password);
  const client = new Client(t.app);
  await client.postJson("/api/auth/login", ADMIN);
  return client;
}
