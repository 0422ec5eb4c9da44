/* CRC32 throughput: scr_crc32 (ISA-L) against zlib's crc32 on one buffer,
 * same values required. Prints MB/s of each and the ratio. */
#include "crc.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <zlib.h>

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
	size_t mib = argc > 1 ? (size_t)atol(argv[1]) : 256;
	size_t n = mib << 20;
	unsigned char *buf = malloc(n);
	if (!buf)
		return 1;
	for (size_t i = 0; i < n; i++)
		buf[i] = (unsigned char)(i * 2654435761u >> 13);
	double best_isal = 1e9, best_zlib = 1e9;
	uint32_t a = 0;
	uLong b = 0;
	for (int rep = 0; rep < 3; rep++) {
		double t = now();
		a = scr_crc32(0, buf, n);
		t = now() - t;
		if (t < best_isal)
			best_isal = t;
		t = now();
		b = crc32(0, buf, (uInt)n);
		t = now() - t;
		if (t < best_zlib)
			best_zlib = t;
	}
	free(buf);
	if (a != (uint32_t)b) {
		fprintf(stderr, "crc mismatch: isa-l %08x zlib %08lx\n", a, b);
		return 1;
	}
	printf("crc32 over %zu MiB: isa-l %.0f MB/s, zlib %.0f MB/s, ratio %.2fx\n", mib,
	       (double)n / best_isal / 1e6, (double)n / best_zlib / 1e6, best_zlib / best_isal);
	return 0;
}
