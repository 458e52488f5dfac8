#!/usr/bin/env bash
# Quick start: set up, build, then validate the shipped playbooks and preview a standard leaver
# run for the sample record Workflows/samples/jryan.json. Nothing is executed against any system.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh

echo "==> building offboard" >&2
swift build --product offboard 2>&1 | grep -vE "unhandled|^\s*$" | tail -n 3 >&2
bin="$(swift build --show-bin-path)/offboard"

echo "==> offboard validate Workflows/" >&2
"$bin" validate Workflows/

echo "==> offboard plan standard-leaver --input Workflows/samples/jryan.json" >&2
"$bin" plan standard-leaver --input Workflows/samples/jryan.json
