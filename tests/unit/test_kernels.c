/*
 * Redundancy kernels against their plain C reference twins, ISA-L style:
 * fixed seed, many shapes and lengths (aligned and not), random erasures.
 */
#include "check.h"

#include "kernels.h"
#include "scr_err.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* 32-byte aligned buffer, optionally offset to break the alignment */
static unsigned char *buffer(size_t len, size_t skew, unsigned char **base)
{
	*base = aligned_alloc(32, ((len + skew + 31) / 32) * 32 + 32);
	return *base + skew;
}

static void fill(unsigned char *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (unsigned char)rand();
}

static void test_xor(void)
{
	const size_t lens[] = { 1, 31, 32, 33, 4096, 100000 };
	for (size_t l = 0; l < sizeof(lens) / sizeof(lens[0]); l++) {
		for (int n = 1; n <= 9; n += 2) {
			for (size_t skew = 0; skew <= 3; skew += 3) {
				size_t len = lens[l];
				unsigned char *bases[10], *data[9], *pb, *rb;
				for (int i = 0; i < n; i++) {
					data[i] = buffer(len, skew, &bases[i]);
					fill(data[i], len);
				}
				unsigned char *p = buffer(len, skew, &pb), *r = buffer(len, skew, &rb);
				scr_xor_parity(p, data, n, len);
				scr_xor_parity_ref(r, data, n, len);
				CHECK(memcmp(p, r, len) == 0);
				/* any one block is the XOR of the others and the parity */
				if (n >= 2) {
					int lost = rand() % n;
					unsigned char *keep = data[lost];
					unsigned char *others[10];
					int m = 0;
					for (int i = 0; i < n; i++)
						if (i != lost)
							others[m++] = data[i];
					others[m++] = p;
					unsigned char *rebuilt = buffer(len, skew, &bases[9]);
					scr_xor_parity(rebuilt, others, m, len);
					CHECK(memcmp(rebuilt, keep, len) == 0);
					free(bases[9]);
				}
				for (int i = 0; i < n; i++)
					free(bases[i]);
				free(pb);
				free(rb);
			}
		}
	}
}

static void test_rs_shape(int k, int m, size_t len, int trials)
{
	struct scr_rs rs;
	CHECK_EQ_INT(scr_rs_init(&rs, k, m), 0);
	int n = k + m;
	unsigned char **blocks = calloc((size_t)n, sizeof(*blocks));
	unsigned char **bases = calloc((size_t)n, sizeof(*bases));
	unsigned char **orig = calloc((size_t)n, sizeof(*orig));
	unsigned char **ref = calloc((size_t)m, sizeof(*ref));
	for (int i = 0; i < n; i++) {
		blocks[i] = buffer(len, 0, &bases[i]);
		orig[i] = malloc(len);
	}
	for (int j = 0; j < m; j++)
		ref[j] = malloc(len);
	for (int i = 0; i < k; i++)
		fill(blocks[i], len);
	scr_rs_encode(&rs, len, blocks, blocks + k);
	scr_rs_encode_ref(&rs, len, blocks, ref);
	int same = 1;
	for (int j = 0; j < m; j++)
		same &= memcmp(blocks[k + j], ref[j], len) == 0;
	CHECK(same);
	for (int i = 0; i < n; i++)
		memcpy(orig[i], blocks[i], len);

	int *erased = malloc((size_t)n * sizeof(int));
	for (int t = 0; t < trials; t++) {
		/* up to m distinct random erasures, rebuilt by both versions */
		int ne = 1 + rand() % m;
		for (int e = 0; e < ne;) {
			int x = rand() % n, dup = 0;
			for (int f = 0; f < e; f++)
				dup |= erased[f] == x;
			if (!dup)
				erased[e++] = x;
		}
		for (int version = 0; version < 2; version++) {
			for (int e = 0; e < ne; e++)
				memset(blocks[erased[e]], 0xA5, len);
			int rc = version ? scr_rs_decode_ref(&rs, len, blocks, erased, ne)
					 : scr_rs_decode(&rs, len, blocks, erased, ne);
			CHECK_EQ_INT(rc, 0);
			int ok = 1;
			for (int i = 0; i < n; i++)
				ok &= memcmp(blocks[i], orig[i], len) == 0;
			CHECK(ok);
		}
	}
	/* one erasure too many, a repeated or bad index: refused */
	if (m + 1 <= n) {
		for (int e = 0; e <= m; e++)
			erased[e] = e;
		CHECK_EQ_INT(scr_rs_decode(&rs, len, blocks, erased, m + 1), -SCR_EINVAL);
		CHECK_EQ_INT(scr_rs_decode_ref(&rs, len, blocks, erased, m + 1), -SCR_EINVAL);
	}
	erased[0] = 0;
	erased[1] = 0;
	if (m >= 2)
		CHECK_EQ_INT(scr_rs_decode(&rs, len, blocks, erased, 2), -SCR_EINVAL);
	erased[0] = n;
	CHECK_EQ_INT(scr_rs_decode(&rs, len, blocks, erased, 1), -SCR_EINVAL);
	CHECK_EQ_INT(scr_rs_decode(&rs, len, blocks, erased, 0), 0);

	free(erased);
	for (int i = 0; i < n; i++) {
		free(bases[i]);
		free(orig[i]);
	}
	for (int j = 0; j < m; j++)
		free(ref[j]);
	free(blocks);
	free(bases);
	free(orig);
	free(ref);
	scr_rs_release(&rs);
}

int main(void)
{
	srand(20261123);
	test_xor();
	const int shapes[][2] = { { 1, 1 }, { 2, 1 }, { 3, 2 }, { 4, 2 }, { 6, 3 }, { 7, 2 },
				  { 10, 4 }, { 16, 3 } };
	const size_t lens[] = { 1, 63, 64, 1000, 65536 + 7 };
	for (size_t s = 0; s < sizeof(shapes) / sizeof(shapes[0]); s++)
		for (size_t l = 0; l < sizeof(lens) / sizeof(lens[0]); l++)
			test_rs_shape(shapes[s][0], shapes[s][1], lens[l], 12);
	struct scr_rs rs;
	CHECK_EQ_INT(scr_rs_init(&rs, 0, 2), -SCR_EINVAL);
	CHECK_EQ_INT(scr_rs_init(&rs, 250, 6), -SCR_EINVAL);
	CHECK_EQ_INT(scr_rs_init(&rs, 2, 0), -SCR_EINVAL);
	return check_done("test_kernels");
}
