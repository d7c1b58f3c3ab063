#!/usr/bin/env bash
# tests/fuzz/run.sh SECONDS [HARNESS...]
#
# Build the libFuzzer harnesses of tests/fuzz with clang (ASan + UBSan +
# libFuzzer, build dir build-fuzz/) and run each for SECONDS seconds,
# FUZZ_JOBS at a time (default: number of CPUs).  Seeds are read from the
# committed tests/fuzz/corpus/NAME/; new inputs go to build-fuzz/corpus/NAME/
# (never into the repository); crashes to build-fuzz/artifacts/.  Exit
# status 1 if any harness reports a finding.  Every run is bounded by
# -max_total_time plus a hard `timeout`.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
secs=${1:?usage: run.sh SECONDS [HARNESS...]}
shift
build=${FUZZ_BUILD_DIR:-$root/build-fuzz}
jobs=${FUZZ_JOBS:-$(nproc)}

if [ "$#" -gt 0 ]; then
    harnesses=("$@")
else
    harnesses=()
    for f in "$here"/fuzz_*.c; do harnesses+=("$(basename "$f" .c)"); done
fi

CC=${CC:-clang} cmake -S "$root" -B "$build" -DNDB_FUZZ=ON -DCMAKE_BUILD_TYPE=Debug \
    -DCMAKE_C_FLAGS="-O1 -g" >/dev/null
cmake --build "$build" -j"$(nproc)" --target "${harnesses[@]}" >/dev/null

mkdir -p "$build/artifacts" "$build/logs"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

run_one() {
    local name=$1 dict=()
    mkdir -p "$build/corpus/$name"
    [ -f "$here/dict/$name.dict" ] && dict=(-dict="$here/dict/$name.dict")
    # -timeout: one input may take at most 25 s; -rss_limit_mb bounds memory.
    timeout -k 10 $((secs + 120)) "$build/$name" -max_total_time="$secs" -timeout=25 \
        -rss_limit_mb=2048 -max_len=8192 -print_final_stats=1 \
        -artifact_prefix="$build/artifacts/$name-" "${dict[@]}" \
        "$build/corpus/$name" "$here/corpus/$name" >"$build/logs/$name.log" 2>&1
}

fail=0
pids=()
names=()
for name in "${harnesses[@]}"; do
    run_one "$name" &
    pids+=($!)
    names+=("$name")
    if [ "${#pids[@]}" -ge "$jobs" ]; then
        if ! wait "${pids[0]}"; then fail=1; echo "FINDING: ${names[0]} (see $build/logs/${names[0]}.log)"; fi
        pids=("${pids[@]:1}")
        names=("${names[@]:1}")
    fi
done
for i in "${!pids[@]}"; do
    if ! wait "${pids[$i]}"; then fail=1; echo "FINDING: ${names[$i]} (see $build/logs/${names[$i]}.log)"; fi
done

for name in "${harnesses[@]}"; do
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$build/logs/$name.log" | grep -o '[0-9]*$' || true)
    cov=$(grep -o 'cov: [0-9]*' "$build/logs/$name.log" | tail -n 1 || true)
    printf '%-16s %8s s  %12s execs  %s\n' "$name" "$secs" "${runs:-?}" "$cov"
done
if [ "$fail" -ne 0 ]; then
    for name in "${harnesses[@]}"; do
        grep -q 'ERROR:\|finding\|SUMMARY' "$build/logs/$name.log" && tail -n 40 "$build/logs/$name.log"
    done
    exit 1
fi
echo "fuzz: no findings"
