# bash completion for ndb                                  -*- shell-script -*-
#
# Nothing here lists a command or an option: every candidate is read, at
# completion time, from the ndb binary being completed, so the completion
# cannot drift from the command table (src/client/cli_table.c):
#   ndb help --commands          command names ("session new" for groups)
#   ndb help --options CMD [SUB] options of a client command
#   ndb [CMD [SUB]] --help       options of serve/send/bench/repl and of the
#                                top level, which options take a value (the
#                                metavariable after the name) and the
#                                positional arguments (the usage line)
#   ndb keys -r                  key names, from the server (--timeout 0.5,
#                                silent when there is no server), with the
#                                connection options typed (--url, -H, -p,
#                                --user, TLS) and --session
#   ndb session list             session tokens, the same way
# Values: FILE and DIR complete paths, LEVEL log levels, OP bench operations,
# ROLE the roles of users (ndb passwd),
# POLICY journal policies, a positional of literal words (check|repair) those words,
# KEY (and K,..., and P of --prefix) key names; a positional argument named KEY gets key names,
# TKN (session end/exists/info/save/expire/watch, --session) the session
# tokens of `ndb session list`,
# COMMAND/SUBCOMMAND (ndb help) command names.

# _ndb_unquote WORD: WORD as the shell reads it (quotes removed, backslash
# escapes undone), in _ndb_uq.  A quote still open at the end (the word
# being typed) is left in _ndb_open (' or "), and the text read before it
# in _ndb_qhead: readline replaces only what follows that quote.
_ndb_unquote() {
    local w=$1 c i=0 n=${#1}
    _ndb_uq='' _ndb_open='' _ndb_qhead=''
    while ((i < n)); do
        c=${w:i:1}
        if [[ $_ndb_open == "'" ]]; then
            if [[ $c == "'" ]]; then _ndb_open=''; else _ndb_uq+=$c; fi
        elif [[ $_ndb_open == '"' ]]; then
            if [[ $c == '"' ]]; then
                _ndb_open=''
            elif [[ $c == '\' && ${w:i+1:1} == [\\\"\$\`] ]]; then
                i=$((i + 1))
                _ndb_uq+=${w:i:1}
            else
                _ndb_uq+=$c
            fi
        elif [[ $c == '\' ]]; then
            i=$((i + 1))
            _ndb_uq+=${w:i:1}
        elif [[ $c == "'" || $c == '"' ]]; then
            _ndb_open=$c _ndb_qhead=$_ndb_uq
        else
            _ndb_uq+=$c
        fi
        i=$((i + 1))
    done
}

# _ndb_split LINE: the words of LINE in _ndb_words, as typed (quotes
# kept), split at blanks that are neither quoted nor escaped (a\ b is one
# word); the last is "" when LINE ends with such a blank.
_ndb_split() {
    local l=$1 c i=0 n=${#1} q= w= in=0
    _ndb_words=()
    while ((i < n)); do
        c=${l:i:1}
        if [[ -z $q && $c == [[:blank:]] ]]; then
            ((in)) && _ndb_words+=("$w")
            w= in=0
        else
            w+=$c in=1
            if [[ $c == '\' && $q != "'" ]]; then
                i=$((i + 1))
                w+=${l:i:1}
            elif [[ -z $q && ( $c == "'" || $c == '"' ) ]]; then
                q=$c
            elif [[ $c == "$q" ]]; then
                q=
            fi
        fi
        i=$((i + 1))
    done
    _ndb_words+=("$w")
}

# _ndb_help NDB [WORDS...]: run `NDB WORDS --help`; sets _ndb_usage to the
# arguments of its usage line (what follows [OPTIONS]) and _ndb_spec to one
# line "SHORT|LONG|META" per option it lists (SHORT and META may be empty).
# Parsed in bash: the only process is ndb itself.
_ndb_help() {
    local text line re='^ +(-([A-Za-z0-9]), )?--([A-Za-z0-9][-A-Za-z0-9]*)( ([^ ]+))?( {2,}.*)?$'
    text=$("$@" --help 2>/dev/null </dev/null)
    _ndb_usage='' _ndb_spec=''
    line=${text%%$'\n'*}
    [[ $line == "usage: "*"[OPTIONS]"* ]] && _ndb_usage=${line#*\[OPTIONS\]} && _ndb_usage=${_ndb_usage# }
    while IFS= read -r line; do
        [[ $line =~ $re ]] && _ndb_spec+="${BASH_REMATCH[2]}|${BASH_REMATCH[3]}|${BASH_REMATCH[5]}"$'\n'
    done <<<"$text"
}

# _ndb_meta SPEC OPTION: sets _ndb_m to the metavariable of OPTION (-x,
# --name) in SPEC, empty for a flag or an unknown option.
_ndb_meta() {
    local s l m
    _ndb_m=
    while IFS='|' read -r s l m; do
        if [[ $2 == "--$l" || ( -n $s && $2 == "-$s" ) ]]; then
            _ndb_m=$m
            return
        fi
    done <<<"$1"
}

# _ndb_optnames SPEC: every option name in SPEC, one per line.
_ndb_optnames() {
    local s l m
    while IFS='|' read -r s l m; do
        [[ -n $s ]] && printf -- '-%s\n' "$s"
        [[ -n $l ]] && printf -- '--%s\n' "$l"
    done <<<"$1"
}

# _ndb_slot USAGE INDEX: sets _ndb_m to the name of positional argument
# INDEX (from 0) in the usage text of a command, e.g. "KEY VALUE [KEY
# VALUE...] | KEY - | -" gives KEY for 0, 2, 4...; empty when there is none.
_ndb_slot() {
    local alt=${1%% | *} w plain n=0 open=-1 rep=-1 words=()
    for w in $alt; do
        [[ $w == "["* ]] && open=$n
        plain=${w//[\[\]]/}
        if [[ $plain == *... ]]; then
            plain=${plain%...}
            ((rep < 0)) && rep=$((open >= 0 ? open : n))
        fi
        [[ $w == *"]" ]] && open=-1
        words+=("$plain")
        n=$((n + 1))
    done
    _ndb_m=
    if (($2 < n)); then
        _ndb_m=${words[$2]}
    elif ((rep >= 0)); then
        _ndb_m=${words[rep + ($2 - rep) % (n - rep)]}
    fi
}

# _ndb_conn OPTION [VALUE]: a connection option among the words typed
# (server address, login, TLS) is kept in _ndb_connargs, so that the key
# names come from the server the command will talk to; --session in
# _ndb_session.  Short forms are stored long.
_ndb_conn() {
    case $1 in
    --url | --host | --port | --user | --password-file | --cacert | --client-cert | --client-key)
        _ndb_connargs+=("$1" "$2") ;;
    -H) _ndb_connargs+=(--host "$2") ;;
    -p) _ndb_connargs+=(--port "$2") ;;
    -H?*) _ndb_connargs+=(--host "${1#-H}") ;;
    -p?*) _ndb_connargs+=(--port "${1#-p}") ;;
    --insecure) _ndb_connargs+=(--insecure) ;;
    --session) _ndb_session=$2 ;;
    esac
}

# _ndb_lookup_args CMD...: in _ndb_args, CMD with what a lookup on Tab (key
# names, session tokens) needs: a short --timeout (silent and quick when
# there is no server) and the connection options typed.  Never a password
# prompt on Tab: without a password source a login (--user, NDB_USER) fails
# at once instead of asking on the terminal; only with a user (without
# one, --password-file is a usage error).
_ndb_lookup_args() {
    local i user=${NDB_USER:-}
    _ndb_args=("$@" --timeout 0.5 "${_ndb_connargs[@]}")
    for ((i = 0; i < ${#_ndb_args[@]} - 1; i++)); do [[ ${_ndb_args[i]} == --user ]] && user=${_ndb_args[i + 1]}; done
    [[ -n $user && -z ${NDB_PASSWORD:-} && " ${_ndb_args[*]} " != *" --password-file "* ]] &&
        _ndb_args+=(--password-file /dev/null)
}

_ndb() {
    local cur prev words cword
    # Whole words, not split at '=' or ':' as bash does (user:42 is one key):
    # bash-completion's helper when loaded, else the line split at blanks.
    if declare -F _get_comp_words_by_ref >/dev/null; then
        _get_comp_words_by_ref -n =: cur prev words cword
    else
        _ndb_split "${COMP_LINE:0:COMP_POINT}"
        words=("${_ndb_words[@]}")
        cword=$((${#words[@]} - 1))
        cur=${words[cword]}
        prev=${words[cword - 1]:-}
    fi
    COMPREPLY=()

    local ndb=${words[0]}
    [[ $ndb == "~/"* ]] && ndb=$HOME/${ndb#"~/"}
    local cmds c tops=() groups=() subs=()
    cmds=$("$ndb" help --commands 2>/dev/null </dev/null) || return 0
    while IFS= read -r c; do
        [[ $c == *" "* ]] && groups+=("${c%% *}")
        [[ " ${tops[*]} " == *" ${c%% *} "* ]] || tops+=("${c%% *}")
    done <<<"$cmds"

    # Walk the words before the cursor: global options, the command (and
    # subcommand), its options and positional arguments.  _ndb_spec holds
    # the options of the top level until the command is known, then its own.
    local _ndb_spec= _ndb_usage= _ndb_m= spec_of=none
    local cmd=() i=1 w only_pos=0 npos=0 pos=() nul=0 flags=' ' _ndb_connargs=() _ndb_session= _ndb_args=()
    while ((i < cword)); do
        w=${words[i]}
        # -5 is a value, but -0 is the option of a command that has --null
        # (as ndb reads it: keys -0, get -0 -)
        if ((only_pos)) || { [[ $w != -?* || $w == -[0-9]* || $w == -.[0-9]* ]] &&
            ! [[ $w == -0 && $'\n'$_ndb_spec == *$'\n0|null|'* ]]; }; then
            if ((${#cmd[@]} == 0)); then
                cmd=("$w")
                if [[ " ${groups[*]} " == *" $w "* ]] && ((i + 1 < cword)); then
                    i=$((i + 1))
                    cmd+=("${words[i]}")
                fi
                _ndb_help "$ndb" "${cmd[@]}"
                spec_of=cmd
            else
                pos+=("$w")
                npos=$((npos + 1))
            fi
        elif [[ $w == -- ]]; then
            ((${#cmd[@]})) && only_pos=1
        elif [[ $w == --*=* ]]; then
            _ndb_conn "${w%%=*}" "${w#*=}"
        else
            [[ $spec_of == none ]] && _ndb_help "$ndb" && spec_of=top
            _ndb_meta "$_ndb_spec" "$w"
            if [[ -n $_ndb_m ]] && ((i + 1 < cword)); then
                i=$((i + 1))
                _ndb_conn "$w" "${words[i]}"
            elif [[ -z $_ndb_m ]]; then
                _ndb_conn "$w"
                [[ $w == -0 || $w == --null ]] && nul=1
                flags+="$w "
            fi
        fi
        i=$((i + 1))
    done
    # before any command: the top level's options (only when they matter)
    [[ $spec_of == none && ( $cur == -* || $prev == -?* ) ]] && _ndb_help "$ndb"

    # The value of an option: "--opt VALUE" or "--opt=VALUE".
    local opt= prefix= val=$cur slot=
    if [[ $cur == --*=* ]]; then
        opt=${cur%%=*}
        prefix=$opt=
        val=${cur#*=}
    elif [[ $prev == -?* && $cword -gt 1 ]] && ((!only_pos)); then
        _ndb_meta "$_ndb_spec" "$prev"
        [[ -n $_ndb_m ]] && opt=$prev
    fi
    if [[ -n $opt ]]; then
        _ndb_meta "$_ndb_spec" "$opt"
        slot=$_ndb_m
        [[ -n $slot ]] || return 0
    elif ((!only_pos)) && [[ $cur == -* && $cur != -[0-9]* ]]; then
        local list=
        ((${#cmd[@]})) && list=$("$ndb" help --options "${cmd[@]}" 2>/dev/null </dev/null)
        # the top level, or a command with its own parser: its --help
        [[ -n $list ]] || list=$(_ndb_optnames "$_ndb_spec")
        # Not offered: a flag already typed (in either form: no flag counts
        # twice), and the flag that stands for all the arguments ("TKN... |
        # --all") once an argument is typed, which together are a usage error.
        local o s l m alone= keep=()
        [[ $_ndb_usage =~ \ \|\ (--[a-z-]+)[]]?$ ]] && ((npos > 0)) && alone=${BASH_REMATCH[1]}
        for o in $list; do
            while IFS='|' read -r s l m; do
                [[ $o == "--$l" || ( -n $s && $o == "-$s" ) ]] || continue
                [[ -z $m && ( $flags == *" --$l "* || ( -n $s && $flags == *" -$s "* ) ) ]] && continue 2
                [[ "--$l" == "$alone" ]] && continue 2
                break
            done <<<"$_ndb_spec"
            keep+=("$o")
        done
        COMPREPLY=($(compgen -W "${keep[*]}" -- "$cur"))
        return 0
    elif ((${#cmd[@]} == 0)); then
        COMPREPLY=($(compgen -W "${tops[*]}" -- "$cur"))
        return 0
    elif ((${#cmd[@]} == 1)) && [[ " ${groups[*]} " == *" ${cmd[0]} "* ]]; then
        # "ndb session <TAB>": the subcommands
        while IFS= read -r c; do
            [[ $c == "${cmd[0]} "* ]] && subs+=("${c#* }")
        done <<<"$cmds"
        COMPREPLY=($(compgen -W "${subs[*]}" -- "$cur"))
        return 0
    else
        [[ -n $_ndb_usage ]] || return 0
        _ndb_slot "$_ndb_usage" "$npos"
        slot=$_ndb_m
        # "KEY... | -" (get): '-' reads the names from standard input and
        # stands alone; -0 (NUL-separated names) goes with it only
        # "TKN... | --all" (session end; in brackets for session watch): the
        # flag stands alone
        [[ $_ndb_usage =~ \ \|\ (--[a-z-]+)[]]?$ && $flags == *" ${BASH_REMATCH[1]} "* ]] && return 0
        if [[ $_ndb_usage == *" | -" ]]; then
            ((npos > 0)) && [[ ${pos[0]} == - ]] && return 0
            ((nul)) && { ((npos == 0)) && COMPREPLY=(-); return 0; }
        fi
    fi

    case $slot in
    FILE) COMPREPLY=($(compgen -f -- "$val")) ;;
    DIR) COMPREPLY=($(compgen -d -- "$val")) ;;
    LEVEL) COMPREPLY=($(compgen -W "error warn info debug" -- "$val")) ;;
    OP) COMPREPLY=($(compgen -W "get set add mixed sh_get sh_set" -- "$val")) ;;
    ROLE) COMPREPLY=($(compgen -W "read write admin" -- "$val")) ;;
    POLICY) COMPREPLY=($(compgen -W "off no everysec always" -- "$val")) ;;
    COMMAND) COMPREPLY=($(compgen -W "${tops[*]} values" -- "$val")) ;; # help's: help values too
    SUBCOMMAND)
        while IFS= read -r c; do
            [[ $c == "${pos[npos - 1]:-} "* ]] && subs+=("${c#* }")
        done <<<"$cmds"
        COMPREPLY=($(compgen -W "${subs[*]}" -- "$val"))
        ;;
    TKN)
        # session tokens, from the server (session list: one JSON object a
        # line, its "tkn" a number); a session command ignores NDB_SESSION
        local line toks=()
        _ndb_lookup_args session list -c
        while IFS= read -r line; do
            [[ $line =~ \"tkn\":([0-9]+) ]] && toks+=("${BASH_REMATCH[1]}")
        done < <("$ndb" "${_ndb_args[@]}" 2>/dev/null </dev/null)
        COMPREPLY=($(compgen -W "${toks[*]}" -- "$val"))
        ;;
    KEY | K,... | P) # P: --prefix of keys, scan and watch, the start of key names
        local head= args keys
        _ndb_lookup_args keys -r
        args=("${_ndb_args[@]}")
        # a command with a session form lists --session in its --help
        if [[ $'\n'$_ndb_spec == *$'\n|session|'* ]]; then
            [[ -n $_ndb_session ]] && args+=(--session "$_ndb_session")
            keys=$("$ndb" "${args[@]}" 2>/dev/null </dev/null)
        else # no session form: top-level keys even when NDB_SESSION is set
            keys=$(NDB_SESSION= "$ndb" "${args[@]}" 2>/dev/null </dev/null)
        fi
        # mapfile, not an unquoted $keys: a key such as '*' or 'a[bc]' was
        # expanded to the file names it matches.  printf -v, not
        # $(printf ...): a subshell per matching key made Tab take minutes
        # over tens of thousands of keys.
        # The word as the shell will read it: 'it\'s' typed as it\' or
        # "it or 'it matches the key it's (compared as typed, nothing did).
        _ndb_unquote "$val"
        local k q uq=$_ndb_uq open=$_ndb_open qhead=$_ndb_qhead klist=() typed=
        [[ $slot == K,... && $val == *,* ]] && typed=${val%,*}, # the keys before, as typed
        [[ $slot == K,... && $uq == *,* ]] && head=${uq%,*},
        uq=${uq#"$head"}
        [[ -n $keys ]] && mapfile -t klist <<<"$keys"
        for k in "${klist[@]}"; do
            [[ $k == "$uq"* ]] || continue
            if [[ -n $open ]]; then
                # readline replaces what follows the open quote and closes it
                q=$head$k
                q=${q:${#qhead}}
                if [[ $open == "'" ]]; then
                    q=${q//\'/\'\\\'\'} # ' ends the quote: '\''
                else # inside "...": \ " $ ` take a backslash
                    q=${q//\\/\\\\} q=${q//\"/\\\"} q=${q//\$/\\\$} q=${q//\`/\\\`}
                fi
            else
                printf -v q '%q' "$k"
                q=$typed$q
            fi
            COMPREPLY+=("$q")
        done
        [[ -n $open ]] && return 0 # what follows the quote: no '=' or ':' to cut
        ;;
    *'|'*) # literal words: "check|repair"
        [[ $slot == *[A-Z]* ]] || COMPREPLY=($(compgen -W "${slot//|/ }" -- "$val")) ;;
    *) return 0 ;;
    esac

    # Candidates are whole words ("--opt=value", "user:42"); bash replaces
    # only what follows the last '=' or ':' of the word (COMP_WORDBREAKS).
    local j brk=
    for j in "${!COMPREPLY[@]}"; do COMPREPLY[j]=$prefix${COMPREPLY[j]}; done
    [[ $COMP_WORDBREAKS == *=* && $cur == *=* ]] && brk=${cur%"${cur##*=}"}
    [[ $COMP_WORDBREAKS == *:* && ${cur#"$brk"} == *:* ]] && brk=${cur%"${cur##*:}"}
    if [[ -n $brk ]]; then
        for j in "${!COMPREPLY[@]}"; do COMPREPLY[j]=${COMPREPLY[j]#"$brk"}; done
    fi
    [[ $slot == FILE || $slot == DIR ]] && compopt -o filenames 2>/dev/null
    return 0
}
complete -F _ndb ndb
