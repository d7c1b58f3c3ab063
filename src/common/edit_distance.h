/*
 * edit_distance.h — how far a word is from another, for "did you mean"
 * suggestions: the client's unknown commands and options, the server's
 * unknown settings.
 */
#ifndef NDB_EDIT_DISTANCE_H
#define NDB_EDIT_DISTANCE_H

#include <stddef.h>

/* Optimal-string-alignment distance (insert, delete, substitute, transpose
 * adjacent) between two words; a huge value when either is over 64 bytes
 * (no command or setting is that long: not a typo). */
size_t edit_distance(const char *a, const char *b);

#endif
