/** [database]: SQLite (the default) or PostgreSQL. */
import { choice, int, str } from "../field";

export const database = {
  type: choice(["sqlite", "postgres"], "sqlite", "DB_TYPE", "Database type (`sqlite` or `postgres`)"),
  path: str("netronome.db", "DB_PATH", "SQLite file; a relative path is resolved against the config file's folder"),
  host: str("localhost", "DB_HOST", "PostgreSQL host"),
  port: int(5432, "DB_PORT", "PostgreSQL port", 1, 65535),
  user: str("postgres", "DB_USER", "PostgreSQL user"),
  password: str("", "DB_PASSWORD", "PostgreSQL password"),
  dbname: str("netronome", "DB_NAME", "PostgreSQL database name"),
  sslmode: choice(
    ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"],
    "disable",
    "DB_SSLMODE",
    "PostgreSQL SSL mode",
  ),
} as const;
