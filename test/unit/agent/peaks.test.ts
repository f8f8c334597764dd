import { afterEach, describe, expect, test } from "bun:test";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { agentStateDir, PEAKS_WRITE_DELAY_MS, PeakTracker } from "../../../src/agent/peaks";
import { createLogger, silentLogger } from "../../../src/core/log";
import type { LiveSample } from "../../../src/protocol/agent";

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), "netronome-peaks-"));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const direction = (bps: number) => ({
  ratestring: "",
  bytespersecond: bps,
  packetspersecond: 0,
  bytes: bps,
  packets: 0,
  totalbytes: 0,
  totalpackets: 0,
});
const sample = (rx: number, tx: number): LiveSample => ({ index: 1, seconds: 1, rx: direction(rx), tx: direction(tx) });

describe("peaks", () => {
  test("the highest rate per direction with the moment it was seen; before any sample, zero and empty times", () => {
    const peaks = new PeakTracker(join(tempDir(), "peaks.json"), "eth0", silentLogger);
    expect(peaks.stats(new Date("2026-12-03T10:00:00Z"))).toEqual({
      peak_rx: 0,
      peak_tx: 0,
      peak_rx_string: "0 B/s",
      peak_tx_string: "0 B/s",
      peak_rx_timestamp: "",
      peak_tx_timestamp: "",
      updated_at: "2026-12-03T10:00:00.000Z",
    });
    peaks.record(sample(1000, 5000), new Date("2026-12-03T10:00:01Z"));
    peaks.record(sample(3000, 100), new Date("2026-12-03T10:00:02Z"));
    peaks.record(sample(2000, 100), new Date("2026-12-03T10:00:03Z"));
    expect(peaks.stats()).toMatchObject({
      peak_rx: 3000,
      peak_tx: 5000,
      peak_rx_string: "2.93 KiB/s",
      peak_tx_string: "4.88 KiB/s",
      peak_rx_timestamp: "2026-12-03T10:00:02.000Z",
      peak_tx_timestamp: "2026-12-03T10:00:01.000Z",
    });
    peaks.close();
  });

  test("kept across restarts: written shortly after a new peak, atomically, and read back", async () => {
    const file = join(tempDir(), "state", "peaks.json");
    const first = new PeakTracker(file, "eth0", silentLogger);
    first.record(sample(123456, 654321), new Date("2026-12-03T10:00:00Z"));
    expect(existsSync(file)).toBe(false);
    await Bun.sleep(PEAKS_WRITE_DELAY_MS + 300);
    expect(JSON.parse(readFileSync(file, "utf8"))).toEqual({
      version: 1,
      interface: "eth0",
      rx: 123456,
      rxAt: "2026-12-03T10:00:00.000Z",
      tx: 654321,
      txAt: "2026-12-03T10:00:00.000Z",
    });
    // No temporary file is left beside it.
    expect(readdirSync(join(file, ".."))).toEqual(["peaks.json"]);
    const second = new PeakTracker(file, "eth0", silentLogger);
    expect(second.stats()).toMatchObject({
      peak_rx: 123456,
      peak_tx: 654321,
      peak_tx_timestamp: "2026-12-03T10:00:00.000Z",
    });
    // A lower rate after the restart does not replace the saved peak.
    second.record(sample(10, 10));
    expect(second.stats().peak_rx).toBe(123456);
  }, 10_000);

  test("close() writes a pending peak at once (shutdown)", () => {
    const file = join(tempDir(), "peaks.json");
    const peaks = new PeakTracker(file, "eth0", silentLogger);
    peaks.record(sample(42, 43));
    peaks.close();
    expect(new PeakTracker(file, "eth0", silentLogger).stats()).toMatchObject({ peak_rx: 42, peak_tx: 43 });
  });

  test("a crash between writing and renaming leaves a temporary file: the saved peaks load, the leftover goes", () => {
    const dir = tempDir();
    const file = join(dir, "peaks.json");
    const peaks = new PeakTracker(file, "eth0", silentLogger);
    peaks.record(sample(42, 43));
    peaks.close();
    writeFileSync(`${file}.12345.tmp`, '{"version":1,"interface":"eth0","rx":99');
    writeFileSync(join(dir, "other.tmp"), "");
    expect(new PeakTracker(file, "eth0", silentLogger).stats()).toMatchObject({ peak_rx: 42, peak_tx: 43 });
    expect(readdirSync(dir).sort()).toEqual(["other.tmp", "peaks.json"]);
  });

  test("peaks of another interface, a corrupt or foreign file: start from zero, with a log line", () => {
    const lines: string[] = [];
    const log = createLogger("info", "", (l) => lines.push(l));
    const file = join(tempDir(), "peaks.json");
    const peaks = new PeakTracker(file, "eth0", silentLogger);
    peaks.record(sample(42, 43));
    peaks.close();
    expect(new PeakTracker(file, "wlan0", log).stats().peak_rx).toBe(0);
    expect(lines.at(-1)).toContain("another interface");
    for (const text of ["{not json", '{"version":1,"interface":"eth0","rx":-5,"tx":1,"rxAt":"","txAt":""}', "[]"]) {
      writeFileSync(file, text);
      expect(new PeakTracker(file, "eth0", log).stats().peak_rx).toBe(0);
      expect(lines.at(-1)).toContain("not valid");
    }
  });

  test("a state folder that cannot be written: the peaks stay in memory, one warning", () => {
    if (process.getuid?.() === 0) {
      // root writes anywhere: use a path below a regular file instead of a read-only folder.
      const blocker = join(tempDir(), "file");
      writeFileSync(blocker, "");
      checkUnwritable(join(blocker, "peaks.json"));
    } else {
      const dir = tempDir();
      mkdirSync(join(dir, "ro"));
      chmodSync(join(dir, "ro"), 0o500);
      checkUnwritable(join(dir, "ro", "peaks.json"));
    }
  });

  test("state folder: systemd's StateDirectory, else XDG_STATE_HOME, else ~/.local/state", () => {
    expect(agentStateDir({ STATE_DIRECTORY: "/var/lib/netronome:/var/lib/other", HOME: "/home/a" })).toBe(
      "/var/lib/netronome",
    );
    expect(agentStateDir({ XDG_STATE_HOME: "/xdg", HOME: "/home/a" })).toBe("/xdg/netronome");
    expect(agentStateDir({ HOME: "/home/a" })).toBe("/home/a/.local/state/netronome");
  });
});

function checkUnwritable(file: string) {
  const lines: string[] = [];
  const peaks = new PeakTracker(
    file,
    "eth0",
    createLogger("info", "", (l) => lines.push(l)),
  );
  peaks.record(sample(1, 1));
  peaks.close();
  peaks.record(sample(2, 2));
  peaks.close();
  expect(peaks.stats().peak_rx).toBe(2);
  expect(lines.filter((l) => l.includes("peaks: cannot save"))).toHaveLength(1);
}
