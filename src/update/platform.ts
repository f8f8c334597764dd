/**
 * Release file names, shared with scripts/release.sh and scripts/install-agent.sh:
 * netronome_<version>_<platform>.tar.gz, netronome_<version>_checksums.txt and its .sig.
 * Platforms keep the original's os_arch names (x86_64, arm64); musl builds are `linux-musl_<arch>`, so a search for
 * "linux_x86_64" still finds exactly one archive.
 */
import type { BuildInfo } from "../core/build-info";

export const archiveName = (version: string, platform: string) => `netronome_${version}_${platform}.tar.gz`;
export const checksumsName = (version: string) => `netronome_${version}_checksums.txt`;
export const signatureName = (version: string) => `${checksumsName(version)}.sig`;

function libc(): "glibc" | "musl" {
  const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header;
  return header?.glibcVersionRuntime ? "glibc" : "musl";
}

/** The platform of the running executable: stamped in by scripts/build.sh, else worked out from the runtime. */
export function releasePlatform(info: Pick<BuildInfo, "releasePlatform">): string {
  if (info.releasePlatform) return info.releasePlatform;
  const arch = process.arch === "x64" ? "x86_64" : process.arch;
  const os = process.platform === "linux" && libc() === "musl" ? "linux-musl" : process.platform;
  return `${os}_${arch}`;
}
