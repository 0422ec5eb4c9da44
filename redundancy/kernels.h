/*
 * Redundancy arithmetic on caller-owned buffers: XOR parity and Reed-Solomon
 * over GF(2^8) with a Cauchy matrix (every square sub-matrix invertible, so
 * any k of the k + m blocks rebuild the rest). No I/O, no MPI: the library's
 * exchanges and the commands' offline rebuild share these. Each kernel has a
 * plain C reference twin (_ref) that the tests compare against.
 */
#ifndef SCR_KERNELS_H
#define SCR_KERNELS_H

#include <stddef.h>

/* parity = data[0] ^ ... ^ data[n-1] over len bytes (n >= 1). ISA-L's
 * xor_gen where the buffers allow it (32-byte alignment), plain C otherwise. */
void scr_xor_parity(unsigned char *parity, unsigned char *const *data, int n, size_t len);
void scr_xor_parity_ref(unsigned char *parity, unsigned char *const *data, int n, size_t len);

/* A Reed-Solomon code of k data blocks and m parity blocks, k + m <= 255. */
struct scr_rs {
	int k, m;
	unsigned char *matrix;   /* (k + m) x k: identity on top, Cauchy below */
	unsigned char *tables;   /* ISA-L expansion of the m parity rows */
};

/* 0, -SCR_EINVAL for k, m out of range, or -SCR_ENOMEM. */
int scr_rs_init(struct scr_rs *rs, int k, int m);
void scr_rs_release(struct scr_rs *rs);

/* parity[0..m-1] from data[0..k-1], len bytes each. */
void scr_rs_encode(const struct scr_rs *rs, size_t len, unsigned char *const *data,
		   unsigned char **parity);
void scr_rs_encode_ref(const struct scr_rs *rs, size_t len, unsigned char *const *data,
		       unsigned char **parity);

/*
 * Rebuild erased blocks in place. blocks[0..k+m-1] are the data blocks then
 * the parity blocks, len bytes each; erased[0..nerased-1] lists the indices
 * to rebuild (their buffers are written). 0, -SCR_ENOMEM, or -SCR_EINVAL
 * when nerased > m or an index is out of range or listed twice.
 */
int scr_rs_decode(const struct scr_rs *rs, size_t len, unsigned char **blocks,
		  const int *erased, int nerased);
int scr_rs_decode_ref(const struct scr_rs *rs, size_t len, unsigned char **blocks,
		      const int *erased, int nerased);

/*
 * One stripe of k data and m parity blocks, whichever the code: XOR parity
 * when m is 1 (rs unused, may be NULL), Reed-Solomon otherwise. The schemes
 * and the offline rebuild both call these, so they cannot disagree.
 */
void scr_stripe_encode(const struct scr_rs *rs, int k, int m, size_t len,
		       unsigned char *const *data, unsigned char **parity);
/* Rebuild blocks[erased[...]] in place; 0, or an error as scr_rs_decode (for
 * XOR: unless exactly one block is erased). */
int scr_stripe_decode(const struct scr_rs *rs, int k, int m, size_t len, unsigned char **blocks,
		      const int *erased, int nerased);

#endif
