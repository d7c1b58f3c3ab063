# fish completion for ndb.
#
# As in ndb.bash, nothing here lists a command or an option: every candidate
# is read at completion time from the ndb binary being completed, so the
# completion cannot drift from the command table (src/client/cli_table.c):
#   ndb help --commands          command names ("session new" for groups)
#   ndb help --options CMD [SUB] options of a client command
#   ndb [CMD [SUB]] --help       options of serve/send/bench/repl and of the
#                                top level, which options take a value, the
#                                positional arguments, command descriptions
#   ndb keys -r                  key names, from the server (--timeout 0.5,
#                                silent when there is no server), with the
#                                connection options typed (--url, -H, -p,
#                                --user, TLS) and --session
#   ndb session list             session tokens, the same way

# __ndb_optspec NDB [WORDS...]: "SHORT|LONG|META" per option of `NDB WORDS --help`.
function __ndb_optspec
    $argv --help 2>/dev/null </dev/null |
        string replace -rf '^ +(?:-([A-Za-z0-9]), )?--([A-Za-z0-9][-A-Za-z0-9]*)(?: ([^ ]+))?(?: {2,}.*)?$' '$1|$2|$3'
end

# __ndb_meta OPTION SPEC...: the metavariable of OPTION, nothing for a flag.
function __ndb_meta
    set -l opt $argv[1]
    for line in $argv[2..-1]
        set -l f (string split '|' -- $line)
        if test "$opt" = "--$f[2]"; or begin; test -n "$f[1]"; and test "$opt" = "-$f[1]"; end
            test -n "$f[3]"; and echo $f[3]
            return
        end
    end
end

# __ndb_slot USAGE INDEX: the name of positional argument INDEX (from 0).
function __ndb_slot
    set -l alt (string split -m1 ' | ' -- $argv[1])[1]
    set -l idx $argv[2]
    set -l n 0
    set -l open -1
    set -l rep -1
    set -l ws
    for w in (string split -n ' ' -- $alt)
        string match -q -- '[*' $w; and set open $n
        set -l plain (string replace -a -r '[\[\]]' '' -- $w)
        if string match -q -- '*...' $plain
            set plain (string replace -r '\.\.\.$' '' -- $plain)
            if test $rep -lt 0
                if test $open -ge 0
                    set rep $open
                else
                    set rep $n
                end
            end
        end
        string match -q -- '*]' $w; and set open -1
        set -a ws $plain
        set n (math $n + 1)
    end
    if test $idx -lt $n
        echo $ws[(math $idx + 1)]
    else if test $rep -ge 0
        echo $ws[(math "$rep + ($idx - $rep) % ($n - $rep) + 1")]
    end
end

# __ndb_conn OPTION [VALUE]: the words to pass on to `ndb keys` for a
# connection option among the words typed (server address, login, TLS), so
# that the key names come from the server the command will talk to; short
# forms become long.  Nothing for any other option.
function __ndb_conn
    switch $argv[1]
        case --url --host --port --user --password-file --cacert --client-cert --client-key
            printf '%s\n' $argv[1] $argv[2]
        case -H
            printf '%s\n' --host $argv[2]
        case -p
            printf '%s\n' --port $argv[2]
        case '-H?*'
            printf '%s\n' --host (string sub -s 3 -- $argv[1])
        case '-p?*'
            printf '%s\n' --port (string sub -s 3 -- $argv[1])
        case --insecure
            echo --insecure
    end
end

# __ndb_lookup_args CMD-WORDS... -- [CONNECTION OPTIONS...]: the CMD-WORDS
# with what a lookup on Tab (key names, session tokens) needs, one a line: a
# short --timeout (silent and quick when there is no server) and the
# connection options typed.  Never a password prompt on Tab: without a
# password source a login (--user, NDB_USER) fails at once instead of asking
# on the terminal; only with a user (without one, --password-file is a
# usage error).
function __ndb_lookup_args
    set -l sep (contains -i -- -- $argv)
    set -l args $argv[1..(math $sep - 1)] --timeout 0.5 $argv[(math $sep + 1)..-1]
    set -l user "$NDB_USER"
    set -l u (contains -i -- --user $args)
    if test -n "$u"; and test $u -lt (count $args)
        set user $args[(math $u + 1)]
    end
    if test -n "$user"; and test -z "$NDB_PASSWORD"; and not contains -- --password-file $args
        set -a args --password-file /dev/null
    end
    printf '%s\n' $args
end

# __ndb_tokens NDB [CONNECTION OPTIONS...]: session tokens from the server
# (session list: one JSON object a line, its "tkn" a number); a session
# command ignores NDB_SESSION.
function __ndb_tokens
    $argv[1] (__ndb_lookup_args session list -c -- $argv[2..-1]) 2>/dev/null </dev/null |
        string replace -rf '.*"tkn":([0-9]+).*' '$1'
end

# __ndb_keys NDB SESSION-FORM SESSION PREFIX [CONNECTION OPTIONS...]: key
# names from the server (SESSION-FORM 1: the command has a session form,
# else top-level keys).
function __ndb_keys
    set -l ndb $argv[1]
    set -l args (__ndb_lookup_args keys -r -- $argv[5..-1])
    if test "$argv[2]" = 1
        test -n "$argv[3]"; and set -a args --session $argv[3]
        $ndb $args 2>/dev/null </dev/null
    else # no session form: top-level keys even when NDB_SESSION is set
        env NDB_SESSION= $ndb $args 2>/dev/null </dev/null
    end | string replace -r '^' -- $argv[4]
end

function __ndb_complete
    set -l words (commandline -opc)
    set -l cur (commandline -ct)
    set -l ndb $words[1]
    set -l cmds ($ndb help --commands 2>/dev/null </dev/null)
    or return
    set -l groups (string match -r '^\S+(?= )' -- $cmds | sort -u)

    set -l spec (__ndb_optspec $ndb)
    set -l cmd
    set -l pos
    set -l conn
    set -l session
    set -l only_pos 0
    set -l nul 0
    set -l flags
    set -l i 2
    set -l nw (count $words)
    while test $i -le $nw
        set -l w $words[$i]
        # -5 is a value, but -0 is the option of a command that has --null
        # (as ndb reads it: keys -0, get -0 -)
        if test $only_pos = 1; or not string match -qr -- '^-.' $w; or begin
                string match -qr -- '^-\.?[0-9]' $w; and not begin; test "$w" = -0; and contains -- '0|null|' $spec; end
            end
            if test (count $cmd) -eq 0
                set cmd $w
                if contains -- $w $groups; and test $i -lt $nw
                    set i (math $i + 1)
                    set -a cmd $words[$i]
                end
                set spec (__ndb_optspec $ndb $cmd)
            else
                set -a pos $w
            end
        else if test "$w" = --
            test (count $cmd) -gt 0; and set only_pos 1
        else if string match -qr -- '^--[^=]+=' $w
            set -l kv (string split -m1 = -- $w)
            set -a conn (__ndb_conn $kv)
            test "$kv[1]" = --session; and set session $kv[2]
        else if test -n "$(__ndb_meta $w $spec)"
            if set -q words[(math $i + 1)]
                set i (math $i + 1)
                set -a conn (__ndb_conn $w $words[$i])
                test "$w" = --session; and set session $words[$i]
            end
        else
            set -a conn (__ndb_conn $w)
            contains -- $w -0 --null; and set nul 1
            set -a flags $w
        end
        set i (math $i + 1)
    end

    set -l slot
    set -l prefix
    set -l val $cur
    set -l prev $words[-1]
    if string match -qr -- '^--[^=]+=' $cur
        set -l kv (string split -m1 = -- $cur)
        set prefix "$kv[1]="
        set val $kv[2]
        set slot (__ndb_meta $kv[1] $spec)
        test -n "$slot"; or return
    else if test $only_pos = 0; and test $nw -gt 1; and string match -qr -- '^-.' $prev; and test -n "$(__ndb_meta $prev $spec)"
        set slot (__ndb_meta $prev $spec)
    else if test $only_pos = 0; and string match -qr -- '^-' $cur; and not string match -qr -- '^-\.?[0-9]' $cur
        set -l list
        test (count $cmd) -gt 0; and set list ($ndb help --options $cmd 2>/dev/null </dev/null)
        if test (count $list) -eq 0
            for line in $spec
                set -l f (string split '|' -- $line)
                test -n "$f[1]"; and set -a list -$f[1]
                test -n "$f[2]"; and set -a list --$f[2]
            end
        end
        # Not offered (as in bash): a flag already typed, in either form (no
        # flag counts twice), and the flag that stands for all the arguments
        # ("TKN... | --all") once an argument is typed: together they are a
        # usage error.  Options that take a value stay.
        set -l alone
        if test (count $cmd) -gt 0; and test (count $pos) -gt 0
            set -l usage (string replace -rf '^usage: .*\[OPTIONS\] *' '' ($ndb $cmd --help 2>/dev/null </dev/null)[1])
            set alone (string match -r -- ' \| (--[a-z-]+)[]]?$' "$usage")[2]
        end
        for o in $list
            set -l skip 0
            for line in $spec
                set -l f (string split '|' -- $line)
                test "$o" = "--$f[2]"; or begin; test -n "$f[1]"; and test "$o" = "-$f[1]"; end; or continue
                if test -z "$f[3]"
                    contains -- --$f[2] $flags; and set skip 1
                    test -n "$f[1]"; and contains -- -$f[1] $flags; and set skip 1
                end
                test "--$f[2]" = "$alone"; and set skip 1
                break
            end
            test $skip = 0; and printf '%s\n' $o
        end
        return
    else if test (count $cmd) -eq 0; or begin; test (count $cmd) -eq 1; and contains -- $cmd[1] $groups; end
        # command names, described by the summaries of `ndb --help` (or
        # `ndb GROUP --help` for the subcommands of a group)
        set -l names
        set -l help
        if test (count $cmd) -eq 1
            set names (string replace -rf -- "^$cmd[1] " '' $cmds)
            set help ($ndb $cmd[1] --help 2>/dev/null </dev/null)
        else
            set names (string replace -r ' .*' '' -- $cmds | sort -u)
            set help ($ndb --help 2>/dev/null </dev/null)
        end
        for name in $names
            set -l d (string replace -rf -- "^  $name(?: [^ ]+)*  +(\S.*)\$" '$1' $help)[1]
            if test (count $cmd) -eq 0; and contains -- $name $groups
                set d (string join ', ' (string replace -rf -- "^$name " '' $cmds))
            end
            printf '%s\t%s\n' $name "$d"
        end
        return
    else
        set -l usage (string replace -rf '^usage: .*\[OPTIONS\] *' '' ($ndb $cmd --help 2>/dev/null </dev/null)[1])
        test -n "$usage"; or return
        set slot (__ndb_slot "$usage" (count $pos))
        # "KEY... | -" (get): '-' reads the names from standard input and
        # stands alone; -0 (NUL-separated names) goes with it only
        # "TKN... | --all" (session end; in brackets for session watch): the
        # flag stands alone
        set -l alone (string match -r -- ' \| (--[a-z-]+)[]]?$' $usage)[2]
        test -n "$alone"; and contains -- $alone $flags; and return
        if string match -q -- '* | -' $usage
            test (count $pos) -gt 0; and test "$pos[1]" = -; and return
            if test $nul = 1
                test (count $pos) -eq 0; and echo -
                return
            end
        end
    end

    switch "$slot"
        case FILE
            __fish_complete_path $val
        case DIR
            __fish_complete_directories $val
        case LEVEL
            printf '%s\n' error warn info debug
        case OP
            printf '%s\n' get set add mixed sh_get sh_set
        case ROLE
            printf '%s\n' read write admin
        case POLICY
            printf '%s\n' off no everysec always
        case '*|*' # literal words: "check|repair"
            string match -qr '[A-Z]' -- $slot; or string split '|' -- $slot
        case COMMAND # help's: help values too
            begin; string replace -r ' .*' '' -- $cmds; echo values; end | sort -u
        case SUBCOMMAND
            string replace -rf -- "^$pos[-1] " '' $cmds
        case TKN
            __ndb_tokens $ndb $conn
        case KEY 'K,...' P # P: --prefix of keys, scan and watch, the start of key names
            # a command with a session form lists --session in its --help
            set -l sf 0
            string match -q -- '|session|*' $spec; and set sf 1
            set -l head
            test "$slot" = 'K,...'; and set head (string match -r '^.*,' -- $val)
            __ndb_keys $ndb $sf "$session" "$head" $conn
    end | string replace -r '^' -- "$prefix"
end

complete -c ndb -f -a '(__ndb_complete)'
