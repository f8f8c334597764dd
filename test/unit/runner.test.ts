import { expect, test } from "bun:test";
import { run } from "../../src/core/runner";

test("at the time limit the runner sends the chosen signal first, so a tool can print its summary", async () => {
  const script = 'trap "echo summary; exit 0" INT; trap "echo terminated; exit 3" TERM; while :; do sleep 0.05; done';
  const interrupted = await run(["sh", "-c", script], { timeoutMs: 300, timeoutSignal: "SIGINT" });
  expect(interrupted).toMatchObject({ timedOut: true, exitCode: 0 });
  expect(interrupted.stdout.trim()).toBe("summary");
  const terminated = await run(["sh", "-c", script], { timeoutMs: 300 });
  expect(terminated).toMatchObject({ timedOut: true, exitCode: 3 });
  expect(terminated.stdout.trim()).toBe("terminated");
});
