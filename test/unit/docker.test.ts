/**
 * The Dockerfile and compose files, read for the pieces they must have (no Docker engine runs in the test
 * environment, so the image itself is not built here).
 */
import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fields } from "../../src/config/schema";

const ROOT = join(import.meta.dir, "../..");
const read = (file: string) => readFileSync(join(ROOT, file), "utf8");

interface Instruction {
  op: string;
  args: string;
}

/** Dockerfile instructions per stage, continuation lines joined and comments dropped. */
function stages(text: string): Instruction[][] {
  const joined = text
    .split("\n")
    .filter((l) => !l.trimStart().startsWith("#"))
    .join("\n")
    .replace(/\\\n/g, " ");
  const out: Instruction[][] = [];
  for (const line of joined.split("\n")) {
    const m = /^\s*([A-Z]+)\s+(.*)$/.exec(line);
    if (!m) continue;
    if (m[1] === "FROM") out.push([]);
    out.at(-1)?.push({ op: m[1]!, args: m[2]!.replace(/\s+/g, " ").trim() });
  }
  return out;
}

describe("Dockerfile", () => {
  const [build, run] = stages(read("Dockerfile")) as [Instruction[], Instruction[]];
  const args = (stage: Instruction[], op: string) => stage.filter((i) => i.op === op).map((i) => i.args);

  test("two stages: Bun builds the executable as releases do, a slim image runs it", () => {
    expect(args(build, "FROM")[0]).toMatch(/^node:\d+-\S+ AS build$/);
    expect(args(build, "RUN").join(" ")).toContain("npm ci");
    expect(args(build, "RUN").join(" ")).toContain("bash scripts/build.sh /out/netronome");
    expect(args(run, "FROM")[0]).toMatch(/^debian:\S+-slim$/);
    expect(args(run, "COPY")).toContain("--from=build /out/netronome /usr/local/bin/netronome");
  });

  test("the runtime has the probes, tini as PID 1, and runs as a non-root user", () => {
    const install = args(run, "RUN").join(" ");
    for (const pkg of ["iperf3", "mtr-tiny", "traceroute", "iputils-ping", "vnstat", "tini", "ca-certificates"])
      expect(install).toMatch(new RegExp(`apt-get install [^&]*\\b${pkg}\\b`));
    expect(install).toContain("useradd --uid 1000 --gid 1000");
    expect(args(run, "USER")).toEqual(["netronome"]);
    expect(JSON.parse(args(run, "ENTRYPOINT")[0]!)).toEqual(["/usr/bin/tini", "--", "/usr/local/bin/netronome"]);
    expect(JSON.parse(args(run, "CMD")[0]!)).toEqual(["serve"]);
  });

  test("ICMP for mtr and ping by file capability (NET_RAW), not setuid root", () => {
    const install = args(run, "RUN").join(" ");
    expect(install).toContain("chmod u-s /usr/bin/mtr-packet");
    expect(install).toContain("setcap cap_net_raw+ep /usr/bin/mtr-packet");
    expect(install).toContain("setcap cap_net_raw+ep /usr/bin/ping");
  });

  test("listens on every interface at 7575 and keeps its data in /data", () => {
    expect(args(run, "ENV").join(" ")).toContain("NETRONOME__HOST=0.0.0.0");
    expect(args(run, "ENV").join(" ")).toContain("HOME=/data");
    expect(args(run, "EXPOSE")).toEqual(["7575"]);
    expect(args(run, "VOLUME")).toEqual(["/data"]);
  });

  test(".dockerignore leaves out dependencies and history, and keeps what the build needs", () => {
    const ignored = read(".dockerignore")
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith("#"));
    expect(ignored).toContain("node_modules");
    expect(ignored).toContain(".git");
    for (const needed of ["src", "drizzle", "public", "views", "scripts", "package.json", "package-lock.json"]) {
      expect(existsSync(join(ROOT, needed))).toBe(true);
      expect(ignored).not.toContain(needed);
    }
  });
});

describe("compose files", () => {
  const envNames = new Set([...fields()].map(([, f]) => `NETRONOME__${f.env}`));
  type Service = Record<string, unknown> & { environment?: Record<string, string | number> };
  const load = (file: string) => Bun.YAML.parse(read(file)) as { services: Record<string, Service> };

  for (const file of ["docker-compose.yml", "docker-compose.postgres.yml"]) {
    test(`${file}: Netronome with NET_RAW only, its data in a volume, settings that exist`, () => {
      const app = load(file).services.netronome!;
      expect(app.build).toBe(".");
      expect(app.cap_drop).toEqual(["ALL"]);
      expect(app.cap_add).toEqual(["NET_RAW"]);
      expect(app.privileged).toBeUndefined();
      expect(JSON.stringify(app.security_opt ?? [])).not.toContain("no-new-privileges");
      expect(app.ports).toEqual(["7575:7575"]);
      expect(app.volumes).toEqual(["netronome:/data"]);
      expect(app.restart).toBe("unless-stopped");
      for (const name of Object.keys(app.environment ?? {})) expect([name, envNames.has(name)]).toEqual([name, true]);
    });
  }

  test("docker-compose.postgres.yml: waits for a healthy PostgreSQL and needs a password set", () => {
    const { services } = load("docker-compose.postgres.yml");
    const app = services.netronome!;
    expect(app.environment).toMatchObject({ NETRONOME__DB_TYPE: "postgres", NETRONOME__DB_HOST: "postgres" });
    expect(app.depends_on).toEqual({ postgres: { condition: "service_healthy" } });
    expect(String(app.environment!.NETRONOME__DB_PASSWORD)).toMatch(/^\$\{POSTGRES_PASSWORD:\?/);
    const db = services.postgres!;
    expect(db.environment).toMatchObject({ POSTGRES_USER: "netronome", POSTGRES_DB: "netronome" });
    expect(JSON.stringify(db.healthcheck)).toContain("pg_isready");
  });
});
