/** [session], [auth] and [oidc]: who may sign in, how, and for how long. */
import { bool, choice, cidrListCheck, durationBetween, list, str, urlCheck } from "../field";

export const session = {
  session_secret: str(
    "",
    "SESSION_SECRET",
    "Secret that keys the stored session fingerprints, and from which the keys of agents' stored API keys and of single sign-on flow cookies are derived; changing it signs everyone out and agents' keys must be entered again (empty: generated and kept in the database)",
  ),
  idle_timeout: str("7d", "SESSION_IDLE_TIMEOUT", "A session unused this long is signed out (`30m`, `12h`, `7d`)", {
    check: durationBetween("5m", "365d"),
  }),
  absolute_timeout: str("30d", "SESSION_ABSOLUTE_TIMEOUT", "A session ends this long after sign-in, however active", {
    check: durationBetween("5m", "365d"),
  }),
} as const;

export const auth = {
  whitelist: list(
    [],
    "AUTH_WHITELIST",
    "CIDR ranges that skip login, matched against the client address (the socket peer, or the forwarded client when the peer is in `trusted_proxies`)",
    { check: cidrListCheck },
  ),
  password_login: bool(
    true,
    "AUTH_PASSWORD_LOGIN",
    "Offer sign-in with a username and password; `false`: single sign-on only (needs `[oidc]`)",
  ),
} as const;

export const oidc = {
  issuer: str(
    "",
    "OIDC_ISSUER",
    "OpenID Connect issuer URL (`http://` only for a provider on this machine or a trusted network)",
    {
      check: urlCheck,
      bareEnv: "OIDC_ISSUER",
    },
  ),
  client_id: str("", "OIDC_CLIENT_ID", "OpenID Connect client ID", { bareEnv: "OIDC_CLIENT_ID" }),
  client_secret: str("", "OIDC_CLIENT_SECRET", "OpenID Connect client secret (empty: a public client, PKCE only)", {
    bareEnv: "OIDC_CLIENT_SECRET",
  }),
  redirect_url: str(
    "",
    "OIDC_REDIRECT_URL",
    "Callback URL registered at the provider, `https://<host><base_url>/api/auth/oidc/callback` (empty: built from the address the browser used)",
    { check: urlCheck, bareEnv: "OIDC_REDIRECT_URL" },
  ),
  scopes: list(["openid", "profile"], "OIDC_SCOPES", "OpenID Connect scopes (`openid` is always added)", {
    bareEnv: "OIDC_SCOPES",
    spaceSeparated: true,
  }),
  provider_name: str(
    "",
    "OIDC_PROVIDER_NAME",
    'Name on the sign-in button, "Sign in with …" (empty: the issuer\'s host name)',
  ),
  allowed_users: list(
    [],
    "OIDC_ALLOWED_USERS",
    "Only these people may sign in, by `preferred_username` or subject exactly as the provider sends them; with `allowed_groups`, members of either list may (empty: no limit)",
  ),
  allowed_groups: list([], "OIDC_ALLOWED_GROUPS", "Only members of one of these groups may sign in (empty: no limit)"),
  groups_claim: str(
    "groups",
    "OIDC_GROUPS_CLAIM",
    "Claim that lists the user's groups (a dotted path such as `realm_access.roles` works)",
  ),
  default_role: choice(
    ["viewer", "admin"],
    "viewer",
    "OIDC_DEFAULT_ROLE",
    "Role of an account created by a first single sign-on (the very first account of an installation is an admin)",
  ),
} as const;
