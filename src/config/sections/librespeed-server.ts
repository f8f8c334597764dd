/** [librespeed_server]: the LibreSpeed-compatible endpoint the hub and agents can serve. */
import { bool, str } from "../field";

export const librespeedServer = {
  enabled: bool(
    false,
    "LIBRESPEED_SERVER_ENABLED",
    "Serve a LibreSpeed-compatible test endpoint (`garbage`, `empty`, `getIP`), on the hub and on agents",
  ),
  path: str("/librespeed", "LIBRESPEED_SERVER_PATH", "Path of that endpoint (under base_url on the hub)", {
    check: (v) =>
      /^(\/[A-Za-z0-9._~-]+)+$/.test(v) ? null : 'must be a path such as "/librespeed" (letters, digits, . _ ~ -)',
  }),
  token: str(
    "",
    "LIBRESPEED_SERVER_TOKEN",
    "Secret in the endpoint's URLs (`<path>/<token>/garbage`); required on the hub; on an agent, empty means its API key",
    {
      check: (v) =>
        v === "" || /^[A-Za-z0-9._~-]{16,200}$/.test(v)
          ? null
          : "must be 16 to 200 letters, digits or . _ ~ - (e.g. `openssl rand -hex 16`)",
    },
  ),
} as const;
