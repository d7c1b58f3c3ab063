#!/usr/bin/env bats
# The manual pages (man/*.1): they lint clean, and they describe every
# command, argument and option of the command table (`ndb help --commands`,
# `ndb help --options`, each command's usage line), every option of the
# commands that parse their own (serve, send, bench, repl: their --help),
# the environment, the exit statuses and every config member.  Every command
# has a --help.  A command or option added without documentation fails here.

load helpers
bats_require_minimum_version 1.5.0

MAN="$BATS_TEST_DIRNAME/../../man"
SRC="$BATS_TEST_DIRNAME/../../src"

# entry PAGE NAME: the source lines of the `.It Cm NAME` entry of PAGE, up to
# the next command entry or section.
entry() {
    awk -v name="$2" '
        /^\.It Cm / {
            rest = substr($0, 8)
            on = (rest == name || index(rest, name " ") == 1)
            if (on) { print; next }
        }
        /^\.Sh / { on = 0 }
        on' "$1"
}

# mentions_option TEXT OPTION: TEXT (mdoc source) names OPTION (-x or
# --name) with Fl.
mentions_option() {
    local o=$2
    if [[ $o == --* ]]; then
        grep -qE -- "Fl (\\\\-|-)${o#--}( |$)" <<<"$1"
    else
        grep -qE -- "Fl ${o#-}( |$)" <<<"$1"
    fi
}

@test "every man page lints clean: mandoc -T lint and groff -ww" {
    local page out
    for page in "$MAN"/*.1; do
        if command -v mandoc >/dev/null; then
            # "referenced manual not found" depends on what this machine has
            # installed (ndb's own pages are not, yet): not a fault of the page
            out=$(mandoc -T lint -W style "$page" 2>&1 |
                grep -v -e 'referenced manual not found' -e 'mandoc.db' || true)
            [ -z "$out" ] || { echo "$out" >&2; return 1; }
        fi
        out=$(groff -ww -z -mdoc "$page" 2>&1)
        [ -z "$out" ] || { echo "$page: $out" >&2; return 1; }
        # Ql and Dq quote up to the end of their line: two on one line quoted
        # "(for ‘xargs -0 and ‘ndb get -0’’)" (neither tool warns)
        out=$(groff -mdoc -Tutf8 -P-c "$page" 2>/dev/null | col -b | tr '\n' ' ' |
            grep -o '‘[^’]*‘[^’]*’' || true)
        [ -z "$out" ] || { echo "$page: a quote opened inside another: $out" >&2; return 1; }
        ! LC_ALL=C grep -n '[^[:print:][:space:]]' "$page" >&2
    done
    command -v mandoc >/dev/null || skip "mandoc is not installed: only groff checked"
}

@test "ndb(1) SYNOPSIS: send and help show what their usage lines show" {
    # the SYNOPSIS of send lacked --events, and help's lacked 'values'
    local syn o
    syn=$(awk '/^\.Sh SYNOPSIS/{on=1; next} /^\.Sh /{on=0} on' "$MAN/ndb.1")
    local send_syn help_syn
    send_syn=$(awk '/^\.Cm send$/{on=1; next} /^\.Nm$/{on=0} on' <<<"$syn")
    for o in $("$NDB" send --help | sed -n '1,2p' | grep -o -- '--[a-z-]*'); do
        grep -q -- "Fl -${o#--}\b" <<<"$send_syn" || { echo "SYNOPSIS of send lacks $o" >&2; return 1; }
    done
    help_syn=$(awk '/^\.Cm help$/{on=1; next} /^\.Nm$/{on=0} on' <<<"$syn")
    [[ "$("$NDB" help --help | head -1)" == *"| values]"* ]]
    grep -q 'values' <<<"$help_syn" || { echo "SYNOPSIS of help lacks values" >&2; return 1; }
}

@test "every command of the table has an entry in ndb(1), with its arguments" {
    local c usage w missing=
    local raws
    raws=$(raw_commands)
    while IFS= read -r c; do
        grep -qx -- "$c" <<<"$raws" && continue # the next test
        e=$(entry "$MAN/ndb.1" "$c")
        [ -n "$e" ] || { missing+=" '$c'"; continue; }
        # the arguments of the usage line (KEY, VALUE, ...), as Ar key ...
        usage=$("$NDB" $c --help | sed -n '1s/^usage: ndb [^[]*\(\[OPTIONS\]\)\{0,1\} *//p')
        for w in $(tr -c 'A-Z\n' ' ' <<<"$usage"); do
            grep -qiE "Ar( [^ ]+)* $w" <<<"$e" || missing+=" '$c' argument $w"
        done
    done < <("$NDB" help --commands | grep -vx -e serve -e bench)
    [ -z "$missing" ] || { echo "not documented in man/ndb.1:$missing" >&2; return 1; }
}

@test "every option of every table command is described in ndb(1)" {
    local c o e globals missing=
    globals=$(awk '/^\.Ss Global options/,/^\.Ss Values/' "$MAN/ndb.1")
    for o in $("$NDB" help --options help); do
        mentions_option "$globals" "$o" || missing+=" global $o"
    done
    mentions_option "$globals" --version || missing+=" global --version"
    mentions_option "$globals" --session || missing+=" global --session"
    local global_list
    global_list=$(printf '%s\n' $("$NDB" help --options help) --session)
    local raws
    raws=$(raw_commands)
    while IFS= read -r c; do
        grep -qx -- "$c" <<<"$raws" && continue # the next test
        e=$(entry "$MAN/ndb.1" "$c")
        for o in $("$NDB" help --options $c); do
            grep -qx -- "$o" <<<"$global_list" && continue
            mentions_option "$e" "$o" || missing+=" '$c' $o"
        done
    done < <("$NDB" help --commands)
    [ -z "$missing" ] || { echo "not documented in man/ndb.1:$missing" >&2; return 1; }
}

@test "every option of serve, send, bench (and repl) is described in its page" {
    local c page text o missing=
    [ "$(raw_commands | wc -l)" -ge 6 ]
    while IFS= read -r c; do
        page=$MAN/ndb-$c.1
        if [ -f "$page" ]; then
            text=$(cat "$page")
        else
            text=$(entry "$MAN/ndb.1" "$c")
        fi
        [ -n "$text" ] || { missing+=" $c (no page, no entry)"; continue; }
        for o in $(raw_options "$c"); do
            mentions_option "$text" "$o" || missing+=" $c $o"
        done
    done < <(raw_commands)
    [ -z "$missing" ] || { echo "not documented:$missing" >&2; return 1; }
}

# synopsis_lacks PAGE HELP: the options of HELP (a --help text) that the
# SYNOPSIS of PAGE (mdoc source) names in neither form (-c or --conns);
# -h, --help aside.  HELP's lines are read as "-c --conns", "- --url".
synopsis_lacks() {
    local syn s l missing=
    syn=$(awk '/^\.Sh SYNOPSIS/ { on = 1; next } /^\.Sh / { on = 0 } on' <<<"$1")
    while read -r s l; do
        [ "$l" != --help ] || continue
        mentions_option "$syn" "$l" && continue
        [ "$s" != - ] && mentions_option "$syn" "$s" && continue
        missing+=" $l"
    done < <(sed -nE 's/^ +(-([A-Za-z0-9]), )?(--[A-Za-z0-9][-A-Za-z0-9]*).*/-\2 \3/p' <<<"$2")
    echo "$missing"
}

@test "the SYNOPSIS of ndb-bench(1) and ndb-repl(1) names every option of their --help" {
    # bench's lacked --password-file, --client-cert, --client-key and --insecure
    local c out missing=
    for c in bench repl; do
        out=$(synopsis_lacks "$(cat "$MAN/ndb-$c.1")" "$("$NDB" $c --help)")
        [ -z "$out" ] || missing+=" $c:$out"
    done
    [ -z "$missing" ] || { echo "not in the SYNOPSIS:$missing" >&2; return 1; }
    # the check sees a missing long option, and a short one given in neither form
    [ "$(synopsis_lacks "$(grep -v -e '^\.Op Fl -insecure$' -e '^\.Op Fl q$' "$MAN/ndb-bench.1")" "$("$NDB" bench --help)")" = " --insecure --quiet" ]
}

# repl_own_words HELP: the REPL's own commands that HELP (its help text)
# lists under "In the REPL" ("  quit, exit, \q   leave"), sorted; the raw
# request line ({"KV_GET":...}) aside.
repl_own_words() {
    awk '/^In the REPL/ { on = 1; next } on && /^$/ { exit } on' <<<"$1" | grep -E '^  [^ {]' |
        sed -E 's/^  (.*[^ ]) {2,}.*/\1/; s/, /\n/g' | cut -d' ' -f1 | LC_ALL=C sort -u
}

@test "ndb-repl(1) describes exactly the REPL's own commands that its help lists" {
    local help man
    help=$(repl_own_words "$(printf 'help\n' | "$NDB" repl)") # help connects to no server
    [ "$help" = "$(printf '%s\n' '\q' '\timing' clear exit help quit use | LC_ALL=C sort)" ]
    # ".It Cm use Ar tkn", ".It Cm quit , Cm exit , Cm \e\&q"
    man=$(awk '/^Besides the client commands, the REPL knows:$/ { on = 1 } on && /^\.El/ { exit } on' "$MAN/ndb-repl.1" |
        grep '^\.It Cm ' | grep -oE '(It|,) Cm [^ ]+' | cut -d' ' -f3 | sed 's/\\e\\&/\\/' | LC_ALL=C sort -u)
    [ "$man" = "$help" ] || { diff <(echo "$help") <(echo "$man") >&2; return 1; }
}

@test "ndb(1) and README list exactly the commands with a session form, and those without" {
    local c h with= without= man readme
    while IFS= read -r c; do
        h=$("$NDB" help "$c")
        [[ $h == *"In a session (--session TKN or NDB_SESSION)"* ]] && with+="$c "
        [[ $h == *"This command has no session form"* ]] && without+="$c "
    done < <("$NDB" help --commands | grep -v ' ')
    [ -n "$with" ] && [ -n "$without" ]
    # ndb(1), --session: ".Pq Cm get , set , ..." then ".Cm find ," ... "and .Cm load"
    man=$(awk '/^Only the key commands/ {on = 1; next} /^refuse to run with/ {on = 0} on' "$MAN/ndb.1")
    [ "$(sed -n 's/^\.Pq Cm //p' <<<"$man" | tr -d ',' | tr -s ' ') " = "$with" ]
    [ "$(sed -n 's/^\.Cm \([a-z-]*\).*/\1/p' <<<"$man" | tr '\n' ' ')" = "$without" ]
    # README "Server and session": "(`get`, ..., `incr`). `scan`, ... and `load` have no session form"
    readme=$(tr '\n' ' ' <"$BATS_TEST_DIRNAME/../../README.md" | grep -o "key commands work on that session's keys ([^)]*)\. [^.]*have no session form")
    [ "$(grep -o '^[^)]*' <<<"$readme" | grep -o '`[a-z-]*`' | tr -d '`' | tr '\n' ' ')" = "$with" ]
    [ "$(sed 's/^[^)]*)//' <<<"$readme" | grep -o '`[a-z-]*`' | tr -d '`' | tr '\n' ' ')" = "$without" ]
}

@test "every command has --help (and ndb help COMMAND prints the same)" {
    local c
    while IFS= read -r c; do
        run "$NDB" $c --help
        [ "$status" -eq 0 ] || { echo "ndb $c --help: exit $status" >&2; return 1; }
        [[ ${lines[0]} == "usage: ndb $c"* ]] || { echo "ndb $c --help: ${lines[0]}" >&2; return 1; }
        [ "$output" = "$("$NDB" help $c)" ]
    done < <("$NDB" help --commands)
}

@test "ndb(1) documents the environment, the files and the exit statuses" {
    local v
    for v in NDB_URL NDB_SESSION NO_COLOR XDG_STATE_HOME; do
        grep -q "^\.It Ev $v\$" "$MAN/ndb.1"
    done
    awk '/^\.Sh EXIT STATUS/,/^\.Sh EXAMPLES/' "$MAN/ndb.1" >"$BATS_TEST_TMPDIR/exit"
    for v in 0 1 2 3; do grep -qx "\.It $v" "$BATS_TEST_TMPDIR/exit"; done
    grep -q 'ndb/history' "$MAN/ndb.1"
    grep -q '^\.Sh EXAMPLES' "$MAN/ndb.1"
}

# environment_entries PAGE: the variables of PAGE's ENVIRONMENT section
# (".It Ev NAME" or ".It Ev NAME1 , Ev NAME2"), one per line.
environment_entries() {
    awk '/^\.Sh ENVIRONMENT/ { on = 1; next } /^\.Sh / { on = 0 } on && /^\.It Ev /' "$1" |
        grep -oE 'Ev [A-Z][A-Z0-9_]+' | cut -d' ' -f2 | LC_ALL=C sort -u
}

# read_variables DIR...: the environment variables the C files of DIR read
# (getenv("NAME"), or cli_auth.c's env("NAME")), one per line.
read_variables() {
    grep -rhoE '\b(getenv|env)\("[A-Z][A-Z0-9_]+"\)' "$@" --include='*.c' | cut -d'"' -f2 | LC_ALL=C sort -u
}

@test "every environment variable the client reads is in ndb(1)'s ENVIRONMENT, every one the server reads in ndb-serve(1)'s" {
    # NDB_LWS_DEBUG was read and described nowhere.  HOME is the FILES
    # section's ~.  JOURNAL_STREAM is read by log.c, which the server uses.
    local missing=
    [ "$(read_variables "$SRC/client" "$SRC/main.c" | wc -l)" -ge 10 ]
    missing=$(comm -23 <(read_variables "$SRC/client" "$SRC/main.c" | grep -vx HOME) <(environment_entries "$MAN/ndb.1"))
    [ -z "$missing" ] || { echo "not in ndb(1) ENVIRONMENT: $missing" >&2; return 1; }
    missing=$(comm -23 <(read_variables "$SRC/server" "$SRC/common") <(environment_entries "$MAN/ndb-serve.1"))
    [ -z "$missing" ] || { echo "not in ndb-serve(1) ENVIRONMENT: $missing" >&2; return 1; }
    grep -qx WATCHDOG_PID <(environment_entries "$MAN/ndb-serve.1") # the second of ".It Ev A , Ev B"
}

@test "ndb(1)'s exit status 1 names every command whose help gives a status 1 of its own" {
    local c missing=
    awk '/^\.Sh EXIT STATUS/,/^\.Sh EXAMPLES/' "$MAN/ndb.1" >"$BATS_TEST_TMPDIR/exit"
    while IFS= read -r c; do
        # a 1 only for a missing session is the man page's "any key command
        # in a session that does not exist"
        "$NDB" help $c | awk '/^Exit status/ { f = 1 } f && /^  1  /' |
            grep -qv 'the session (--session TKN or NDB_SESSION) does not exist$' || continue
        # (a prefix: the REPL spells clear's question clear-keys)
        grep -q "^\.Cm $c" "$BATS_TEST_TMPDIR/exit" || missing+=" '$c'"
    done < <("$NDB" help --commands)
    [ -z "$missing" ] || { echo "not in ndb(1) EXIT STATUS:$missing" >&2; return 1; }
}

# settings_def: "TYPE MEMBER OPTION" for every entry of settings.def, "-"
# where it has no member or no option (read from the entry's first line,
# which settings.def keeps as "SETTING(ID, TYPE, member, option,").
settings_def() {
    sed -nE 's/^SETTING\(([A-Z_]+), *([A-Z]+), *(NULL|"[^"]*"), *(NULL|"[^"]*"),.*/\2 \3 \4/p' \
        "$SRC/server/settings.def" | tr -d '"' | sed 's/NULL/-/g'
}

# undocumented_settings PAGE HELP: what of the settings table PAGE (mdoc
# source) or HELP (the text of ndb serve --help) lacks: every member as an
# ".It Li MEMBER" entry of the CONFIGURATION FILE section, every option
# (and --no-OPTION of a BOOL, and every old spelling) described in PAGE,
# every option listed in HELP.
undocumented_settings() {
    local page=$1 help=$2 config type member option o a missing=
    config=$(awk '/^\.Sh CONFIGURATION FILE/,/^\.Sh PERSISTENCE/' <<<"$page")
    while read -r type member option; do
        if [ "$member" != - ]; then
            grep -qx "\.It Li $member" <<<"$config" || missing+=" $member (man page)"
        fi
        [ "$option" != - ] || continue
        for o in "--$option" $([ "$type" = BOOL ] && echo "--no-$option"); do
            mentions_option "$page" "$o" || missing+=" $o (man page)"
            grep -qE -- "^  $o( |\$)" <<<"$help" || missing+=" $o (--help)"
        done
    done < <(settings_def)
    for a in $(grep -oE '\.alias = "[^"]+"' "$SRC/server/settings.def" | cut -d'"' -f2); do
        mentions_option "$page" "--$a" || missing+=" --$a (man page)"
    done
    echo "$missing"
}

@test "every setting of settings.def: option and member in ndb-serve(1), option in --help" {
    # the entries are all read (the format the parse above relies on holds)
    [ "$(settings_def | wc -l)" -eq "$(grep -c '^SETTING(' "$SRC/server/settings.def")" ]
    [ "$(settings_def | wc -l)" -ge 25 ]
    settings_def | grep -qx 'SIZE limits.maxMemory max-memory'
    settings_def | grep -qx 'STRING - config'
    settings_def | grep -qx 'UINT version -'
    local missing
    missing=$(undocumented_settings "$(cat "$MAN/ndb-serve.1")" "$("$NDB" serve --help)")
    [ -z "$missing" ] || { echo "not documented:$missing" >&2; return 1; }
}

@test "the settings docs check catches a missing option, member or help line" {
    local page help
    page=$(grep -v -e '^\.It Li limits\.maxMemory$' -e 'Fl -token-bits' -e '^\.Fl -loadPath$' "$MAN/ndb-serve.1")
    help=$("$NDB" serve --help | grep -v -e '^  --no-persist ' -e '^  --ip ')
    [ "$(undocumented_settings "$page" "$help")" = \
        " --ip (--help) --no-persist (--help) --token-bits (man page) limits.maxMemory (man page) --loadPath (man page)" ]
}

# bytes N[KMGT]: N times its suffix (powers of 1024), as ndb serve reads a SIZE.
bytes() {
    local n=${1%[KMGT]} s=${1##*[0-9]}
    case $s in K) n=$((n << 10)) ;; M) n=$((n << 20)) ;; G) n=$((n << 30)) ;; T) n=$((n << 40)) ;; esac
    echo "$n"
}

# help_entries HELP: each option entry of HELP (ndb serve --help) on one line,
# its wrapped lines joined.
help_entries() {
    awk '/^  (-h, )?--/ { if (e != "") print e; e = $0; next }
         /^    +[^ ]/ && e != "" { sub(/^ +/, " "); e = e $0; next }
         { if (e != "") print e; e = "" }
         END { if (e != "") print e }' <<<"$1"
}

# help_values_line OPTION: OPTION's entry of ndb serve --help, on one line.
help_values_line() { help_entries "$("$NDB" serve --help)" | grep -E -- "^  $1 "; }

# help_values HELP: "OPTION LO HI DEFAULT" for every option of HELP (the text
# of ndb serve --help, made from settings.def) whose line ends in a range
# and a default, "(64K..1T, default 64M)" or "(0..1000, 0: never, default
# 2)", sizes in bytes; "OPTION - - DEFAULT" for the others with a default,
# "(default on)", "(...; default info)".
help_values() {
    help_entries "$1" |
        sed -nE 's/^  (--[a-z-]+).*\(([0-9]+[KMGT]?)\.\.([0-9]+[KMGT]?), (0: [a-zA-Z ]+, )?default ([0-9]+[KMGT]?)\)$/\1 \2 \3 \5/p
                  t
                  s/^  (--[a-z-]+).*[(;,] ?default ([^() ]+)\)$/\1 - - \2/p' |
        while read -r o lo hi def; do
            if [ "$lo" = - ]; then echo "$o - - $def"; else echo "$o $(bytes "$lo") $(bytes "$hi") $(bytes "$def")"; fi
        done
}

# man_config_values PAGE: "MEMBER LO HI DEFAULT" of every entry of the
# CONFIGURATION FILE section of PAGE (mdoc source) that begins "Integer, LO
# to HI [unit]; default D", "MEMBER - - DEFAULT" for "Boolean; default D",
# "Integer, A or B; default D" and a string default ("default .Li \(dqD\(dq").
man_config_values() {
    awk '/^\.Sh CONFIGURATION FILE/ { on = 1 } /^\.Sh PERSISTENCE/ { on = 0 }
         on && /^\.It Li / { if (m != "") print m "\t" t; m = $3; t = ""; next }
         on && /^\.El/ { if (m != "") print m "\t" t; m = "" }
         on && m != "" { t = t " " $0 }' <<<"$1" |
        sed -nE 's/^([A-Za-z.]+)\t Integer, ([0-9]+) to ([0-9]+)( [a-z]+)?; default ([0-9]+).*/\1 \2 \3 \5/p
                  t
                  s/^([A-Za-z.]+)\t Boolean; default (true|false).*/\1 - - \2/p
                  t
                  s/^([A-Za-z.]+)\t Integer, [0-9]+ or [0-9]+; default ([0-9]+).*/\1 - - \2/p
                  t
                  s/^([A-Za-z.]+)\t [^;]*; default \.Li \\\(dq([^\\]+)\\\(dq .*/\1 - - \2/p'
}

# readme_limit_defaults README: "MEMBER DEFAULT" of every row of README's
# table of limits ("| queued output | 64 MiB | `maxOutputBytes` / `--max-output` |"),
# in bytes where the cell gives a unit of bytes.
readme_limit_defaults() {
    sed -nE 's/^\| [^|]+ \| ([0-9,]+) ?(KiB|MiB|GiB|bytes|s)?[^|]* \| `([A-Za-z]+)` \/ `--[a-z-]+` \|.*/\3 \1 \2/p' <<<"$1" |
        tr -d , | while read -r m n unit; do
            case $unit in KiB) n=$((n << 10)) ;; MiB) n=$((n << 20)) ;; GiB) n=$((n << 30)) ;; esac
            echo "$m $n"
        done
}

# amount TEXT: a number as docs/protocol.md writes it ("67,108,864", "2^50",
# "2^31−1", "64 KiB", "180 s", "65536 bytes") in plain digits.
amount() {
    local t=${1//,/} less=0
    if [[ $t == *−1 ]]; then less=1 t=${t%−1}; fi
    case $t in
    2^*) t=$((1 << ${t#2^})) ;;
    *' KiB') t=$((${t% KiB} << 10)) ;;
    *' MiB') t=$((${t% MiB} << 20)) ;;
    *' GiB') t=$((${t% GiB} << 30)) ;;
    *' TiB') t=$((${t% TiB} << 40)) ;;
    *' s' | *' bytes') t=${t%% *} ;;
    esac
    echo $((t - less))
}

# protocol_values DOC: "MEMBER LO HI DEFAULT" of the number members of
# docs/protocol.md 7.2's table ("| `port` | uint | 1 … 65535, default 1987
# |") and of the limits of 7.3's ("| idle | 180 s | `idleTimeoutSec` /
# `--idle-timeout` (2 … 86400) |"), in plain digits.
protocol_values() {
    {
        sed -nE 's/^\| `([a-zA-Z.]+)` \| uint \| ([0-9,]+) … ([0-9,^−]+)(, | \()default ([0-9,]+).*/\1|\2|\3|\5/p' <<<"$1"
        sed -nE 's/^\| [^|]+ \| ([^|]+) \| `([A-Za-z]+)` \/ `--[a-z-]+` \(([^…]+) … ([^;)]+)(;[^)]*)?\) \|.*/limits.\2|\3|\4|\1/p' <<<"$1"
    } | while IFS='|' read -r m lo hi def; do
        echo "$m $(amount "$lo") $(amount "$hi") $(amount "${def% (*}")"
    done
}

# settings_values_mismatches HELP PAGE README DOC LOG: for every setting of
# settings.def with an option and a member, what PAGE's CONFIGURATION FILE
# entry, PAGE's option entry ("default N"), README's table of limits, the
# tables of DOC (docs/protocol.md) 7.2 and 7.3 and the start-up LOG say of
# its range or default that HELP does not.
settings_values_mismatches() {
    local help=$1 page=$2 readme=$3 doc=$4 log=$5 type member option o lo hi def got leaf n=0 missing=
    local hv mv rv pv opts entry olo
    hv=$(help_values "$help")
    mv=$(man_config_values "$page")
    rv=$(readme_limit_defaults "$readme")
    pv=$(protocol_values "$doc")
    opts=$(awk '/^\.Sh DESCRIPTION/,/^\.Sh CONFIGURATION FILE/' <<<"$page")
    while read -r type member option; do
        [ "$member" != - ] && [ "$option" != - ] || continue
        read -r o lo hi def < <(grep -- "^--$option " <<<"$hv") || continue
        n=$((n + 1))
        olo=$lo # the option's own range, for its entry in OPTIONS
        # --port also takes 0 (a free port, SF_CLI_ZERO); the member does not
        [ "$member" != port ] || [ "$lo" != 0 ] || lo=1
        # --help says a BOOL's default as on or off, the page and the log as true or false
        [ "$type" != BOOL ] || def=$(sed 's/^on$/true/; s/^off$/false/' <<<"$def")
        got=$(grep "^$member " <<<"$mv" | cut -d' ' -f2-)
        [ "$got" = "$lo $hi $def" ] || missing+=" $member: ndb-serve(1) CONFIGURATION FILE says '$got', --help '$lo $hi $def';"
        if [ "$lo" != - ]; then
            entry=$(awk -v o="$option" '$0 ~ "^\\.It Fl -" o "( |$)" { on = 1; next } /^\.It / { on = 0 } on' <<<"$opts" |
                tr '\n' ' ')
            got=$(grep -oE 'default [0-9]+[KMGT]?' <<<"$entry" | head -n 1)
            [ "$(bytes "${got#default }")" = "$def" ] || missing+=" --$option: ndb-serve(1) OPTIONS says '$got', --help $def;"
            # its range, "LO to HI" with the suffixes the option takes
            # (it said "0 to 1P" where 1P is no size the option accepts)
            got=$(grep -oE '[0-9]+[A-Z]? to [0-9]+[A-Z]?' <<<"$entry" | head -n 1)
            [ "$(bytes "${got%% *}") $(bytes "${got##* }")" = "$olo $hi" ] ||
                missing+=" --$option: ndb-serve(1) OPTIONS says '$got', --help '$olo $hi';"
        fi
        leaf=${member##*.}
        if [ "$type" = UINT ] || [ "$type" = SIZE ]; then
            got=$(grep "^$leaf " <<<"$rv" | cut -d' ' -f2)
            [[ $member != limits.* ]] || [ "$got" = "$def" ] || missing+=" $member: README's limits table says '$got', --help $def;"
            got=$(grep "^$member " <<<"$pv" | cut -d' ' -f2-)
            [ "$got" = "$lo $hi $def" ] || missing+=" $member: docs/protocol.md 7.2/7.3 says '$got', --help '$lo $hi $def';"
        fi
        got=$(grep -oE "[:,] $leaf [^ ,]+" <<<"$log" | cut -d' ' -f3)
        [ "$type" != BOOL ] || got=$(sed 's/^on$/true/; s/^off$/false/' <<<"$got")
        [ -z "$got" ] || [ "$got" = "$def" ] || missing+=" $member: the start-up log says '$got', --help $def;"
    done < <(settings_def)
    [ "$n" -ge 29 ] || missing+=" only $n settings compared;"
    echo "$missing"
}

@test "every setting's range and default: ndb serve --help, ndb-serve(1) twice, README's limits table, docs/protocol.md and the start-up log agree" {
    start_server --log-level info
    wait_log 'ndb: info: tls: '
    local log
    log=$(cat "$NDB_LOG")
    stop_server
    # the log gives the values of every setting with a member but these
    # (the listening address is its own line; TLS says only on or off)
    local unlogged type member option
    while read -r type member option; do
        [ "$member" != - ] && [ "$type" != OBSOLETE ] || continue
        grep -qE "[:,(] ${member##*.} " <<<"$log" || unlogged+=" $member"
    done < <(settings_def)
    [ "$unlogged" = " version core ip port tls.cert tls.key tls.ca" ] ||
        { echo "not in the start-up log:$unlogged" >&2; return 1; }
    local out
    out=$(settings_values_mismatches "$("$NDB" serve --help)" "$(cat "$MAN/ndb-serve.1")" \
        "$(cat "$BATS_TEST_DIRNAME/../../README.md")" "$(cat "$BATS_TEST_DIRNAME/../../docs/protocol.md")" "$log")
    [ -z "$out" ] || { echo "$out" | tr ';' '\n' >&2; return 1; }
}

@test "the settings values check catches a range or default that one place says differently" {
    local page readme doc
    page=$(sed -e 's/^Integer, 1 to 3600 seconds; default 10\.$/Integer, 1 to 3600 seconds; default 20./' \
        -e 's/^Integer, 64 to 67108864 bytes; default 1048576\.$/Integer, 64 to 1048576 bytes; default 1048576./' \
        -e 's/^Boolean; default true: plain HTTP/Boolean; default false: plain HTTP/' \
        -e '/^\.It Fl -max-watches /,/^\.It /s/^\.Pq default 64 ;$/.Pq default 32 ;/' \
        -e '/^\.It Fl -max-output /,/^\.It /s/^64K to 1T$/64K to 2T/' "$MAN/ndb-serve.1")
    readme=$(sed 's/^| connections | 10000 |/| connections | 1000 |/' "$BATS_TEST_DIRNAME/../../README.md")
    doc=$(sed -e 's/^\(| `port` | uint | 1 … 65535, default \)1987;/\11988;/' \
        -e 's/`--max-keys` (1 … 2^32−1)/`--max-keys` (1 … 2^31−1)/' "$BATS_TEST_DIRNAME/../../docs/protocol.md")
    [ "$(settings_values_mismatches "$("$NDB" serve --help)" "$page" "$readme" "$doc" \
        'ndb: info: sessions: checkIntervalMs 1000, tokenBits 64' | tr ';' '\n')" = \
        " port: docs/protocol.md 7.2/7.3 says '1 65535 1988', --help '1 65535 1987'
 maxPayload: ndb-serve(1) CONFIGURATION FILE says '64 1048576 1048576', --help '64 67108864 1048576'
 console: ndb-serve(1) CONFIGURATION FILE says '- - false', --help '- - true'
 sessions.tokenBits: the start-up log says '64', --help 53
 limits.maxConnections: README's limits table says '1000', --help 10000
 --max-output: ndb-serve(1) OPTIONS says '64K to 2T', --help '65536 1099511627776'
 limits.handshakeTimeoutSec: ndb-serve(1) CONFIGURATION FILE says '1 3600 20', --help '1 3600 10'
 limits.maxKeysPerRequest: docs/protocol.md 7.2/7.3 says '1 2147483647 1000000', --help '1 4294967295 1000000'
 --max-watches: ndb-serve(1) OPTIONS says 'default 32', --help 64" ]
}

@test "the example config names only documented members and ndb serve accepts it" {
    local m
    for m in $(grep -oE '"[A-Za-z]+":' "$SRC/dist/ndb.jsonc" | tr -d '":' | sort -u); do
        grep -q "$m" "$MAN/ndb-serve.1" || { echo "$m" >&2; return 1; }
    done
    mkdir -p "$BATS_TEST_TMPDIR/data"
    start_server --config "$SRC/dist/ndb.jsonc" --persist-path "$BATS_TEST_TMPDIR/data"
    run "$NDB" info --url "$NDB_URL"
    stop_server
    [ "$status" -eq 0 ]
    [[ $output == *'"persistEnabled":true'* ]]
}

# serve_synopsis FILE HEADING: the first ```text block after the line HEADING.
serve_synopsis() {
    awk -v h="$2" '$0 == h { on = 1 } on && /^```text$/ { b = 1; next } b && /^```$/ { exit } b' "$1"
}

@test "the ndb serve synopses of README and docs/protocol.md 7.1 are one text, naming only options of --help" {
    local readme proto o missing=
    readme=$(serve_synopsis "$BATS_TEST_DIRNAME/../../README.md" '## `ndb serve`')
    proto=$(serve_synopsis "$BATS_TEST_DIRNAME/../../docs/protocol.md" '### 7.1 Command line')
    [ -n "$readme" ] && [ "$readme" = "$proto" ] || { diff <(echo "$readme") <(echo "$proto") >&2; return 1; }
    # every option of --help but --auth (the default; --no-auth is named) and
    # the limits ("[limit options]", the table of Limits)
    for o in $("$NDB" serve --help | sed -nE 's/^  (-h, )?(--[a-z-]+).*/\2/p'); do
        case $o in --auth | --max-* | --*-timeout | --output-high-water | --watch-output) continue ;; esac
        grep -q -- "$o\b" <<<"$readme" || missing+=" $o"
    done
    [ -z "$missing" ] || { echo "not in the synopsis:$missing" >&2; return 1; }
}

@test "the ndb serve synopsis's value lists (--log-level error|warn|...) are the words --help gives" {
    local readme o list words n=0 missing=
    readme=$(serve_synopsis "$BATS_TEST_DIRNAME/../../README.md" '## `ndb serve`')
    while read -r o list; do
        # --help: "(error, warn, info or debug; default info)", "(53 or 64, default 53)"
        words=$(help_values_line "$o" | grep -oE '\([a-z0-9]+(, [a-z0-9]+)* or [a-z0-9]+[;,] default' | head -n 1 |
            sed -E 's/^\(//; s/[;,] default$//; s/,? or /, /' | tr -d ',' | tr ' ' '\n' | LC_ALL=C sort)
        [ "$(tr '|' '\n' <<<"$list" | LC_ALL=C sort)" = "$words" ] || missing+=" $o ($list; --help: $(echo $words))"
        n=$((n + 1))
    done < <(grep -oE '\[--[a-z-]+ [a-z0-9]+(\|[a-z0-9]+)+\]' <<<"$readme" | tr -d '[]')
    [ "$n" -ge 3 ]
    [ -z "$missing" ] || { echo "value lists that differ:$missing" >&2; return 1; }
}

@test "README's table of client commands names every client command" {
    # the table of "The client: ndb get, ndb set, ..."; serve, send, bench,
    # repl, passwd and journal have sections of their own
    local table c missing=
    table=$(awk '/^## The client/ { on = 1 } on && /^\| / { print } on && /^```console/ { exit }' "$BATS_TEST_DIRNAME/../../README.md")
    [ -n "$table" ]
    while IFS= read -r c; do
        case $c in serve | send | bench | repl | passwd | journal) continue ;; esac
        grep -q -- "\`$c[\` ]" <<<"$table" || missing+=" '$c'"
    done < <("$NDB" help --commands)
    [ -z "$missing" ] || { echo "not in README's client table:$missing" >&2; return 1; }
}

# --- examples: every one is run, and prints what it shows (examples.bash) ---

# fresh_db: no keys, no sessions (each example block starts from nothing).
fresh_db() {
    "$NDB" clear --yes >/dev/null
    "$NDB" session end --all >/dev/null
}

@test "README: every code block is of a known kind, and every example runs as shown" {
    load examples
    examples_setup
    local dir="$BATS_TEST_TMPDIR/readme" f where kind n=0
    mkdir -p "$dir"
    md_blocks "$BATS_TEST_DIRNAME/../../README.md" "$dir"
    for f in "$dir"/*; do
        [[ $f == *.where ]] && continue
        where=$(cat "${f%.*}.where")
        kind=${f##*.}
        case $kind in
        console)
            fresh_db
            run_example "$f" "$where" || { stop_server; return 1; }
            n=$((n + 1))
            ;;
        jsonc) # a config file: ndb serve must start with it
            local log="$BATS_TEST_TMPDIR/jsonc.log" pid i
            "$NDB" serve --config "$f" --port 0 2>"$log" &
            pid=$!
            for i in $(seq 100); do
                grep -q 'listening on' "$log" && break
                kill -0 "$pid" 2>/dev/null || break
                sleep 0.05
            done
            kill "$pid" 2>/dev/null || true
            wait "$pid" 2>/dev/null || true
            grep -q 'listening on' "$log" || { echo "$where: ndb serve refuses this config: $(cat "$log")" >&2; stop_server; return 1; }
            ;;
        js)
            if grep -q "from '\./clients/js/ndb\.js'" "$f"; then
                # the JavaScript client from Node: run it against the test server;
                # it prints exactly what the "// OUTPUT" comments of its
                # console.log lines show, in order, and nothing else
                command -v node >/dev/null || { echo "$where: node is not installed (bash .ci/install-deps)" >&2; stop_server; return 1; }
                local js="$BATS_TEST_TMPDIR/readme_client.mjs" want got
                sed -e "s|'\./clients/js/ndb\.js'|'$BATS_TEST_DIRNAME/../../clients/js/ndb.js'|" \
                    -e "s|ws://127\.0\.0\.1:1987/|$NDB_URL|" "$f" >"$js"
                want=$(sed -n 's|^console\.log(.*); *// *||p' "$f")
                fresh_db
                got=$(timeout 30 node "$js" 2>&1) || { echo "$where: node failed: $got" >&2; stop_server; return 1; }
                [ -n "$want" ] && [ "$got" = "$want" ] || { printf '%s: prints\n%s\ninstead of\n%s\n' "$where" "$got" "$want" >&2; stop_server; return 1; }
                continue
            fi
            # the message a browser sends, and the answer its comment shows
            local msg ans
            msg=$(sed -n "s/.*ws\.send('\(.*\)').*/\1/p" "$f")
            ans=$(sed -n 's|.*console\.log(e\.data); *// *||p' "$f")
            [ -n "$msg" ] && [ -n "$ans" ] || { echo "$where: no ws.send('...') / answer comment" >&2; stop_server; return 1; }
            fresh_db
            [ "$("$NDB" send "$msg")" = "$ans" ] || { echo "$where: $msg does not answer $ans" >&2; stop_server; return 1; }
            ;;
        html) # a page that loads the JavaScript client from the server: the path exists
            local src
            src=$(sed -n "s|.*import .* from '\(/[^']*\)'.*|\1|p" "$f")
            [ -n "$src" ] || { echo "$where: an html block that imports nothing from the server" >&2; stop_server; return 1; }
            python3 -c 'import sys, urllib.request; sys.exit(0 if urllib.request.urlopen(sys.argv[1]).status == 200 else 1)' \
                "http://127.0.0.1:$NDB_PORT$src" || { echo "$where: the server does not serve $src" >&2; stop_server; return 1; }
            ;;
        text) # synopses and messages: never a command to run
            ! grep -qE '^(\$ |127\.0\.0\.1:1987)' "$f" || { echo "$where: a text block holds an example" >&2; stop_server; return 1; }
            ;;
        sh) # procedures that install or build, run by CI (checked below)
            [[ $where == *"(## Quick start)" || $where == *"(### "*"Debian package"*")" || $where == *"(### From source"*")" || $where == *"(## Building and testing)" ]] ||
                { echo "$where: an sh block outside the install and build sections (use console)" >&2; stop_server; return 1; }
            ;;
        *)
            echo "$where: code block of unknown kind '$kind'" >&2
            stop_server
            return 1
            ;;
        esac
    done
    stop_server
    [ "$n" -ge 10 ]
}

@test "ndb(1) and ndb-repl(1): every example runs as shown" {
    load examples
    examples_setup
    local page dir f n=0
    for page in ndb.1 ndb-repl.1; do
        dir="$BATS_TEST_TMPDIR/man-$page"
        mkdir -p "$dir"
        man_blocks "$MAN/$page" "$dir"
        for f in "$dir"/*.ex; do
            head -n 1 "$f" | grep -qE '^(\$ |127\.0\.0\.1:1987)' ||
                { echo "$(cat "${f%.ex}.where"): a literal block that is not an example" >&2; stop_server; return 1; }
            fresh_db
            run_example "$f" "$(cat "${f%.ex}.where")" || { stop_server; return 1; }
            n=$((n + 1))
        done
    done
    stop_server
    [ "$n" -ge 8 ]
}

@test "help texts: every example runs as shown; no example outside an Examples section" {
    load examples
    examples_setup
    local c text f="$BATS_TEST_TMPDIR/help.ex" n=0
    while IFS= read -r c; do
        case $c in
        serve | bench) continue ;; # their own owners' texts
        repl) text=$(printf 'help\n' | "$NDB" repl) ;;
        values) text=$("$NDB" help values) ;;
        *) text=$("$NDB" $c --help) ;;
        esac
        # a command line in prose would be an example nobody runs
        if awk '/^Examples:$/ { on = 1; next } on && /^  / { next } { on = 0 } /^ +(\$ |ndb |if ndb|export )|\| *ndb / { bad = 1 } END { exit !bad }' <<<"$text"; then
            echo "ndb $c --help: a command outside the Examples section" >&2
            stop_server
            return 1
        fi
        help_examples "$text" >"$f"
        [ -s "$f" ] || continue
        fresh_db
        run_example "$f" "ndb help $c" || { stop_server; return 1; }
        n=$((n + 1))
    done < <("$NDB" help --commands; echo values)
    stop_server
    [ "$n" -ge 6 ]
}

@test "README quick start: exactly two commands, run by CI as written; the first only runs" {
    local root="$BATS_TEST_DIRNAME/../.." one two
    [ "$(awk '/^## /{q=($0=="## Quick start")} q && /^```sh$/{n++} END{print n}' "$root/README.md")" = 2 ]
    one=$(bash "$root/.ci/quickstart" 1)
    two=$(bash "$root/.ci/quickstart" 2)
    [ "$(wc -l <<<"$one")" = 1 ] && [ "$(wc -l <<<"$two")" = 1 ]
    # 1: what running needs only, its own build directory, the server in the foreground
    [[ $one == "bash .ci/install-deps run && "* ]]
    [[ $one == *" && ./build-serve/ndb serve" ]]
    # 2: everything testing needs, another directory, every test
    [[ $two == "bash .ci/install-deps && "* ]]
    [[ $two != *build-serve* ]]
    [[ $two == *"ctest --test-dir build -j4 --output-on-failure" ]]
    # CI runs both, from the README itself
    grep -q 'bash -c "$(bash .ci/quickstart 1)"' "$root/.ci/run"
    grep -q 'bash -c "$(bash .ci/quickstart 2)"' "$root/.ci/run"
    # the README says where each goes
    grep -q 'in the foreground' "$root/README.md"
    grep -q 'in a second terminal' "$root/README.md"
}

@test "README 'Building and testing': its ctest -R selections pick the C unit tests and the four bats streams" {
    local root="$BATS_TEST_DIRNAME/../.." build text
    build=$(dirname "$NDB")
    [ -f "$build/CTestTestfile.cmake" ] || skip "$NDB is not in a CMake build directory"
    text=$(tr '\n' ' ' <"$root/README.md")
    [[ $text == *"The C unit tests alone: \`ctest --test-dir build -R '^test_'\` (one ctest test per file of \`tests/unit/\`); all four bats streams: \`-R '^cli'\`."* ]]
    # one ctest test per tests/unit/test_*.c, and nothing else
    local units
    units=$(cd "$root/tests/unit" && ls test_*.c | sed 's/\.c$//' | sort)
    [ "$(ctest --test-dir "$build" -N -R '^test_' | sed -n 's/^ *Test *#[0-9]*: //p' | sort)" = "$units" ]
    [ "$(ctest --test-dir "$build" -N -R '^cli' | sed -n 's/^ *Test *#[0-9]*: //p' | sort | tr '\n' ' ')" = "cli cli_1 cli_2 cli_3 " ]
}
