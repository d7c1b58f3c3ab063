#!/usr/bin/env bash
# cpu_per_request.sh — server CPU time per request, for several server
# configurations side by side (issue 14: what security costs per request),
# or ndb against Redis, each driven by its own benchmark client on the same
# workload (issue 18: --vs-redis).
#
# For each case a server is started on a free loopback port and warmed up
# with one short run (connections, logins, caches); then, for each round,
# the cases take turns: read the server's CPU time (the nanoseconds of
# /proc/PID/task/*/schedstat, summed over its threads; utime+stime from
# /proc/PID/stat, in ticks, where schedstat is missing), drive a fixed
# number of requests with the benchmark command, read it again.  The
# difference over the request count is the server's CPU per request.
# Prints every round, the median per case, and each case's median against
# the first case's.  Server and benchmark are pinned to
# different cores (taskset) when there are two.
#
# usage: tests/bench/cpu_per_request.sh [options]
#   --case 'NAME|SERVER COMMAND|BENCH ARGS[|BENCH COMMAND[|LOAD COMMAND]]'
#                 (repeatable) a configuration: the server command line,
#                 with {port} where its port goes, extra arguments for the
#                 benchmark command, optionally a benchmark command of its
#                 own (instead of --bench) and a command run once after the
#                 server started (e.g. to load keys).  Default: the
#                 comparison of issue 14, "plain" (ndb serve, no security)
#                 and "users" (a user in the config, every benchmark
#                 connection logged in with --user).
#   --vs-redis     the cases are "ndb" (ndb serve, driven by ndb bench) and
#                 "redis" (Debian's redis-server without persistence, driven
#                 by redis-benchmark), both loaded first with the same
#                 --keys keys of --value-size bytes (ndb bench --preload -n 0;
#                 redis-cli --pipe), so that every GET hits; then GET or SET
#                 of those keys (--op get|set) with the same connections,
#                 pipeline and value size.  The table then also shows
#                 ndb/Redis.
#   --same-client  with --vs-redis, at 1 connection x pipeline 1: both
#                 servers driven by the same client, tests/bench/bench_rtt.c
#                 (WebSocket to ndb, RESP to Redis, GET or SET of one 16-byte
#                 value), instead of each by its own benchmark client: at one
#                 request in flight the client shapes the server's cost too
#                 (its wake-ups), and this keeps that equal.
#   --rearm        with --same-client: bench_rtt waits the way
#                 redis-benchmark does (epoll, the socket added and removed
#                 around each wait: bench_rtt's `rearm`) instead of in
#                 blocking calls.
#   --bench 'COMMAND'  the benchmark, with {port} {conns} {pipeline}
#                 {requests} {op} in it (default: ndb bench over ws://)
#   --conns N      connections (default 50)
#   --pipeline P   requests in flight per connection (default 1)
#   --requests R   requests per round (default 400000)
#   --rounds K     rounds (default 5, at least 3)
#   --op OP        the benchmark's operation (default get)
#   --keys K       key space of --vs-redis (default 100000)
#   --value-size B value size of --vs-redis, bytes (default 16)
#   --markdown     print only the table (for compare.sh)
# Environment: NDB (default build/ndb), BENCH_RTT (default bench_rtt beside
# NDB), SERVER_CORE (0), CLIENT_CORE (1);
# with --vs-redis REDIS_SERVER, REDIS_BENCHMARK, REDIS_CLI (default: PATH).
# Exit status: 0, or 1 when a server or a benchmark run fails.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
. "$here/common.bash"
NDB=${NDB:-$root/build/ndb}
BENCH_RTT=${BENCH_RTT:-$(dirname "$NDB")/bench_rtt}
SERVER_CORE=${SERVER_CORE:-0}
CLIENT_CORE=${CLIENT_CORE:-1}

REDIS_SERVER=${REDIS_SERVER:-redis-server}
REDIS_BENCHMARK=${REDIS_BENCHMARK:-redis-benchmark}
REDIS_CLI=${REDIS_CLI:-redis-cli}

conns=50 pipeline=1 requests=400000 rounds=5 op=get bench="" cases=() vs_redis=0 keys=100000 vsize=16 markdown=0 same_client=0 wait=block
while [ $# -gt 0 ]; do
    case "$1" in
    --case) cases+=("${2:?--case needs a value}"); shift ;;
    --bench) bench=${2:?--bench needs a value}; shift ;;
    --conns) conns=${2:?--conns needs a value}; shift ;;
    --pipeline) pipeline=${2:?--pipeline needs a value}; shift ;;
    --requests) requests=${2:?--requests needs a value}; shift ;;
    --rounds) rounds=${2:?--rounds needs a value}; shift ;;
    --op) op=${2:?--op needs a value}; shift ;;
    --vs-redis) vs_redis=1 ;;
    --same-client) same_client=1 ;;
    --rearm) wait=rearm ;;
    --keys) keys=${2:?--keys needs a value}; shift ;;
    --value-size) vsize=${2:?--value-size needs a value}; shift ;;
    --markdown) markdown=1 ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "cpu_per_request.sh: unknown option '$1'" >&2; exit 2 ;;
    esac
    shift
done
for n in "$conns" "$pipeline" "$requests" "$rounds" "$keys" "$vsize"; do
    [[ $n =~ ^[1-9][0-9]*$ ]] || { echo "cpu_per_request.sh: '$n' is not a positive number" >&2; exit 2; }
done
[ "$rounds" -ge 3 ] || { echo "cpu_per_request.sh: --rounds must be at least 3 (medians)" >&2; exit 2; }
[ -x "$NDB" ] || { echo "cpu_per_request.sh: $NDB is not built (set NDB)" >&2; exit 2; }
if [ "$same_client" = 1 ]; then
    [ "$vs_redis" = 1 ] && [ "$conns" = 1 ] && [ "$pipeline" = 1 ] ||
        { echo "cpu_per_request.sh: --same-client goes with --vs-redis --conns 1 --pipeline 1" >&2; exit 2; }
    [ -x "$BENCH_RTT" ] || { echo "cpu_per_request.sh: $BENCH_RTT is not built (set BENCH_RTT)" >&2; exit 2; }
elif [ "$wait" = rearm ]; then
    echo "cpu_per_request.sh: --rearm goes with --same-client" >&2
    exit 2
fi

work=$(mktemp -d)
pids=()
cleanup() {
    local p
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT INT TERM

# --vs-redis: ndb and Redis, each with its own client, the same keys loaded.
if [ "$vs_redis" = 1 ]; then
    for t in "$REDIS_SERVER" "$REDIS_BENCHMARK" "$REDIS_CLI"; do
        command -v "$t" >/dev/null || { echo "cpu_per_request.sh: '$t' not found (apt-get install redis-server redis-tools)" >&2; exit 2; }
    done
    case "$op" in get | set) ;; *) echo "cpu_per_request.sh: --vs-redis runs --op get or set" >&2; exit 2 ;; esac
    # The value redis-benchmark -d B writes is B bytes of 'x'; ndb bench's
    # values are B characters too (B+2 bytes of JSON text with the quotes).
    awk -v k="$keys" -v b="$vsize" 'BEGIN {
        v = ""; x = "x"
        for (n = b; n > 0; n = int(n / 2)) { if (n % 2) v = v x; x = x x }
        for (i = 0; i < k; i++) {
            key = sprintf("key:%012d", i)
            printf "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n", length(key), key, b, v
        }
    }' >"$work/redis.load"
    # cases: NAME|SERVER|EXTRA|BENCH|LOAD (ndb bench without --preload in the
    # rounds: the keys are loaded once, as Redis's are)
    cases=("ndb|$NDB serve --ip 127.0.0.1 --port {port}||$NDB bench --url ws://127.0.0.1:{port}/ -c {conns} -P {pipeline} -n {requests} --op {op} --keys $keys -d $vsize -q --csv --force|$NDB bench --url ws://127.0.0.1:{port}/ --op set --preload --keys $keys -d $vsize -c 4 -n 0 -q --force"
           "redis|$REDIS_SERVER --bind 127.0.0.1 --port {port} --save '' --appendonly no --daemonize no --loglevel warning||$REDIS_BENCHMARK -h 127.0.0.1 -p {port} -t {op} -n {requests} -c {conns} -P {pipeline} -r $keys -d $vsize -q --csv|$REDIS_CLI -h 127.0.0.1 -p {port} --pipe <$work/redis.load")
    if [ "$same_client" = 1 ]; then # one key, stored by bench_rtt itself
        vsize=16
        cases=("ndb|$NDB serve --ip 127.0.0.1 --port {port}||$BENCH_RTT ws {port} {requests} {op} $wait|"
               "redis|$REDIS_SERVER --bind 127.0.0.1 --port {port} --save '' --appendonly no --daemonize no --loglevel warning||$BENCH_RTT resp {port} {requests} {op} $wait|")
    fi
fi

# The default cases: no security, and a user every connection logs in as.
if [ ${#cases[@]} -eq 0 ]; then
    printf 'bench-password\n' >"$work/pw"
    chmod 600 "$work/pw" # ndb warns of a password file every user may read
    hash=$("$NDB" passwd <"$work/pw")
    printf '{"security":{"users":[{"name":"bench","password":"%s","role":"write"}]}}\n' "$hash" >"$work/users.json"
    cases=("plain|$NDB serve --port {port}|"
           "users|$NDB serve --port {port} --config $work/users.json|--user bench --password-file $work/pw")
fi
# --force: the warm-up run of a writing --op leaves keys behind
[ -n "$bench" ] || bench="$NDB bench --url ws://127.0.0.1:{port}/ -c {conns} -P {pipeline} -n {requests} --op {op} -q --csv --force"

pin_server="" pin_client=""
if command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then
    pin_server="taskset -c $SERVER_CORE" pin_client="taskset -c $CLIENT_CORE"
fi
tick=$(getconf CLK_TCK)

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# cpu_ns PID: the CPU time the process has used, in nanoseconds.  The first
# field of each thread's schedstat is its time on a CPU in nanoseconds, the
# kernel's own count; utime + stime (/proc/PID/stat fields 14 and 15,
# counted after "(comm) ", which may hold blanks) are in ticks of 10 ms, and
# at 1 x P1 a round of 60000 requests is only ~160 ticks: one tick more or
# less read at either end moved a median by 0.6 %.  (A thread that ends
# between two readings drops out of the sum; the servers measured keep
# theirs for their whole life during these loads.)
if [ -r "/proc/$$/task/$$/schedstat" ]; then
    cpu_ns() { cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{ s += $1 } END { printf "%.0f\n", s }'; }
else
    cpu_ns() { sed 's/.*) //' "/proc/$1/stat" | awk -v tk="$tick" '{ printf "%.0f\n", ($12 + $13) * 1e9 / tk }'; }
fi

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

names=() ports=() spids=() bargs=() benches=()
for c in "${cases[@]}"; do
    IFS='|' read -r name server extra cbench load <<<"$c"
    [ -n "$cbench" ] || cbench=$bench
    port=$(free_port)
    # (eval: a command line may quote an empty argument, as Redis's --save '')
    eval "exec $pin_server $(expand "$server" "$port")" 2>"$work/$name.log" >/dev/null &
    pid=$!
    pids+=("$pid")
    for _ in $(seq 1 100); do
        python3 -c "import socket,sys; socket.create_connection(('127.0.0.1',$port),0.2)" 2>/dev/null && break
        kill -0 "$pid" 2>/dev/null || { echo "cpu_per_request.sh: server of case $name exited:" >&2; cat "$work/$name.log" >&2; exit 1; }
        sleep 0.05
    done
    names+=("$name") ports+=("$port") spids+=("$pid") bargs+=("$extra") benches+=("$cbench")
    if [ -n "$load" ]; then
        eval "$pin_client $(expand "$load" "$port")" >"$work/load.out" 2>&1 ||
            { cat "$work/load.out" >&2; echo "cpu_per_request.sh: loading case $name failed" >&2; exit 1; }
    fi
    # warm-up: connections, the logins' first password check, caches
    # shellcheck disable=SC2086
    $pin_client $(expand "$cbench" "$port" 20000) $extra >/dev/null ||
        { echo "cpu_per_request.sh: the warm-up run of case $name failed" >&2; exit 1; }
done

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

say() { [ "$markdown" = 1 ] || echo "$@"; }
say "server CPU per request: $requests requests per round, $rounds rounds, --op $op, $conns connections, pipeline $pipeline"
declare -A per
for ((r = 1; r <= rounds; r++)); do
    line="round $r:"
    for i in "${!names[@]}"; do
        t0=$(cpu_ns "${spids[$i]}")
        # shellcheck disable=SC2086
        $pin_client $(expand "${benches[$i]}" "${ports[$i]}") ${bargs[$i]} >"$work/run.csv" ||
            { echo "cpu_per_request.sh: a run of case ${names[$i]} failed" >&2; exit 1; }
        t1=$(cpu_ns "${spids[$i]}")
        # ndb bench stops a count at 60 s: its CSV says how many were
        # answered, and CPU over the asked-for count would understate the cost
        done_n=$(awk -F, 'NR == 1 && $1 == "op" { for (i = 1; i <= NF; i++) if ($i == "requests") c = i }
                          NR == 2 && c { print $c }' "$work/run.csv")
        if [ -n "$done_n" ] && [ "$done_n" != "$requests" ]; then
            echo "cpu_per_request.sh: case ${names[$i]} answered $done_n of $requests requests (ndb bench's 60 s cap): lower --requests" >&2
            exit 1
        fi
        us=$(awk -v d=$((t1 - t0)) -v n="$requests" 'BEGIN { printf "%.3f", d / 1e3 / n }')
        per[${names[$i]}]+="$us "
        line+="  ${names[$i]} $us us"
    done
    say "$line"
done

if [ "$vs_redis" = 1 ]; then
    # one row: the workload, both medians, the ratio (compare.sh collects these)
    nd=$(tr ' ' '\n' <<<"${per[ndb]}" | grep . | median)
    rd=$(tr ' ' '\n' <<<"${per[redis]}" | grep . | median)
    [ "$markdown" = 1 ] || printf '\n| workload | ndb, µs | Redis, µs | ndb/Redis |\n|---|---:|---:|---:|\n'
    printf '| %s %d B, %d conn%s × P%d | %.3f | %.3f | %s |\n' "${op^^}" "$vsize" "$conns" "$([ "$conns" = 1 ] || echo s)" \
        "$pipeline" "$nd" "$rd" "$(awk -v a="$nd" -v b="$rd" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')"
    exit 0
fi
base=""
printf '\n| case | server CPU per request (median) | vs %s |\n|---|---:|---:|\n' "${names[0]}"
for n in "${names[@]}"; do
    m=$(tr ' ' '\n' <<<"${per[$n]}" | grep . | median)
    [ -n "$base" ] || base=$m
    printf '| %s | %.3f us | %s |\n' "$n" "$m" "$(awk -v a="$m" -v b="$base" 'BEGIN { printf "%+.1f%%", (a / b - 1) * 100 }')"
done
