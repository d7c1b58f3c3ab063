/*
 * test_pwhash.c — password hashes (src/common/pwhash.h): the text form,
 * interoperability with any PBKDF2-HMAC-SHA256 (a hash made by Python's
 * hashlib checks), salting, rejection of malformed and weak hashes, and
 * the base64 helpers.
 */
#include <string.h>

#include "common/pwhash.h"
#include "unit.h"

/* hashlib.pbkdf2_hmac("sha256", b"correct horse", b"ndb-unit-test-16", 100000),
 * written in the PHC form by hand: the format is the standard one. */
static const char python_hash[] =
    "$pbkdf2-sha256$i=100000$bmRiLXVuaXQtdGVzdC0xNg$tc2lkNthB/3Y0rrgOLYksgI1h/uplZqc31tBa5WeoJs";

static void test_interop(void) {
    pwhash h;
    char err[160];
    CHECK_INT(pwhash_parse(&h, python_hash, strlen(python_hash), err, sizeof err), 0);
    CHECK_INT(h.iterations, 100000);
    CHECK_INT(h.salt_len, 16);
    CHECK_INT(h.key_len, 32);
    CHECK(!memcmp(h.salt, "ndb-unit-test-16", 16));
    CHECK_INT(pwhash_verify(&h, "correct horse", 13), 1);
    CHECK_INT(pwhash_verify(&h, "correct hors", 12), 0);
    CHECK_INT(pwhash_verify(&h, "correct horsf", 13), 0);
    CHECK_INT(pwhash_verify(&h, "", 0), 0);
}

static void test_make(void) {
    char a[PWHASH_MAX_TEXT], b[PWHASH_MAX_TEXT], err[160];
    pwhash h;
    CHECK_INT(pwhash_make("hunter2", 7, PWHASH_MIN_ITERATIONS, a), 0);
    CHECK_INT(pwhash_make("hunter2", 7, PWHASH_MIN_ITERATIONS, b), 0);
    CHECK(!strncmp(a, "$pbkdf2-sha256$i=100000$", 24));
    CHECK(strcmp(a, b) != 0); /* salted: the same password hashes differently */
    CHECK_INT(strlen(a), 24 + 22 + 1 + 43); /* 16-byte salt, 32-byte key, no padding */
    CHECK_INT(pwhash_parse(&h, a, strlen(a), err, sizeof err), 0);
    CHECK_INT(pwhash_verify(&h, "hunter2", 7), 1);
    CHECK_INT(pwhash_verify(&h, "hunter3", 7), 0);
    /* a password with NUL bytes and non-ASCII text is hashed as bytes */
    CHECK_INT(pwhash_make("a\0b\xc3\xa9", 5, PWHASH_MIN_ITERATIONS, a), 0);
    CHECK_INT(pwhash_parse(&h, a, strlen(a), err, sizeof err), 0);
    CHECK_INT(pwhash_verify(&h, "a\0b\xc3\xa9", 5), 1);
    CHECK_INT(pwhash_verify(&h, "a", 1), 0);
    /* out of range: refused, nothing written */
    CHECK_INT(pwhash_make("x", 1, PWHASH_MIN_ITERATIONS - 1, a), -1);
    CHECK_INT(pwhash_make("x", 1, PWHASH_MAX_ITERATIONS + 1, a), -1);
}

/* text must be refused with exactly `want`. */
static void expect_bad(const char *text, const char *want) {
    pwhash h;
    char err[200];
    CHECK_INT(pwhash_parse(&h, text, strlen(text), err, sizeof err), -1);
    CHECK_STR(err, want);
}

static void test_parse_errors(void) {
    expect_bad("", "it does not start with '$pbkdf2-sha256$' (a plain password is never stored)");
    expect_bad("hunter2", "it does not start with '$pbkdf2-sha256$' (a plain password is never stored)");
    expect_bad("$2b$12$abcdefghijklmnopqrstuv", "unknown hash scheme '2b' (ndb uses 'pbkdf2-sha256', made by 'ndb passwd')");
    /* a scheme with control characters is not echoed: an error is one line (found by fuzz_config) */
    expect_bad("$pb\nr$i=1$x$y", "unknown hash scheme (ndb uses 'pbkdf2-sha256', made by 'ndb passwd')");
    expect_bad("$pbkdf2-sha256$bmRiLXVuaXQtdGVzdC0xNg$tc2lkNthB", "the hash lacks its iteration count ('i=N' after '$pbkdf2-sha256$')");
    expect_bad("$pbkdf2-sha256$i=1000$bmRiLXVuaXQtdGVzdC0xNg$tc2lkNthB/3Y0rrgOLYksgI1h/uplZqc31tBa5WeoJs",
               "the iteration count must be a whole number from 100000 to 10000000, not 1000");
    expect_bad("$pbkdf2-sha256$i=1e6$bmRiLXVuaXQtdGVzdC0xNg$tc2lkNthB/3Y0rrgOLYksgI1h/uplZqc31tBa5WeoJs",
               "the iteration count must be a whole number from 100000 to 10000000");
    expect_bad("$pbkdf2-sha256$i=99999999999999999999$bmRi$tc2l",
               "the iteration count must be a whole number from 100000 to 10000000");
    expect_bad("$pbkdf2-sha256$i=100000$c2FsdA$tc2lkNthB/3Y0rrgOLYksgI1h/uplZqc31tBa5WeoJs",
               "the salt must be 8 to 64 bytes of base64 (no '=' padding)"); /* 4 bytes */
    expect_bad("$pbkdf2-sha256$i=100000$bmRiLXVuaXQtdGVzdC0xNg==$tc2lkNthB/3Y0rrgOLYksgI1h/uplZqc31tBa5WeoJs",
               "the salt must be 8 to 64 bytes of base64 (no '=' padding)");
    expect_bad("$pbkdf2-sha256$i=100000$bmRiLXVuaXQtdGVzdC0xNg$tc2lk",
               "the hash must be 16 to 64 bytes of base64 (no '=' padding)");
    expect_bad("$pbkdf2-sha256$i=100000$bmRiLXVuaXQtdGVzdC0xNg",
               "the hash must be 16 to 64 bytes of base64 (no '=' padding)");
    expect_bad("$pbkdf2-sha256$i=100000$bmRiLXVuaXQtdGVzdC0xNg$tc2lkNthB/3Y0rrgOLYksgI1h/uplZqc31tBa5WeoJs$",
               "unexpected text after the hash");
}

static void test_b64(void) {
    unsigned char buf[64];
    char text[100];
    static const char *const plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
    static const char *const enc[] = {"", "Zg", "Zm8", "Zm9v", "Zm9vYg", "Zm9vYmE", "Zm9vYmFy"};
    for (int i = 0; i < 7; i++) {
        size_t n = strlen(plain[i]);
        CHECK_INT(pwhash_b64_encode((const unsigned char *)plain[i], n, text), strlen(enc[i]));
        CHECK_STR(text, enc[i]);
        CHECK_INT(pwhash_b64_decode(enc[i], strlen(enc[i]), buf, sizeof buf), n);
        CHECK(!memcmp(buf, plain[i], n));
    }
    CHECK_INT(pwhash_b64_decode("Z", 1, buf, sizeof buf), -1);    /* no length encodes to 1 char */
    CHECK_INT(pwhash_b64_decode("Zm9=", 4, buf, sizeof buf), -1); /* padding is not base64 here */
    CHECK_INT(pwhash_b64_decode("Zm9v", 4, buf, 2), -1);          /* does not fit */
}

int main(void) {
    test_interop();
    test_make();
    test_parse_errors();
    test_b64();
    return UNIT_DONE();
}
