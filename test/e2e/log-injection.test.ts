/**
 * The log as an attacker writes into it, against the compiled binary: a refused sign-in logs the user name it was
 * given (for fail2ban), so that name must not be able to forge lines or drive the terminal of whoever reads the log
 * (defect: a name without spaces went out raw, ESC and BEL included, so `journalctl -f` or `tail -f` in a terminal
 * ran the escape sequences).
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { registerAdmin } from "../helpers/admin";
import { BUILD_TIMEOUT_MS, compiledBinary } from "../helpers/binary";
import { type ServerProcess, startServer } from "../helpers/server-process";

let server: ServerProcess;
beforeAll(async () => {
  server = await startServer([await compiledBinary(), "serve"]);
  await registerAdmin(server.url);
}, BUILD_TIMEOUT_MS);
afterAll(async () => {
  await server?.stop();
});

const HOSTILE = [
  "evil\u001b[2J\u001b]0;owned\u0007", // clear screen, set the window title
  "evil\u009b31m", // C1 CSI
  "evil\u2028forged", // a line separator
  "evil\rINF\u0000signed-in",
  "evil\u202eesrever", // bidirectional override
];

test("user names with control characters are logged escaped, one line each", async () => {
  for (const username of HOSTILE) {
    const res = await fetch(`${server.url}/api/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username, password: "wrong-password" }),
    });
    expect(res.status).toBe(401);
  }
  await server.stop();
  const lines = (await server.stderr()).split("\n").filter((l) => l.includes("sign-in refused"));
  expect(lines.length).toBe(HOSTILE.length);
  for (const line of lines) {
    expect(line).toMatch(/^[\x20-\x7e]*$/u);
    expect(line).toContain("username=");
  }
  expect(lines[0]).toContain(String.raw`username="evil\u001b[2J\u001b]0;owned\u0007"`);
  expect(lines[2]).toContain(String.raw`username="evil\u2028forged"`);
});
