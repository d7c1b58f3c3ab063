/*
 * syntax_error.h — what a JSON parser found where it stopped, in words a
 * person can act on.  Shared by the configuration file's errors and the
 * command-line client's "VALUE is not valid JSON" so that both name the
 * character that is really there (a curly quote pasted from a document, a
 * raw tab, 'é') rather than '?' or its first byte.
 */
#ifndef NDB_JSON_SYNTAX_ERROR_H
#define NDB_JSON_SYNTAX_ERROR_H

#include <stddef.h>

/* Write "unexpected X<where><hint>" to out for the byte at pos (< len) of
 * text, where a JSON parser (ndb's dialect: // and block comments allowed)
 * stopped.  X is the character quoted ('}', 'é'), a curly quote named as
 * such, "control character 0x09" or "byte 0xff" (not UTF-8); a character
 * that would not show (a C1 control, a zero-width or direction mark) is
 * given as its code point instead.  where (may be "") is inserted after X,
 * such as " at byte 6"; the hint names the usual slip: a comma before '}'
 * or ']', single or curly quotes, a raw control character in a string. */
void json_describe_unexpected(char *out, size_t outlen, const char *text, size_t len, size_t pos,
                              const char *where);

#endif
