/** [update]: where `netronome update` looks for releases. */
import { str, urlCheck } from "../field";

/** A GitHub owner/name: letters, digits and dashes for the owner; no "." or ".." for the name. */
const REPOSITORY = /^[A-Za-z0-9-]{1,39}\/(?!\.\.?$)[A-Za-z0-9_.-]{1,100}$/;

export const update = {
  api_url: str("https://api.github.com", "UPDATE_API_URL", "GitHub API that `netronome update` asks for releases", {
    check: urlCheck,
  }),
  repository: str(
    "",
    "UPDATE_REPOSITORY",
    "GitHub repository (owner/name) to update from (empty: the one this build was released from)",
    { check: (v) => (v === "" || REPOSITORY.test(v) ? null : 'must be "owner/name"') },
  ),
} as const;
