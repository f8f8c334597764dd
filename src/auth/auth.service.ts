/** Accounts and passwords. Knows nothing about HTTP; throws typed errors. */
import { BadInput, Conflict, Forbidden, NotFound, TooManyRequests, Unauthorized } from "../core/errors";
import { Semaphore } from "../scheduler/semaphore";
import type { AuthRepository } from "./auth.repository";
import { PASSWORD_MAX, PASSWORD_MIN, USERNAME_MAX } from "./auth.schema";
import type { LoginThrottle } from "./login-throttle";
import type { SessionsRepository } from "./sessions.repository";

export interface SessionUser {
  id: number;
  username: string;
}

const HASH_OPTIONS = { algorithm: "argon2id", memoryCost: 19456, timeCost: 2 } as const;
const USERNAME_PATTERN = /^[\p{L}\p{N}._@+-]+$/u;
export const BAD_CREDENTIALS = "invalid username or password";

/**
 * Password hashes computed at once, and callers allowed to wait for one: each argon2id run holds 19 MiB and most
 * of a core, so a burst of sign-ins (from many addresses, which the throttle does not stop) queues here, and
 * beyond the queue is refused, instead of taking the machine's memory.
 */
const HASH_SLOTS = 2;
const HASH_QUEUE = 32;

export function checkUsername(raw: string | undefined): string {
  const username = (raw ?? "").trim();
  if (!username) throw new BadInput("username: required", "username");
  if (username.length > USERNAME_MAX) throw new BadInput(`username: at most ${USERNAME_MAX} characters`, "username");
  if (!USERNAME_PATTERN.test(username))
    throw new BadInput("username: use letters, digits and . _ @ + - only", "username");
  return username;
}

export function checkNewPassword(password: string | undefined, field = "password"): string {
  if (!password) throw new BadInput(`${field}: required`, field);
  if (password.length < PASSWORD_MIN) throw new BadInput(`${field}: at least ${PASSWORD_MIN} characters`, field);
  if (password.length > PASSWORD_MAX) throw new BadInput(`${field}: at most ${PASSWORD_MAX} characters`, field);
  return password;
}

export function createAuthService(deps: {
  users: AuthRepository;
  sessions: SessionsRepository;
  throttle: LoginThrottle;
}) {
  const { users: repo, sessions, throttle } = deps;
  let knownToHaveUsers = false;
  const slots = new Semaphore(HASH_SLOTS);
  const busy = () => slots.active >= HASH_SLOTS && slots.queued >= HASH_QUEUE;
  const hash = (password: string) => {
    if (busy()) throw new TooManyRequests("the server is busy checking passwords; try again in a moment", 1);
    return slots.run(() => Bun.password.hash(password, HASH_OPTIONS));
  };
  const verify = (password: string, passwordHash: string) => {
    if (busy()) throw new TooManyRequests("the server is busy checking passwords; try again in a moment", 1);
    return slots.run(() => Bun.password.verify(password, passwordHash));
  };
  // Verifying against a real hash when the user is unknown keeps both failures equally slow.
  const dummyHash = Bun.password.hash(crypto.randomUUID(), HASH_OPTIONS);

  return {
    /** Whether any account exists; once it does, answered without the database (accounts are never deleted). */
    async hasUsers(): Promise<boolean> {
      if (!knownToHaveUsers) knownToHaveUsers = (await repo.countUsers()) > 0;
      return knownToHaveUsers;
    },

    /** Creates the first account; closed (403) once any user exists. */
    async register(rawUsername: string | undefined, rawPassword: string | undefined): Promise<SessionUser> {
      if (await this.hasUsers()) throw new Forbidden("registration is closed: an account already exists");
      const username = checkUsername(rawUsername);
      const password = checkNewPassword(rawPassword);
      const created = await repo.insertFirstUser(username, await hash(password));
      knownToHaveUsers = true;
      if (!created) throw new Forbidden("registration is closed: an account already exists");
      return { id: created.id, username };
    },

    /**
     * Checks a username and password. The attempt is reserved under `source` (the client, see login-throttle.ts)
     * before anything is looked up, and refused with 429 when that source has none left.
     */
    async login(rawUsername: string | undefined, password: string | undefined, source: string): Promise<SessionUser> {
      const attempt = throttle.reserve([`source:${source}`]);
      const username = (rawUsername ?? "").trim();
      try {
        const user = username ? await repo.findByUsername(username) : undefined;
        const ok = user
          ? await verify(password ?? "", user.passwordHash)
          : (await verify(password ?? "", await dummyHash)) && false;
        if (!user || !ok) {
          attempt.failed();
          throw new Unauthorized(BAD_CREDENTIALS);
        }
        attempt.succeeded();
        return { id: user.id, username: user.username };
      } catch (e) {
        // Refused before the check (busy, database down): the attempt proved nothing either way.
        if (!(e instanceof Unauthorized)) attempt.succeeded();
        throw e;
      }
    },

    /** The CLI's create-user: an administrator at the terminal may add accounts at any time. */
    async createUser(rawUsername: string, rawPassword: string): Promise<SessionUser> {
      const username = checkUsername(rawUsername);
      const password = checkNewPassword(rawPassword);
      if (await repo.findByUsername(username)) throw new Conflict(`user "${username}" already exists`);
      const { id } = await repo.insertUser(username, await hash(password));
      knownToHaveUsers = true;
      return { id, username };
    },

    /** The CLI's change-password: also ends every session of that user. */
    async setPassword(rawUsername: string, rawPassword: string): Promise<void> {
      const user = await repo.findByUsername(rawUsername.trim());
      if (!user) throw new NotFound(`user "${rawUsername}" does not exist`);
      await repo.updatePassword(user.id, await hash(checkNewPassword(rawPassword)));
      await sessions.deleteForUser(user.id);
    },

    /**
     * The Settings page: needs the current password, whose check is throttled like a sign-in (under the client
     * and under the account, so a stolen session cookie cannot be used to guess it from many addresses); ends
     * every other session of the user.
     */
    async changeOwnPassword(
      change: { userId: number; current?: string; password?: string; confirm?: string },
      source: string,
      keepSessionId?: number,
    ): Promise<void> {
      const user = await repo.findById(change.userId);
      if (!user) throw new Unauthorized();
      const attempt = throttle.reserve([`source:${source}`, `user:${user.id}`]);
      let ok: boolean;
      try {
        ok = await verify(change.current ?? "", user.passwordHash);
      } catch (e) {
        attempt.succeeded();
        throw e;
      }
      if (!ok) {
        attempt.failed();
        throw new BadInput("current: the current password is wrong", "current");
      }
      attempt.succeeded();
      const password = checkNewPassword(change.password);
      if (password !== change.confirm) throw new BadInput("confirm: the passwords do not match", "confirm");
      await repo.updatePassword(user.id, await hash(password));
      await sessions.deleteForUser(user.id, keepSessionId);
    },

    /** The configured secret, or one generated once and kept in the database so sessions survive restarts. */
    async sessionSecret(configured: string): Promise<string> {
      if (configured) return configured;
      const bytes = crypto.getRandomValues(new Uint8Array(32));
      return repo.putSettingIfAbsent("session_secret", Buffer.from(bytes).toString("hex"));
    },
  };
}

export type AuthService = ReturnType<typeof createAuthService>;
