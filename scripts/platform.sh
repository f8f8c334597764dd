#!/usr/bin/env bash
# Release platform names, sourced by build.sh and release.sh. Archives are netronome_<version>_<platform>.tar.gz with
# the original's os_arch names (x86_64, arm64); musl builds are linux-musl_<arch>.

# Every platform a release builds.
# shellcheck disable=SC2034 # used by release.sh
RELEASE_PLATFORMS=(linux_x86_64 linux_arm64 linux-musl_x86_64 linux-musl_arm64 darwin_x86_64 darwin_arm64)

# The Bun target a release platform is built with. x86_64 uses Bun's baseline runtime, which runs on every x86-64
# CPU; the default one needs AVX2, which many low-power homelab CPUs (Atom, Celeron, Pentium Silver) lack.
bun_target_of() {
  case "$1" in
    linux_x86_64) echo bun-linux-x64-baseline ;;
    linux_arm64) echo bun-linux-arm64 ;;
    linux-musl_x86_64) echo bun-linux-x64-musl-baseline ;;
    linux-musl_arm64) echo bun-linux-arm64-musl ;;
    darwin_x86_64) echo bun-darwin-x64-baseline ;;
    darwin_arm64) echo bun-darwin-arm64 ;;
    *) return 1 ;;
  esac
}

# The platform name for a Bun target ("bun-linux-x64-musl-baseline" -> linux-musl_x86_64).
platform_of_target() {
  local os arch
  case "$1" in
    *linux*musl*) os=linux-musl ;;
    *linux*) os=linux ;;
    *darwin*) os=darwin ;;
    *) os=unknown ;;
  esac
  case "$1" in
    *x64* | *x86_64*) arch=x86_64 ;;
    *arm64* | *aarch64*) arch=arm64 ;;
    *) arch=unknown ;;
  esac
  echo "${os}_${arch}"
}

# The platform name of this machine (as the Bun installed for it builds).
host_platform() {
  local os
  os="$(uname -s | tr '[:upper:]' '[:lower:]')"
  if [ "$os" = linux ] && ldd --version 2>&1 | grep -qi musl; then os=linux-musl; fi
  platform_of_target "$os-$(uname -m)"
}
