#include "kernels.h"

#include "scr_err.h"

#include <isa-l/erasure_code.h>
#include <isa-l/raid.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ISA-L takes int lengths: work in pieces well below INT_MAX */
#define PIECE ((size_t)1 << 30)

/* ---- XOR ---- */

void scr_xor_parity_ref(unsigned char *parity, unsigned char *const *data, int n, size_t len)
{
	memcpy(parity, data[0], len);
	for (int i = 1; i < n; i++)
		for (size_t b = 0; b < len; b++)
			parity[b] ^= data[i][b];
}

static int aligned32(const void *p)
{
	return ((uintptr_t)p & 31) == 0;
}

void scr_xor_parity(unsigned char *parity, unsigned char *const *data, int n, size_t len)
{
	int ok = n >= 2 && aligned32(parity);
	for (int i = 0; ok && i < n; i++)
		ok = aligned32(data[i]);
	size_t fast = ok ? len & ~(size_t)31 : 0;
	void **array = fast ? malloc((size_t)(n + 1) * sizeof(void *)) : NULL;
	if (!array)
		fast = 0;
	for (size_t off = 0; off < fast; off += PIECE) {
		size_t piece = fast - off < PIECE ? fast - off : PIECE;
		for (int i = 0; i < n; i++)
			array[i] = data[i] + off;
		array[n] = parity + off;
		xor_gen(n + 1, (int)piece, array);
	}
	free(array);
	if (fast < len) {
		/* the unaligned rest, plainly */
		unsigned char **tail = malloc((size_t)n * sizeof(*tail));
		if (tail) {
			for (int i = 0; i < n; i++)
				tail[i] = data[i] + fast;
			scr_xor_parity_ref(parity + fast, tail, n, len - fast);
			free(tail);
		} else {
			for (size_t b = fast; b < len; b++) {
				unsigned char x = 0;
				for (int i = 0; i < n; i++)
					x ^= data[i][b];
				parity[b] = x;
			}
		}
	}
}

/* ---- GF(2^8), polynomial x^8 + x^4 + x^3 + x^2 + 1 (0x11d), as ISA-L ---- */

static unsigned char gf_mul_ref(unsigned char a, unsigned char b)
{
	unsigned char p = 0;
	while (b) {
		if (b & 1)
			p ^= a;
		a = (unsigned char)((a << 1) ^ (a & 0x80 ? 0x1d : 0));
		b >>= 1;
	}
	return p;
}

static unsigned char gf_inv_ref(unsigned char a)
{
	/* a^254 = a^-1 in GF(2^8) */
	unsigned char r = 1;
	for (int i = 0; i < 254; i++)
		r = gf_mul_ref(r, a);
	return r;
}

/* ---- Reed-Solomon ---- */

int scr_rs_init(struct scr_rs *rs, int k, int m)
{
	memset(rs, 0, sizeof(*rs));
	if (k < 1 || m < 1 || k + m > 255)
		return -SCR_EINVAL;
	rs->k = k;
	rs->m = m;
	rs->matrix = malloc((size_t)(k + m) * (size_t)k);
	rs->tables = malloc((size_t)32 * (size_t)k * (size_t)m);
	if (!rs->matrix || !rs->tables) {
		scr_rs_release(rs);
		return -SCR_ENOMEM;
	}
	gf_gen_cauchy1_matrix(rs->matrix, k + m, k);
	ec_init_tables(k, m, rs->matrix + (size_t)k * (size_t)k, rs->tables);
	return 0;
}

void scr_rs_release(struct scr_rs *rs)
{
	free(rs->matrix);
	free(rs->tables);
	memset(rs, 0, sizeof(*rs));
}

void scr_rs_encode(const struct scr_rs *rs, size_t len, unsigned char *const *data,
		   unsigned char **parity)
{
	unsigned char **in = malloc((size_t)rs->k * sizeof(*in));
	unsigned char **out = malloc((size_t)rs->m * sizeof(*out));
	if (!in || !out) {
		free(in);
		free(out);
		scr_rs_encode_ref(rs, len, data, parity);
		return;
	}
	for (size_t off = 0; off < len; off += PIECE) {
		size_t piece = len - off < PIECE ? len - off : PIECE;
		for (int i = 0; i < rs->k; i++)
			in[i] = data[i] + off;
		for (int j = 0; j < rs->m; j++)
			out[j] = parity[j] + off;
		ec_encode_data((int)piece, rs->k, rs->m, rs->tables, in, out);
	}
	free(in);
	free(out);
}

void scr_rs_encode_ref(const struct scr_rs *rs, size_t len, unsigned char *const *data,
		       unsigned char **parity)
{
	/* the reference builds its own Cauchy rows: 1 / (row ^ column) */
	for (int j = 0; j < rs->m; j++) {
		int row = rs->k + j;
		memset(parity[j], 0, len);
		for (int i = 0; i < rs->k; i++) {
			unsigned char c = gf_inv_ref((unsigned char)(row ^ i));
			for (size_t b = 0; b < len; b++)
				parity[j][b] ^= gf_mul_ref(c, data[i][b]);
		}
	}
}

/* Which k surviving blocks to rebuild from; -1 when too few or bad input. */
static int pick_survivors(const struct scr_rs *rs, const int *erased, int nerased,
			  int *survivors)
{
	int n = rs->k + rs->m;
	if (nerased < 0 || nerased > rs->m)
		return -SCR_EINVAL;
	char *gone = calloc((size_t)n, 1);
	if (!gone)
		return -SCR_ENOMEM;
	for (int e = 0; e < nerased; e++) {
		if (erased[e] < 0 || erased[e] >= n || gone[erased[e]]) {
			free(gone);
			return -SCR_EINVAL;
		}
		gone[erased[e]] = 1;
	}
	int s = 0;
	for (int i = 0; i < n && s < rs->k; i++)
		if (!gone[i])
			survivors[s++] = i;
	free(gone);
	return s == rs->k ? 0 : -1;
}

/* Rows, over the survivors, that give each erased block: the inverse of
 * the survivors' sub-matrix times the erased blocks' rows. */
static int decode_rows(const struct scr_rs *rs, const unsigned char *matrix,
		       const int *survivors, const int *erased, int nerased, unsigned char *rows,
		       int (*invert)(unsigned char *, unsigned char *, int),
		       unsigned char (*mul)(unsigned char, unsigned char))
{
	int k = rs->k;
	unsigned char *sub = malloc((size_t)k * (size_t)k);
	unsigned char *inv = malloc((size_t)k * (size_t)k);
	int rc = sub && inv ? 0 : -SCR_ENOMEM;
	for (int r = 0; !rc && r < k; r++)
		memcpy(sub + (size_t)r * k, matrix + (size_t)survivors[r] * k, (size_t)k);
	if (!rc && invert(sub, inv, k) != 0)
		rc = -SCR_EINVAL;
	for (int e = 0; !rc && e < nerased; e++) {
		const unsigned char *want = matrix + (size_t)erased[e] * k;
		for (int c = 0; c < k; c++) {
			unsigned char v = 0;
			for (int t = 0; t < k; t++)
				v ^= mul(want[t], inv[(size_t)t * k + c]);
			rows[(size_t)e * k + c] = v;
		}
	}
	free(sub);
	free(inv);
	return rc;
}

static unsigned char isal_mul(unsigned char a, unsigned char b)
{
	return gf_mul(a, b);
}

static int isal_invert(unsigned char *in, unsigned char *out, int n)
{
	return gf_invert_matrix(in, out, n);
}

int scr_rs_decode(const struct scr_rs *rs, size_t len, unsigned char **blocks,
		  const int *erased, int nerased)
{
	if (nerased == 0)
		return 0;
	int k = rs->k;
	int *survivors = malloc((size_t)k * sizeof(int));
	unsigned char *rows = malloc((size_t)nerased * (size_t)k);
	unsigned char *tables = malloc((size_t)32 * (size_t)k * (size_t)nerased);
	unsigned char **in = malloc((size_t)k * sizeof(*in));
	unsigned char **out = malloc((size_t)nerased * sizeof(*out));
	int rc = survivors && rows && tables && in && out ? 0 : -1;
	if (!rc)
		rc = pick_survivors(rs, erased, nerased, survivors);
	if (!rc)
		rc = decode_rows(rs, rs->matrix, survivors, erased, nerased, rows, isal_invert,
				 isal_mul);
	if (!rc) {
		ec_init_tables(k, nerased, rows, tables);
		for (size_t off = 0; off < len; off += PIECE) {
			size_t piece = len - off < PIECE ? len - off : PIECE;
			for (int i = 0; i < k; i++)
				in[i] = blocks[survivors[i]] + off;
			for (int e = 0; e < nerased; e++)
				out[e] = blocks[erased[e]] + off;
			ec_encode_data((int)piece, k, nerased, tables, in, out);
		}
	}
	free(survivors);
	free(rows);
	free(tables);
	free(in);
	free(out);
	return rc;
}

/* Gauss-Jordan inversion in GF(2^8); 0, or -1 when singular. */
static int invert_ref(unsigned char *in, unsigned char *out, int n)
{
	for (int r = 0; r < n; r++)
		for (int c = 0; c < n; c++)
			out[(size_t)r * n + c] = r == c;
	for (int col = 0; col < n; col++) {
		int pivot = col;
		while (pivot < n && !in[(size_t)pivot * n + col])
			pivot++;
		if (pivot == n)
			return -SCR_EINVAL;
		for (int c = 0; c < n; c++) {
			unsigned char t = in[(size_t)col * n + c];
			in[(size_t)col * n + c] = in[(size_t)pivot * n + c];
			in[(size_t)pivot * n + c] = t;
			t = out[(size_t)col * n + c];
			out[(size_t)col * n + c] = out[(size_t)pivot * n + c];
			out[(size_t)pivot * n + c] = t;
		}
		unsigned char scale = gf_inv_ref(in[(size_t)col * n + col]);
		for (int c = 0; c < n; c++) {
			in[(size_t)col * n + c] = gf_mul_ref(in[(size_t)col * n + c], scale);
			out[(size_t)col * n + c] = gf_mul_ref(out[(size_t)col * n + c], scale);
		}
		for (int r = 0; r < n; r++) {
			unsigned char f = in[(size_t)r * n + col];
			if (r == col || !f)
				continue;
			for (int c = 0; c < n; c++) {
				in[(size_t)r * n + c] ^= gf_mul_ref(f, in[(size_t)col * n + c]);
				out[(size_t)r * n + c] ^= gf_mul_ref(f, out[(size_t)col * n + c]);
			}
		}
	}
	return 0;
}

int scr_rs_decode_ref(const struct scr_rs *rs, size_t len, unsigned char **blocks,
		      const int *erased, int nerased)
{
	if (nerased == 0)
		return 0;
	int k = rs->k;
	int *survivors = malloc((size_t)k * sizeof(int));
	unsigned char *rows = malloc((size_t)nerased * (size_t)k);
	/* the reference's own matrix: identity over Cauchy rows 1 / (row ^ col) */
	unsigned char *matrix = malloc((size_t)(k + rs->m) * (size_t)k);
	int rc = survivors && rows && matrix ? 0 : -1;
	for (int r = 0; !rc && r < k + rs->m; r++)
		for (int c = 0; c < k; c++)
			matrix[(size_t)r * k + c] = r < k ? r == c : gf_inv_ref((unsigned char)(r ^ c));
	if (!rc)
		rc = pick_survivors(rs, erased, nerased, survivors);
	if (!rc)
		rc = decode_rows(rs, matrix, survivors, erased, nerased, rows, invert_ref, gf_mul_ref);
	for (int e = 0; !rc && e < nerased; e++) {
		unsigned char *dst = blocks[erased[e]];
		memset(dst, 0, len);
		for (int i = 0; i < k; i++) {
			unsigned char c = rows[(size_t)e * k + i];
			const unsigned char *src = blocks[survivors[i]];
			for (size_t b = 0; b < len; b++)
				dst[b] ^= gf_mul_ref(c, src[b]);
		}
	}
	free(survivors);
	free(rows);
	free(matrix);
	return rc;
}

/* ---- a stripe, either code ---- */

void scr_stripe_encode(const struct scr_rs *rs, int k, int m, size_t len,
		       unsigned char *const *data, unsigned char **parity)
{
	if (m == 1)
		scr_xor_parity(parity[0], data, k, len);
	else
		scr_rs_encode(rs, len, data, parity);
}

int scr_stripe_decode(const struct scr_rs *rs, int k, int m, size_t len, unsigned char **blocks,
		      const int *erased, int nerased)
{
	if (m != 1)
		return scr_rs_decode(rs, len, blocks, erased, nerased);
	if (nerased != 1 || erased[0] < 0 || erased[0] > k)
		return -SCR_EINVAL;
	/* the lost block is the XOR of the k others */
	unsigned char **others = malloc((size_t)k * sizeof(*others));
	if (!others)
		return -SCR_ENOMEM;
	for (int b = 0, n = 0; b <= k; b++)
		if (b != erased[0])
			others[n++] = blocks[b];
	scr_xor_parity(blocks[erased[0]], others, k, len);
	free(others);
	return 0;
}
