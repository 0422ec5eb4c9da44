/*
 * Where the blocks of an XOR or Reed-Solomon set live. MPI-free: the
 * library's exchanges and the commands' offline rebuild share it.
 *
 * A set of S members (positions 0..S-1) with m parity blocks per stripe has
 * S stripes of k = S - m data blocks and m parity blocks, each block chunk
 * bytes. Stripe s takes its parity blocks from members s .. s+m-1 and its
 * data blocks from members s+m .. s+S-1 (mod S), so every member holds one
 * block of every stripe and losing any m members costs each stripe at most m
 * blocks. Member p's data (its files as one stream, padded with zeros to
 * k * chunk) is cut into k chunks; chunk c is data block c of stripe
 * p - m - c. Its redundancy payload holds m parity blocks: slot q is parity
 * block q of stripe p - q. Blocks are numbered 0..k-1 (data), k..k+m-1
 * (parity) within a stripe, as the kernels take them.
 */
#ifndef SCR_STRIPE_H
#define SCR_STRIPE_H

#include <stdint.h>

static inline int stripe_mod(int a, int S)
{
	return ((a % S) + S) % S;
}

/* the position holding block b of stripe s */
static inline int stripe_holder(int S, int m, int s, int b)
{
	int k = S - m;
	return b < k ? stripe_mod(s + m + b, S) : stripe_mod(s + (b - k), S);
}

/* the stripe that member p's data chunk c (its block c) belongs to */
static inline int stripe_of_chunk(int S, int m, int p, int c)
{
	return stripe_mod(p - m - c, S);
}

/* the stripe whose parity block q member p keeps in payload slot q */
static inline int stripe_of_parity(int S, int p, int q)
{
	return stripe_mod(p - q, S);
}

/* Whether block b of a stripe is at hand, given what each position kept:
 * data blocks need the member's files, parity blocks its redundancy file. */
static inline int stripe_block_ok(int S, int m, int s, int b, const int *has_data,
				  const int *has_red)
{
	int p = stripe_holder(S, m, s, b);
	return b < S - m ? has_data[p] : has_red[p];
}

/* Whether a set of S members with m parity blocks per stripe can rebuild
 * what its members lost: every stripe keeps at least k = S - m blocks. The
 * one rule, for the MPI rebuild and the offline one alike. */
static inline int stripe_set_rebuildable(int S, int m, const int *has_data, const int *has_red)
{
	for (int s = 0; s < S; s++) {
		int missing = 0;
		for (int b = 0; b < S; b++)
			missing += !stripe_block_ok(S, m, s, b, has_data, has_red);
		if (missing > m)
			return 0;
	}
	return 1;
}

/* chunk size: the longest member's data over k blocks */
static inline uint64_t stripe_chunk(uint64_t longest, int k)
{
	return (longest + (uint64_t)k - 1) / (uint64_t)k;
}

#endif
