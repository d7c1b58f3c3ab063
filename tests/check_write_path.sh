#!/usr/bin/env bash
# check_write_path.sh — the store (src/server/store.c) is the only code that
# changes data.  Fails, naming file and line, if any other source file under
# src/ calls a function that changes a key map, the session registry, the
# expiry heap or the keys' deadlines, or assigns to their fields.  The data
# structures' own files (kvmap.c, sessions.c, expiry.c, keyttl.c) implement
# those functions and are exempt.
set -u
cd "$(dirname "$0")/.."
mutators='kvmap_(set|del|clear|free)|sessions_(insert|remove|clear|clear_keys|set_deadline|clear_deadline|pop_due|account|free)|expiry_(set|remove|pop_due|clear|free)|ttl_(set|del|clear)'
fields='(->|\.)(map|kv|sessions)(->|\.)(count|items|bytes|slots|total_keys|key_bytes)[[:space:]]*([-+*/]?=[^=]|\+\+|--)'
hits=$(grep -rnE "\b($mutators)\(|$fields" src --include='*.c' --include='*.h' |
    grep -vE '^src/server/(store|kvmap|sessions|expiry|keyttl)\.[ch]:' |
    grep -vE '^[^:]+:[0-9]+:[[:space:]]*(\*|/\*|//)')
if [ -n "$hits" ]; then
    echo "data changed outside the store (src/server/store.c):" >&2
    echo "$hits" >&2
    exit 1
fi
echo "write path ok: only the store changes keys, sessions and deadlines"
