#!/bin/bash
# Copyright 2026 the mod_bits authors
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
# Runs each libFuzzer target given for FUZZ_SECONDS (default 60) on a
# working copy of its committed seed corpus under t/fuzz/work/, so the
# committed corpus only grows when someone copies an input into it.
# Crashes and property violations land in t/fuzz/work/crashes/; the run
# goes on with the other targets and fails at the end if any target did.
#   t/fuzz/run-fuzz.sh t/fuzz/bin/fuzz_range t/fuzz/bin/fuzz_guid ...
set -uo pipefail
cd "$(dirname "$0")"
seconds=${FUZZ_SECONDS:-60}
work=work
mkdir -p "$work/crashes"
failed=()

for bin in "$@"; do
    bin=${bin#t/fuzz/}
    name=$(basename "$bin")
    target=${name#fuzz_}
    corpus=$work/corpus/$target
    mkdir -p "$corpus"
    # Seeds join what earlier runs found; nothing is written back.
    [ -d "corpus/$target" ] && cp -n corpus/"$target"/* "$corpus"/ 2>/dev/null
    opts=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=4096
          -print_final_stats=1 -artifact_prefix="$work/crashes/$target-")
    [ -f "$target.dict" ] && opts+=(-dict="$target.dict")
    log=$work/$target.log
    printf 'fuzz %-12s %4ss ... ' "$target" "$seconds"
    if ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
       UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
       "./$bin" "${opts[@]}" "$corpus" >"$log" 2>&1; then
        runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
        echo "ok (${runs:-?} inputs, corpus $(ls "$corpus" | wc -l))"
    else
        echo "FAILED (log: t/fuzz/$log)"
        grep -E '==fuzz==|ERROR: |SUMMARY: |runtime error|Test unit written' "$log" \
            | head -20 | sed 's/^/    /'
        failed+=("$target")
    fi
done

if [ "${#failed[@]}" -ne 0 ]; then
    echo "make fuzz: FAILED: ${failed[*]} (inputs in t/fuzz/$work/crashes/)" >&2
    exit 1
fi
echo "make fuzz: all targets passed"
