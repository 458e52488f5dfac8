#!/usr/bin/env bash
# Builds the libFuzzer targets (release, -sanitize=fuzzer, linked with lld: gold fails on the fuzzer
# runtime beside SwiftPM's entry point) and runs each: first every input of its seed
# corpus (a crash found once stays fixed), then SECONDS of fuzzing (default 15) with its dictionary.
# New interesting inputs go to a scratch corpus, never into the repository; a crash leaves its input in
# .build-fuzz/artifacts/ and fails the script: fix the cause, then add the input to Corpus/TARGET/.
#   Fuzz/run.sh            # every target, 15 s each
#   Fuzz/run.sh 600 FuzzDates
set -euo pipefail
cd "$(dirname "$0")"
seconds="${1:-15}"
shift || true
targets=("$@")
[ "${#targets[@]}" -gt 0 ] || targets=(FuzzYAML FuzzExpressions FuzzDates FuzzRecords)
scratch="$PWD/../.build-fuzz"
echo "==> building the fuzz targets (release, -sanitize=fuzzer)" >&2
log="$(mktemp)"
if ! swift build -c release --scratch-path "$scratch" -Xswiftc -sanitize=fuzzer -Xswiftc -use-ld=lld >"$log" 2>&1; then
  cat "$log" >&2; rm -f "$log"; exit 1
fi
if grep -E "^$PWD/Sources/.*warning:" "$log" >&2; then
  echo "fuzz: the fuzz targets have compiler warnings (listed above)" >&2; rm -f "$log"; exit 1
fi
rm -f "$log"
mkdir -p "$scratch/artifacts"
for target in "${targets[@]}"; do
  binary="$scratch/release/$target"
  work="$scratch/corpus/$target"
  mkdir -p "$work"
  echo "==> $target: the seed corpus, then ${seconds}s of fuzzing" >&2
  for pass in corpus fuzz; do
    out="$scratch/$target-$pass.log"
    if [ "$pass" = corpus ]; then
      set -- -runs=0 "Corpus/$target"
    else
      set -- -max_total_time="$seconds" -max_len=8192 -dict="Dictionaries/$target.dict" "$work" "Corpus/$target"
    fi
    if ! "$binary" -timeout=10 -rss_limit_mb=2048 -artifact_prefix="$scratch/artifacts/$target-" "$@" >"$out" 2>&1; then
      cat "$out" >&2
      echo "fuzz: $target crashed ($pass); the input is in $scratch/artifacts/" >&2
      exit 1
    fi
    grep -E "^(Done|#[0-9]+ +DONE)" "$out" | tail -n 1 | sed "s/^/    $pass: /" >&2 || true
  done
done
