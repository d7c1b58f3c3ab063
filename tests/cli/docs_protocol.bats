#!/usr/bin/env bats
# docs/protocol.md, the protocol reference, checked against the real server:
#
#   1. every example block of the document is run against a fresh
#      `ndb serve` and every response must match exactly;
#   2. every command of src/common/commands.def and every status code has
#      an entry in the document (and the document names no command or
#      status that ndb does not have, unless it says it is not emitted);
#   3. nothing that looks like a request/response pair hides outside the
#      checked example blocks;
#   4. the ndb extensions (CMDF_EXT) are described under "ndb extensions"
#      and named in README's table of command families, which names every
#      command; section 2 names each status as status.def does.
#
# The example-block convention is described in docs/protocol.md section 0
# ("Examples").  In short, a fenced block whose info string is
# `ndb-example` holds lines of these kinds, run top to bottom:
#
#   > REQUEST        sent as one text message (ndb send); `>` alone sends an
#                    empty message
#   < RESPONSE       the exact text expected for the request or command just
#                    before it (one `<` line per line of output)
#   $ ndb serve ARGS (re)start the block's server with ARGS (plus --port 0);
#                    without such a line a block starts `ndb serve` with no
#                    options before its first request
#   $ COMMAND        a shell command (bash), run with $DATA (the block's own
#                    empty directory), $NDB_URL, and the functions `ndb`
#                    (the binary under test), `probe` (tests/cli/wsprobe.py)
#                    and `http` (tests/cli/httpprobe.py), both pointed at
#                    the block's server, and $NDB_PID, the server's process
#                    id; its standard output and
#                    standard error together must equal the `<` lines after it
#   # text           a comment; blank lines are ignored too
#
# In `<` lines, {{Name}} stands for a run of characters other than white
# space and " , : { } [ ] (a number, a version, a file path; when it could
# end at several places, the longest that lets the rest of the line match).  A name starting with an upper-case letter is a
# variable: its first occurrence captures the text, later occurrences in
# `<` lines must be equal, and in `>` and `$` lines it is replaced by the
# captured text; a variable that is captured and never used again fails the
# block (it is most likely a typo).  A lower-case name ({{ms}}, {{s}})
# matches anything of that shape and captures nothing.  `$DATA` in a `$ ndb serve` line is the
# block's directory.

load helpers
bats_require_minimum_version 1.5.0

export LC_ALL=C # byte-wise character classes in the patterns below

DOC="$BATS_TEST_DIRNAME/../../docs/protocol.md"
SRC="$BATS_TEST_DIRNAME/../../src"

# The status codes, one value per line: the lines
# `NDB_STATUS(value, IDENT, "Name", "meaning")` of src/common/status.def.
status_codes() {
    sed -nE 's/^NDB_STATUS\(([0-9]+),.*/\1/p' "$SRC/common/status.def"
}

# The commands of the command table, one name per line.
command_names() {
    sed -nE 's/^NDB_COMMAND\(([A-Z0-9_]+),.*/\1/p' "$SRC/common/commands.def"
}

# split_blocks DIR: write each ndb-example block of the document to
# DIR/NNNN, one line per line of the block, as "DOCLINE<TAB>TEXT".
split_blocks() {
    awk -v dir="$1" '
        /^```ndb-example[[:space:]]*$/ && !inb { inb = 1; n++; f = sprintf("%s/%04d", dir, n); printf "" > f; next }
        /^```/ && inb { inb = 0; close(f); next }
        inb { print NR "\t" $0 > f }
        END { if (inb) { print "docs/protocol.md: unterminated ndb-example block" > "/dev/stderr"; exit 1 } }
    ' "$DOC"
}

# What a {{Name}} cannot contain (a glob: the rest of GOT from the first
# such character on).
STOP='[][ ",:{}]*'

# match EXPECTED GOT: GOT equals EXPECTED where each {{Name}} stands for a
# non-empty run of characters up to (not including) the first of STOP;
# binds and checks upper-case names in V.  Where the run could end earlier
# (a path followed by "/data"), the longest run that lets the rest match wins.
match() {
    local exp=$1 got=$2
    if [[ $exp != *'{{'*'}}'* ]]; then
        [ "$got" = "$exp" ]
        return
    fi
    local lit=${exp%%'{{'*} rest=${exp#*'{{'} name run k val
    name=${rest%%'}}'*}
    rest=${rest#*'}}'}
    [[ $got == "$lit"* ]] || return 1
    got=${got:${#lit}}
    run=${got%%$STOP}
    for ((k = ${#run}; k >= 1; k--)); do
        val=${run:0:k}
        if [[ $name != [A-Z]* ]]; then
            match "$rest" "${got:k}" && return 0
        elif [ -n "${V[$name]+set}" ]; then
            [ "${V[$name]}" = "$val" ] && match "$rest" "${got:k}" && USED[$name]=1 && return 0
        else
            V[$name]=$val
            match "$rest" "${got:k}" && return 0
            unset "V[$name]"
        fi
    done
    return 1
}

# subst TEXT: set SUBST to TEXT with every {{Name}} replaced by its
# captured value (not in a subshell: it marks the names used).  Fails, with
# the reason in SUBST, on a name that is not a captured variable.
subst() {
    local s=$1 name
    SUBST=''
    while [[ $s == *'{{'*'}}'* ]]; do
        SUBST+=${s%%'{{'*}
        s=${s#*'{{'}
        name=${s%%'}}'*}
        s=${s#*'}}'}
        if [[ $name != [A-Z]* || -z ${V[$name]+set} ]]; then
            SUBST="{{$name}} is not a captured variable"
            return 1
        fi
        SUBST+=${V[$name]}
        USED[$name]=1
    done
    SUBST+=$s
}

# run_block FILE: run one example block; prints each mismatch, returns 1 if
# there was any.
run_block() {
    local -a L
    local -A V=() USED=()
    local i=0 n ln line got input rc failed=0 shell_prelude name
    mapfile -t L <"$1"
    n=${#L[@]}
    DATA=$(mktemp -d "$BATS_TEST_TMPDIR/data.XXXXXX")
    export DATA
    shell_prelude='ndb() { "$NDB" "$@"; }; probe() { python3 "$WSPROBE" --url "$NDB_URL" "$@"; }; '
    shell_prelude+='http() { python3 "$HTTPPROBE" --url "$NDB_URL" "$@"; }; cd "$DATA"; '
    while [ "$i" -lt "$n" ]; do
        ln=${L[i]%%$'\t'*}
        line=${L[i]#*$'\t'}
        i=$((i + 1))
        case $line in
        '' | '#' | '# '*) continue ;;
        '$ ndb serve' | '$ ndb serve '*)
            local -a args
            read -r -a args <<<"${line#'$ ndb serve'}"
            args=("${args[@]//'$DATA'/$DATA}")
            stop_server
            start_server "${args[@]}" || { echo "line $ln: the server did not start: $line"; return 1; }
            continue
            ;;
        '>' | '> '* | '$ '*) ;;
        *)
            echo "line $ln: not an example line (expected >, <, \$ or #): $line"
            failed=1
            continue
            ;;
        esac
        [ -n "${NDB_PID:-}" ] || start_server || { echo "line $ln: the server did not start"; return 1; }
        # the expected lines: every `<` line that follows
        local -a want=()
        while [ "$i" -lt "$n" ]; do
            case ${L[i]#*$'\t'} in
            '<') want+=('') ;;
            '< '*) want+=("${L[i]#*$'\t'< }") ;;
            *) break ;;
            esac
            i=$((i + 1))
        done
        subst "${line:2}" || { echo "line $ln: $SUBST"; failed=1; continue; }
        input=$SUBST
        if [[ $line == '$ '* ]]; then
            # a command's exit status is not checked, only its output.  A
            # handshake that logs in may find the server's budget for
            # password checks spent (handshake_busy): do as the answer says,
            # at most ten times.
            local try
            for try in 1 2 3 4 5 6 7 8 9 10; do
                got=$(NDB="$NDB" WSPROBE="$WSPROBE" HTTPPROBE="$BATS_TEST_DIRNAME/httpprobe.py" bash -c "$shell_prelude$input" 2>&1) || true
                handshake_busy "$got" || break
                sleep 1
            done
            rc=0
        else
            got=$("$NDB" send "$input" 2>&1) && rc=0 || rc=$?
            [ "${#want[@]}" -eq 1 ] || { echo "line $ln: a request needs exactly one '<' line"; failed=1; continue; }
        fi
        local -a lines=()
        [ -z "$got" ] || mapfile -t lines <<<"$got"
        local ok=1 k
        [ "$rc" -eq 0 ] && [ "${#lines[@]}" -eq "${#want[@]}" ] || ok=0
        for ((k = 0; ok && k < ${#want[@]}; k++)); do
            match "${want[k]}" "${lines[k]}" || ok=0
        done
        if [ "$ok" -eq 0 ]; then
            printf 'line %s: %s\n  expected: %s\n  got     : %s (exit %s)\n' "$ln" "$line" \
                "$(printf '%s\n' "${want[@]}")" "$got" "$rc"
            failed=1
        fi
    done
    stop_server
    # a captured variable that is never used again is likely a typo
    for name in "${!V[@]}"; do
        [ -n "${USED[$name]+set}" ] || {
            echo "block at line ${L[0]%%$'\t'*}: {{$name}} is captured but never used again (write {{${name,,}}} for a value that is not reused)"
            failed=1
        }
    done
    return "$failed"
}

@test "every example of docs/protocol.md gives exactly the response shown" {
    local dir="$BATS_TEST_TMPDIR/blocks" b failures='' count=0
    mkdir -p "$dir"
    split_blocks "$dir"
    for b in "$dir"/*; do
        [ -e "$b" ] || continue
        count=$((count + 1))
        grep -qE $'^[0-9]+\t(> |>$|\\$ )' "$b" || failures+="block starting at line $(head -n 1 "$b" | cut -f1): no request"$'\n'
        # not in a command substitution: the block's server must not hold
        # its output pipe open
        if ! run_block "$b" >"$BATS_TEST_TMPDIR/result" 2>&1; then
            failures+="$(cat "$BATS_TEST_TMPDIR/result")"$'\n'
        fi
    done
    stop_server
    [ "$count" -ge 50 ] || failures+="only $count example blocks found"$'\n'
    [ -z "$failures" ] || { printf '%s' "$failures" >&2; return 1; }
}

@test "every command and every status code has an entry in docs/protocol.md" {
    local c st missing='' codes
    # a command's entry is a heading naming it in backticks, e.g. "### 3.1 `KV_SET`"
    for c in $(command_names); do
        grep -qE "^#{2,5} .*\`$c\`" "$DOC" || missing+=" command $c;"
    done
    # a status code's entry is a row of the table of section 2: "| N | Name | ..."
    codes=$(status_codes)
    [ "$(wc -l <<<"$codes")" -ge 15 ] || missing+=" (only $(wc -l <<<"$codes") status codes read from the source);"
    local table
    table=$(awk '/^## 2\. /{on=1; next} /^## /{on=0} on' "$DOC")
    for st in $codes; do
        grep -qE "^\| *$st *\| *[A-Z][A-Za-z]+ *\|" <<<"$table" || missing+=" status $st;"
    done
    # and the other way: a command heading names a command of the table; a
    # status row that ndb cannot emit says so
    for c in $(grep -oE '^#{2,5} [0-9.]* *`[A-Z]+_[A-Z_]+`' "$DOC" | grep -oE '`[A-Z_]+`' | tr -d '`'); do
        command_names | grep -qx "$c" || missing+=" heading for $c, which is not in commands.def;"
    done
    for st in $(grep -oE '^\| *[0-9]+ *\|' <<<"$table" | tr -dc '0-9\n'); do
        grep -qx "$st" <<<"$codes" && continue
        grep -qE "^\| *$st *\|.*not emitted" <<<"$table" || missing+=" status $st is in the table but not in the source (say 'not emitted');"
    done
    [ -z "$missing" ] || { echo "docs/protocol.md:$missing" >&2; return 1; }
}

@test "no request/response example of docs/protocol.md is outside a checked block" {
    # inside any other fenced block, a line that starts like an example line
    # would escape the check above
    run awk '
        /^```/ { if (inb) { inb = 0 } else { inb = 1; ex = ($0 ~ /^```ndb-example/) }; next }
        inb && !ex && /^[<>] *[{[]/ { print NR ": " $0; bad = 1 }
        END { exit bad }
    ' "$DOC"
    [ "$status" -eq 0 ] || { echo "example lines outside ndb-example blocks:" >&2; echo "$output" >&2; return 1; }
}

@test "the role table of docs/protocol.md and README lists each command under the role commands.def gives it" {
    # a role's row names every command of that role (SV_AUTH needs no login
    # and is named in the read row), and no command of another role
    local doc role row c missing=''
    for doc in "$DOC" "$BATS_TEST_DIRNAME/../../README.md"; do
        for role in read write admin; do
            row=$(grep -m1 "^| \`$role\` | " "$doc")
            [ -n "$row" ] || { missing+=" $doc has no row for $role;"; continue; }
            for c in $(grep -o "NDB_COMMAND([A-Z_]*, [^,]*, ROLE_${role^^}" "$BATS_TEST_DIRNAME/../../src/common/commands.def" | sed 's/NDB_COMMAND(\([A-Z_]*\),.*/\1/'); do
                # README's write row names no command ("also every command that changes keys or sessions")
                [ "$doc" != "$DOC" ] && [ "$role" = write ] && continue
                [[ "$row" == *"\`$c\`"* ]] || missing+=" $(basename "$doc"): $c missing from the $role row;"
            done
            for c in $(grep -o '`[A-Z][A-Z]_[A-Z_]*`' <<<"$row" | tr -d '`'); do
                grep -q "NDB_COMMAND($c, [^,]*, ROLE_${role^^}" "$BATS_TEST_DIRNAME/../../src/common/commands.def" ||
                    missing+=" $(basename "$doc"): $c is in the $role row but has another role;"
            done
        done
    done
    [ -z "$missing" ] || { echo "$missing" >&2; return 1; }
}

# ext_commands: the commands commands.def marks CMDF_EXT (ndb extensions), one per line.
ext_commands() {
    sed -nE 's/^NDB_COMMAND\(([A-Z_]+), [^,]*CMDF_EXT.*/\1/p' "$SRC/common/commands.def"
}

# headed_commands TEXT: the commands that a heading of TEXT names first
# ("### 3.1 `KV_SET`"; not "#### `KV_SET`, `KV_ADD` ... with `ttl`"), sorted.
headed_commands() {
    grep -oE '^#{2,5} [0-9.]* *`[A-Z]+_[A-Z_]+`$' <<<"$1" | grep -oE '[A-Z]+_[A-Z_]+' | LC_ALL=C sort -u
}

@test "docs/protocol.md describes exactly the CMDF_EXT commands under 'ndb extensions', and the others before it" {
    local ext base extension
    ext=$(ext_commands | LC_ALL=C sort)
    [ "$(wc -l <<<"$ext")" -ge 10 ]
    base=$(awk '/^## ndb extensions$/ { exit } 1' "$DOC")
    extension=$(awk '/^## ndb extensions$/ { on = 1 } /^## Appendix/ { on = 0 } on' "$DOC")
    [ "$(headed_commands "$extension")" = "$ext" ] || { diff <(echo "$ext") <(headed_commands "$extension") >&2; return 1; }
    [ "$(headed_commands "$base")" = "$(command_names | LC_ALL=C sort | grep -vxF -f <(echo "$ext"))" ] ||
        { diff <(command_names | LC_ALL=C sort | grep -vxF -f <(echo "$ext")) <(headed_commands "$base") >&2; return 1; }
}

@test "README's table of command families names every command of commands.def, and its 'ndb extensions' row every CMDF_EXT one" {
    local table c missing=
    table=$(sed -n '/^| family | commands |$/,/^$/p' "$BATS_TEST_DIRNAME/../../README.md")
    [ -n "$table" ]
    # every command, and no other name
    [ "$(grep -oE '`[A-Z]+_[A-Z_]+`' <<<"$table" | tr -d '`' | LC_ALL=C sort -u)" = "$(command_names | LC_ALL=C sort)" ] ||
        { diff <(command_names | LC_ALL=C sort) <(grep -oE '`[A-Z]+_[A-Z_]+`' <<<"$table" | tr -d '`' | LC_ALL=C sort -u) >&2; return 1; }
    for c in $(ext_commands); do
        grep '^| ndb extensions |' <<<"$table" | grep -q "\`$c\`" || missing+=" $c"
    done
    [ -z "$missing" ] || { echo "not in README's 'ndb extensions' row:$missing" >&2; return 1; }
}

@test "the status table of docs/protocol.md section 2 gives each code the name status.def gives it" {
    # "| 22 | KeyNotExist | ..." for every code of status.def (rows for codes
    # ndb does not emit aside: the test above)
    local want got
    want=$(sed -nE 's/^NDB_STATUS\(([0-9]+), [A-Z_]+, "([A-Za-z]+)",.*/\1 \2/p' "$SRC/common/status.def")
    [ "$(wc -l <<<"$want")" -ge 27 ]
    got=$(awk '/^## 2\. /{on=1; next} /^## /{on=0} on' "$DOC" | sed -nE 's/^\| *([0-9]+) *\| *([A-Za-z]+) *\|.*/\1 \2/p' |
        awk 'NR == FNR { known[$1] = 1; next } $1 in known' <(echo "$want") -)
    [ "$got" = "$want" ] || { diff <(echo "$want") <(echo "$got") >&2; return 1; }
}
