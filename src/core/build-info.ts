/** Version facts stamped in by scripts/build.sh; from source they come from package.json. */
import pkg from "../../package.json";

export interface BuildInfo {
  version: string;
  commit: string;
  buildDate: string;
  bun: string;
  platform: string;
}

export const buildInfo: BuildInfo = {
  version: typeof NETRONOME_VERSION === "string" ? NETRONOME_VERSION : `${pkg.version}-dev`,
  commit: typeof NETRONOME_COMMIT === "string" ? NETRONOME_COMMIT : "unknown",
  buildDate: typeof NETRONOME_BUILD_DATE === "string" ? NETRONOME_BUILD_DATE : "unknown",
  bun: Bun.version,
  platform: `${process.platform}/${process.arch}`,
};
