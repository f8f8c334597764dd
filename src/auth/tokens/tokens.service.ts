/**
 * API tokens for scripts and Prometheus: `ntr_` and 256 random bits, shown once at creation. Only the SHA-256 of a
 * token is stored (a token is too random to guess, so no key or slow hash is needed, and tokens outlive a change of
 * `session_secret`). A token acts as its owner with its scope: `read` can never change anything, `write` as much as
 * the owner's role allows. Last use is written at most once a minute.
 */
import { BadInput, Conflict, Forbidden, NotFound } from "../../core/errors";
import type { TokenScope } from "../access";
import type { Identity, SessionUser } from "../identity";
import type { TokenRow, TokensRepository } from "./tokens.repository";

export const TOKEN_PREFIX = "ntr_";
const TOKEN_SHAPE = /^ntr_[A-Za-z0-9_-]{43}$/;
export const TOKEN_NAME_MAX = 64;
/** Tokens one user may hold: enough for every script, and a bound on what a signed-in account can make us store. */
export const MAX_TOKENS_PER_USER = 50;
const TOUCH_INTERVAL_MS = 60_000;

const hashOf = (token: string) => new Bun.CryptoHasher("sha256").update(token).digest("hex");

export function checkTokenName(raw: string | undefined): string {
  const name = (raw ?? "").trim();
  if (!name) throw new BadInput("name: required, so that you can tell your tokens apart", "name");
  if (name.length > TOKEN_NAME_MAX) throw new BadInput(`name: at most ${TOKEN_NAME_MAX} characters`, "name");
  if (/\p{Cc}/u.test(name)) throw new BadInput("name: no control characters", "name");
  return name;
}

export function createTokensService(opts: { repo: TokensRepository; now?: () => number }) {
  const { repo } = opts;
  const now = opts.now ?? Date.now;

  return {
    /** Creates a token for `user`; the returned `token` is the only copy there will ever be. */
    async create(
      user: SessionUser,
      input: { name?: string; scope?: TokenScope },
    ): Promise<{ token: string; row: TokenRow }> {
      const name = checkTokenName(input.name);
      const scope = input.scope ?? "read";
      if (scope === "write" && user.role !== "admin") throw new Forbidden("a viewer can create read-only tokens only");
      if ((await repo.countForUser(user.id)) >= MAX_TOKENS_PER_USER)
        throw new Conflict(`you have ${MAX_TOKENS_PER_USER} tokens already: revoke one you no longer use`);
      const token = TOKEN_PREFIX + Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("base64url");
      const row = await repo.insert({ userId: user.id, name, scope, tokenHash: hashOf(token) });
      return { token, row };
    },

    /** The identity a bearer token stands for, or null when it is not a live API token. */
    async resolve(token: string): Promise<Identity | null> {
      if (!TOKEN_SHAPE.test(token)) return null;
      const row = await repo.findByHash(hashOf(token));
      if (!row) return null;
      const at = now();
      if (!row.lastUsedAt || at - row.lastUsedAt.getTime() >= TOUCH_INTERVAL_MS) await repo.touch(row.id, new Date(at));
      return {
        user: { id: row.userId, username: row.username, role: row.role },
        via: "token",
        tokenId: row.id,
        tokenScope: row.scope,
      };
    },

    list: (userId: number) => repo.listForUser(userId),

    async revoke(userId: number, id: number): Promise<void> {
      if (!(await repo.delete(userId, id))) throw new NotFound(`no token ${id}`);
    },
  };
}

export type TokensService = ReturnType<typeof createTokensService>;
