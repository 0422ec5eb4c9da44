/* Redundancy kernels: ISA-L against the plain C reference twins, same
 * buffers, same run. 8 data blocks of 4 MiB; XOR parity and RS(8+2). */
#include "kernels.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(void)
{
	enum { K = 8, M = 2 };
	size_t len = 4u << 20;
	unsigned char *data[K], *parity[M];
	for (int i = 0; i < K; i++) {
		data[i] = aligned_alloc(32, len);
		for (size_t b = 0; b < len; b++)
			data[i][b] = (unsigned char)(b * 7 + (size_t)i * 13);
	}
	for (int j = 0; j < M; j++)
		parity[j] = aligned_alloc(32, len);
	double mb = (double)K * (double)len / 1e6;

	double t = now();
	scr_xor_parity(parity[0], data, K, len);
	double fast = now() - t;
	t = now();
	scr_xor_parity_ref(parity[1], data, K, len);
	double ref = now() - t;
	printf("xor %d x %zu MiB: isa-l %.0f MB/s, reference %.0f MB/s, ratio %.1fx\n", K,
	       len >> 20, mb / fast, mb / ref, ref / fast);

	struct scr_rs rs;
	if (scr_rs_init(&rs, K, M) != 0)
		return 1;
	t = now();
	scr_rs_encode(&rs, len, data, parity);
	fast = now() - t;
	t = now();
	scr_rs_encode_ref(&rs, len, data, parity);
	ref = now() - t;
	printf("reed-solomon %d+%d x %zu MiB: isa-l %.0f MB/s, reference %.0f MB/s, ratio %.1fx\n",
	       K, M, len >> 20, mb / fast, mb / ref, ref / fast);
	scr_rs_release(&rs);
	for (int i = 0; i < K; i++)
		free(data[i]);
	for (int j = 0; j < M; j++)
		free(parity[j]);
	return 0;
}
