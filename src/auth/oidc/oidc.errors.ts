/**
 * Why a single sign-on failed: the code in `<base>/login?error=<code>` (the original's codes, and a few more) and
 * the sentence the sign-in page shows for it.
 */
export const OIDC_ERRORS = {
  oidc_unavailable:
    "Single sign-on is not available right now: Netronome cannot reach the identity provider. Try again in a minute.",
  invalid_state: "That sign-in was started elsewhere or has expired (10 minutes). Please sign in again.",
  access_denied: "The identity provider did not sign you in: it was cancelled or refused.",
  token_exchange:
    "The identity provider did not accept the sign-in (its code was already used or has expired). Please sign in again.",
  missing_id_token:
    "The identity provider answered without an ID token: check that the client may use the openid scope.",
  invalid_token:
    "The identity provider's ID token did not pass the checks (issuer, audience, expiry, nonce or signature): check the client ID and this server's clock.",
  not_allowed:
    "Your identity provider account may not use this Netronome: an administrator can add you to [oidc] allowed_users or allowed_groups.",
  sso_failed: "Single sign-on failed. Please try again; the server log says why.",
} as const;

export type OidcErrorCode = keyof typeof OIDC_ERRORS;

export class OidcError extends Error {
  constructor(
    readonly code: OidcErrorCode,
    message: string,
  ) {
    super(message);
  }
}
