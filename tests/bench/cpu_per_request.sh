#!/usr/bin/env bash
# cpu_per_request.sh — server CPU time per request, for several server
# configurations side by side (issue 14: what security costs per request).
#
# For each case a server is started on a free loopback port and warmed up
# with one short run (connections, logins, caches); then, for each round,
# the cases take turns: read the server's utime+stime (/proc/PID/stat),
# drive a fixed number of requests with the benchmark command, read it
# again.  The difference over the request count is the server's CPU per
# request.  Prints every round, the median per case, and each case's
# median against the first case's.  Server and benchmark are pinned to
# different cores (taskset) when there are two.
#
# usage: tests/bench/cpu_per_request.sh [options]
#   --case 'NAME|SERVER COMMAND|BENCH ARGS'   (repeatable) a configuration:
#                 the server command line, with {port} where its port goes,
#                 and extra arguments for the benchmark command.  Default:
#                 the comparison of issue 14, "plain" (ndb serve, no security)
#                 and "users" (a user in the config, every benchmark
#                 connection logged in with --user).
#   --bench 'COMMAND'  the benchmark, with {port} {conns} {pipeline}
#                 {requests} {op} in it (default: ndb bench over ws://)
#   --conns N      connections (default 50)
#   --pipeline P   requests in flight per connection (default 1)
#   --requests R   requests per round (default 400000)
#   --rounds K     rounds (default 5, at least 3)
#   --op OP        the benchmark's operation (default get)
# Environment: NDB (default build/ndb), SERVER_CORE (0), CLIENT_CORE (1).
# Exit status: 0, or 1 when a server or a benchmark run fails.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
NDB=${NDB:-$root/build/ndb}
SERVER_CORE=${SERVER_CORE:-0}
CLIENT_CORE=${CLIENT_CORE:-1}

conns=50 pipeline=1 requests=400000 rounds=5 op=get bench="" cases=()
while [ $# -gt 0 ]; do
    case "$1" in
    --case) cases+=("${2:?--case needs a value}"); shift ;;
    --bench) bench=${2:?--bench needs a value}; shift ;;
    --conns) conns=${2:?--conns needs a value}; shift ;;
    --pipeline) pipeline=${2:?--pipeline needs a value}; shift ;;
    --requests) requests=${2:?--requests needs a value}; shift ;;
    --rounds) rounds=${2:?--rounds needs a value}; shift ;;
    --op) op=${2:?--op needs a value}; shift ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "cpu_per_request.sh: unknown option '$1'" >&2; exit 2 ;;
    esac
    shift
done
for n in "$conns" "$pipeline" "$requests" "$rounds"; do
    [[ $n =~ ^[1-9][0-9]*$ ]] || { echo "cpu_per_request.sh: '$n' is not a positive number" >&2; exit 2; }
done
[ "$rounds" -ge 3 ] || { echo "cpu_per_request.sh: --rounds must be at least 3 (medians)" >&2; exit 2; }
[ -x "$NDB" ] || { echo "cpu_per_request.sh: $NDB is not built (set NDB)" >&2; exit 2; }

work=$(mktemp -d)
pids=()
cleanup() {
    local p
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT INT TERM

# The default cases: no security, and a user every connection logs in as.
if [ ${#cases[@]} -eq 0 ]; then
    printf 'bench-password\n' >"$work/pw"
    hash=$("$NDB" passwd <"$work/pw")
    printf '{"security":{"users":[{"name":"bench","password":"%s","role":"write"}]}}\n' "$hash" >"$work/users.json"
    cases=("plain|$NDB serve --port {port}|"
           "users|$NDB serve --port {port} --config $work/users.json|--user bench --password-file $work/pw")
fi
[ -n "$bench" ] || bench="$NDB bench --url ws://127.0.0.1:{port}/ -c {conns} -P {pipeline} -n {requests} --op {op} -q --csv"

pin_server="" pin_client=""
if command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then
    pin_server="taskset -c $SERVER_CORE" pin_client="taskset -c $CLIENT_CORE"
fi
tick=$(getconf CLK_TCK)

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# cpu_ticks PID: utime + stime of the process (all its threads), in ticks.
# (fields 14 and 15; counted after "(comm) ", which may hold blanks)
cpu_ticks() { sed 's/.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'; }

# expand TEMPLATE PORT [REQUESTS]: fill in the placeholders.
expand() {
    local t=$1
    t=${t//\{port\}/$2}
    t=${t//\{conns\}/$conns}
    t=${t//\{pipeline\}/$pipeline}
    t=${t//\{requests\}/${3:-$requests}}
    t=${t//\{op\}/$op}
    printf '%s' "$t"
}

names=() ports=() spids=() bargs=()
for c in "${cases[@]}"; do
    IFS='|' read -r name server extra <<<"$c"
    port=$(free_port)
    # shellcheck disable=SC2086 # the command line is split on purpose
    $pin_server $(expand "$server" "$port") 2>"$work/$name.log" &
    pid=$!
    pids+=("$pid")
    for _ in $(seq 1 100); do
        python3 -c "import socket,sys; socket.create_connection(('127.0.0.1',$port),0.2)" 2>/dev/null && break
        kill -0 "$pid" 2>/dev/null || { echo "cpu_per_request.sh: server of case $name exited:" >&2; cat "$work/$name.log" >&2; exit 1; }
        sleep 0.05
    done
    names+=("$name") ports+=("$port") spids+=("$pid") bargs+=("$extra")
    # warm-up: connections, the logins' first password check, caches
    # shellcheck disable=SC2086
    $pin_client $(expand "$bench" "$port" 20000) $extra >/dev/null ||
        { echo "cpu_per_request.sh: the warm-up run of case $name failed" >&2; exit 1; }
done

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

echo "server CPU per request: $requests requests per round, $rounds rounds, --op $op, $conns connections, pipeline $pipeline"
declare -A per
for ((r = 1; r <= rounds; r++)); do
    line="round $r:"
    for i in "${!names[@]}"; do
        t0=$(cpu_ticks "${spids[$i]}")
        # shellcheck disable=SC2086
        $pin_client $(expand "$bench" "${ports[$i]}") ${bargs[$i]} >"$work/run.csv" ||
            { echo "cpu_per_request.sh: a run of case ${names[$i]} failed" >&2; exit 1; }
        t1=$(cpu_ticks "${spids[$i]}")
        us=$(awk -v d=$((t1 - t0)) -v tk="$tick" -v n="$requests" 'BEGIN { printf "%.3f", d * 1e6 / tk / n }')
        per[${names[$i]}]+="$us "
        line+="  ${names[$i]} $us us"
    done
    echo "$line"
done

base=""
printf '\n| case | server CPU per request (median) | vs %s |\n|---|---:|---:|\n' "${names[0]}"
for n in "${names[@]}"; do
    m=$(tr ' ' '\n' <<<"${per[$n]}" | grep . | median)
    [ -n "$base" ] || base=$m
    printf '| %s | %.3f us | %s |\n' "$n" "$m" "$(awk -v a="$m" -v b="$base" 'BEGIN { printf "%+.1f%%", (a / b - 1) * 100 }')"
done
