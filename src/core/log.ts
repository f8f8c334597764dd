/** Levelled logger writing one line per event to stderr. */
export const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal", "panic"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const rank: Record<LogLevel, number> = { trace: 0, debug: 1, info: 2, warn: 3, error: 4, fatal: 5, panic: 5 };
const tag: Record<LogLevel, string> = {
  trace: "TRC",
  debug: "DBG",
  info: "INF",
  warn: "WRN",
  error: "ERR",
  fatal: "FTL",
  panic: "FTL",
};

export type LogFields = Record<string, unknown>;

export interface Logger {
  trace(msg: string, fields?: LogFields): void;
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  child(scope: string): Logger;
  enabled(level: LogLevel): boolean;
}

/**
 * Characters that must never reach a log raw: controls (ESC drives the terminal of whoever tails the log, CR and
 * line separators forge lines), invisible format characters (bidirectional overrides) and lone surrogates. Values
 * come from clients (a refused user name, say), so every one is escaped.
 */
const UNSAFE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/gu;
const escapeUnsafe = (s: string) => s.replace(UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);

function formatValue(v: unknown): string {
  if (v instanceof Error) return escapeUnsafe(JSON.stringify(v.message));
  if (typeof v === "string") {
    const plain = v !== "" && !/[\s"=\\]/.test(v) && !v.match(UNSAFE);
    return plain ? v : escapeUnsafe(JSON.stringify(v));
  }
  return escapeUnsafe(JSON.stringify(v) ?? String(v));
}

export function createLogger(
  level: LogLevel,
  scope = "",
  write: (line: string) => void = (l) => process.stderr.write(l),
): Logger {
  const min = rank[level];
  const emit = (lvl: LogLevel, msg: string, fields?: LogFields) => {
    if (rank[lvl] < min) return;
    let line = `${new Date().toISOString()} ${tag[lvl]}${scope ? ` [${scope}]` : ""} ${escapeUnsafe(msg)}`;
    if (fields) for (const [k, v] of Object.entries(fields)) if (v !== undefined) line += ` ${k}=${formatValue(v)}`;
    write(`${line}\n`);
  };
  return {
    trace: (m, f) => emit("trace", m, f),
    debug: (m, f) => emit("debug", m, f),
    info: (m, f) => emit("info", m, f),
    warn: (m, f) => emit("warn", m, f),
    error: (m, f) => emit("error", m, f),
    child: (s) => createLogger(level, scope ? `${scope}.${s}` : s, write),
    enabled: (lvl) => rank[lvl] >= min,
  };
}

/** For tests and tools that want no output. */
export const silentLogger: Logger = createLogger("panic", "", () => {});
