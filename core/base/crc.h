/*
 * CRC32 with zlib's polynomial and conventions (crc32(0, buf, len) values),
 * computed with ISA-L's crc32_gzip_refl, several times faster than zlib.
 */
#ifndef SCR_CRC_H
#define SCR_CRC_H

#include <stddef.h>
#include <stdint.h>

/* Continue a running crc (start from 0) over buf. */
uint32_t scr_crc32(uint32_t crc, const void *buf, size_t len);
/* crc of A||B from crc(A), crc(B) and len(B) (zlib's crc32_combine). */
uint32_t scr_crc32_combine(uint32_t crc_a, uint32_t crc_b, uint64_t len_b);

#endif
