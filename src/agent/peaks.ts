/**
 * The highest receive and transmit rates seen on the agent's interface, kept across restarts in a small JSON file
 * written atomically (temporary file, fsync, rename) a few seconds after a new peak and at shutdown. Peaks of
 * another interface (the configuration changed) are not carried over.
 */
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from "node:fs";
import { homedir } from "node:os";
import { basename, dirname, join } from "node:path";
import type { Logger } from "../core/log";
import { formatBytesPerSecond } from "../measure/collectors/rates";
import type { LiveSample, PeakStats } from "../protocol/agent";

/** A new peak reaches the file at most this long after it was seen. */
export const PEAKS_WRITE_DELAY_MS = 5_000;
const STATE_VERSION = 1;

interface PeakState {
  interface: string;
  rx: number;
  rxAt: string;
  tx: number;
  txAt: string;
}

/**
 * Where the agent keeps its state: systemd's StateDirectory ($STATE_DIRECTORY), else $XDG_STATE_HOME/netronome,
 * else ~/.local/state/netronome.
 */
export function agentStateDir(env: Record<string, string | undefined> = process.env): string {
  const systemd = env.STATE_DIRECTORY?.split(":")[0];
  if (systemd) return systemd;
  return join(env.XDG_STATE_HOME || join(env.HOME || homedir(), ".local", "state"), "netronome");
}

export const PEAKS_FILE = "agent-peaks.json";

function isPeakState(v: unknown): v is PeakState & { version: number } {
  const s = v as Partial<PeakState & { version: number }>;
  const rate = (n: unknown) => typeof n === "number" && Number.isFinite(n) && n >= 0;
  const time = (t: unknown) => typeof t === "string" && (t === "" || !Number.isNaN(Date.parse(t)));
  return (
    s?.version === STATE_VERSION &&
    typeof s.interface === "string" &&
    rate(s.rx) &&
    rate(s.tx) &&
    time(s.rxAt) &&
    time(s.txAt)
  );
}

function listFiles(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** Makes a rename in `dir` durable (best effort: some filesystems refuse to sync a folder). */
function syncDir(dir: string): void {
  try {
    const fd = openSync(dir, "r");
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // The rename itself is atomic; only its durability across a power cut is at stake.
  }
}

export class PeakTracker {
  private state: PeakState;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private writeFailed = false;

  constructor(
    private readonly file: string,
    iface: string,
    private readonly log: Logger,
  ) {
    this.state = { interface: iface, rx: 0, rxAt: "", tx: 0, txAt: "" };
    this.load(iface);
  }

  private load(iface: string): void {
    this.removeStaleTemporaryFiles();
    let text: string;
    try {
      text = readFileSync(this.file, "utf8");
    } catch {
      return;
    }
    let saved: unknown;
    try {
      saved = JSON.parse(text);
    } catch {
      saved = null;
    }
    if (!isPeakState(saved)) {
      this.log.warn("peaks: the state file is not valid; starting from zero", { file: this.file });
      return;
    }
    if (saved.interface !== iface) {
      this.log.info("peaks: the saved peaks are of another interface; starting from zero", {
        file: this.file,
        saved: saved.interface,
        interface: iface,
      });
      return;
    }
    this.state = { interface: iface, rx: saved.rx, rxAt: saved.rxAt, tx: saved.tx, txAt: saved.txAt };
  }

  /** A crash between writing and renaming leaves `<file>.<pid>.tmp` behind; it is never read, only removed. */
  private removeStaleTemporaryFiles(): void {
    const dir = dirname(this.file);
    const prefix = `${basename(this.file)}.`;
    for (const name of listFiles(dir))
      if (name.startsWith(prefix) && name.endsWith(".tmp")) rmSync(join(dir, name), { force: true });
  }

  record(sample: LiveSample, at = new Date()): void {
    let changed = false;
    if (sample.rx.bytespersecond > this.state.rx) {
      this.state.rx = sample.rx.bytespersecond;
      this.state.rxAt = at.toISOString();
      changed = true;
    }
    if (sample.tx.bytespersecond > this.state.tx) {
      this.state.tx = sample.tx.bytespersecond;
      this.state.txAt = at.toISOString();
      changed = true;
    }
    if (changed) this.timer ??= setTimeout(() => this.write(), PEAKS_WRITE_DELAY_MS);
  }

  stats(now = new Date()): PeakStats {
    return {
      peak_rx: this.state.rx,
      peak_tx: this.state.tx,
      peak_rx_string: formatBytesPerSecond(this.state.rx),
      peak_tx_string: formatBytesPerSecond(this.state.tx),
      peak_rx_timestamp: this.state.rxAt,
      peak_tx_timestamp: this.state.txAt,
      updated_at: now.toISOString(),
    };
  }

  /** Writes pending peaks now (at shutdown). */
  close(): void {
    if (this.timer) this.write();
  }

  private write(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const tmp = `${this.file}.${process.pid}.tmp`;
    try {
      mkdirSync(dirname(this.file), { recursive: true, mode: 0o700 });
      const fd = openSync(tmp, "w", 0o600);
      try {
        writeSync(fd, `${JSON.stringify({ version: STATE_VERSION, ...this.state })}\n`);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(tmp, this.file);
      syncDir(dirname(this.file));
      if (this.writeFailed) this.log.info("peaks: saved again", { file: this.file });
      this.writeFailed = false;
    } catch (e) {
      // Said once until a write succeeds again; the peaks stay in memory meanwhile.
      if (!this.writeFailed)
        this.log.warn("peaks: cannot save; they are kept in memory only", { file: this.file, error: e as Error });
      this.writeFailed = true;
    }
  }
}
