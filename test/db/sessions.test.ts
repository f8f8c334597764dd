import { describe, expect, test } from "bun:test";
import { createAuthRepository } from "../../src/auth/auth.repository";
import { createSessionsRepository, type SessionsRepository } from "../../src/auth/sessions.repository";
import { createSessionsService, MAX_SESSIONS_PER_USER, TOUCH_INTERVAL_MS } from "../../src/auth/sessions.service";
import { silentLogger } from "../../src/core/log";
import { describeEachDialect, openForBlock } from "../helpers/db";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const client = { address: "192.0.2.10", userAgent: "test" };

describeEachDialect("session expiry, last seen and pruning", (dialect) => {
  const opened = openForBlock(dialect);

  /** A sessions service on a clock the test moves, counting last-seen writes. */
  function setUp(timeouts = { idleMs: 2 * HOUR, absoluteMs: DAY }) {
    const repo = createSessionsRepository(opened.handle);
    const clock = { now: Date.parse("2026-12-03T08:00:00Z") };
    const writes = { touch: 0 };
    const counted: SessionsRepository = {
      ...repo,
      touch: (...args) => {
        writes.touch++;
        return repo.touch(...args);
      },
    };
    const sessions = createSessionsService({
      repo: counted,
      secret: "s3cret",
      timeouts,
      log: silentLogger,
      now: () => clock.now,
    });
    return { sessions, clock, writes };
  }

  const newUser = async (name: string) => createAuthRepository(opened.handle).insertUser(name, "hash");

  test("a session unused for idle_timeout is over, and its row is gone", async () => {
    const { sessions, clock } = setUp();
    const user = await newUser("idle");
    const { token } = await sessions.create(user, "password", client);
    clock.now += 2 * HOUR - MINUTE;
    expect(await sessions.resolve(token, client.address)).not.toBeNull();
    clock.now += 2 * HOUR - MINUTE;
    expect(await sessions.resolve(token, client.address)).not.toBeNull();
    clock.now += 2 * HOUR;
    expect(await sessions.resolve(token, client.address)).toBeNull();
    expect(await sessions.list(user.id)).toEqual([]);
  });

  test("a session in constant use still ends absolute_timeout after sign-in", async () => {
    const { sessions, clock } = setUp();
    const user = await newUser("busy");
    const { token, session } = await sessions.create(user, "password", client);
    expect(session.expiresAt.getTime() - session.createdAt.getTime()).toBe(DAY);
    for (let t = 0; t < DAY - HOUR; t += HOUR) {
      clock.now += HOUR;
      expect(await sessions.resolve(token, client.address)).not.toBeNull();
    }
    clock.now += HOUR;
    expect(await sessions.resolve(token, client.address)).toBeNull();
  });

  test("last seen is written at most once a minute, with the address it was seen from", async () => {
    const { sessions, clock, writes } = setUp();
    const user = await newUser("seen");
    const { token } = await sessions.create(user, "password", client);
    for (let i = 0; i < 50; i++) {
      clock.now += 1000;
      await sessions.resolve(token, client.address);
    }
    expect(writes.touch).toBe(0);
    clock.now += TOUCH_INTERVAL_MS;
    await sessions.resolve(token, "198.51.100.4");
    await sessions.resolve(token, "198.51.100.4");
    expect(writes.touch).toBe(1);
    const [row] = await sessions.list(user.id);
    expect(row!.lastSeenAt.getTime()).toBe(clock.now);
    expect(row!.clientAddress).toBe("198.51.100.4");
  });

  test("idle_timeout longer than absolute_timeout is capped by it", async () => {
    const { sessions } = setUp({ idleMs: 30 * DAY, absoluteMs: DAY });
    expect(sessions.idleMs).toBe(DAY);
  });

  test("pruning deletes expired and idle sessions and keeps live ones", async () => {
    const { sessions, clock } = setUp();
    const user = await newUser("prune");
    const stale = await sessions.create(user, "password", client);
    clock.now += 90 * MINUTE;
    const fresh = await sessions.create(user, "password", client);
    clock.now += 40 * MINUTE;
    // Other tests' sessions in this database may go too.
    expect(await sessions.prune()).toBeGreaterThanOrEqual(1);
    const left = await sessions.list(user.id);
    expect(left.map((s) => s.id)).toEqual([fresh.session.id]);
    expect(await sessions.resolve(stale.token, null)).toBeNull();
    expect(await sessions.resolve(fresh.token, null)).not.toBeNull();
  });

  test(`a user keeps at most ${MAX_SESSIONS_PER_USER} sessions; the least recently used go`, async () => {
    const { sessions, clock } = setUp();
    const user = await newUser("scripted");
    const first = await sessions.create(user, "password", client);
    for (let i = 0; i < MAX_SESSIONS_PER_USER; i++) {
      clock.now += 1000;
      await sessions.create(user, "password", client);
    }
    expect(await sessions.list(user.id)).toHaveLength(MAX_SESSIONS_PER_USER);
    expect(await sessions.resolve(first.token, null)).toBeNull();
  });

  describe("tokens", () => {
    test("a token that is not one of ours, or tampered with, finds nothing", async () => {
      const { sessions } = setUp();
      const user = await newUser("tokens");
      const { token } = await sessions.create(user, "password", client);
      const flipped = (token[0] === "A" ? "B" : "A") + token.slice(1);
      for (const bad of [flipped, `${token}x`, "", "' or 1=1 --", "a".repeat(10_000)])
        expect(await sessions.resolve(bad, null)).toBeNull();
    });

    test("another secret (session_secret changed) does not accept the old tokens", async () => {
      const { sessions } = setUp();
      const user = await newUser("rotated");
      const { token } = await sessions.create(user, "password", client);
      const rotated = createSessionsService({
        repo: createSessionsRepository(opened.handle),
        secret: "another secret",
        timeouts: { idleMs: HOUR, absoluteMs: DAY },
        log: silentLogger,
      });
      expect(await rotated.resolve(token, null)).toBeNull();
    });
  });
});
