/*
 * test_jsonpath.c — table-driven tests of the JSONPath engine (src/json/jsonpath*.c).
 *
 * Each case is a JSON document, a path and the expected outcome:
 *   "p1|p2|…"  the normalised paths of the results, in order ("" = no result);
 *   "!N"       a compile error at byte position N;
 *   "FAIL"     jp_eval returns -1 (regex step limit).
 * In documents a backtick stands for a double quote, to keep the table readable.
 * After the table come value checks (synthetic lengths, arithmetic and functions seen
 * through filters, match metadata) and robustness checks (deep trees, nesting limits,
 * a small random-input sweep).
 */
#include <float.h>
#include <stdint.h>
#include <stdlib.h>

#include "json/jsonpath.h"
#include "unit.h"

typedef struct tcase { const char *doc, *path, *want; } tcase;

/* Documents from docs/protocol.md 3.10 / 3.11. */
#define DEVICES                                                                              \
    "[{`make`:`Apple`,`model`:`iPhone 14`,`sensors`:[{`type`:`Temperature`,`status`:"        \
    "`Healthy`,`id`:`temp1`},{`type`:`Accelerometer`,`status`:`Healthy`,`id`:`accel1`}]},"   \
    "{`make`:`Samsung`,`model`:`S23`,`sensors`:[{`type`:`Temperature`,`status`:`Healthy`,"   \
    "`id`:`temp1`},{`type`:`Accelerometer`,`status`:`Healthy`,`id`:`accel1`},{`type`:"       \
    "`ThingyMaBob`,`status`:`Disabled`,`id`:`thingy1`}]}]"
#define LOGINS                                                                               \
    "[{`timestamp`:1234,`location`:`London`},{`timestamp`:1235,`location`:`London`},"        \
    "{`timestamp`:1236,`location`:`Paris`},{`timestamp`:1238,`location`:`London`}]"
#define USER                                                                                 \
    "{`access`:[{`name`:`Super Secret Lab`,`permit`:true,`level`:4},{`name`:`Helipad`,"      \
    "`permit`:true,`level`:3},{`name`:`Normal Lab`,`permit`:true,`level`:2}]}"
#define ABC "{`a`:{`b`:{`c`:3}},`x`:[10,20,30],`s`:`héllo`}"
#define ARR5 "[0,1,2,3,4]"
#define ARR3 "[1,2,3]"
#define MIX "[1,2.5,`b`,`a`,true,null]"
#define TRUTH "[0,1,``,`a`,[],[0],{},{`a`:1},null,true,false]"
#define AB "[{`a`:7,`b`:2}]"
#define FN                                                                                   \
    "[{`n`:-3,`x`:2.5,`a`:[1,2,3],`s`:`hello`,`o`:{`p`:1,`q`:2},`e`:[],`w`:[`b`,`a`]}]"
#define LEN "{`arr`:[1,2,3],`s`:`héllo`,`o`:{`length`:7},`e`:[],`n`:5}"

static const tcase cases[] = {
    /* --- every JSONPath example of docs/protocol.md --- */
    {DEVICES, "$[?(@.make == 'Samsung')]", "$[1]"},
    {DEVICES, "$[?(@.make == 'Apple' && @.model == 'iPhone 11')]", ""},
    {DEVICES, "$[?(@.sensors.length >= 3)]", "$[1]"},
    {DEVICES, "$[*].make", "$[0]['make']|$[1]['make']"},
    {DEVICES, "$..id",
     "$[0]['sensors'][0]['id']|$[0]['sensors'][1]['id']|$[1]['sensors'][0]['id']|"
     "$[1]['sensors'][1]['id']|$[1]['sensors'][2]['id']"},
    {LOGINS, "$[?(@.timestamp > 1234 && @.timestamp < 1238)]", "$[1]|$[2]"},
    {LOGINS, "$[?(@.x ==", "!10"},
    {LOGINS, "", "!0"},
    {USER, "$.access[?(@.level > 2)].permit",
     "$['access'][0]['permit']|$['access'][1]['permit']"},
    {"[1,2]", "$[0,0,1]", "$[0]|$[1]"},
    {"[1,2]", "bad((", "!0"},
    {"[1,2]", "$", "$"},
    {"{`a`:{}}", "$.a.zip", ""},
    {"[1,2,3]", "$.arr.length", ""},
    {"{`arr`:[1,2,3]}", "$.arr.length", "$['arr']['length']"},
    {"{`arr`:[1,2,3]}", "$.arr.1", "$['arr'][1]"},
    {"{`arr`:[1,2,3]}", "$.arr['-1']", ""},
    {"{`arr`:[1,2,3]}", "$.arr['01']", ""},
    {"{`arr`:[1,2,3]}", "$.arr[(@.length-1)]", "$['arr'][2]"},
    {"{`s`:[`ab`,`abc`]}", "$.s[?(length(@) == 2)]", "$['s'][0]"},
    {"[{`v`:1},{`nope`:2}]", "$[?(@.nope == null)]", "$[0]"},
    {LOGINS, "$[?(@.timestamp > '1')]", ""},
    {"[{`v`:1},{`v`:0},{`v`:``},{`w`:1}]", "$[?(@.v)]", "$[0]|$[1]"},
    {"{`a'b`:1}", "$['a\\'b']", "$['a\\'b']"},
    {"{`a-b`:1,`c d`:2}", "$['a-b']", "$['a-b']"},
    {"{`a-b`:1,`c d`:2}", "$[\"c d\"]", "$['c d']"},
    {"{`a-b`:1}", "$.a-b", "!3"},
    {"{`a`:1}", "$.a b", "!4"},
    {"{`a`:1}", "$.", "!2"},
    {"{`a`:1}", "$[", "!2"},
    {"{`a`:1}", "$[a]", "!2"},
    {"{`a`:1}", "a", "!0"},
    {"{`a`:1}", "$..", "!3"},
    {"{`a`:1}", "$$", "!1"},
    {"{`a`:1}", "$@", "!1"},
    {"{`a`:{`b`:1}}", "$.a.^", "!4"},
    {"{`a`:1}", "$.a^", "!3"},
    {"[{`a`:1}]", "$[?(@.a in [1,2])]", "!8"},
    {"[{`a`:1}]", "$[?(@.a / 0)]", ""},
    {"[{`a`:1}]", "$[?(@.a % 0 == null)]", "$[0]"},
    {"[{`a`:1}]", "$[?(10 - 3 - 2 == 5)]", "$[0]"},
    {"[{`a`:1}]", "$[?(-7 / 2 == -3)]", "$[0]"},
    {"[{`a`:1}]", "$[?(-7 % 2 == -1)]", "$[0]"},
    {"[`aaaaaaaaaaaaaaaaaaaaaaaaaaaaaab`]", "$[?(@ =~ /(a+)+$/)]", "FAIL"},
    {"[1,2]", "$[18446744073709551616]", "!2"},

    /* --- root, children, names --- */
    {ABC, "@", "$"},
    {ABC, "  $  ", "$"},
    {ABC, "@.a", "$['a']"},
    {ABC, "$.a.b.c", "$['a']['b']['c']"},
    {ABC, "$ . a . b", "$['a']['b']"},
    {ABC, "$.a ['b'] .c", "$['a']['b']['c']"},
    {ABC, "$['a'][\"b\"]['c']", "$['a']['b']['c']"},
    {ABC, "$.nope", ""},
    {ABC, "$.a.nope.c", ""},
    {ABC, "$.a.b.c.d", ""},
    {ABC, "$.s", "$['s']"},
    {ABC, "$.x.0", "$['x'][0]"},
    {ABC, "$.x.2", "$['x'][2]"},
    {ABC, "$.x.3", ""},
    {ABC, "$.x.01", ""},
    {ABC, "$.x['1']", "$['x'][1]"},
    {ABC, "$.x[' 1']", ""},
    {"{`1`:`x`,`01`:`y`}", "$.1", "$['1']"},
    {"{`1`:`x`,`01`:`y`}", "$.01", "$['01']"},
    {"{`héllo`:1}", "$.héllo", "$['héllo']"},
    {"{`_x9`:1}", "$._x9", "$['_x9']"},
    {"{`a`:1}", "$['\\u0061']", "$['a']"},
    {"{`😀`:1}", "$['\\ud83d\\ude00']", "$['😀']"},
    {"{`a\\`b`:1}", "$['a\"b']", "$['a\"b']"},
    {"{`a\\`b`:1}", "$[\"a\\\"b\"]", "$['a\"b']"},
    {"{`a'b`:1}", "$[\"a'b\"]", "$['a\\'b']"},
    {"{`a\\\\b`:1}", "$['a\\\\b']", "$['a\\\\b']"},
    {"{`a/b`:1}", "$['a\\/b']", "$['a/b']"},
    {"{`a\\nb`:1,`t\\tx`:2,`u\\u0001v`:3,`b\\bf\\fr\\r`:4}", "$.*",
     "$['a\\nb']|$['t\\tx']|$['u\001v']|$['b\\bf\\fr\\r']"},
    {"{`length`:1}", "$.length", "$['length']"},

    /* --- wildcard --- */
    {"{`z`:1,`a`:2,`m`:[3,4]}", "$.*", "$['z']|$['a']|$['m']"},
    {"{`z`:1,`a`:2,`m`:[3,4]}", "$[*]", "$['z']|$['a']|$['m']"},
    {"{`z`:1,`a`:2,`m`:[3,4]}", "$.*[*]", "$['m'][0]|$['m'][1]"},
    {"{`z`:1,`a`:2,`m`:[3,4]}", "$.z.*", ""},
    {"{`z`:1,`a`:2,`m`:[3,4]}", "$.m.*", "$['m'][0]|$['m'][1]"},
    {"[]", "$[*]", ""},
    {"{}", "$.*", ""},
    {"`str`", "$.*", ""},

    /* --- indices --- */
    {ARR3, "$[0]", "$[0]"},
    {ARR3, "$[2]", "$[2]"},
    {ARR3, "$[3]", ""},
    {ARR3, "$[-1]", "$[2]"},
    {ARR3, "$[-3]", "$[0]"},
    {ARR3, "$[-4]", ""},
    {ARR3, "$[-0]", "$[0]"},
    {ARR3, "$[ 1 ]", "$[1]"},
    {ARR3, "$[01]", "$[1]"},
    {ARR3, "$[18446744073709551615]", ""},
    {ARR3, "$[-18446744073709551615]", ""},
    {ARR3, "$[-18446744073709551616]", "!2"},
    {"{`0`:1}", "$[0]", ""},
    {"`abc`", "$[0]", ""},

    /* --- slices (3.14.2 examples first) --- */
    {ARR3, "$[1:]", "$[1]|$[2]"},
    {ARR3, "$[:2]", "$[0]|$[1]"},
    {ARR3, "$[-2:]", "$[1]|$[2]"},
    {ARR3, "$[::-1]", "$[2]|$[1]|$[0]"},
    {ARR3, "$[2:0:-1]", "$[2]|$[1]"},
    {ARR3, "$[1:1]", ""},
    {ARR5, "$[::2]", "$[0]|$[2]|$[4]"},
    {ARR5, "$[1:4:2]", "$[1]|$[3]"},
    {ARR5, "$[-1::-2]", "$[4]|$[2]|$[0]"},
    {ARR5, "$[:-1]", "$[0]|$[1]|$[2]|$[3]"},
    {ARR5, "$[10:]", ""},
    {ARR5, "$[:10]", "$[0]|$[1]|$[2]|$[3]|$[4]"},
    {ARR5, "$[-10:2]", "$[0]|$[1]"},
    {ARR5, "$[4:1:-1]", "$[4]|$[3]|$[2]"},
    {ARR5, "$[5:-10:-1]", "$[4]|$[3]|$[2]|$[1]|$[0]"},
    {ARR5, "$[::-10]", "$[4]"},
    {ARR5, "$[-10::-1]", ""},
    {ARR5, "$[1:3:-1]", ""},
    {ARR5, "$[:]", "$[0]|$[1]|$[2]|$[3]|$[4]"},
    {ARR5, "$[::]", "$[0]|$[1]|$[2]|$[3]|$[4]"},
    {ARR5, "$[ 1 : 3 ]", "$[1]|$[2]"},
    {ARR5, "$[0:5:18446744073709551615]", "$[0]"},
    {ARR5, "$[::-18446744073709551615]", "$[4]"},
    {ARR5, "$[-18446744073709551615:]", "$[0]|$[1]|$[2]|$[3]|$[4]"},
    {ARR5, "$[::0]", "!4"},
    {ARR5, "$[1:2:-0]", "!6"},
    {"[]", "$[::-1]", ""},
    {"{`a`:1}", "$[0:1]", ""},

    /* --- unions --- */
    {ARR3, "$[2,0]", "$[2]|$[0]"},
    {ARR3, "$[0,*]", "$[0]|$[1]|$[2]"},
    {ARR3, "$[*,0]", "$[0]|$[1]|$[2]"},
    {ARR3, "$['1',1,-2]", "$[1]"},
    {ARR3, "$[0:2,-1]", "$[0]|$[1]|$[2]"},
    {ARR3, "$[?(@ > 1), 0]", "$[1]|$[2]|$[0]"},
    {"{`a`:1,`b`:2}", "$['b','a','b']", "$['b']|$['a']"},
    {"{`a`:[1],`b`:[2]}", "$['a','b'][0]", "$['a'][0]|$['b'][0]"},
    {"{`a`:[1,2]}", "$.a[0,0][0]", ""},
    {"{`a`:[1,2]}", "$.a['length', 'length']", "$['a']['length']"},

    /* --- recursive descent --- */
    {"{`a`:{`b`:1},`c`:[2]}", "$..*", "$['a']|$['c']|$['a']['b']|$['c'][0]"},
    {"{`a`:{`b`:1},`c`:[2]}", "$..[*]", "$['a']|$['c']|$['a']['b']|$['c'][0]"},
    {"[[1,[2]],3]", "$..[0]", "$[0]|$[0][0]|$[0][1][0]"},
    {"{`b`:1,`x`:{`b`:2,`y`:{`b`:3}},`z`:[{`b`:4}]}", "$..b",
     "$['b']|$['x']['b']|$['x']['y']['b']|$['z'][0]['b']"},
    {"{`b`:1,`x`:{`b`:2}}", "$.. b", "$['b']|$['x']['b']"},
    {"{`a`:1,`b`:{`a`:2,`b`:3}}", "$..['a','b']", "$['a']|$['b']|$['b']['a']|$['b']['b']"},
    {"{`a`:{`b`:{`c`:1}}}", "$..*..*", "$['a']['b']|$['a']['b']['c']"},
    {"{`a`:{`b`:{`c`:1}}}", "$.a..c", "$['a']['b']['c']"},
    {"[[1,2],[3]]", "$..[?(@ > 1)]", "$[0][1]|$[1][0]"},
    {"{`a`:[1,2],`s`:`xyz`}", "$..length", "$['a']['length']"},
    {"[1,[2,[3]]]", "$[0,1]..[0]", "$[1][0]|$[1][1][0]"},
    {"`x`", "$..*", ""},
    {"{`a`:1}", "$...a", "!3"},
    {"{`a`:1}", "$..a.", "!5"},

    /* --- length pseudo-member --- */
    {LEN, "$.arr.length", "$['arr']['length']"},
    {LEN, "$['arr']['length']", "$['arr']['length']"},
    {LEN, "$.s.length", "$['s']['length']"},
    {LEN, "$.o.length", "$['o']['length']"},
    {LEN, "$.e.length", "$['e']['length']"},
    {LEN, "$.n.length", ""},
    {LEN, "$.length", ""},
    {LEN, "$.arr.length.x", ""},
    {LEN, "$.*.length", "$['arr']['length']|$['s']['length']|$['o']['length']|$['e']['length']"},
    {LEN, "$[?(@.length == 3)]", "$['arr']"},
    {LEN, "$[?(@.length == 0)]", "$['e']"},
    {LEN, "$[?(@.length == 5)]", "$['s']"},
    {LEN, "$[?(@.length == 7)]", "$['o']"},
    {LEN, "$[?(@.length == null)]", "$['n']"},

    /* --- filters: forms, truthiness, existence --- */
    {TRUTH, "$[?(@)]", "$[0]|$[1]|$[3]|$[5]|$[7]|$[9]"},
    {TRUTH, "$[?(!@)]", "$[2]|$[4]|$[6]|$[8]|$[10]"},
    {TRUTH, "$[?@]", "$[0]|$[1]|$[3]|$[5]|$[7]|$[9]"},
    {TRUTH, "$[? @ == 0]", "$[0]"},
    {"{`a`:{`v`:1},`b`:{`v`:2}}", "$[?(@.v > 1)]", "$['b']"},
    {"{`a`:{`v`:1},`b`:{`v`:2}}", "$[?(@.v)]", "$['a']|$['b']"},
    {"[{`a`:1},{`b`:2}]", "$[?(@.a == null)]", "$[1]"},
    {"[{`a`:1},{`b`:2}]", "$[?(@.a != null)]", "$[0]"},
    {"{`limit`:2,`items`:[1,2,3]}", "$.items[?(@ > $.limit)]", "$['items'][2]"},
    {"{`limit`:2,`items`:[1,2,3]}", "$.items[?(@ == $['items'][0])]", "$['items'][0]"},
    {"[5]", "$[0][?(@)]", ""},
    {"[{`b`:[{`c`:1}]},{`b`:[{`c`:2}]}]", "$[?(@.b[?(@.c == 2)])]", "$[1]"},
    {"[{`a`:[1,2]},{`a`:[]}]", "$[?(@.a[*])]", "$[0]"},
    {"[{`a`:[1,2]},{`a`:[]}]", "$[?(@.a[*] == [1,2])]", "$[0]"},
    {"[{`a`:[1,2]},{`a`:[]}]", "$[?(@.a.length == 0)]", "$[1]"},
    {"[{`a`:[1,2]},{`a`:[]}]", "$[?(@.a.length == 2)]", "$[0]"},
    {"[{`a`:[1,2]},{`a`:[]}]", "$[?(@..x)]", ""},
    {"[{`a`:{`x`:0}},{`a`:{`y`:1}}]", "$[?(@..x)]", "$[0]"},
    {"[{`a`:[1,2]},{`a`:[3]}]", "$[?(@.a[-1] == 3)]", "$[1]"},
    {"[{`a`:[1,2]},{`a`:[3]}]", "$[?(@.a.1 == 2)]", "$[0]"},
    {"[{`a b`:1}]", "$[?(@['a b'] == 1)]", "$[0]"},
    {"[{`a`:0},{`b`:1},{`c`:1}]", "$[?(@.a) || (@.b)]", "$[0]|$[1]"},
    {"[{`a`:1},{`b`:1}]", "$[?@.a, ?@.b]", "$[0]|$[1]"},
    {"{`a`:[{`x`:`ab`},{`x`:`cd`}]}", "$.a[?(@.x =~ /c/)].x", "$['a'][1]['x']"},
    {"[[1,2],[3]]", "$[?(@[?(@ > 2)])][0]", "$[1][0]"},
    {"[{`a`:1}]", "$[?(@.a=='x'||@.a==1)]", "$[0]"},

    /* --- comparison and equality --- */
    {MIX, "$[?(@ < 2)]", "$[0]"},
    {MIX, "$[?(@ <= 2.5)]", "$[0]|$[1]"},
    {MIX, "$[?(@ > 'a')]", "$[2]"},
    {MIX, "$[?(@ >= 'a')]", "$[2]|$[3]"},
    {MIX, "$[?(@ == 1.0)]", "$[0]"},
    {MIX, "$[?(@ != 1)]", "$[1]|$[2]|$[3]|$[4]|$[5]"},
    {MIX, "$[?(@ == true)]", "$[4]"},
    {MIX, "$[?(@ == null)]", "$[5]"},
    {MIX, "$[?(@ == \"b\")]", "$[2]"},
    {"[`3`,3]", "$[?(@ == 3)]", "$[1]"},
    {"[`3`,3]", "$[?(@ == '3')]", "$[0]"},
    {"[[1,2],{`a`:[1,{`b`:null}]},[1,2.0],[2,1]]", "$[?(@ == [1,2])]", "$[0]|$[2]"},
    {"[[1,2],{`a`:[1,{`b`:null}]},[1,2.0]]", "$[?(@ == {'a':[1,{\"b\":null}]})]", "$[1]"},
    {"[[],[1],{},{`a`:1}]", "$[?(@ == [])]", "$[0]"},
    {"[[],[1],{},{`a`:1}]", "$[?(@ == {})]", "$[2]"},
    {"[{`a`:1,`b`:2}]", "$[?(@ == {\"b\":2,\"a\":1})]", "$[0]"},
    {"[`é`,`z`]", "$[?(@ > 'z')]", "$[0]"},
    {"[`ab`,`abc`,`b`]", "$[?(@ < 'abc')]", "$[0]"},
    {"[1,`1`,true]", "$[?(@ < true)]", ""},
    {"[9007199254740993]", "$[?(@ > 9007199254740992.0)]", "$[0]"},
    {"[9007199254740993]", "$[?(@ == 9007199254740992.0)]", ""},
    {"[1]", "$[?(1 < 2 == true)]", "$[0]"},

    /* --- arithmetic --- */
    {AB, "$[?(@.a / @.b == 3)]", "$[0]"},
    {AB, "$[?(@.a % @.b == 1)]", "$[0]"},
    {AB, "$[?(@.a * @.b - 4 == 10)]", "$[0]"},
    {AB, "$[?(2 + 3 * 4 == 14)]", "$[0]"},
    {AB, "$[?((2 + 3) * 4 == 20)]", "$[0]"},
    {AB, "$[?(7 / 2.0 == 3.5)]", "$[0]"},
    {AB, "$[?(7.5 % 2 == 1.5)]", "$[0]"},
    {AB, "$[?(1 / 0 == null)]", "$[0]"},
    {AB, "$[?(1.5 / 0 == null)]", "$[0]"},
    {AB, "$[?(0.0 / 0.0 == null)]", "$[0]"},
    {AB, "$[?(-@.a == -7)]", "$[0]"},
    {AB, "$[?(- - @.a == 7)]", "$[0]"},
    {AB, "$[?(-'x' == null)]", "$[0]"},
    {AB, "$[?('a' + 1 == null)]", "$[0]"},
    {AB, "$[?(@.a - -1 == 8)]", "$[0]"},
    {AB, "$[?(1e3 == 1000)]", "$[0]"},
    {AB, "$[?(-9223372036854775807 - 1 == -9223372036854775808)]", "$[0]"},
    {AB, "$[?((-9223372036854775807 - 1) / -1 == 9223372036854775808)]", "$[0]"},
    {AB, "$[?((-9223372036854775807 - 1) % -1 == 0)]", "$[0]"},
    {AB, "$[?(9223372036854775807 + 1 > 9223372036854775807)]", "$[0]"},
    {AB, "$[?(-(-9223372036854775807 - 1) > 0)]", "$[0]"},
    {AB, "$[?(1e308 * 10 == null)]", "$[0]"},

    /* --- logical operators and precedence --- */
    {AB, "$[?((@.a && @.b) == 2)]", "$[0]"},
    {AB, "$[?((@.x && @.b) == null)]", "$[0]"},
    {AB, "$[?((@.x || @.b) == 2)]", "$[0]"},
    {AB, "$[?((@.a || @.b) == 7)]", "$[0]"},
    {AB, "$[?((@.x || @.y) == null)]", "$[0]"},
    {AB, "$[?((0 || 5) == 0)]", "$[0]"},
    {AB, "$[?(('' || 5) == 5)]", "$[0]"},
    {AB, "$[?(([] && 5) == [])]", "$[0]"},
    {AB, "$[?(false && 1 / 0)]", ""},
    {AB, "$[?(1 + 2 == 3 && 2 * 3 == 6 || false)]", "$[0]"},
    {AB, "$[?(false || true && false)]", ""},
    {AB, "$[?(true || false && false)]", "$[0]"},
    {AB, "$[?(!(1 == 2))]", "$[0]"},
    {AB, "$[?(!1 == 2)]", ""},
    {AB, "$[?(!0 == false)]", "$[0]"},
    {AB, "$[?(!!@.a)]", "$[0]"},

    /* --- regex --- */
    {"[`abc`,`ABC`,`xyz`,5]", "$[?(@ =~ /^a/)]", "$[0]"},
    {"[`abc`,`ABC`,`xyz`,5]", "$[?(@ =~ /^a/i)]", "$[0]|$[1]"},
    {"[`abc`,`ABC`,`xyz`,5]", "$[?(@ =~ /b/)]", "$[0]"},
    {"[`abc`,`ABC`,`xyz`,5]", "$[?(@ =~ 'y')]", "$[2]"},
    {"[`abc`,`ABC`,`xyz`,5]", "$[?(!(@ =~ /a/i))]", "$[2]|$[3]"},
    {"[`abc`,`ABC`,`xyz`,5]", "$[?((@ =~ /a/) == null)]", "$[3]"},
    {"[`é`,`e`,`ab`]", "$[?(@ =~ /^.$/)]", "$[0]|$[1]"},
    {"[`a/b`,`ab`]", "$[?(@ =~ /[/]/)]", "$[0]"},
    {"[`a/b`,`ab`]", "$[?(@ =~ /a\\/b/)]", "$[0]"},
    {"[`a\\n`,`a`]", "$[?(@ =~ /a$/)]", "$[1]"},
    {"[`a\\nb`]", "$[?(@ =~ /a.b/s)]", "$[0]"},
    {"[`x\\nab`]", "$[?(@ =~ /^a/m)]", "$[0]"},
    {"[`x`,`y`]", "$[?(@ =~ /[^]/)]", "$[0]|$[1]"},
    {"[`é`]", "$[?(@ =~ /\\u00e9/)]", "$[0]"},
    {"[{`s`:`abc`,`p`:`b+`},{`s`:`abc`,`p`:`(`},{`s`:`abc`,`p`:`z`}]", "$[?(@.s =~ @.p)]",
     "$[0]"},
    {"[{`s`:`abc`,`p`:`b+`},{`s`:`abc`,`p`:`(`},{`s`:`abc`,`p`:`z`}]",
     "$[?(!(@.s =~ @.p))]", "$[2]"},
    {"[`aaaaaaaaaaaaaaaaaaaaaaaaaaaaaab`]", "$[?(false && @ =~ /(a+)+$/)]", ""},
    {"[1]", "$[?(@ =~ /(/)]", "!11"},
    {"[1]", "$[?(@ =~ '(')]", "!11"},
    {"[1]", "$[?(@ =~ /a/g)]", "!12"},
    {"[1]", "$[?(@ =~ /a/ii)]", "!12"},
    {"[1]", "$[?(@ =~ /a)]", "!9"},
    {"[1]", "$[?(@ == /a/)]", "!9"},

    /* --- functions --- */
    {FN, "$[?(abs(@.n) == 3)]", "$[0]"},
    {FN, "$[?(abs(@.x) == 2.5)]", "$[0]"},
    {FN, "$[?(ceil(@.x) == 3)]", "$[0]"},
    {FN, "$[?(floor(@.x) == 2)]", "$[0]"},
    {FN, "$[?(floor(-2.5) == -3)]", "$[0]"},
    {FN, "$[?(ceil(@.n) == -3)]", "$[0]"},
    {FN, "$[?(length(@.a) == 3)]", "$[0]"},
    {FN, "$[?(length(@.s) == 5)]", "$[0]"},
    {FN, "$[?(length('héllo') == 5)]", "$[0]"},
    {FN, "$[?(length(@.o) == 2)]", "$[0]"},
    {FN, "$[?(length(@.e) == 0)]", "$[0]"},
    {FN, "$[?(count(@.a) == 3)]", "$[0]"},
    {FN, "$[?(count(@.o) == 2)]", "$[0]"},
    {FN, "$[?(count(@.a[?(@ > 1)]) == 2)]", "$[0]"},
    {FN, "$[?(sum(@.a) == 6)]", "$[0]"},
    {FN, "$[?(sum(@.e) == 0)]", "$[0]"},
    {FN, "$[?(sum([1, 2.5]) == 3.5)]", "$[0]"},
    {FN, "$[?(sum([9223372036854775807, 1]) == 9223372036854775808)]", "$[0]"},
    {FN, "$[?(sum(@.a[*]) == 6)]", "$[0]"},
    {FN, "$[?(prod(@.a) == 6)]", "$[0]"},
    {FN, "$[?(prod(@.e) == null)]", "$[0]"},
    {FN, "$[?(avg(@.a) == 2)]", "$[0]"},
    {FN, "$[?(avg([1,2]) == 1.5)]", "$[0]"},
    {FN, "$[?(avg(@.e) == null)]", "$[0]"},
    {FN, "$[?(min(@.a) == 1)]", "$[0]"},
    {FN, "$[?(max(@.a) == 3)]", "$[0]"},
    {FN, "$[?(min(@.e) == null)]", "$[0]"},
    {FN, "$[?(max(@.e) == null)]", "$[0]"},
    {FN, "$[?(max(@.w) == 'b')]", "$[0]"},
    {FN, "$[?(min(keys(@.o)) == 'p')]", "$[0]"},
    {FN, "$[?(keys(@.o) == ['p','q'])]", "$[0]"},
    {FN, "$[?(contains(@.s, 'ell'))]", "$[0]"},
    {FN, "$[?(contains(@.s, 'xyz'))]", ""},
    {FN, "$[?(contains(@.a, 2.0))]", "$[0]"},
    {FN, "$[?(contains(@.a, 5))]", ""},
    {FN, "$[?(contains(@.o, 'q'))]", "$[0]"},
    {FN, "$[?(starts_with(@.s, 'he'))]", "$[0]"},
    {FN, "$[?(starts_with(@.s, 'lo'))]", ""},
    {FN, "$[?(ends_with(@.s, 'lo'))]", "$[0]"},
    {FN, "$[?(to_number('12') == 12)]", "$[0]"},
    {FN, "$[?(to_number(' 1.5 ') == 1.5)]", "$[0]"},
    {FN, "$[?(to_number('abc') == null)]", "$[0]"},
    {FN, "$[?(to_number('1e400') == 1e400 && to_number(' 1e400') > 1.7976931348623157e308)]", "$[0]"},
    {FN, "$[?(to_number('18446744073709551616') > 18446744073709551615)]", "$[0]"},
    {FN, "$[?(to_number(@.n) == -3)]", "$[0]"},
    {FN, "$[?(tokenize('a,b,,c', /,/) == ['a','b','','c'])]", "$[0]"},
    {FN, "$[?(tokenize(@.s, 'l') == ['he','','o'])]", "$[0]"},
    {FN, "$[?(tokenize('abc', /x*/) == ['a','b','c'])]", "$[0]"},
    {FN, "$[?(tokenize('', /,/) == [])]", "$[0]"},
    {FN, "$[?(tokenize('A1b2', /\\d/i) == ['A','b',''])]", "$[0]"},
    {FN, "$[?(contains(@.a, 'x') == false)]", "$[0]"},
    {FN, "$[?(contains(@.a, null) == false)]", "$[0]"},

    /* --- a wrong-typed function argument is an evaluation error (3.14.3): the element is
     *     not selected, whatever the comparison, and the query goes on --- */
    {"{`0`:false}", "$[?(floor(@) != 7)]", ""}, /* found by differential testing */
    {"{`0`:false,`1`:8.2,`2`:7.5}", "$[?(floor(@) != 7)]", "$['1']"},
    {"[{`v`:false},{`v`:7.5},{`v`:`x`},{`v`:3}]", "$[?(floor(@.v) != 7)]", "$[3]"},
    {FN, "$[?(abs(@.s) == null)]", ""},
    {FN, "$[?(abs(@.s) != null)]", ""},
    {FN, "$[?(!abs(@.s))]", ""},
    {FN, "$[?(abs(@.s) || true)]", ""},
    {FN, "$[?(true || abs(@.s))]", "$[0]"},       /* never evaluated: no error */
    {FN, "$[?(!(false && abs(@.s)))]", "$[0]"},
    {FN, "$[?(ceil(@.nope) != 1)]", ""},          /* a missing member is null: wrong type */
    {FN, "$[?(floor(@.a) != 1)]", ""},
    {FN, "$[?(floor(true) != 1)]", ""},
    {FN, "$[?(length(@.n) == null)]", ""},
    {FN, "$[?(length(@.n) != 1)]", ""},
    {FN, "$[?(length(@.nope) != 1)]", ""},
    {FN, "$[?(length(true) != 1)]", ""},
    {FN, "$[?(count(@.s) == null)]", ""},
    {FN, "$[?(count(@.s) != 1)]", ""},
    {FN, "$[?(count(@.n) != 1)]", ""},
    {FN, "$[?(sum([1, 'x']) == null)]", ""},
    {FN, "$[?(sum([1, 'x']) != 1)]", ""},
    {FN, "$[?(sum(@.s) != 1)]", ""},
    {FN, "$[?(sum(@.o) != 1)]", ""},
    {FN, "$[?(prod([2, null]) != 1)]", ""},
    {FN, "$[?(prod(@.n) != 1)]", ""},
    {FN, "$[?(avg([1, [2]]) != 1)]", ""},
    {FN, "$[?(avg(@.s) != 1)]", ""},
    {FN, "$[?(min([1,'a']) == null)]", ""},
    {FN, "$[?(min([1,'a']) != 1)]", ""},
    {FN, "$[?(max(['a', true]) != 1)]", ""},
    {FN, "$[?(max(@.o) != 1)]", ""},
    {FN, "$[?(min(@.n) != 1)]", ""},
    {FN, "$[?(keys(@.a) == null)]", ""},
    {FN, "$[?(keys(@.a) != 1)]", ""},
    {FN, "$[?(keys(@.s) != 1)]", ""},
    {FN, "$[?(contains(@.s, 1) != 1)]", ""},
    {FN, "$[?(contains(@.o, 1) != 1)]", ""},
    {FN, "$[?(contains(@.n, 1) != 1)]", ""},
    {FN, "$[?(contains(null, 'a') != 1)]", ""},
    {FN, "$[?(starts_with(@.s, 1) != 1)]", ""},
    {FN, "$[?(starts_with(@.a, 'a') != 1)]", ""},
    {FN, "$[?(ends_with(@.n, 'x') == null)]", ""},
    {FN, "$[?(ends_with(@.n, 'x') != null)]", ""},
    {FN, "$[?(to_number(true) == null)]", ""},
    {FN, "$[?(to_number(@.a) != 1)]", ""},
    {FN, "$[?(to_number(@.nope) != 1)]", ""},
    {FN, "$[?(tokenize(@.n, /,/) == null)]", ""},
    {FN, "$[?(tokenize(@.n, /,/) != null)]", ""},
    {FN, "$[?(tokenize(@.s, 5) != null)]", ""},
    {FN, "$[?(tokenize(@.s, @.a) != null)]", ""},
    {FN, "$[?(length(abs(@.s)) != 1)]", ""},       /* an error inside an argument */
    /* results on the right type stay results, not errors */
    {FN, "$[?(to_number(@.s) == null)]", "$[0]"},
    {FN, "$[?(max(@.e) != 1)]", "$[0]"},
    /* inside a nested filter the error unselects only the inner element */
    {"[{`a`:[1,`x`,3]}]", "$[?(count(@.a[?(floor(@) >= 1)]) == 2)]", "$[0]"},
    {"[{`a`:[1,`x`,3]}]", "$[*].a[?(floor(@) >= 1)]", "$[0]['a'][0]|$[0]['a'][2]"},
    /* in an index expression it selects nothing; the union goes on */
    {"{`arr`:[1,2,3]}", "$.arr[(floor('x'))]", ""},
    {"{`arr`:[1,2,3]}", "$.arr[(floor('x')), 0]", "$['arr'][0]"},
    {FN, "$[?(foo(@))]", "!4"},
    {FN, "$[?(length(@, 1))]", "!4"},
    {FN, "$[?(length())]", "!4"},
    {FN, "$[?(length)]", "!4"},
    {FN, "$[?(tokenize(@.s, /(/))]", "!20"},
    {FN, "$[?(tokenize(@.s, '('))]", "!20"},

    /* --- index expressions --- */
    {"{`arr`:[1,2,3]}", "$.arr[(-1)]", "$['arr'][2]"},
    {"{`arr`:[1,2,3]}", "$.arr[(5)]", ""},
    {"{`arr`:[1,2,3]}", "$.arr[(-4)]", ""},
    /* only an integer selects an element: a double never does, whole or not (3.14.7) */
    {"{`arr`:[1,2,3]}", "$.arr[(1)]", "$['arr'][1]"},
    {"{`arr`:[1,2,3]}", "$.arr[(1.0)]", ""},
    {"{`arr`:[1,2,3]}", "$.arr[(-1.0)]", ""},
    {"{`arr`:[1,2,3]}", "$.arr[(1e0)]", ""},
    {"{`arr`:[1,2,3]}", "$.arr[(2 / 2)]", "$['arr'][1]"},
    {"{`arr`:[1,2,3]}", "$.arr[(3.0 / 3)]", ""},
    {"{`arr`:[1,2,3]}", "$.arr[(floor(1.5))]", "$['arr'][1]"},
    {"{`arr`:[1,2,3]}", "$.arr[(@.length - 1.0)]", ""},
    {"{`arr`:[1,2,3]}", "$.arr[(1.0), 2]", "$['arr'][2]"},
    {"{`arr`:[1,2,3],`i`:1.0}", "$.arr[($.i)]", ""},
    {"[{`a`:[5,6]}]", "$[?(@.a[(1.0)] == null)]", "$[0]"},
    {"[{`a`:[5,6]}]", "$[?(@.a[(1.0)] == 6)]", ""},
    {"{`arr`:[1,2,3]}", "$.arr[(1.5)]", ""},
    {"{`arr`:[1,2,3]}", "$.arr[('0')]", ""},
    {"{`arr`:[1,2,3]}", "$.arr[(@.length - 1), 0]", "$['arr'][2]|$['arr'][0]"},
    {"{`o`:{`k`:`b`,`b`:1}}", "$.o[(@.k)]", "$['o']['b']"},
    {"{`o`:{`k`:`b`,`b`:1}}", "$.o[('zz')]", ""},
    {"{`o`:{`k`:`b`,`b`:1}}", "$.o[(1)]", ""},
    {"{`o`:{`p`:1,`q`:2}}", "$.o[(max(keys(@)))]", "$['o']['q']"},
    {"[{`a`:[5,6]}]", "$[?(@.a[(@.length - 1)] == 6)]", "$[0]"},
    {"{`arr`:[1,2,3]}", "$.arr[(1]", "!8"},

    /* --- malformed paths --- */
    {"{}", "$['a'", "!5"},
    {"{}", "$['a", "!2"},
    {"{}", "$[?(@.x == 1]", "!12"},
    {"{}", "$[?(@.a =)]", "!8"},
    {"{}", "$[?(@.a & @.b)]", "!8"},
    {"{}", "$[?(@.a | @.b)]", "!8"},
    {"{}", "$[?()]", "!4"},
    {"{}", "$[?(@.a == tru)]", "!11"},
    {"{}", "$[?(01 == 1)]", "!5"},
    {"{}", "$[?(.5 == 1)]", "!4"},
    {"{}", "$[?(1. == 1)]", "!6"},
    {"{}", "$.a.", "!4"},
    {"{}", "$.*.", "!4"},
    {"{}", "$['\\x']", "!3"},
    {"{}", "$['\\ud800']", "!3"},
    {"{}", "$['\\udc00']", "!3"},
    {"{}", "$['\\u12']", "!3"},
    {"{}", "$['\xff']", "!3"},
    {"{}", "$[1,]", "!4"},
    {"{}", "$[,1]", "!2"},
    {"{}", "$[]", "!2"},
    {"{}", "$[1 2]", "!4"},
    {"{}", "$[-]", "!3"},
    {"{}", "$[1:2:3:4]", "!7"},
    {"{}", "$[?(@.a)]]", "!9"},
    {"{}", "$[?(@.a == 'x)]", "!11"},
    {"{}", "$[?(@.a == [1,)]", "!14"},
    {"{}", "$[?(@.a == {'a' 1})]", "!16"},
    /* numbers of any size; compared exactly (int64, doubles, decimal texts) */
    {"[1]", "$[?(1e400 > 1.7976931348623157e308 && -1e400 < -1.7976931348623157e308)]", "$[0]"},
    {"[1]", "$[?(18446744073709551616 == 18446744073709551615)]", ""},
    {"[1]", "$[?(100000000000000000001 > 100000000000000000000)]", "$[0]"},
    {"[1]", "$[?(-18446744073709551616 < -18446744073709551615)]", "$[0]"},
    {"[1]", "$[?(0.1 != 0.10000000000000001 && 0.1 == 0.10 && 1E-1 == 0.1)]", "$[0]"},
    {"[1]", "$[?(2.5 < 2.5000000000000000001 && 0.5 == 0.50)]", "$[0]"},
    {"[1]", "$[?(9007199254740993 == 9007199254740993.0)]", "$[0]"},
    {"[1]", "$[?(9007199254740992 == 9007199254740993.0)]", ""},
    /* exponents of any length compare exactly (they were saturated near 2^50) */
    {"[1]", "$[?(1e100000000000000000 != 1e100000000000000001 && 1e100000000000000000 > 2e99999999999999999)]", "$[0]"},
    {"[1]", "$[?(10e223372036854775806 == 1e223372036854775807 && 1e18446744073709551616 > 1e9223372036854775807)]", "$[0]"},
    {"[1]", "$[?(1e-100000000000000000 != 1e-100000000000000001 && 1e-100000000000000001 < 1e-100000000000000000)]", "$[0]"},
    {"[1]", "$[?(1e1000000000000000000000000000000000000000 == 10e999999999999999999999999999999999999999)]", "$[0]"},
    {"[1]", "$[?(0.01e1000000000000000000000000000000000000000 == 1e999999999999999999999999999999999999998)]", "$[0]"},
    {"[1]", "$[?(1e1000000000000000000000000000000000000000 > 9e999999999999999999999999999999999999999)]", "$[0]"},
    {"[1]", "$[?(1e-1000000000000000000000000000000000000000 < 1e-999999999999999999999999999999999999999)]", "$[0]"},
    {"[1]", "$[?(-1e1000000000000000000000000000000000000000 < -9e999999999999999999999999999999999999999)]", "$[0]"},
    {"[1]", "$[?(1e1000000000000000000000000000000000000000 > 1e36 && 1e-1000000000000000000000000000000000000000 > 0)]", "$[0]"},
    /* a computed double meets a number text as doubles (both rounded), as in JavaScript */
    {"[1]", "$[?(0.1 * 1 == 0.1 && 0.1 * 2 == 0.2 && 0.1 + 0.2 != 0.3 && 0.1 * 1 == 0.10000000000000001)]", "$[0]"},
    {"[1]", "$[?(18446744073709551616 * 1 == 18446744073709551615 && 2.5 * 1 < 2.5000000000000000001)]", ""},
    {"[1]", "$[?(9007199254740993 * 1.0 != 9007199254740993 && 9007199254740993 * 1.0 == 9007199254740992)]", "$[0]"},
    {"[1]", "$[?(0.5 * 1 == 0.5 && 2.5 + 0.5 == 3 && 1.5e300 * 1 == 1.5e300 * 1)]", "$[0]"},
    {"[1]", "$[?(18446744073709551616 * 1 == 18446744073709551616 && 1e400 * 1 == null)]", "$[0]"},
    {"[1]", "$[?([18446744073709551616] == [18446744073709551615])]", ""},
    {"[1]", "$[?({'a': 1e400} == {'a': 1.7976931348623157e308})]", ""},
    {"[1]", "$[?([1e400] == [1e400] && -1e400 == -1e400 && -(-1e400) == 1e400)]", "$[0]"},
    {"[1]", "$[?(1e400 - 1e400 == null && 1e400 + 0 == null)]", "$[0]"},
    {"[1]", "$[?(abs(-18446744073709551617) == 18446744073709551617)]", "$[0]"},
    {"[1]", "$[?(max([18446744073709551617, 18446744073709551616]) == 18446744073709551617)]", "$[0]"},
    {"[1]", "$[?(min([18446744073709551617, 18446744073709551616]) == 18446744073709551616)]", "$[0]"},
    {"[1]", "$[?(contains([100000000000000000001], 100000000000000000000))]", ""},
    {"{}", "$ x", "!2"},
    {"{}", "$.a.b c", "!6"},
    {"{}", "x$", "!0"},
    {"{}", " ", "!1"},
    {"{}", "$[?(@.a)", "!8"},
    {"{}", "$[?(@.a == @@)]", "!12"},
    {"{}", "$['a'.b]", "!5"},
    {"{}", "$.a[*", "!5"},
    {"{}", "$.'a'", "!2"},
    {"{}", "$.a..", "!5"},
};

/* Replace backticks by double quotes (documents in the table use backticks). */
static char *doc_text(const char *s) {
    char *d = strdup(s);
    for (char *p = d; *p; p++)
        if (*p == '`') *p = '"';
    return d;
}

static json_t *load(const char *doc) {
    char *t = doc_text(doc);
    json_error_t je;
    json_t *j = json_loads(t, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
    if (!j) fprintf(stderr, "bad test document %s: %s\n", t, je.text);
    free(t);
    return j;
}

/* Run one case and render the outcome in the table's notation into out. */
static void run_case(const tcase *tc, strbuf *out) {
    jp_error err;
    sb_reset(out);
    size_t plen = strlen(tc->path);
    jp_path *p = jp_compile(tc->path, plen, &err);
    if (!p) {
        sb_addf(out, "!%zu", err.pos);
        char want[32];
        snprintf(want, sizeof want, "at position %zu", err.pos);
        if (!strstr(err.msg, want)) sb_addf(out, " (message lacks position: %s)", err.msg);
        return;
    }
    json_t *doc = load(tc->doc);
    jp_results *r = NULL;
    if (jp_eval(p, doc, &r, &err) < 0) {
        SB_ADD_LIT(out, "FAIL");
        if (!strstr(err.msg, "step limit")) sb_addf(out, " (bad message: %s)", err.msg);
    } else {
        for (size_t i = 0; i < jp_results_count(r); i++) {
            if (i) sb_addc(out, '|');
            jp_normalised_path(jp_results_get(r, i), out);
        }
    }
    jp_results_free(r);
    json_decref(doc);
    jp_free(p);
}

static void table_tests(void) {
    strbuf got = STRBUF_INIT;
    size_t n = sizeof cases / sizeof cases[0];
    for (size_t i = 0; i < n; i++) {
        run_case(&cases[i], &got);
        const char *want = cases[i].want;
        if (got.len != strlen(want) || memcmp(got.buf, want, got.len) != 0)
            fprintf(stderr, "case %zu: doc %s path %s\n", i, cases[i].doc, cases[i].path);
        CHECK_STR(got.buf ? got.buf : "", want);
    }
    sb_free(&got);
    printf("%zu table cases\n", n);
}

/* ---- value checks ------------------------------------------------------------------------ */

/* Evaluate path on doc and return the results (the caller frees results and *docp). */
static jp_results *eval_on(const char *doc, const char *path, json_t **docp) {
    jp_error err;
    jp_path *p = jp_compile(path, strlen(path), &err);
    *docp = load(doc);
    jp_results *r = NULL;
    if (p && jp_eval(p, *docp, &r, &err) < 0) r = NULL;
    jp_free(p);
    return r;
}

static void value_tests(void) {
    json_t *doc;
    jp_results *r = eval_on(LEN, "$.*.length", &doc);
    CHECK_INT(jp_results_count(r), 4);
    const jp_match *m = jp_results_get(r, 0);
    CHECK(m->synthetic && json_integer_value(m->node) == 3);
    CHECK(m->parent == json_object_get(doc, "arr"));
    CHECK_INT(m->nsteps, 2);
    CHECK_STR(m->steps[0].name, "arr");
    CHECK_STR(m->steps[1].name, "length");
    m = jp_results_get(r, 1);
    CHECK(m->synthetic && json_integer_value(m->node) == 5); /* code points of "héllo" */
    m = jp_results_get(r, 2);
    CHECK(!m->synthetic && json_integer_value(m->node) == 7);
    CHECK(m->parent == json_object_get(doc, "o"));
    m = jp_results_get(r, 3);
    CHECK(m->synthetic && json_integer_value(m->node) == 0);
    CHECK(jp_results_get(r, 4) == NULL);
    jp_results_free(r);
    json_decref(doc);

    r = eval_on(DEVICES, "$[?(@.make == 'Samsung')].sensors[-1].id", &doc);
    CHECK_INT(jp_results_count(r), 1);
    m = jp_results_get(r, 0);
    CHECK_STR(json_string_value(m->node), "thingy1");
    CHECK_INT(m->nsteps, 4);
    CHECK(m->steps[0].is_index && m->steps[0].index == 1);
    CHECK(m->steps[2].is_index && m->steps[2].index == 2);
    CHECK_INT(m->steps[3].name_len, 2);
    jp_results_free(r);
    json_decref(doc);

    r = eval_on("[7]", "$", &doc);
    m = jp_results_get(r, 0);
    CHECK(m->node == doc && m->parent == NULL && m->nsteps == 0 && !m->synthetic);
    jp_results_free(r);
    json_decref(doc);

    /* values computed in filters, observed through the selected node */
    static const struct { const char *doc, *path; long long want; } vals[] = {
        {"[{`a`:7,`b`:2,`v`:3}]", "$[?(@.a / @.b == @.v)].v", 3},
        {"[{`a`:7,`b`:-2,`v`:-1}]", "$[?(@.a % @.b == 1)].v", -1},
        {"[{`xs`:[4,5,6],`v`:15}]", "$[?(sum(@.xs) == @.v)].v", 15},
        {"[{`xs`:[4,5,6],`v`:120}]", "$[?(prod(@.xs) == @.v)].v", 120},
        {"[{`xs`:[4,5,6],`v`:5}]", "$[?(avg(@.xs) == @.v)].v", 5},
        {"[{`s`:`a,b`,`v`:2}]", "$[?(length(tokenize(@.s, ',')) == @.v)].v", 2},
        {"[{`s`:`abc`,`v`:3}]", "$[?(@.s.length == @.v)].v", 3},
        {"[{`x`:-2.5,`v`:-2}]", "$[?(ceil(@.x) == @.v)].v", -2},
    };
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
        r = eval_on(vals[i].doc, vals[i].path, &doc);
        CHECK_INT(jp_results_count(r), 1);
        if (jp_results_count(r) == 1)
            CHECK_INT(json_integer_value(jp_results_get(r, 0)->node), vals[i].want);
        jp_results_free(r);
        json_decref(doc);
    }

    /* results do not depend on the compiled path staying alive */
    jp_error err;
    jp_path *p = jp_compile("$['key with space']", 19, &err);
    doc = load("{`key with space`:1}");
    r = NULL;
    CHECK_INT(jp_eval(p, doc, &r, &err), 0);
    jp_free(p);
    strbuf sb = STRBUF_INIT;
    jp_normalised_path(jp_results_get(r, 0), &sb);
    CHECK_STR(sb.buf, "$['key with space']");
    jp_results_free(r);
    json_decref(doc);

    /* a path that is not NUL-terminated */
    p = jp_compile("$.ab", 3, &err);
    doc = load("{`a`:1,`ab`:2}");
    CHECK(p != NULL && jp_eval(p, doc, &r, &err) == 0 && jp_results_count(r) == 1);
    CHECK(json_integer_value(jp_results_get(r, 0)->node) == 1);
    jp_results_free(r);
    json_decref(doc);
    jp_free(p);

    /* member names containing NUL (jansson cannot parse them, so build the tree) */
    doc = json_object();
    json_object_setn_new(doc, "a\0b", 3, json_integer(1));
    json_object_set_new(doc, "a", json_integer(2));
    p = jp_compile("$['a\\u0000b']", 13, &err);
    CHECK(p != NULL && jp_eval(p, doc, &r, &err) == 0 && jp_results_count(r) == 1);
    m = jp_results_get(r, 0);
    CHECK(m && json_integer_value(m->node) == 1 && m->steps[0].name_len == 3);
    sb_reset(&sb);
    jp_normalised_path(m, &sb);
    CHECK(sb.len == 8 && memcmp(sb.buf, "$['a\0b']", 8) == 0);
    sb_free(&sb);
    jp_results_free(r);
    jp_free(p);
    json_decref(doc);

    /* the error message of a compile failure */
    p = jp_compile("$[?(@.a))]", 10, &err);
    CHECK(p == NULL);
    CHECK_STR(err.msg, "unexpected ')' at position 8");
}

/* ---- robustness ------------------------------------------------------------------------- */

/* A compile error is expected for src, with "nesting"/"nested" in the message. */
static void expect_too_deep(const char *src) {
    jp_error err;
    jp_path *p = jp_compile(src, strlen(src), &err);
    CHECK(p == NULL && strstr(err.msg, "nest") != NULL);
    jp_free(p);
}

/* Build prefix + n×rep + mid + n×rep2 + suffix. */
static char *repeat(const char *prefix, const char *rep, int n, const char *mid,
                    const char *rep2, const char *suffix) {
    strbuf sb = STRBUF_INIT;
    sb_adds(&sb, prefix);
    for (int i = 0; i < n; i++) sb_adds(&sb, rep);
    sb_adds(&sb, mid);
    for (int i = 0; i < n; i++) sb_adds(&sb, rep2);
    sb_adds(&sb, suffix);
    return sb_detach(&sb, NULL);
}

static void limit_tests(void) {
    char *s = repeat("$[?(", "(", 300, "1", ")", ")]");
    expect_too_deep(s);
    free(s);
    s = repeat("$[?(", "!", 300, "1", "", ")]");
    expect_too_deep(s);
    free(s);
    s = repeat("$[?(", "1+", 300, "1", "", ")]");
    expect_too_deep(s);
    free(s);
    s = repeat("$[?(@ == ", "[", 300, "", "]", ")]");
    expect_too_deep(s);
    free(s);
    s = repeat("$", "[?(@", 300, "", ")]", "");
    expect_too_deep(s);
    free(s);
    s = repeat("$[?(", "abs(", 300, "1", ")", ")]");
    expect_too_deep(s);
    free(s);
    /* within the limits: 100 nested parentheses and a 200-term chain compile and run */
    jp_error err;
    s = repeat("$[?(", "(", 100, "1", ")", " == 1)]");
    jp_path *p = jp_compile(s, strlen(s), &err);
    CHECK(p != NULL);
    jp_free(p);
    free(s);
    s = repeat("$[?(0", "+1", 200, "", "", " == 200)]");
    p = jp_compile(s, strlen(s), &err);
    json_t *doc = load("[1]");
    jp_results *r = NULL;
    CHECK(p != NULL && jp_eval(p, doc, &r, &err) == 0 && jp_results_count(r) == 1);
    jp_results_free(r);
    json_decref(doc);
    jp_free(p);
    free(s);
}

/* A 1000-deep tree: descent, deep equality and long results must work without trouble. */
static void deep_tree_tests(void) {
    json_t *root = json_object(), *cur = root;
    for (int i = 0; i < 1000; i++) {
        json_t *next = json_object();
        json_object_set_new(cur, "x", json_integer(i));
        json_object_set_new(cur, "d", next);
        cur = next;
    }
    jp_error err;
    jp_results *r = NULL;
    jp_path *p = jp_compile("$..x", 4, &err);
    CHECK(jp_eval(p, root, &r, &err) == 0 && jp_results_count(r) == 1000);
    const jp_match *m = jp_results_get(r, 999);
    CHECK(m && m->nsteps == 1000 && json_integer_value(m->node) == 999);
    jp_results_free(r);
    jp_free(p);
    p = jp_compile("$..*..*..*", 10, &err);
    CHECK(jp_eval(p, root, &r, &err) == 0 && jp_results_count(r) == 1996);
    jp_results_free(r);
    jp_free(p);
    p = jp_compile("$[?(@ == $.d)]", 14, &err);
    CHECK(jp_eval(p, root, &r, &err) == 0 && jp_results_count(r) == 1);
    jp_results_free(r);
    jp_free(p);
    json_decref(root);
}

/* Nested filters with descent over a wide value would take hours: the work budget stops
 * the evaluation with -1 instead. */
static void budget_tests(void) {
    json_t *root = json_array();
    for (int i = 0; i < 2000; i++) json_array_append_new(root, json_pack("{s:[i,i]}", "a", i, i));
    const char *src = "$..[?(@..[?($..[?($..*)])])]";
    jp_error err;
    jp_results *r = NULL;
    jp_path *p = jp_compile(src, strlen(src), &err);
    CHECK(p != NULL && jp_eval(p, root, &r, &err) == -1 && r == NULL);
    CHECK(strstr(err.msg, "path evaluation exceeded its step limit") != NULL);
    jp_free(p);
    json_decref(root);
}

/* Fail with the step-limit message (or not) when evaluating src on root. */
static void check_budget(json_t *root, const char *src, int exceeds) {
    jp_error err;
    jp_results *r = NULL;
    jp_path *p = jp_compile(src, strlen(src), &err);
    CHECK(p != NULL);
    if (!p) return;
    int rc = jp_eval(p, root, &r, &err);
    if (exceeds) {
        CHECK(rc == -1 && r == NULL && strstr(err.msg, "path evaluation exceeded its step limit"));
    } else {
        CHECK(rc == 0);
    }
    jp_results_free(r);
    jp_free(p);
}

/* Comparing long strings, hashing long member names and counting characters cost in
 * proportion to the bytes (one step per JP_BYTES_PER_STEP): a million `==` of two
 * 400 KB strings, each one step, held the server for seconds; now the budget stops them. */
static void string_budget_tests(void) {
    size_t big = 400000;
    char *s = malloc(big + 1);
    memset(s, 'a', big);
    s[big] = '\0';
    json_t *root = json_object(), *a = json_array(), *objs = json_array();
    for (int i = 0; i < 1000; i++) {
        json_array_append_new(a, json_integer(i));
        json_array_append_new(objs, json_object());
    }
    json_object_set_new(root, "s", json_string(s));
    json_object_set_new(root, "t", json_string(s));
    json_object_set_new(root, "a", a);
    json_object_set_new(root, "objs", objs);
    check_budget(root, "$.a[?($.a[?($.s == $.t)])]", 1);
    check_budget(root, "$.a[?($.a[?($.s <= $.t)])]", 1);
    check_budget(root, "$.a[?($.a[?($.s.length == 1)])]", 1);
    check_budget(root, "$.a[?($.a[?(length($.s) == 1)])]", 1);
    check_budget(root, "$.a[?(@ < 3 && $.s == $.t)]", 0); /* a few long compares are fine */
    /* keys() copies every member name */
    json_object_set_new(root, "o", json_pack("{s:i}", s, 1));
    check_budget(root, "$.a[?($.a[?(keys($.o) == 1)])]", 1);
    check_budget(root, "$.a[?(@ < 3 && keys($.o) == 1)]", 0);
    /* a 100 KB member name looked up in a million objects */
    strbuf src = STRBUF_INIT;
    sb_adds(&src, "$.objs[?($.objs[?(@['");
    sb_add(&src, s, 100000);
    sb_adds(&src, "'] == 1)])]");
    sb_grow(&src, 0);
    check_budget(root, src.buf, 1);
    sb_free(&src);
    json_decref(root);
    free(s);
}

/* Each selector of a union applied to a node is a step, also where it selects nothing:
 * `$..[9,9,…]` with 20,000 selectors over 100,000 containers held the server for 5 s
 * (named selectors 14 s) with no step counted. */
static void union_budget_tests(void) {
    json_t *root = json_array();
    for (int i = 0; i < 2000; i++) json_array_append_new(root, json_pack("{s:{s:[i]}}", "a", "b", i));
    strbuf src = STRBUF_INIT;
    sb_adds(&src, "$..[9");
    for (int i = 1; i < 4000; i++) sb_adds(&src, ",9"); /* 6,001 containers x 4,000 */
    sb_addc(&src, ']');
    sb_grow(&src, 0);
    check_budget(root, src.buf, 1);
    sb_reset(&src);
    sb_adds(&src, "$..['x'");
    for (int i = 1; i < 4000; i++) sb_adds(&src, ",'x'");
    sb_addc(&src, ']');
    sb_grow(&src, 0);
    check_budget(root, src.buf, 1);
    sb_free(&src);
    check_budget(root, "$..['a','b',0,9,*]", 0); /* ordinary unions: a few steps a node */
    json_decref(root);
}

/* Each node a singular path operand walks through is a step: `$.a.a.a…` 1,000 levels
 * down, tested for each of 25,000,000 pairs of elements, held the server for 65 s at
 * three steps per test. */
static void operand_budget_tests(void) {
    json_t *root = json_object(), *arr = json_array(), *deep = json_integer(1);
    for (int i = 0; i < 1000; i++) deep = json_pack("{s:o}", "a", deep);
    for (int i = 0; i < 200; i++) json_array_append_new(arr, json_integer(i));
    json_object_set_new(root, "a", deep);
    json_object_set_new(root, "arr", arr);
    strbuf src = STRBUF_INIT, one = STRBUF_INIT;
    sb_adds(&src, "$.arr[?($.arr[?($");
    sb_adds(&one, "$.arr[?($");
    for (int i = 0; i <= 1000; i++) {
        sb_adds(&src, ".a");
        sb_adds(&one, ".a");
    }
    sb_adds(&src, " == 2)])]"); /* 40,000 tests x 1,001 nodes */
    sb_adds(&one, " == 2)]");   /* 200 tests: fine */
    sb_grow(&src, 0);
    sb_grow(&one, 0);
    check_budget(root, src.buf, 1);
    check_budget(root, one.buf, 0);
    sb_free(&src);
    sb_free(&one);
    json_decref(root);
}

/* Unary minus, abs and to_number copy a number text kept whole (one beyond int64 and
 * double, as a stored value's numbers are kept): a 400 KB integer negated for each of
 * 9,000,000 pairs of elements held the server for minutes at two steps a copy.  Copies
 * cost a step per JP_BYTES_PER_STEP bytes. */
static void number_text_budget_tests(void) {
    strbuf num = STRBUF_INIT;
    sb_addc(&num, '1');
    for (int i = 0; i < 400000; i++) sb_addc(&num, '0');
    json_t *root = json_object(), *a = json_array(), *n = json_real(DBL_MAX);
    for (int i = 0; i < 30; i++) json_array_append_new(a, json_integer(i));
    json_object_set_new(root, "a", a);
    json_object_set_new(root, "n", n);
    jp_numtexts *texts = jp_numtexts_new();
    jp_numtexts_add(texts, n, num.buf, num.len);
    static const char *const forms[] = {"-$.n", "abs($.n)", "to_number($.n)", "abs(-$.n)"};
    static const char *const shapes[] = {"$.a[?($.a[?(%s)])]", "$.a[?(%s)]"}; /* 900 copies, 30 */
    for (size_t f = 0; f < sizeof forms / sizeof forms[0]; f++) {
        for (int exceeds = 1; exceeds >= 0; exceeds--) {
            strbuf src = STRBUF_INIT;
            sb_addf(&src, shapes[!exceeds], forms[f]);
            jp_error err;
            jp_budget b = {0, 0};
            jp_results *r = NULL;
            jp_path *p = jp_compile(src.buf, src.len, &err);
            int rc = p ? jp_eval_exact(p, root, texts, &b, &r, &err) : -2;
            if (exceeds) CHECK(rc == -1 && strstr(err.msg, "path evaluation exceeded its step limit"));
            else CHECK(rc == 0 && jp_results_count(r) == 30);
            if (rc != (exceeds ? -1 : 0)) fprintf(stderr, "  for %s\n", src.buf);
            jp_results_free(r);
            jp_free(p);
            sb_free(&src);
        }
    }
    jp_numtexts_free(texts);
    json_decref(root);
    sb_free(&num);
}

/* Each result's path is copied whole: 100,000 nodes 1,000 levels down would be 3 GB of
 * paths.  Past JP_RESULT_BYTES_LIMIT the evaluation fails instead. */
static void result_size_tests(void) {
    strbuf sb = STRBUF_INIT;
    for (int i = 0; i < 1000; i++) sb_addc(&sb, '[');
    for (int i = 0; i < 100000; i++) sb_adds(&sb, i ? ",0" : "0");
    for (int i = 0; i < 1000; i++) sb_addc(&sb, ']');
    json_error_t jerr;
    json_t *root = json_loadb(sb.buf, sb.len, 0, &jerr);
    sb_free(&sb);
    CHECK(root != NULL);
    jp_error err;
    jp_results *r = NULL;
    jp_path *p = jp_compile("$..*", 4, &err);
    CHECK(jp_eval(p, root, &r, &err) == -1 && r == NULL);
    CHECK_STR(err.msg, "path results exceeded their size limit (128 MiB of paths)");
    jp_free(p);
    p = jp_compile("$..[?(@ == [0,0])]", 18, &err); /* few results: fine */
    CHECK(jp_eval(p, root, &r, &err) == 0 && jp_results_count(r) == 0);
    jp_results_free(r);
    jp_free(p);
    json_decref(root);
}

/* Random paths from a token alphabet: compile must never crash and evaluation must finish. */
static void random_tests(void) {
    static const char *tok[] = {"$", "@", ".", "..", "[", "]", "(", ")", "?", "*", ",", ":",
                                "'a'", "\"b\"", "a", "b", "0", "-1", "1", "==", "!=", "<",
                                ">=", "&&", "||", "!", "-", "+", "/", "%", "=~", "/a/i",
                                "length", "length(", "sum(", "tokenize(", "true", "null",
                                "[1]", "{}", " ", "'", "\\", "^", "in", "$..", "@.a"};
    size_t ntok = sizeof tok / sizeof tok[0];
    json_t *doc = load("{`a`:[1,{`a`:`x`,`b`:[2,3]},`aaa`],`b`:{`a`:null,`length`:2}}");
    unsigned seed = 12345, compiled = 0;
    for (int iter = 0; iter < 30000; iter++) {
        strbuf sb = STRBUF_INIT;
        int n = 1 + (int)((seed = seed * 1103515245u + 12345u) >> 16) % 12;
        if (iter % 2 == 0) sb_addc(&sb, '$');
        for (int k = 0; k < n; k++) {
            seed = seed * 1103515245u + 12345u;
            sb_adds(&sb, tok[(seed >> 16) % ntok]);
        }
        jp_error err;
        jp_path *p = jp_compile(sb.buf, sb.len, &err);
        if (p) {
            compiled++;
            jp_results *r = NULL;
            if (jp_eval(p, doc, &r, &err) == 0) jp_results_free(r);
            jp_free(p);
        } else if (err.pos > sb.len) {
            fprintf(stderr, "error position %zu beyond %zu for %s\n", err.pos, sb.len, sb.buf);
            unit_fail++;
        }
        sb_free(&sb);
    }
    CHECK(compiled > 100);
    json_decref(doc);
}

int main(void) {
    table_tests();
    value_tests();
    limit_tests();
    deep_tree_tests();
    budget_tests();
    string_budget_tests();
    union_budget_tests();
    operand_budget_tests();
    number_text_budget_tests();
    result_size_tests();
    random_tests();
    return UNIT_DONE();
}
