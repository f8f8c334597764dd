/**
 * Single sign-on with an OpenID provider: the authorization code flow with PKCE (S256), state and nonce, through
 * oauth4webapi. The ID token is checked for issuer, audience, expiry, nonce and its signature against the provider's
 * keys (JWKS). The person is then found by provider and subject, or given an account (see signIn below).
 * Knows nothing about HTTP: the plugin hands in URLs and the flow it kept in the browser's cookie (oidc.flow.ts).
 */
import * as oauth from "oauth4webapi";
import type { Config } from "../../config/schema";
import type { Logger } from "../../core/log";
import type { AuthRepository } from "../auth.repository";
import type { SessionUser } from "../identity";
import { admitted, type Claims, groupsOf, numberedUsername, usernameFor } from "./oidc.claims";
import { cappedFetch, OIDC_REQUEST_TIMEOUT_MS, type OidcDiscovery } from "./oidc.discovery";
import { OidcError } from "./oidc.errors";
import type { Flow } from "./oidc.flow";

/** Names tried for a new account before giving up: `alice`, `alice-2` … `alice-20`. */
const NAME_ATTEMPTS = 20;

/** Whether a token response was refused for lacking its ID token (rather than for a bad one). */
function missingIdToken(e: unknown): boolean {
  const error = e as { code?: string; cause?: { body?: { id_token?: unknown } } };
  return error.code === oauth.INVALID_RESPONSE && error.cause?.body !== undefined && !error.cause.body.id_token;
}

export function createOidcService(opts: {
  config: Config["oidc"];
  discovery: OidcDiscovery;
  users: AuthRepository;
  /** Told when a sign-in created an account. */
  onUserCreated: () => void;
  log: Logger;
  now?: () => number;
}) {
  const { config, discovery, users, log } = opts;
  const now = opts.now ?? Date.now;
  const scope = [...new Set(["openid", ...config.scopes])].join(" ");
  const admission = { allowedUsers: config.allowed_users, allowedGroups: config.allowed_groups };
  const jwks: oauth.JWKSCacheInput = {};
  const http = () => ({
    signal: AbortSignal.timeout(OIDC_REQUEST_TIMEOUT_MS),
    [oauth.allowInsecureRequests]: discovery.insecure,
    [oauth.customFetch]: cappedFetch,
  });
  const client = (): oauth.Client => ({
    client_id: config.client_id,
    // The clock the checks use (a test moves it to see an expired token refused).
    [oauth.clockSkew]: Math.round((now() - Date.now()) / 1000),
  });
  const clientAuth = (as: oauth.AuthorizationServer): oauth.ClientAuth => {
    if (!config.client_secret) return oauth.None();
    const methods = as.token_endpoint_auth_methods_supported;
    return !methods || methods.includes("client_secret_basic")
      ? oauth.ClientSecretBasic(config.client_secret)
      : oauth.ClientSecretPost(config.client_secret);
  };
  const provider = async () => {
    const as = await discovery.metadata();
    if (!as) throw new OidcError("oidc_unavailable", "the OpenID provider cannot be reached");
    return as;
  };

  /** The claims of the ID token, completed from the userinfo endpoint when the name or the groups are missing. */
  const claimsOf = async (as: oauth.AuthorizationServer, tokens: oauth.TokenEndpointResponse): Promise<Claims> => {
    const idToken = oauth.getValidatedIdTokenClaims(tokens)!;
    const wantsGroups = config.allowed_groups.length > 0 && groupsOf(idToken, config.groups_claim).length === 0;
    if ((idToken.preferred_username && !wantsGroups) || !as.userinfo_endpoint) return idToken;
    try {
      const response = await oauth.userInfoRequest(as, client(), tokens.access_token, http());
      const info = await oauth.processUserInfoResponse(as, client(), idToken.sub, response);
      return { ...info, ...idToken };
    } catch (e) {
      log.warn("userinfo request failed; using the ID token's claims", { problem: (e as Error).message });
      return idToken;
    }
  };

  /** The account of a provider identity: found by issuer and subject, never by name; created on first sign-in. */
  const accountFor = async (issuer: string, claims: Claims): Promise<SessionUser> => {
    const subject = String(claims.sub);
    const known = await users.findByOidcSubject(issuer, subject);
    if (known) return { id: known.id, username: known.username, role: known.role };
    const base = usernameFor(claims);
    for (let n = 1; n <= NAME_ATTEMPTS; n++) {
      const username = numberedUsername(base, n);
      let created: Awaited<ReturnType<AuthRepository["insertOidcUser"]>>;
      try {
        created = await users.insertOidcUser({ username, issuer, subject }, config.default_role);
      } catch (e) {
        // The same person signing in twice at once: the other sign-in created the account.
        const raced = await users.findByOidcSubject(issuer, subject);
        if (raced) return { id: raced.id, username: raced.username, role: raced.role };
        throw e;
      }
      if (created) {
        opts.onUserCreated();
        log.info("account created by single sign-on", { username, role: created.role, subject });
        return { id: created.id, username, role: created.role };
      }
    }
    throw new OidcError("sso_failed", `no free username for "${base}" (tried ${NAME_ATTEMPTS})`);
  };

  return {
    /** The name on the sign-in button. */
    providerName: config.provider_name || new URL(config.issuer).host,
    get ready() {
      return discovery.ready;
    },

    /** Where to send the browser, and the flow to keep in its cookie. */
    async begin(redirectUri: string, next: string | undefined): Promise<{ location: URL; flow: Flow }> {
      const as = await provider();
      const flow: Flow = {
        state: oauth.generateRandomState(),
        nonce: oauth.generateRandomNonce(),
        verifier: oauth.generateRandomCodeVerifier(),
        redirectUri,
        next,
      };
      const location = new URL(as.authorization_endpoint!);
      for (const [k, v] of Object.entries({
        client_id: config.client_id,
        redirect_uri: redirectUri,
        response_type: "code",
        scope,
        state: flow.state,
        nonce: flow.nonce,
        code_challenge: await oauth.calculatePKCECodeChallenge(flow.verifier),
        code_challenge_method: "S256",
      }))
        location.searchParams.set(k, v);
      return { location, flow };
    },

    /**
     * Finishes a sign-in from the provider's redirect back (`callback`) and the flow kept in this browser's cookie
     * (null when it had none that is valid). Throws OidcError with the code the sign-in page explains.
     */
    async complete(callback: URL, flow: Flow | null): Promise<{ user: SessionUser; next?: string }> {
      const as = await provider();
      if (!flow) throw new OidcError("invalid_state", "no valid sign-in flow cookie (absent, forged or expired)");
      let params: URLSearchParams;
      try {
        params = oauth.validateAuthResponse(as, client(), callback, flow.state);
      } catch (e) {
        if (e instanceof oauth.AuthorizationResponseError)
          throw new OidcError("access_denied", `the provider answered ${e.error}: ${e.error_description ?? ""}`);
        throw new OidcError("invalid_state", (e as Error).message);
      }
      let tokens: oauth.TokenEndpointResponse;
      let response: Response;
      try {
        response = await oauth.authorizationCodeGrantRequest(
          as,
          client(),
          clientAuth(as),
          params,
          flow.redirectUri,
          flow.verifier,
          http(),
        );
      } catch (e) {
        throw new OidcError("token_exchange", `token request failed: ${(e as Error).message}`);
      }
      try {
        tokens = await oauth.processAuthorizationCodeResponse(as, client(), response, {
          expectedNonce: flow.nonce,
          requireIdToken: true,
        });
      } catch (e) {
        if (e instanceof oauth.ResponseBodyError || e instanceof oauth.WWWAuthenticateChallengeError)
          throw new OidcError("token_exchange", `the token endpoint refused the code: ${e.message}`);
        if (missingIdToken(e)) throw new OidcError("missing_id_token", "the token response has no id_token");
        throw new OidcError("invalid_token", (e as Error).message);
      }
      try {
        await oauth.validateApplicationLevelSignature(as, response, { ...http(), [oauth.jwksCache]: jwks });
      } catch (e) {
        throw new OidcError("invalid_token", `ID token signature: ${(e as Error).message}`);
      }
      const claims = await claimsOf(as, tokens);
      if (!admitted(admission, claims, groupsOf(claims, config.groups_claim)))
        throw new OidcError(
          "not_allowed",
          `${usernameFor(claims)} (subject ${String(claims.sub)}) is in neither allowed list`,
        );
      return { user: await accountFor(as.issuer, claims), next: flow.next };
    },
  };
}

export type OidcService = ReturnType<typeof createOidcService>;
