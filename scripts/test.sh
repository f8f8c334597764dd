#!/usr/bin/env bash
# The test command (`npm test`): prepares the environment, runs every suite, and ends with "N passed, N failed".
cd "$(dirname "$0")/.." || exit 1
# shellcheck source=scripts/test-env.sh
source scripts/test-env.sh
mkdir -p test/artifacts
rm -f .junit.xml
bun test --timeout 60000 --reporter=junit --reporter-outfile=.junit.xml "$@"
rc=$?
bun scripts/test-summary.ts .junit.xml "$rc"
