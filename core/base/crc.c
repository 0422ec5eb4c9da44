#include "crc.h"

#include <isa-l/crc.h>
#include <zlib.h>

/* z_off_t is 64 bits on the LP64 targets we build for */
_Static_assert(sizeof(z_off_t) == 8, "z_off_t must be 64 bits");

uint32_t scr_crc32(uint32_t crc, const void *buf, size_t len)
{
	/* crc32_gzip_refl takes a uint64_t length, so no chunking needed */
	return crc32_gzip_refl(crc, buf, len);
}

uint32_t scr_crc32_combine(uint32_t crc_a, uint32_t crc_b, uint64_t len_b)
{
	return (uint32_t)crc32_combine(crc_a, crc_b, (z_off_t)len_b);
}
