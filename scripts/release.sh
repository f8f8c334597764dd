#!/usr/bin/env bash
# Builds a release into dist/release (or --out): for each platform netronome_<version>_<platform>.tar.gz holding the
# `netronome` executable, netronome_<version>_checksums.txt (SHA-256 of every file), its Ed25519 signature
# netronome_<version>_checksums.txt.sig when a signing key is given, and install-agent.sh with the repository and the
# public key filled in.
#
# Each platform is built with `bun build --compile --target`. Bun fetches the runtime of another platform from the npm
# registry (@oven/bun-<os>-<arch>, registry.npmjs.org) once and keeps it in ~/.bun/install/cache (or
# $BUN_INSTALL_CACHE_DIR); a platform whose runtime cannot be had is skipped with a message.
#
#   --version <v>      release version (default: the tag in GITHUB_REF_NAME without its "v", else package.json's)
#   --out <dir>        output folder (default dist/release); earlier files of the same version there are replaced
#   --platform <p>     build only this platform (repeatable): linux_x86_64 linux_arm64 linux-musl_x86_64
#                      linux-musl_arm64 darwin_x86_64 darwin_arm64
#   --local            build only this machine's platform, with the Bun that runs this script: no download, but the
#                      executable needs this machine's CPU features (x86_64 releases use Bun's baseline runtime)
#   --offline          never download a runtime: build only the platforms whose runtime is cached
#   --strict           what the release workflow uses: fail when any platform is skipped, when there is no signing
#                      key, and when release-key.pub is missing (without --strict: a warning)
#
# Environment: NETRONOME_SIGNING_KEY (PKCS#8 PEM text) or NETRONOME_SIGNING_KEY_FILE signs the checksums, and its
# public key is built into every executable, which then refuses unsigned updates; it must match release-key.pub (or
# the PEM file NETRONOME_RELEASE_KEY_PUB names), the public key committed for users to check releases against. NETRONOME_REPOSITORY (default GITHUB_REPOSITORY) is
# the owner/name the executables and the installer update from. SOURCE_DATE_EPOCH fixes dates (default: the commit's).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/platform.sh
source scripts/platform.sh

die() {
  echo "release: $*" >&2
  exit 1
}

version="" out="dist/release" local_only=false offline=false strict=false
platforms=()
while [ $# -gt 0 ]; do
  case "$1" in
    --version) version="${2:?--version needs a value}"; shift ;;
    --out) out="${2:?--out needs a value}"; shift ;;
    --platform) platforms+=("${2:?--platform needs a value}"); shift ;;
    --local) local_only=true ;;
    --offline) offline=true ;;
    --strict) strict=true ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
  shift
done

if [ -z "$version" ]; then
  if [[ "${GITHUB_REF_NAME:-}" == v* ]]; then version="${GITHUB_REF_NAME#v}"; else
    version="$(node -p 'require("./package.json").version')"
  fi
fi
[[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$ ]] || die "version \"$version\" is not x.y.z[-pre]"

if $local_only; then
  [ ${#platforms[@]} -eq 0 ] || die "--local builds this machine's platform only; drop --platform"
  platforms=("$(host_platform)")
elif [ ${#platforms[@]} -eq 0 ]; then
  platforms=("${RELEASE_PLATFORMS[@]}")
fi
for p in "${platforms[@]}"; do bun_target_of "$p" >/dev/null || die "unknown platform $p"; done

export NETRONOME_VERSION="$version"
export NETRONOME_REPOSITORY="${NETRONOME_REPOSITORY:-${GITHUB_REPOSITORY:-}}"
[ -n "$NETRONOME_REPOSITORY" ] ||
  echo "release: warning: no NETRONOME_REPOSITORY; its executables update only once [update] repository is set" >&2
signed=false
pinned="${NETRONOME_RELEASE_KEY_PUB:-release-key.pub}"
if [ -n "${NETRONOME_SIGNING_KEY:-}" ] || [ -n "${NETRONOME_SIGNING_KEY_FILE:-}" ]; then
  NETRONOME_UPDATE_KEY="$(bun scripts/release-sign.ts public-key)"
  export NETRONOME_UPDATE_KEY
  signed=true
  # The public key users check releases against is committed; signing with any other key is a mistake.
  if [ -f "$pinned" ]; then
    committed="$(grep -v -- '-----' "$pinned" | tr -d '\r\n')"
    [ "$committed" = "$NETRONOME_UPDATE_KEY" ] || die "the signing key does not match $pinned: its public key is" \
      "$NETRONOME_UPDATE_KEY, the file holds ${committed:-nothing}; sign with the key whose public half is committed"
  elif $strict; then
    die "$pinned is missing: a release must be signed with the key whose public half is committed there (create" \
      "the pair with bun scripts/release-sign.ts generate signing.pem and commit signing.pem.pub as $pinned; see" \
      "the README, Releasing)"
  else
    echo "release: warning: no $pinned; commit the public key there so that users can check releases" >&2
  fi
else
  $strict && die "--strict needs a signing key: set NETRONOME_SIGNING_KEY or NETRONOME_SIGNING_KEY_FILE"
  unset NETRONOME_UPDATE_KEY
  echo "release: warning: no signing key; the release is unsigned and its executables accept unsigned updates" >&2
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$out"
rm -f "$out/netronome_${version}_"* "$out/install-agent.sh"

bun_version="$(bun --version)"
cache="${BUN_INSTALL_CACHE_DIR:-$HOME/.bun/install/cache}"
# Where Bun keeps the runtime of a target: bun-linux-arm64-musl -> bun-linux-aarch64-musl-v<bun version>.
runtime_cached() {
  local name="${1#bun-}"
  [ -f "$cache/bun-${name/arm64/aarch64}-v$bun_version" ]
}

# Archives with fixed owners, order and dates (the commit's), so that a rebuild gives the same bytes.
export SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}"
tar_flags=()
if tar --version 2>/dev/null | grep -q GNU; then
  tar_flags=(--sort=name --owner=0 --group=0 --numeric-owner --mtime="@$SOURCE_DATE_EPOCH")
fi

built=() skipped=()
for platform in "${platforms[@]}"; do
  target="$(bun_target_of "$platform")"
  dir="$work/$platform"
  mkdir -p "$dir"
  if $local_only; then
    NETRONOME_TARGET="" bash scripts/build.sh "$dir/netronome" >"$work/build.log" 2>&1 ||
      { cat "$work/build.log" >&2; die "building $platform failed"; }
  else
    if $offline && ! runtime_cached "$target"; then
      skipped+=("$platform")
      echo "release: skipped $platform: Bun's $target runtime is not in $cache (--offline)" >&2
      continue
    fi
    if ! NETRONOME_TARGET="$target" bash scripts/build.sh "$dir/netronome" >"$work/build.log" 2>&1; then
      runtime_cached "$target" || {
        skipped+=("$platform")
        echo "release: skipped $platform: Bun could not fetch its $target runtime (@oven/bun-* from" \
          "registry.npmjs.org): $(grep -i -m1 -E 'error|fail' "$work/build.log" || tail -1 "$work/build.log")" >&2
        continue
      }
      cat "$work/build.log" >&2
      die "building $platform failed"
    fi
  fi
  archive="netronome_${version}_${platform}.tar.gz"
  tar "${tar_flags[@]}" -C "$dir" -cf - netronome | gzip -n >"$out/$archive"
  built+=("$archive")
  if $local_only; then echo "release: built $archive (with this machine's Bun)"; else
    echo "release: built $archive ($target)"
  fi
done

[ ${#built[@]} -gt 0 ] || die "no platform could be built"
$strict && [ ${#skipped[@]} -gt 0 ] && die "skipped ${skipped[*]} (--strict)"

# The installer, naming this release's repository and signing key.
sed -e "s|^DEFAULT_REPOSITORY=\"\"$|DEFAULT_REPOSITORY=\"$NETRONOME_REPOSITORY\"|" \
  -e "s|^RELEASE_PUBLIC_KEY=\"\"$|RELEASE_PUBLIC_KEY=\"${NETRONOME_UPDATE_KEY:-}\"|" \
  scripts/install-agent.sh >"$out/install-agent.sh"
grep -q "^DEFAULT_REPOSITORY=\"$NETRONOME_REPOSITORY\"$" "$out/install-agent.sh" ||
  die "install-agent.sh has no DEFAULT_REPOSITORY=\"\" line to fill in"

checksums="netronome_${version}_checksums.txt"
(
  cd "$out"
  if command -v sha256sum >/dev/null; then sha256sum "${built[@]}" install-agent.sh; else
    shasum -a 256 "${built[@]}" install-agent.sh
  fi
) >"$out/$checksums"
if $signed; then
  bun scripts/release-sign.ts sign "$out/$checksums"
  echo "release: signed $checksums (public key $NETRONOME_UPDATE_KEY)"
fi
echo "release: $version in $out: ${#built[@]} archive(s)${skipped[*]:+, skipped ${skipped[*]}}"
