#!/usr/bin/env bash
# Builds the single executable dist/netronome (or $1) with every asset and migration embedded.
# Not --minify/--production: identifier minification breaks Elysia's parameter inference.
# --compile-jit-policy raises the JIT's tier-up thresholds until `serve` is listening (it resets them): start-up code
# runs once, and compiling it only cost time and kept several MB of compiled code and compiler pages resident.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-dist/netronome}"
target="${NETRONOME_TARGET:-}"
version="${NETRONOME_VERSION:-$(node -p 'require("./package.json").version')}"
commit="$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)"
date="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
mkdir -p "$(dirname "$out")"
bun build --compile --bytecode --format=esm \
  --compile-jit-policy=100 \
  --minify-syntax --minify-whitespace \
  --define 'process.env.NODE_ENV="production"' \
  --define "NETRONOME_VERSION=\"$version\"" \
  --define "NETRONOME_COMMIT=\"$commit\"" \
  --define "NETRONOME_BUILD_DATE=\"$date\"" \
  --no-compile-autoload-dotenv --no-compile-autoload-bunfig \
  --asset ./drizzle --asset ./public/units.js \
  ${target:+--target="$target"} \
  src/main.ts --outfile "$out"
rm -f "$out.map"
echo "built $out ($(du -h "$out" | cut -f1))"
