/*
 * jsonpath.h — ndb's JSONPath engine (docs/protocol.md 3.14, with the decisions of 0.1 item 12).
 *
 * Usage: compile a path once (jp_compile), evaluate it against any number of jansson trees
 * (jp_eval), read the ordered, de-duplicated matches (jp_results_*), free everything.
 * A compiled path is immutable, so one jp_path may be evaluated from several threads at
 * once; each jp_eval call uses only its own scratch memory.
 *
 * Dialect summary (3.14): `$`/`@` root, `.name`, `.*`, `..name`, `..*`, `..[…]`, brackets
 * with quoted names (both quote styles, JSON escapes plus `\'`), indices (negative from the
 * end), Python-like slices, `*`, unions, filters `?(expr)` / `?expr`, index expressions
 * `[(expr)]`, the `length` pseudo-member, and in filters: `@`/`$` path operands, literals
 * (numbers, strings, true/false/null, JSON arrays/objects), `( )`, and the operators
 * ! -(unary)  =~  * / %  + -  < <= > >=  == !=  &&  ||  (tightest first, equal levels group
 * left to right), plus the 16 functions below.  Anything else is a compile error; nothing is
 * silently ignored.
 *
 * Choices where docs/protocol.md is silent (all are deliberate and unit-tested):
 *  - Work budget: one jp_eval may produce/visit/evaluate at most 20,000,000 matches,
 *    containers, expression nodes, function-argument elements, selectors of a union
 *    applied to a node, whether or not they select anything, and nodes that path operands
 *    walk through (strings compared, member names looked up, number texts copied by `-`,
 *    abs and to_number, and characters counted add a step per JP_BYTES_PER_STEP bytes, so
 *    long strings cannot multiply the cost of a step); past that it fails with
 *    -1 like a runaway regex (see jp_eval).  Nothing legitimate on ndb-sized values gets
 *    near it; nested filters over `..` could otherwise run for hours.  The results' paths
 *    (copied whole, one per selected node) may take at most JP_RESULT_BYTES_LIMIT (128 MiB)
 *    in all; past that jp_eval fails with -1 too ("path results exceeded their size limit").
 *  - Limits: nesting of brackets/parentheses/filters/literals/unary operators and the height of
 *    an operator chain are capped at JP_MAX_NEST (256) → compile error.  Evaluation never
 *    recurses on the shape of the searched tree except for deep equality (bounded by the
 *    tree depth, which ndb caps at 1024); recursive descent uses an explicit stack.
 *  - Source must be valid UTF-8; name characters are ASCII letters, digits, `_` and any
 *    non-ASCII code point.  Quoted strings may contain any character except their own
 *    unescaped quote and backslash; escapes are `\' \" \\ \/ \b \f \n \r \t \uXXXX`
 *    (surrogate pairs combined; an unpaired surrogate is an error).
 *  - Index and slice literals are `-`? digits whose magnitude fits in 64 bits; `-0` is 0;
 *    whitespace is allowed around `:` and `,` inside brackets.
 *  - Number literals in filters follow JSON (no leading zeros, no `+`, no `.5`), of any size;
 *    an integer that fits in int64 is an integer; a number of at most 15 significant digits
 *    in the range of normal doubles (0.1, 2.5, 1e300) a double that stands for its text;
 *    any other (18446744073709551616, 0.10000000000000001, 1e400) keeps its text (V_DEC),
 *    compared exactly (see jp_numtexts below) and computed with as the nearest double.
 *  - Arithmetic: integer when both operands are integers; on int64 overflow (including
 *    INT64_MIN / -1 and -INT64_MIN) the result is computed in double instead.  Division or
 *    remainder by zero (integer or double) → null; a non-finite double result → null.
 *    Double remainder is C fmod (sign of the dividend).
 *  - Comparison of numbers is exact between numbers given as text (values, literals: by
 *    their decimal value) and integers; a double computed by arithmetic is compared with a
 *    text as doubles (the text rounded too: 0.1 * 1 == 0.1, as in JavaScript), and with an
 *    integer exactly (no rounding of the integer).
 *  - `length` pseudo-member: on an array → element count (also 0 inside filters, Q28 fixed);
 *    on a string → code points; on an object → only a real member `length`.  A top-level
 *    `length` match is synthetic: node is an integer owned by the result set and parent is
 *    the array or string measured.
 *  - `=~`: the right side is a regex literal `/re/flags`, or any operand that yields a string
 *    (used as a pattern without flags).  A string literal pattern is compiled at compile
 *    time (invalid → compile error); a pattern computed at run time that does not compile
 *    is an evaluation error: the element being tested is not selected.  A non-string
 *    subject or non-string pattern yields null.  Flags: `i` (case-insensitive), `m`
 *    (multi-line ^ $), `s` (dot matches newlines); any other or repeated flag is a compile
 *    error.  A regex literal is allowed only after `=~` and as the 2nd argument of tokenize.
 *  - Regex engine: PCRE2 in UTF mode with a match limit of 10,000,000 steps (and depth/heap
 *    limits); a match over the limit makes jp_eval return -1 with "regex exceeded its step
 *    limit".  Differences from ECMAScript syntax: PCRE2 options ALT_BSUX (so \uXXXX and \xXX
 *    mean what they do in ECMAScript), ALLOW_EMPTY_CLASS (`[]` matches nothing, `[^]` any
 *    character), MATCH_UNSET_BACKREF (a backreference to an unset group matches empty) and
 *    DOLLAR_ENDONLY (`$` does not match before a final newline) make the common syntax
 *    behave as in ECMAScript; a surrogate pair of escapes (\uD83D\uDE00) is rewritten to its
 *    character before compiling (as with ECMAScript's u flag: one character, also in a class),
 *    and a lone surrogate escape is a compile error.  Remaining differences: PCRE2-only
 *    syntax is accepted (possessive quantifiers, atomic groups, inline (?i) options, \A \z \Q…\E, POSIX
 *    classes); lookbehind must have bounded length; `.` excludes only \n (not \r, U+2028,
 *    U+2029) unless flag `s`; \s \d \w \b are ASCII-only; with `i`, case folding is
 *    Unicode simple folding.  The ranges of classes that may be case-insensitive span at
 *    most JP_RE_CASELESS_SPAN code points per pattern and per path's literals (PCRE2
 *    compiles them one code point at a time), and named groups times named groups and name
 *    references at most JP_RE_NAME_PAIRS (PCRE2 compares them pair by pair): beyond, the
 *    pattern does not compile.
 *  - Functions (arguments are full expressions; wrong argument count or an unknown name is a
 *    compile error; "number" means an integer or double):
 *      abs(n) ceil(n) floor(n)  number → number (ceil/floor of a double give an integer when
 *                               the result fits in int64; abs(INT64_MIN) is a double)
 *      length(x)   array → element count, object → member count, string → code points
 *      count(x)    array → element count, object → member count
 *      sum(a)      array of numbers → sum (integer if all integers and no overflow); [] → 0
 *      prod(a)     array of numbers → product; [] → null
 *      avg(a)      array of numbers → mean as a double; [] → null
 *      min(a) max(a)  array of only numbers or only strings (byte-wise) → that element;
 *                  [] → null
 *      keys(o)     object → array of member names in stored order
 *      contains(a, b)  string a, string b → substring test; array a, any b → some element
 *                  deep-equals b; object a, string b → has member b
 *      starts_with(s, p) ends_with(s, p)  two strings → bool
 *      to_number(x)  number → itself; string holding a JSON number of any size (surrounding
 *                  spaces allowed) → that number (1e400 keeps its text); any other string → null
 *      tokenize(s, re)  string s → array of the pieces between matches of re (ECMAScript
 *                  String.prototype.split semantics without captures: empty pieces kept,
 *                  an empty match splits between characters); tokenize("", re) → [].
 *                  re is a regex literal or a string (pattern).
 *    An array-valued path operand (one containing `*`, `..`, a slice, a union or a filter)
 *    is an array, so sum(@.items[*].price) works.
 *  - Evaluation errors of functions: every argument combination not listed above is one,
 *    that is (null — e.g. a missing member — counts as a type like any other):
 *      abs ceil floor       the argument is not a number
 *      length               not an array, object or string
 *      count                not an array or object
 *      sum prod avg         not an array, or an element that is not a number
 *      min max              not an array, an element that is neither a number nor a string,
 *                           or numbers and strings mixed
 *      keys                 not an object
 *      contains(a, b)       a not a string, array or object; a string and b not a string;
 *                           a an object and b not a string
 *      starts_with ends_with  either argument not a string
 *      to_number            not a number or string
 *      tokenize(s, re)      s not a string; re neither a regex literal nor a string, or a
 *                           string that is not a valid pattern
 *    An evaluation error is not a value: the element being tested is not selected, whatever
 *    the rest of the filter (`floor(@) != 7` and `floor(@) || true` both leave `false`
 *    unselected), the query goes on with the next element, and the request does not fail.
 *    In an index expression the step selects nothing.  Inside a nested filter (an operand
 *    such as @.a[?(…)]) the error unselects only that filter's element.  Operands that are
 *    never evaluated (the right side of a short-circuited && or ||) raise nothing.  Results
 *    on empty arrays (sum → 0; prod, avg, min, max → null) and to_number of a non-numeric
 *    string (null) are values, not errors.
 *  - Index expression `[(expr)]`: an integer on an array → that index, negative from the end;
 *    a string on an object → that member; a double (even 1.0), out of range, missing or
 *    other types → nothing.  Inside filter path operands it counts as a single-node step.
 */
#ifndef NDB_JSONPATH_H
#define NDB_JSONPATH_H

#include <jansson.h>
#include <stddef.h>

#include "common/strbuf.h"

#define JP_MAX_NEST 256

typedef struct jp_path jp_path; /* a compiled path; immutable after compile */

typedef struct jp_error {
    size_t pos;    /* byte offset in the source of the offending character */
    char msg[160]; /* human readable, always includes "at position N" for compile errors */
} jp_error;

/* Compile src[0..len) (need not be NUL-terminated).  Returns NULL and fills *err (if err is
 * not NULL) on a syntax error. */
jp_path *jp_compile(const char *src, size_t len, jp_error *err);
void jp_free(jp_path *p);

typedef struct jp_step {
    int is_index;     /* 1: array element `index`; 0: object member `name` */
    size_t index;
    const char *name; /* owned by the result set; may contain NUL bytes */
    size_t name_len;
} jp_step;

typedef struct jp_match {
    json_t *node;   /* the selected node (borrowed from the tree), or for the `length`
                       pseudo-member a synthesised integer owned by the result set */
    json_t *parent; /* container holding node (NULL for the root); for `length` the
                       array or string that was measured */
    int synthetic;  /* 1 for the `length` pseudo-member: not a real node */
    const jp_step *steps;
    size_t nsteps;  /* path from the root: indices / member names */
} jp_match;

typedef struct jp_results jp_results; /* ordered, de-duplicated by normalised path */

/* Evaluate p against root, a tree: no array or object may be in it twice (jtree_build's
 * never are), since `..` tells containers it has visited by their node.  Returns 0 and
 * *out on success (free with jp_results_free; the
 * results borrow nodes from root, which must stay unmodified while they are used, but not
 * from p).  Returns -1, *out = NULL and fills *err on a failure that must fail the whole
 * request: a regex match exceeding its step, depth or memory limit ("regex exceeded its
 * step limit …", "… depth limit …", "… memory limit …"), or the
 * whole evaluation exceeding its work budget of 20,000,000 steps ("path evaluation
 * exceeded its step limit …"; only adversarial paths such as deeply nested filters with
 * `..` over large values get there; it bounds one jp_eval to well under a second; the
 * constant is JP_EVAL_STEP_LIMIT in jsonpath_internal.h), or results whose paths would
 * take more than 128 MiB ("path results exceeded their size limit …"). */
int jp_eval(const jp_path *p, json_t *root, jp_results **out, jp_error *err);

/* The work one request may do over all its evaluations (KV_FIND over every key): the
 * 20,000,000 steps above, and at most JP_RE_TIME_LIMIT_NS of regular-expression matching
 * (and compiling of patterns computed at run time) in all (each match also stays under its
 * own step limit).  Start it zeroed. */
typedef struct jp_budget {
    uint64_t steps;    /* evaluation steps so far */
    uint64_t regex_ns; /* time spent in regex matches (and compiles of run-time patterns) so far */
} jp_budget;
#define JP_RE_TIME_LIMIT_NS 1000000000ull /* 1 s of matching per request */

/* Charge work done outside an evaluation to b: `steps` steps (a stored value that a
 * KV_FIND lists twice is parsed again, a step per byte: parsing costs about what a step
 * does).  Returns 0, or -1 past the budget with the step-limit message of jp_eval in *err. */
int jp_budget_charge(jp_budget *b, uint64_t steps, jp_error *err);

/* jp_eval, drawing on (and adding to) budget b shared with the request's other
 * evaluations: past it, -1 with "... exceeded its ... limit" as above. */
int jp_eval_in(const jp_path *p, json_t *root, jp_budget *b, jp_results **out, jp_error *err);
/* Exact number texts (docs/protocol.md 3.14.3): a jansson real holds only the nearest double,
 * so a tree built from ndb's exact text (json/tree.h) records, for every number node whose
 * double does not stand for its text (json/decimal.h dec_short: 18446744073709551616,
 * 0.10000000000000001, 1e400), the number's text.  Comparisons (== != < <= > >= and deep
 * equality) of such numbers are then exact, against decimal texts, integers and doubles;
 * arithmetic and the functions other than abs, min, max and to_number use the nearest
 * double (beyond the double range: no result, null).  The jv_of of a tree without texts
 * (jp_eval, jp_eval_in) takes every real for the number of at most 15 digits it stands for. */
typedef struct jp_numtexts jp_numtexts;
jp_numtexts *jp_numtexts_new(void);
/* Record text[0..n) (copied) as the exact value of the number node `node`. */
void jp_numtexts_add(jp_numtexts *t, const json_t *node, const char *text, size_t n);
void jp_numtexts_free(jp_numtexts *t);

/* jp_eval_in on a tree whose exact number texts are in texts (may be NULL). */
int jp_eval_exact(const jp_path *p, json_t *root, const jp_numtexts *texts, jp_budget *b,
                  jp_results **out, jp_error *err);
/* jp_eval_exact that only counts the selected nodes into *count: nothing is materialised,
 * so the results' size bound (128 MiB of paths) does not apply (KV_FIND rsp "keys"/"kv"
 * only need to know whether a value matched). */
int jp_eval_count(const jp_path *p, json_t *root, const jp_numtexts *texts, jp_budget *b,
                  size_t *count, jp_error *err);
size_t jp_results_count(const jp_results *r);
const jp_match *jp_results_get(const jp_results *r, size_t i);
void jp_results_free(jp_results *r);

/* Append the normalised path string of m (docs/protocol.md 3.14.5), e.g. $[0]['sensors'][2]['id']:
 * `'` → `\'`, `\` → `\\`, BS FF LF CR TAB → \b \f \n \r \t, all other bytes raw. */
void jp_normalised_path(const jp_match *m, strbuf *out);

#endif
