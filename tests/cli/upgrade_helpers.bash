# What the upgrade tests (upgrade.bats, upgrade_571a38f.bats) share: the
# fixture's session tokens and creation time, and the check that a TTL
# still ends ten years after the fixture was written.  Load after helpers.

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
