/*
 * fuzz_jsonpath.c — libFuzzer harness: JSONPath compile + evaluate.
 *
 * Input: PATH [ NUL DOCUMENT ].  The path is compiled; when it compiles it
 * is evaluated against DOCUMENT (if that is valid JSON to ndb's scanner)
 * or else against a fixed document with every kind of node.  Every result
 * is read back (normalised path, node) and the edit splice of KV_UPDATE
 * (jtree_replace) is run on the document, whose output must again be
 * valid JSON.  Sanitizers catch memory and UB errors; the engine's own
 * step budget bounds time (libFuzzer's -timeout catches anything slower).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json/jsonpath.h"
#include "json/scan.h"
#include "json/tree.h"

static const char fixed_doc[] =
    "{\"a\":1,\"b\":[1,2.5,-3,\"x\",null,true,false,[],{}],\"c\":{\"d\":{\"e\":\"deep\",\"length\":7},"
    "\"arr\":[{\"k\":1,\"s\":\"abc\"},{\"k\":2,\"s\":\"\\u00e9t\\u00e9\"},{\"k\":3}]},"
    "\"big\":18446744073709551616,\"neg\":-9223372036854775809,\"r\":1e400,\"s\":\"aaaaaaaab\","
    "\"e\":\"\",\"n\":null,\"o\":{\"x y\":[[[1]]],\"a'b\":\"q\"}}";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static jdoc d = JDOC_INIT, check = JDOC_INIT;
    const char *in = (const char *)data;
    const char *nul = memchr(in, 0, size);
    size_t plen = nul ? (size_t)(nul - in) : size;

    jp_error err = {0, ""};
    jp_path *p = jp_compile(in, plen, &err);
    if (!p) {
        if (!err.msg[0]) {
            fprintf(stderr, "compile failed without a message\n");
            abort();
        }
        return 0;
    }
    if (!nul || jdoc_parse(&d, nul + 1, size - plen - 1, NULL))
        if (jdoc_parse(&d, fixed_doc, sizeof fixed_doc - 1, NULL)) abort();
    jp_numtexts *texts = jp_numtexts_new();
    json_t *root = jtree_build(&d, 0, texts);
    jp_results *res = NULL;
    jp_budget budget = {0, 0};
    int rc = jp_eval_exact(p, root, texts, &budget, &res, &err);
    jp_numtexts_free(texts);
    if (rc == 0) {
        size_t n = jp_results_count(res);
        strbuf s = STRBUF_INIT;
        for (size_t i = 0; i < n; i++) {
            const jp_match *m = jp_results_get(res, i);
            if (!m || !m->node) abort();
            sb_reset(&s);
            jp_normalised_path(m, &s);
            if (s.len == 0 || s.buf[0] != '$') abort();
            if (!m->synthetic) (void)jtree_locate(&d, 0, m->steps, m->nsteps);
        }
        sb_reset(&s);
        jtree_replace(&d, res, "[0,\"v\"]", 7, &s);
        if (jdoc_parse(&check, s.buf ? s.buf : "", s.len, NULL)) {
            fprintf(stderr, "jtree_replace produced invalid JSON: %.300s\n", s.buf ? s.buf : "");
            abort();
        }
        sb_free(&s);
        jp_results_free(res);
    } else if (res) {
        abort(); /* failure must leave *out NULL */
    }
    json_decref(root);
    jp_free(p);
    return 0;
}
