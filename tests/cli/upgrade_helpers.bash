# What the upgrade tests (upgrade.bats, upgrade_571a38f.bats, upgrade_0_1_0.bats) share: the
# fixture's session tokens and creation time, the check that a TTL still
# ends ten years after the fixture was written, a working copy of a
# fixture and a dump of what a server answers about it.  Load after helpers.

TENYEARS=315360000

# read_fixture DIR: the tokens (TKN, in make.sh's order) and the creation
# time (CREATED, Unix seconds) of the fixture in DIR
read_fixture() {
    mapfile -t TKN <"$1/tokens"
    CREATED=$(cat "$1/created")
}

# tkn N: the token of the Nth session make.sh created (from 1)
tkn() { echo "${TKN[$(($1 - 1))]}"; }

# deadline_ok TTL: TTL seconds from now is 10 years after the fixture's
# writes (which took a few seconds)
deadline_ok() {
    local now end
    now=$(date +%s)
    end=$(awk -v n="$now" -v t="$1" 'BEGIN { printf "%d", n + t }')
    if [ "$end" -lt $((CREATED + TENYEARS - 2)) ] || [ "$end" -gt $((CREATED + TENYEARS + 30)) ]; then
        echo "ttl $1 at $now ends at $end, not 10 years after $CREATED" >&2
        return 1
    fi
}

# fixture_dump: what the server at NDB_URL answers about a fixture's data,
# as text to compare with what the release that wrote it answered
# (upgrade_0_1_0.bats): every key's exact text, which keys have a TTL (the
# seconds are T: deadline_ok checks them), then for each session of
# TKN its SH_INFO (remaining R) or "none", and its keys' exact text
fixture_dump() {
    local keys skeys t info
    mapfile -t keys < <("$NDB" -c keys | tr -d '"')
    "$NDB" -c get "${keys[@]}"
    "$NDB" -c ttl "${keys[@]}" | sed -E 's/:[0-9]+(\.[0-9]+)?([,}])/:T\2/g'
    for t in "${TKN[@]}"; do
        if info=$("$NDB" -c session info "$t" 2>/dev/null); then
            sed -E 's/"remaining":[0-9]+/"remaining":R/' <<<"$info"
        else
            echo "$t: none"
        fi
        mapfile -t skeys < <("$NDB" -c --session "$t" keys 2>/dev/null | tr -d '"')
        [ "${#skeys[@]}" = 0 ] || "$NDB" -c --session "$t" get "${skeys[@]}"
    done
}

# enter_fixture DIR: cd to a copy of DIR's data, crash and ndb.jsonc
# (upgrade_571a38f.bats, upgrade_0_1_0.bats) with the modes that release
# left (git keeps no directory modes), a certificate for the config's
# ./cert.pem and ./key.pem (no key is kept in a fixture), the client's
# settings for it as admin, and the fixture's tokens read (read_fixture)
enter_fixture() {
    W="$BATS_TEST_TMPDIR/w"
    mkdir "$W"
    cp -r "$1/data" "$1/crash" "$1/ndb.jsonc" "$W/"
    find "$W/data" "$W/crash" -type d -exec chmod 0700 {} +
    find "$W/data" "$W/crash" -type f -exec chmod 0600 {} +
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$W/key.pem" -out "$W/cert.pem" \
        -days 2 -subj /CN=localhost -addext subjectAltName=IP:127.0.0.1 2>/dev/null
    cd "$W"
    export NDB_CACERT="$W/cert.pem"
    export NDB_USER=admin
    export NDB_PASSWORD=upgrade-pw
    read_fixture "$1"
}

# check_fixture_journals JOURNAL: `ndb journal check` on a fixture entered
# with enter_fixture reads, exactly, its data path (an automatic snapshot
# and an empty journal: the same in every fixture made by make.sh) and its
# crash path, whose journal line ("journal: 1 file, N records, B bytes")
# is JOURNAL
check_fixture_journals() {
    run -0 "$NDB" journal check --config ndb.jsonc
    [ "$output" = "automatic snapshot 3: 13 keys, 6 sessions
journal: 1 file, 0 records, 40 bytes
ok: a start-up recovers 13 keys and 6 sessions
expired while no server ran: 0 keys and 1 session (a start-up removes the keys, and ends the sessions or, if kept, empties them)" ]
    run -0 "$NDB" journal check --persist-path crash
    [ "$output" = "no automatic snapshot: the journal is replayed from its start
$1
ok: a start-up recovers 22 keys and 0 sessions" ]
}
