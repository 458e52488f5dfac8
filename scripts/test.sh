#!/usr/bin/env bash
# The whole test suite on a fresh Debian machine: installs what the tests need, builds once
# (failing on any compiler warning from this project's own code), runs the fuzz targets briefly on their
# corpora, starts throwaway PostgreSQL, SCIM, HTTP and OpenID Connect servers on loopback, runs every test (the
# Swift suites, schemathesis against the API, the console in Chromium), and stops
# the servers (also on failure).
set -euo pipefail
cd "$(dirname "$0")/.."
export OFFBOARD_SETUP_TESTS=1
source scripts/setup.sh

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
echo "==> swift build --build-tests" >&2
if ! swift build --build-tests >"$log" 2>&1; then
  cat "$log" >&2
  exit 1
fi
if grep -E "^$PWD/(Sources|Tests)/.*warning:" "$log" >&2; then
  echo "test: the build has warnings in this project's code (listed above)" >&2
  exit 1
fi

# libFuzzer targets (Fuzz/): every seed input (crashes found once stay fixed), then 15 s of fuzzing each.
echo "==> fuzzing (Fuzz/run.sh)" >&2
Fuzz/run.sh "${OFFBOARD_FUZZ_SECONDS:-15}"

echo "==> starting the test servers (PostgreSQL, SCIM)" >&2
servers="$(mktemp -d /tmp/offboard-test-servers.XXXXXX)"
trap 'scripts/test-servers.sh stop "$servers"; rm -f "$log"' EXIT
trap 'exit 130' INT TERM
scripts/test-servers.sh start "$servers" >/dev/null
source "$servers/env"

if [ "$#" -eq 0 ]; then
  # Two processes: the command-line tests run the built binary and wait for it, which holds one of the test process's
  # cooperative threads (two on two cores) for as long as the command runs. Beside them, the engine's and handlers'
  # tests (leases of 30 s, timeouts of seconds) were starved long enough to fail.
  echo "==> swift test (engine, playbooks, handlers, runtime)" >&2
  swift test --skip-build --skip OffboardCLITests
  echo "==> swift test (the command line and the server, through the built binary)" >&2
  swift test --skip-build --filter OffboardCLITests
else
  echo "==> swift test $*" >&2
  swift test --skip-build "$@"
fi

# The API against its OpenAPI document, as every role (scripts/schemathesis.sh), and the console in a real browser
# (Playwright driving Chromium; screenshots in $OFFBOARD_SCREENSHOTS, default /tmp/offboard-console-screenshots).
if [ "$#" -eq 0 ]; then
  echo "==> schemathesis against offboard serve" >&2
  scripts/schemathesis.sh
  echo "==> the console in Chromium (Tests/Console/console_test.py)" >&2
  python3 Tests/Console/console_test.py
fi
