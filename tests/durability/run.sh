#!/usr/bin/env bash
# tests/durability/run.sh [ROUNDS] [MAX_MS]
#
# The crash test of issue 15 (tests/durability/ndb_crash.c): ROUNDS kill -9s
# (default 100) of `ndb serve --journal always` under load from 4 writers,
# each at a random moment up to MAX_MS (default 300) after the load began,
# a third of them while a background snapshot is written, and the journal
# compacted all along; after every restart the state must be exactly what
# the acknowledged writes (and possibly the ones in flight) made — 0 lost.
# Then the same with --journal everysec (a process crash loses nothing
# either).  About 30 s for the default 2 x 100 rounds; a longer run:
#   tests/durability/run.sh 2000 1000
#
#   BUILD=dir   where ndb and ndb_crash are (default: build/)
#   SEED=n      the random seed (default: from $RANDOM; printed, to repeat a run)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
rounds=${1:-100}
max_ms=${2:-300}
build=${BUILD:-$root/build}
seed=${SEED:-$RANDOM}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "crash test: $rounds rounds per policy, kills within ${max_ms} ms, seed $seed"
for policy in always everysec; do
    timeout $((rounds * (max_ms + 2000) / 1000 + 120)) \
        "$build/ndb_crash" --ndb "$build/ndb" --dir "$tmp/$policy" --policy "$policy" --rounds "$rounds" \
        --max-ms "$max_ms" --seed "$seed"
done
