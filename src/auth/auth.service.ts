/** Accounts and passwords. Knows nothing about HTTP; throws typed errors. */
import { BadInput, Conflict, Forbidden, NotFound, Unauthorized } from "../core/errors";
import type { AuthRepository, UserRow } from "./auth.repository";
import { PASSWORD_MAX, PASSWORD_MIN, USERNAME_MAX } from "./auth.schema";
import type { LoginThrottle } from "./login-throttle";

export interface SessionUser {
  id: number;
  username: string;
}

const HASH_OPTIONS = { algorithm: "argon2id", memoryCost: 19456, timeCost: 2 } as const;
const USERNAME_PATTERN = /^[\p{L}\p{N}._@+-]+$/u;
export const BAD_CREDENTIALS = "invalid username or password";

export function hashPassword(password: string): Promise<string> {
  return Bun.password.hash(password, HASH_OPTIONS);
}

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

export function createAuthService(repo: AuthRepository, throttle: LoginThrottle) {
  let knownToHaveUsers = false;
  // Verifying against a real hash when the user is unknown keeps both failures equally slow.
  const dummyHash = hashPassword(crypto.randomUUID());

  const toSessionUser = (u: UserRow): SessionUser => ({ id: u.id, username: u.username });

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
      const created = await repo.insertFirstUser(username, await hashPassword(password));
      if (!created) {
        knownToHaveUsers = true;
        throw new Forbidden("registration is closed: an account already exists");
      }
      knownToHaveUsers = true;
      return { id: created.id, username };
    },

    async login(
      rawUsername: string | undefined,
      password: string | undefined,
      clientKey: string,
    ): Promise<UserRow & SessionUser> {
      throttle.check(clientKey);
      const username = (rawUsername ?? "").trim();
      const user = username ? await repo.findByUsername(username) : undefined;
      const ok = user
        ? await Bun.password.verify(password ?? "", user.passwordHash)
        : (await Bun.password.verify(password ?? "", await dummyHash)) && false;
      if (!user || !ok) {
        throttle.fail(clientKey);
        throw new Unauthorized(BAD_CREDENTIALS);
      }
      throttle.succeed(clientKey);
      return user;
    },

    /** Looks up the user behind a session token; undefined when the user is gone or signed out everywhere. */
    async sessionUser(
      id: number,
      sessionVersion: number,
    ): Promise<(SessionUser & { sessionVersion: number }) | undefined> {
      const user = await repo.findById(id);
      if (!user || user.sessionVersion !== sessionVersion) return undefined;
      return { ...toSessionUser(user), sessionVersion };
    },

    /** The CLI's create-user: an administrator at the terminal may add accounts at any time. */
    async createUser(rawUsername: string, rawPassword: string): Promise<SessionUser> {
      const username = checkUsername(rawUsername);
      const password = checkNewPassword(rawPassword);
      if (await repo.findByUsername(username)) throw new Conflict(`user "${username}" already exists`);
      const { id } = await repo.insertUser(username, await hashPassword(password));
      knownToHaveUsers = true;
      return { id, username };
    },

    /** The CLI's change-password. */
    async setPassword(rawUsername: string, rawPassword: string): Promise<void> {
      const user = await repo.findByUsername(rawUsername.trim());
      if (!user) throw new NotFound(`user "${rawUsername}" does not exist`);
      await repo.updatePassword(user.id, await hashPassword(checkNewPassword(rawPassword)));
    },

    /** The Settings page: needs the current password; signs out other sessions. */
    async changeOwnPassword(
      userId: number,
      current: string | undefined,
      next: string | undefined,
      confirm: string | undefined,
    ): Promise<number> {
      const user = await repo.findById(userId);
      if (!user) throw new Unauthorized();
      if (!(await Bun.password.verify(current ?? "", user.passwordHash)))
        throw new BadInput("current: the current password is wrong", "current");
      const password = checkNewPassword(next);
      if (password !== confirm) throw new BadInput("confirm: the passwords do not match", "confirm");
      await repo.updatePassword(user.id, await hashPassword(password));
      return user.sessionVersion + 1;
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
