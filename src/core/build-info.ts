/** Version facts stamped in by scripts/build.sh; from source they come from package.json. */
import pkg from "../../package.json";

export interface BuildInfo {
  version: string;
  commit: string;
  buildDate: string;
  bun: string;
  platform: string;
  /** Release asset platform this executable was built for (`linux_x86_64`, `linux-musl_arm64`, …); null from source. */
  releasePlatform: string | null;
  /** GitHub repository (owner/name) the release was built from; null when not stamped. */
  repository: string | null;
  /** Ed25519 public key (SPKI, base64) that signs release checksums; null when this build has none. */
  updateKey: string | null;
  /** True for the `bun build --compile` executable, false when run from source. */
  compiled: boolean;
}

const stamped = (value: string | undefined): string | null =>
  typeof value === "string" && value !== "" ? value : null;

export const buildInfo: BuildInfo = {
  version: typeof NETRONOME_VERSION === "string" ? NETRONOME_VERSION : `${pkg.version}-dev`,
  commit: typeof NETRONOME_COMMIT === "string" ? NETRONOME_COMMIT : "unknown",
  buildDate: typeof NETRONOME_BUILD_DATE === "string" ? NETRONOME_BUILD_DATE : "unknown",
  bun: Bun.version,
  platform: `${process.platform}/${process.arch}`,
  releasePlatform: typeof NETRONOME_PLATFORM === "string" ? stamped(NETRONOME_PLATFORM) : null,
  repository: typeof NETRONOME_REPOSITORY === "string" ? stamped(NETRONOME_REPOSITORY) : null,
  updateKey: typeof NETRONOME_UPDATE_KEY === "string" ? stamped(NETRONOME_UPDATE_KEY) : null,
  compiled: Bun.main.startsWith("/$bunfs/"),
};
