/*
 * crc32c.h — CRC-32C (Castagnoli polynomial 0x1EDC6F41, reflected), the
 * checksum of every journal record.
 *
 * CRC-32C rather than the zlib CRC-32 because x86-64 computes it in
 * hardware (SSE4.2 `crc32`), 8 bytes per instruction; where that is
 * missing, a table-driven version processes 8 bytes per step.  The result
 * is the standard one (crc32c("123456789") == 0xE3069283).
 */
#ifndef NDB_CRC32C_H
#define NDB_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* Continue the checksum `crc` (0 to start) over n bytes at p: crc32c(crc32c(0,
 * a, n), b, m) equals the checksum of a followed by b. */
uint32_t crc32c(uint32_t crc, const void *p, size_t n);

/* The same, always by tables (for tests comparing the two ways). */
uint32_t crc32c_portable(uint32_t crc, const void *p, size_t n);

#endif
