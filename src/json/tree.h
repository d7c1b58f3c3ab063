/*
 * tree.h — from ndb's stored JSON text to jansson trees, and back to text
 * without losing what jansson cannot hold.
 *
 * JSONPath needs a tree to walk, but jansson rejects integers above 2^63-1
 * and prints 0.1 as 0.10000000000000001.  So trees are only ever used to
 * *find* nodes: results are located again in the original text by their
 * path, and edits (KV_UPDATE, KV_ARR_APPEND) splice request text into the
 * stored text.  Every byte outside the replaced spans stays as it was.
 */
#ifndef NDB_JSON_TREE_H
#define NDB_JSON_TREE_H

#include <jansson.h>

#include "json/jsonpath.h"
#include "json/scan.h"

/* Build a jansson tree of the value at token i of d.  Integers that fit in
 * 64-bit signed become integers; every other number becomes a real (the
 * nearest double; beyond the double range, ±DBL_MAX), and when that double
 * is not exactly its value (0.1, 2^64, 1e400) its text is recorded in texts
 * (unless NULL) for exact comparisons (jp_eval_exact).  Duplicate member
 * names keep their first occurrence.  Returns a new reference. */
json_t *jtree_build(const jdoc *d, uint32_t i, jp_numtexts *texts);

/* Token index of the node that `steps` lead to from token `root` of d, or
 * 0 if there is none (0 is only ever the root itself, handled by nsteps=0:
 * then `root` is returned).  One walk, linear in the containers passed:
 * for many paths use jtree_replace, which indexes them once. */
uint32_t jtree_locate(const jdoc *d, uint32_t root, const jp_step *steps, size_t nsteps);

/* Write into out the text of d (whose root is token 0) with the value of
 * every matched node replaced by `with` (wlen bytes).  Synthetic matches
 * (the `length` pseudo-member) change nothing.  When one replaced node
 * contains another, the outer replacement wins.  Matches are located
 * through per-container tables built once (tree.c), so the time is linear
 * in the size of the value plus the matches' path lengths. */
void jtree_replace(const jdoc *d, const jp_results *res, const char *with, size_t wlen, strbuf *out);

/* As jtree_replace, but first compute the length of the new text, and when it would pass
 * max_len write nothing and return -1 (a value of 2,000 elements each replaced by 500 KB
 * is 1 GB: refuse it before building it).  Returns 0 when out was written. */
int jtree_replace_max(const jdoc *d, const jp_results *res, const char *with, size_t wlen,
                      size_t max_len, strbuf *out);

#endif
