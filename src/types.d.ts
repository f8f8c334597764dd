// Files imported with `with { type: "file" }` resolve to a path (on disk from source, inside the binary when compiled).
declare module "*.css" {
  const path: string;
  export default path;
}
declare module "*.svg" {
  const path: string;
  export default path;
}
declare module "*.min.js" {
  const path: string;
  export default path;
}
declare module "*/public/agents.js" {
  const path: string;
  export default path;
}
declare module "*/public/app.js" {
  const path: string;
  export default path;
}
declare module "*/public/dashboard.js" {
  const path: string;
  export default path;
}
declare module "*/public/monitors.js" {
  const path: string;
  export default path;
}
declare module "*/public/speedtest.js" {
  const path: string;
  export default path;
}
declare module "*/public/theme.js" {
  const path: string;
  export default path;
}
declare module "*/public/traceroute.js" {
  const path: string;
  export default path;
}

/** Replaced at build time by scripts/build.sh (--define); absent when running from source. */
declare const NETRONOME_VERSION: string | undefined;
declare const NETRONOME_COMMIT: string | undefined;
declare const NETRONOME_BUILD_DATE: string | undefined;
declare const NETRONOME_PLATFORM: string | undefined;
declare const NETRONOME_REPOSITORY: string | undefined;
declare const NETRONOME_UPDATE_KEY: string | undefined;
