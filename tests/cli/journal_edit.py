#!/usr/bin/env python3
"""journal_edit.py — rewrite a journal file as a later ndb would write it,
with every checksum right, for the tests of what this build does with one
(src/server/journal_format.h has the layout).

    journal_edit.py version FILE V     the header's format version is V
    journal_edit.py kind FILE N K      record N (from 1) is of change kind K;
                                       prints the byte offset of the record

Imported, it lends its crc32c() (the CRC-32C of journals and checksum files).

Exits 1 with a message when FILE is not a journal file whose checksums
check out, or has fewer than N records.
"""
import struct
import sys

HEADER = 40  # "NDBJOURN", version, flags, generation, created, reserved, CRC


def crc32c(data):
    crc = 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


def fail(msg):
    sys.exit("journal_edit.py: " + msg)


def main():
    if len(sys.argv) < 4 or sys.argv[1] not in ("version", "kind"):
        fail("usage: version FILE V | kind FILE N K")
    path = sys.argv[2]
    d = bytearray(open(path, "rb").read())
    if d[:8] != b"NDBJOURN" or struct.unpack("<I", d[36:40])[0] != crc32c(d[:36]):
        fail(path + ": not a journal file with a sound header")
    if sys.argv[1] == "version":
        d[8:12] = struct.pack("<I", int(sys.argv[3]))
        d[36:40] = struct.pack("<I", crc32c(d[:36]))
    else:
        n, kind = int(sys.argv[3]), int(sys.argv[4])
        at = HEADER
        for i in range(1, n + 1):
            if at + 8 > len(d):
                fail("%s: fewer than %d records" % (path, n))
            (length,) = struct.unpack("<I", d[at : at + 4])
            if struct.unpack("<I", d[at + 4 : at + 8])[0] != crc32c(d[at : at + 4] + d[at + 8 : at + 8 + length]):
                fail("%s: record %d's checksum does not match" % (path, i))
            if i == n:
                d[at + 8] = kind
                body = d[at : at + 4] + d[at + 8 : at + 8 + length]
                d[at + 4 : at + 8] = struct.pack("<I", crc32c(body))
                print(at)
            at += 8 + length
    open(path, "wb").write(d)


if __name__ == "__main__":
    main()
