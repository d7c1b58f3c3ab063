#!/usr/bin/env bats
# tests/bench/bench_fsync: write() + fdatasync() timed in four file layouts
# (the measurement behind the journal's reserved space under `always`).
# Tiny runs: the four lines, the scratch file removed, bad usage.

setup_file() { export BENCH_FSYNC=${BENCH_FSYNC:-$(dirname "$NDB")/bench_fsync}; }

@test "bench_fsync DIR ROUNDS: one line per layout, nothing left behind" {
    [ -x "$BENCH_FSYNC" ]
    run "$BENCH_FSYNC" "$BATS_TEST_TMPDIR" 20
    [ "$status" -eq 0 ]
    [ "${#lines[@]}" -eq 4 ]
    local i mode modes=(append fallocate zeroed keep-size)
    for i in 0 1 2 3; do
        mode=${modes[$i]}
        [[ "${lines[$i]}" =~ ^${mode}\ +p50\ [0-9]+\.[0-9]\ us,\ p90\ [0-9]+\.[0-9]\ us\ \(20\ rounds\ of\ a\ 64-byte\ write\ \+\ fdatasync\)$ ]]
    done
    [ -z "$(ls "$BATS_TEST_TMPDIR" | grep bench_fsync)" ]
}

@test "bench_fsync: bad usage exits 2, a directory it cannot write exits 1, each with one line" {
    run "$BENCH_FSYNC"
    [ "$status" -eq 2 ]
    [ "$output" = "usage: bench_fsync DIR [ROUNDS]" ]
    run "$BENCH_FSYNC" "$BATS_TEST_TMPDIR" 0
    [ "$status" -eq 2 ]
    [ "$output" = "bench_fsync: ROUNDS must be 1..100000" ]
    run "$BENCH_FSYNC" "$BATS_TEST_TMPDIR" 12x
    [ "$status" -eq 2 ]
    run "$BENCH_FSYNC" "$BATS_TEST_TMPDIR/none" 5
    [ "$status" -eq 1 ]
    [[ "$output" =~ ^bench_fsync:\ cannot\ create\ .*/none/bench_fsync\.[0-9]+\.tmp:\ No\ such\ file\ or\ directory$ ]]
}
