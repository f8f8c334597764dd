#!/usr/bin/env bash
# Builds the single executable dist/netronome (or $1) with every asset and migration embedded.
# Not --minify/--production: identifier minification breaks Elysia's parameter inference. Not --minify-whitespace
# either: Elysia reads a hook written as a method (`transform({ request }) {…}`) up to the first line break after
# its parameters, and on one minified line it lost parameters (the whitelist saw no socket address and refused
# every visitor). test/e2e/security.test.ts runs the sign-in paths against this build.
# --compile-jit-policy raises the JIT's tier-up thresholds until `serve` is listening (it resets them): start-up code
# runs once, and compiling it only cost time and kept several MB of compiled code and compiler pages resident.
#
# Environment: NETRONOME_TARGET (a `bun build --target`, default this machine), NETRONOME_VERSION (default
# package.json's), NETRONOME_COMMIT (default `git rev-parse`), NETRONOME_REPOSITORY (owner/name that `netronome update`
# asks by default), NETRONOME_UPDATE_KEY (Ed25519 public key, SPKI base64, that release checksums must be signed
# with), SOURCE_DATE_EPOCH (build date).
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-dist/netronome}"
target="${NETRONOME_TARGET:-}"
version="${NETRONOME_VERSION:-$(node -p 'require("./package.json").version')}"
commit="${NETRONOME_COMMIT:-$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)}"
if [ -n "${SOURCE_DATE_EPOCH:-}" ]; then
  date="$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%dT%H:%M:%SZ 2>/dev/null || date -u -r "$SOURCE_DATE_EPOCH" +%Y-%m-%dT%H:%M:%SZ)"
else
  date="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
fi

# shellcheck source=scripts/platform.sh
source scripts/platform.sh
if [ -n "$target" ]; then platform="$(platform_of_target "$target")"; else platform="$(host_platform)"; fi

# Stamped into the source as string literals: refuse anything that could break out of the quotes.
[[ "${NETRONOME_REPOSITORY:-}" =~ ^([A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+)?$ ]] ||
  { echo "build.sh: NETRONOME_REPOSITORY must be owner/name" >&2; exit 2; }
[[ "${NETRONOME_UPDATE_KEY:-}" =~ ^[A-Za-z0-9+/=]*$ ]] ||
  { echo "build.sh: NETRONOME_UPDATE_KEY must be base64" >&2; exit 2; }
[[ "$version" =~ ^[0-9A-Za-z.+-]+$ && "$commit" =~ ^[0-9A-Za-z.-]+$ ]] ||
  { echo "build.sh: malformed version or commit" >&2; exit 2; }

mkdir -p "$(dirname "$out")"
bun build --compile --bytecode --format=esm \
  --compile-jit-policy=100 \
  --minify-syntax \
  --define 'process.env.NODE_ENV="production"' \
  --define "NETRONOME_VERSION=\"$version\"" \
  --define "NETRONOME_COMMIT=\"$commit\"" \
  --define "NETRONOME_BUILD_DATE=\"$date\"" \
  --define "NETRONOME_PLATFORM=\"$platform\"" \
  --define "NETRONOME_REPOSITORY=\"${NETRONOME_REPOSITORY:-}\"" \
  --define "NETRONOME_UPDATE_KEY=\"${NETRONOME_UPDATE_KEY:-}\"" \
  --no-compile-autoload-dotenv --no-compile-autoload-bunfig \
  --asset ./drizzle --asset ./public/units.js \
  ${target:+--target="$target"} \
  src/main.ts --outfile "$out"
rm -f "$out.map"
echo "built $out ($(du -h "$out" | cut -f1), $platform)"
