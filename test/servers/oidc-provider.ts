/**
 * A real OpenID provider for the tests: the `oidc-provider` package (a certified implementation) on 127.0.0.1,
 * with its own sign-in step: an account chosen by the test (`loginAs`) is signed in at once, otherwise the provider
 * shows a small form that asks for the account name (what Chromium fills in). It can be stopped and started again
 * on the same port (a provider that is down), and its token answers can be rewritten (a hostile or broken one).
 */
import { generateKeyPairSync } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import Provider from "oidc-provider";

export interface IdpAccount {
  preferred_username?: string;
  name?: string;
  email?: string;
  groups?: string[] | string;
}

export interface IdpClient {
  client_id: string;
  client_secret?: string;
  redirect_uris: string[];
}

export interface TestIdp {
  readonly issuer: string;
  readonly port: number;
  /** Accounts by subject; tests may add more. */
  readonly accounts: Map<string, IdpAccount>;
  /** The subject the next sign-in is for; null shows the form. */
  loginAs: string | null;
  /** Rewrites the JSON of the next token answers (set to null for honest answers). */
  rewriteToken: ((body: Record<string, unknown>) => Record<string, unknown>) | null;
  /** Token requests received (a replayed code shows up here). */
  readonly tokenRequests: number;
  stop(): Promise<void>;
  /** Starts again on the same port. */
  start(): Promise<void>;
}

const SIGNING_KEY = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ format: "jwk" });

function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  return new Promise((resolve, reject) => {
    let body = "";
    req.on("data", (c) => {
      body += c;
    });
    req.on("end", () => resolve(new URLSearchParams(body)));
    req.on("error", reject);
  });
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * Starts a provider. `port` 0 picks a free one; a fixed port lets a test point Netronome at it before it runs.
 * `idTokenTtl` (seconds) lets a test see an expired ID token.
 */
export async function startIdp(opts: {
  clients: IdpClient[];
  accounts?: Record<string, IdpAccount>;
  port?: number;
  idTokenTtl?: number;
}): Promise<TestIdp> {
  const accounts = new Map(Object.entries(opts.accounts ?? {}));
  let port = opts.port ?? 0;
  let server: Server | undefined;
  let provider: Provider;
  let tokenRequests = 0;

  const state: Pick<TestIdp, "loginAs" | "rewriteToken"> = { loginAs: null, rewriteToken: null };

  const finishLogin = async (req: IncomingMessage, res: ServerResponse, accountId: string) => {
    await provider.interactionFinished(req, res, { login: { accountId } }, { mergeWithLastSubmission: false });
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://idp");
    const interaction = url.pathname.match(/^\/interaction\/([^/]+)(\/login)?$/);
    if (interaction) {
      if (req.method === "POST") {
        const account = (await readForm(req)).get("account") ?? "";
        if (!accounts.has(account)) {
          res.writeHead(400, { "content-type": "text/plain" }).end(`no account ${account}`);
          return;
        }
        return finishLogin(req, res, account);
      }
      if (state.loginAs) return finishLogin(req, res, state.loginAs);
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(`<!doctype html>
        <title>Test identity provider</title>
        <h1>Test identity provider</h1>
        <form method="post" action="/interaction/${escapeHtml(interaction[1]!)}/login">
          <label>Account <input name="account" autocomplete="off"></label>
          <button type="submit">Continue</button>
        </form>`);
      return;
    }
    if (url.pathname === "/token" && req.method === "POST") {
      tokenRequests++;
      const rewrite = state.rewriteToken;
      if (rewrite) {
        const end = res.end.bind(res) as (chunk?: unknown) => ServerResponse;
        res.end = ((chunk?: unknown) => {
          if (res.statusCode !== 200 || chunk === undefined) return end(chunk);
          const body = JSON.stringify(rewrite(JSON.parse(String(chunk))));
          res.setHeader("content-length", Buffer.byteLength(body));
          return end(body);
        }) as typeof res.end;
      }
    }
    provider.callback()(req, res);
  };

  const listen = async () => {
    server = createServer((req, res) => {
      handle(req, res).catch((e) => {
        res.writeHead(500).end(String(e));
      });
    });
    await new Promise<void>((resolve, reject) => {
      server!.once("error", reject);
      server!.listen(port, "127.0.0.1", () => resolve());
    });
    port = (server.address() as AddressInfo).port;
  };

  // The issuer must name the port before the provider exists; with port 0, find one first.
  if (port === 0) {
    await listen();
    await new Promise<void>((resolve) => server!.close(() => resolve()));
  }
  const issuer = `http://127.0.0.1:${port}`;
  provider = new Provider(issuer, {
    clients: opts.clients.map((c) => ({
      ...c,
      grant_types: ["authorization_code"],
      response_types: ["code"],
      token_endpoint_auth_method: c.client_secret ? "client_secret_basic" : "none",
    })),
    jwks: { keys: [{ ...SIGNING_KEY, kid: "test-key", use: "sig", alg: "RS256" }] },
    findAccount: async (_ctx, sub) => {
      const account = accounts.get(sub);
      return account ? { accountId: sub, claims: async () => ({ sub, ...account }) } : undefined;
    },
    claims: {
      openid: ["sub"],
      profile: ["preferred_username", "name"],
      email: ["email"],
      groups: ["groups"],
    },
    scopes: ["openid", "profile", "email", "groups"],
    // The profile claims go into the ID token, as most providers put them there.
    conformIdTokenClaims: false,
    // Every client has consented to everything it asks for: the test is about Netronome, not the consent screen.
    loadExistingGrant: async (ctx) => {
      const grant = new ctx.oidc.provider.Grant({
        clientId: ctx.oidc.client!.clientId,
        accountId: ctx.oidc.session!.accountId!,
      });
      grant.addOIDCScope("openid profile email groups");
      await grant.save();
      return grant;
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    features: { devInteractions: { enabled: false } },
    cookies: { keys: ["netronome-test-idp"] },
    pkce: { required: () => true },
    ttl: { IdToken: opts.idTokenTtl ?? 3600 },
    renderError: async (ctx, out) => {
      ctx.type = "json";
      ctx.body = out;
    },
  });
  await listen();

  return {
    issuer,
    get port() {
      return port;
    },
    accounts,
    get loginAs() {
      return state.loginAs;
    },
    set loginAs(v) {
      state.loginAs = v;
    },
    get rewriteToken() {
      return state.rewriteToken;
    },
    set rewriteToken(v) {
      state.rewriteToken = v;
    },
    get tokenRequests() {
      return tokenRequests;
    },
    async stop() {
      const s = server;
      server = undefined;
      if (!s) return;
      const closed = new Promise<void>((resolve) => s.close(() => resolve()));
      s.closeAllConnections();
      await closed;
    },
    start: listen,
  };
}
