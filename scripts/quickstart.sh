#!/usr/bin/env bash
# Quick start: set up, build, validate the shipped playbooks, preview a standard leaver run, then
# run a real leaver run (quickstart-leaver) on the embedded SQLite store, against a local demo
# access system in $OFFBOARD_DEMO_DIR (default /tmp/offboard-demo). No other system is touched.
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

echo "==> offboard run quickstart-leaver --input Workflows/samples/jryan.json" >&2
run_id="$("$bin" run quickstart-leaver --input Workflows/samples/jryan.json)"

echo "==> offboard status $run_id" >&2
"$bin" status "$run_id"
