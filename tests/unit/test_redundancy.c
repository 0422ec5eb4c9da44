/*
 * The MPI-free redundancy pieces, fixed seed: sets built from failure groups
 * (properties over many shapes, and the documented orderings), the
 * redundancy file (round trip; every byte flipped, every truncation, and
 * CRC-valid hostile headers and records), and a rank's files as one stream.
 */
#define _GNU_SOURCE
#include "check.h"

#include "redfile.h"
#include "scr_err.h"
#include "sets.h"
#include "stream.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

/* ---- sets ---- */

/* Builds the sets of n <= 64 ranks and checks their properties. */
static void check_sets(int n, const int *ids, int S)
{
	int set_of[64], pos_of[64], gsize[65] = { 0 }, maxg = 0, failed = check_failed;
	for (int r = 0; r < n; r++) {
		set_of[r] = pos_of[r] = -7;
		if (++gsize[ids[r]] > maxg)
			maxg = gsize[ids[r]];
	}
	int rc = scr_red_build_sets(n, ids, S, set_of, pos_of);
	/* sets exist iff no group holds more than half the ranks */
	if (n < 2 || 2 * maxg > n)
		CHECK_EQ_INT(rc, -SCR_ECONFIG);
	else
		CHECK(rc > 0);
	if (rc > 0) {
		static int at[64][64];
		int size[64] = { 0 }, assigned = 1, unique = 1, contiguous = 1, distinct = 1;
		int big = 1, bound = 1, merged_group = -1, one_merge_group = 1;
		memset(at, -1, sizeof(at));
		for (int r = 0; r < n; r++) {
			if (set_of[r] < 0 || set_of[r] >= rc || pos_of[r] < 0 || pos_of[r] >= n) {
				assigned = 0;
				continue;
			}
			unique &= at[set_of[r]][pos_of[r]] == -1;
			at[set_of[r]][pos_of[r]] = r;
			size[set_of[r]]++;
		}
		for (int s = 0; s < rc; s++) {
			for (int p = 0; p < size[s]; p++)
				for (int q = p; q < size[s]; q++)
					if (q == p)
						contiguous &= at[s][p] >= 0;
					else if (at[s][p] >= 0 && at[s][q] >= 0)
						distinct &= ids[at[s][p]] != ids[at[s][q]];
			big &= size[s] >= 2;
			bound &= S == 0 || size[s] <= S + 1;
			/* an oversized set got a 1-member leftover, appended last;
			 * leftovers are all of one group (else they had met) */
			if (S > 0 && size[s] == S + 1 && at[s][S] >= 0) {
				one_merge_group &= merged_group < 0 || merged_group == ids[at[s][S]];
				merged_group = ids[at[s][S]];
			}
		}
		CHECK(assigned && unique && contiguous);   /* a place each, 0..size-1 */
		CHECK(distinct);
		CHECK(big && bound);
		CHECK(one_merge_group);
	}
	if (check_failed != failed) {   /* name the shape */
		for (int r = 0; r < n; r++)
			fprintf(stderr, " %d", ids[r]);
		fprintf(stderr, "  <- groups; set_size %d rc %d\n", S, rc);
	}
}

static void check_all_sizes(int n, const int *ids)
{
	for (int S = 0; S <= 8; S += S ? 1 : 2)
		check_sets(n, ids, S);
}

static void test_sets(void)
{
	int ids[64], set_of[64], pos_of[64];
	const char *bac[] = { "b", "a", "b", "c" };   /* numbered by lowest rank */
	CHECK_EQ_INT(scr_red_group_ids(4, bac, ids), 0);
	CHECK(ids[0] == 0 && ids[1] == 1 && ids[2] == 0 && ids[3] == 2);

	/* nodes x ranks per node, block and round-robin placement */
	for (int nodes = 1; nodes <= 12; nodes++)
		for (int ppn = 1; ppn <= 4; ppn++) {
			for (int r = 0; r < nodes * ppn; r++)
				ids[r] = r / ppn;
			check_all_sizes(nodes * ppn, ids);
			for (int r = 0; r < nodes * ppn; r++)
				ids[r] = r % nodes;
			check_all_sizes(nodes * ppn, ids);
		}
	/* uneven ranks per node */
	const int uneven[][6] = { { 3, 2, 2, 1 }, { 2, 1, 1 }, { 3, 2, 2, 2 }, { 1, 2, 3, 4 },
				  { 4, 1 }, { 5, 5, 1 }, { 1, 1 }, { 4, 4, 4, 1, 1, 1 } };
	for (size_t u = 0; u < sizeof(uneven) / sizeof(uneven[0]); u++) {
		int n = 0;
		for (int g = 0; g < 6; g++)
			for (int k = 0; k < uneven[u][g]; k++)
				ids[n++] = g;
		check_all_sizes(n, ids);
	}
	/* random group names, through scr_red_group_ids */
	for (int t = 0; t < 400; t++) {
		int n = 1 + rand() % 24, ng = 1 + rand() % 8, named[64], first[8], next = 0, same = 1;
		char names[64][8];
		const char *np[64];
		for (int r = 0; r < n; r++) {
			named[r] = rand() % ng;
			snprintf(names[r], sizeof(names[r]), "n%d", named[r]);
			np[r] = names[r];
		}
		CHECK_EQ_INT(scr_red_group_ids(n, np, ids), 0);
		memset(first, -1, sizeof(first));
		for (int r = 0; r < n; r++) {
			if (first[named[r]] < 0)
				first[named[r]] = next++;
			same &= ids[r] == first[named[r]];
		}
		CHECK(same);
		check_all_sizes(n, ids);
	}
	memset(ids, 0, sizeof(ids));   /* one group; one rank */
	CHECK_EQ_INT(scr_red_build_sets(6, ids, 0, set_of, pos_of), -SCR_ECONFIG);
	CHECK_EQ_INT(scr_red_build_sets(1, ids, 2, set_of, pos_of), -SCR_ECONFIG);

	/* one rank per node: set i is nodes i*S .. i*S+S-1 */
	for (int S = 2; S <= 8; S++)
		for (int k = 1; k <= 3; k++) {
			int ok = 1;
			for (int r = 0; r < k * S; r++)
				ids[r] = r;
			CHECK_EQ_INT(scr_red_build_sets(k * S, ids, S, set_of, pos_of), k);
			for (int r = 0; r < k * S; r++)
				ok &= set_of[r] == r / S && pos_of[r] == r % S;
			CHECK(ok);
		}
	/* 4 nodes x 2 ranks, set_size 8: {0,2,4,6} and {1,3,5,7} */
	for (int r = 0; r < 8; r++)
		ids[r] = r / 2;
	CHECK_EQ_INT(scr_red_build_sets(8, ids, 8, set_of, pos_of), 2);
	for (int r = 0; r < 8; r++) {
		CHECK_EQ_INT(set_of[r], r % 2);
		CHECK_EQ_INT(pos_of[r], r / 2);
	}
}

/* ---- the redundancy file ---- */

static void fill(unsigned char *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (unsigned char)rand();
}

static void make_record(struct scr_red_record *r, int rank, size_t nfiles, const char *const *paths)
{
	*r = (struct scr_red_record){ .rank = rank, .nfiles = nfiles,
				      .files = calloc(nfiles + 1, sizeof(*r->files)),
				      .meta_len = (size_t)(rank % 3 == 2 ? 0 : rand() % 200) };
	for (size_t i = 0; i < nfiles; i++)
		r->files[i] = (struct scr_red_rfile){ strdup(paths[i]),
			(uint64_t)rand() * 977 + (i == 1 ? 1ULL << 40 : 0), (uint32_t)rand() };
	r->meta = malloc(r->meta_len + 1);
	fill(r->meta, r->meta_len);
}

static int records_equal(const struct scr_red_record *a, const struct scr_red_record *b)
{
	int eq = a->rank == b->rank && a->nfiles == b->nfiles && a->meta_len == b->meta_len &&
		 memcmp(a->meta, b->meta, a->meta_len) == 0;
	for (size_t i = 0; eq && i < a->nfiles; i++)
		eq = strcmp(a->files[i].path, b->files[i].path) == 0 &&
		     a->files[i].size == b->files[i].size && a->files[i].crc == b->files[i].crc;
	return eq;
}

static int headers_equal(const struct scr_red_header *a, const struct scr_red_header *b)
{
	int nm = a->scheme == SCR_RED_PARTNER ? 3 : a->set_size;
	int eq = a->scheme == b->scheme && a->dataset_id == b->dataset_id &&
		 a->nranks == b->nranks && a->rank == b->rank && a->set_size == b->set_size &&
		 a->m == b->m && a->pos == b->pos && a->chunk == b->chunk &&
		 a->payload_len == b->payload_len && a->nrecords == b->nrecords &&
		 memcmp(a->members, b->members, (size_t)nm * sizeof(int)) == 0;
	for (size_t i = 0; eq && i < a->nrecords; i++)
		eq = records_equal(&a->records[i], &b->records[i]);
	return eq;
}

/* Rank 9 of 16: XOR set of 4, RS 3+2, PARTNER between 4 and 13. */
static void make_header(struct scr_red_header *h, int scheme, int *members)
{
	static const char *paths[] = { "ckpt.0", "sub/dir/data.bin", "..x", ".hidden" };
	const int ring[] = { 4, 9, 13 }, set[] = { 1, 5, 3, 9, 15 };
	int partner = scheme == SCR_RED_PARTNER, n = partner ? 2 : scheme == SCR_RED_XOR ? 4 : 5;
	*h = (struct scr_red_header){ .scheme = scheme, .dataset_id = 42, .nranks = 16, .rank = 9,
				      .members = members, .set_size = partner ? 0 : n,
				      .m = partner ? 0 : scheme == SCR_RED_XOR ? 1 : 2,
				      .pos = partner ? 1 : n - 2, .chunk = partner ? 0 : 333,
				      .nrecords = (size_t)n, .records = calloc(8, sizeof(*h->records)) };
	for (int k = 0; k < (partner ? 3 : n); k++)
		members[k] = partner ? ring[k] : set[k + (n == 4)];
	for (int k = 0; k < n; k++)   /* 1, 1, 2, 3, 0 files */
		make_record(&h->records[k], partner ? ring[1 - k] : members[k],
			    (size_t)(k % 4 + (k == 0)), paths);
	h->payload_len = partner ? 517 : (uint64_t)h->m * h->chunk;
}

static int write_red(const char *path, const struct scr_red_header *h, const unsigned char *payload)
{
	struct scr_red_writer w;
	int rc = scr_red_writer_begin(&w, path, h);
	if (rc)
		return rc;
	uint64_t half = h->payload_len / 2;
	CHECK_EQ_INT(scr_red_writer_pwrite(&w, payload, 1, h->payload_len), -SCR_EINVAL);
	rc = scr_red_writer_pwrite(&w, payload + half, h->payload_len - half, half);
	if (rc || (rc = scr_red_writer_pwrite(&w, payload, half, 0))) {
		scr_red_writer_abort(&w);
		return rc;
	}
	return scr_red_writer_finish(&w);
}

static unsigned char *slurp(const char *path, size_t *len)
{
	struct stat st;
	int fd = open(path, O_RDONLY);
	unsigned char *p = fd >= 0 && fstat(fd, &st) == 0 ? malloc((size_t)st.st_size + 1) : NULL;
	*len = p && read(fd, p, (size_t)st.st_size) == st.st_size ? (size_t)st.st_size : 0;
	if (fd >= 0)
		close(fd);
	return p;
}

static void spit(const char *path, const void *p, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	CHECK(fd >= 0 && write(fd, p, len) == (ssize_t)len);
	close(fd);
}

/* 0 and a header, or an error and an empty header (released again here) */
static int read_red(const char *path, struct scr_red_header *h, uint64_t *off, int check_payload)
{
	int rc = scr_red_header_read(path, h, off, check_payload);
	if (rc)
		CHECK(h->members == NULL && h->records == NULL && h->nrecords == 0);
	return rc;
}

static int write_read(const char *path, const struct scr_red_header *h, int check_payload)
{
	struct scr_red_header got;
	uint64_t off;
	unsigned char *payload = calloc(h->payload_len + 1, 1);
	CHECK_EQ_INT(write_red(path, h, payload), 0);
	free(payload);
	int rc = read_red(path, &got, &off, check_payload);
	scr_red_header_release(&got);
	return rc;
}

static void test_redfile_scheme(const char *dir, int scheme)
{
	int members[8], partner = scheme == SCR_RED_PARTNER;
	struct scr_red_header h, got;
	uint64_t off = 0;
	make_header(&h, scheme, members);
	unsigned char *payload = malloc(h.payload_len);
	fill(payload, h.payload_len);
	char *path = scr_red_file_path(dir, h.rank), *want = NULL, *tmp = NULL;
	CHECK(asprintf(&want, "%s/.scr/red.9", dir) > 0 && asprintf(&tmp, "%s.tmp", want) > 0);
	CHECK_EQ_STR(path, want);
	CHECK_EQ_INT(read_red(path, &got, &off, 1), -SCR_ENOENT);
	CHECK_EQ_INT(write_red(path, &h, payload), 0);
	CHECK(access(tmp, F_OK) != 0);
	for (int cp = 0; cp <= 1; cp++) {
		CHECK_EQ_INT(read_red(path, &got, &off, cp), 0);
		CHECK(headers_equal(&h, &got));
		scr_red_header_release(&got);
	}
	size_t len;
	unsigned char *file = slurp(path, &len);
	const uint64_t poff = off;
	CHECK_EQ_INT(len, poff + h.payload_len + 12);
	CHECK(memcmp(file + poff, payload, h.payload_len) == 0);

	/* every byte flipped: the CRCs catch all; without the payload check
	 * exactly the flips in the payload or its CRC go unnoticed */
	int fd = open(path, O_WRONLY), all = 1, exact = 1;
	for (size_t i = 0; i < len; i++) {
		unsigned char b = file[i] ^ 0xff;
		CHECK(pwrite(fd, &b, 1, (off_t)i) == 1);
		all &= scr_red_damaged(read_red(path, &got, &off, 1));
		scr_red_header_release(&got);
		int rc0 = read_red(path, &got, &off, 0);
		scr_red_header_release(&got);
		exact &= i >= poff && i < poff + h.payload_len + 4 ? rc0 == 0 : scr_red_damaged(rc0);
		CHECK(pwrite(fd, &file[i], 1, (off_t)i) == 1);
	}
	close(fd);
	CHECK(all);
	CHECK(exact);
	all = 1;   /* every truncation, and one byte too many */
	for (size_t n = 0; n < len; n++) {
		spit(path, file, n);
		all &= scr_red_damaged(read_red(path, &got, &off, 0));
	}
	CHECK(all);
	file[len] = 0;
	spit(path, file, len + 1);
	CHECK(scr_red_damaged(read_red(path, &got, &off, 1)));
	free(file);

	/* CRC-valid headers that the writer writes and the reader refuses */
	static const char *unsafe[] = { "../x", "/abs", "a//b", "a/./b", "", ".", "..", "x/..",
					"a/../b", "./a" };
	struct scr_red_rfile *f = &h.records[1].files[0];
	char *keep = f->path;
	for (size_t u = 0; u < sizeof(unsafe) / sizeof(unsafe[0]); u++) {
		f->path = (char *)unsafe[u];
		int rc = write_read(path, &h, 1);
		CHECK(scr_red_damaged(rc));
		if (!scr_red_damaged(rc))
			fprintf(stderr, "  path \"%s\" accepted (scheme %d)\n", unsafe[u], scheme);
	}
	f->path = (char *)"dir/";   /* an empty last component, as in "a//b" */
	CHECK(scr_red_damaged(write_read(path, &h, 1)));
	f->path = keep;
	for (int v = 0; v < (partner ? 9 : 12); v++) {   /* m, pos, chunk: XOR and RS */
		struct scr_red_header bad = h;
		int bm[8], self = partner ? 1 : h.pos;
		memcpy(bm, members, sizeof(bm));
		bad.members = bm;
		switch (v) {
		case 0: bad.scheme = 0; break;
		case 1: bad.scheme = 4; break;
		case 2: bad.rank = bm[self] = bad.nranks; break;
		case 3: bad.rank = bm[self] = -1; break;
		case 4: bm[self] = 0; break;
		case 5: bm[0] = h.nranks; break;
		case 6: bm[self ^ 1] = -1; break;
		case 7: bad.nranks = 0; break;
		case 8: bad.nrecords = partner ? 4 : (size_t)h.set_size + 1; break;
		case 9: bad.payload_len++; break;
		case 10: bad.m = bad.set_size; break;
		case 11: bad.pos = bad.set_size; bm[bad.pos] = h.rank; break;
		}
		for (size_t k = h.nrecords; k < bad.nrecords; k++)
			h.records[k] = h.records[0];   /* shallow: only written */
		int rc = write_read(path, &bad, 1);
		memset(&h.records[h.nrecords], 0, (8 - h.nrecords) * sizeof(*h.records));
		CHECK(scr_red_damaged(rc));
		if (!scr_red_damaged(rc))
			fprintf(stderr, "  hostile header %d accepted (scheme %d)\n", v, scheme);
	}
	if (!partner) {   /* m * chunk wraps around to the payload length */
		struct scr_red_header bad = h;
		bad.m = 2;
		bad.chunk = (1ULL << 63) + 50;
		bad.payload_len = 100;
		CHECK(scr_red_damaged(write_read(path, &bad, 1)));
	}
	{   /* a payload of 2^64 - 4 bytes: the trailer wraps back into the header */
		struct scr_red_header bad = h;
		struct scr_red_writer w;
		bad.payload_len = UINT64_MAX - 3;
		bad.m = partner ? 0 : 1;
		bad.chunk = partner ? 0 : bad.payload_len;
		CHECK_EQ_INT(scr_red_writer_begin(&w, path, &bad), 0);
		CHECK(pwrite(w.fd, "REDEND\n", 8, (off_t)w.payload_off) == 8);
		close(w.fd);
		CHECK_EQ_INT(rename(w.tmp, w.path), 0);
		free(w.tmp);
		free(w.path);
		int rc = read_red(path, &got, &off, 0);
		scr_red_header_release(&got);
		CHECK(scr_red_damaged(rc));
	}
	unlink(path);
	free(path);
	free(want);
	free(tmp);
	free(payload);
	h.members = NULL;   /* ours */
	scr_red_header_release(&h);
}

static void put_le(unsigned char *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

/* seal an edited encoded record with its CRC (zlib's is the library's) */
static void reseal(unsigned char *buf, size_t len)
{
	put_le(buf + len - 4, crc32(0, buf, (uInt)(len - 4)), 4);
}

static void test_record_codec(void)
{
	static const char *paths[] = { "a", "b/c", "d.e" };
	struct scr_red_record r, got;
	unsigned char *buf;
	size_t len;
	make_record(&r, 7, 3, paths);
	CHECK_EQ_INT(scr_red_record_encode(&r, &buf, &len), 0);
	CHECK_EQ_INT(scr_red_record_decode(buf, len, &got), 0);
	CHECK(records_equal(&r, &got));
	scr_red_record_release(&got);
	int all = 1;
	for (size_t i = 0; i < len; i++) {
		buf[i] ^= 0xff;
		all &= scr_red_damaged(scr_red_record_decode(buf, len, &got)) && got.files == NULL;
		buf[i] ^= 0xff;
	}
	CHECK(all);
	all = 1;
	for (size_t n = 0; n < len; n++)
		all &= scr_red_damaged(scr_red_record_decode(buf, n, &got));
	CHECK(all);
	/* CRC-valid but hostile: absurd file count or meta length, bytes left over */
	unsigned char *t = malloc(len + 1);
	memcpy(t, buf, len);
	reseal(t, len);
	CHECK_EQ_INT(scr_red_record_decode(t, len, &got), 0);
	scr_red_record_release(&got);
	put_le(t + 4, 0xffffffffu, 4);
	reseal(t, len);
	CHECK(scr_red_damaged(scr_red_record_decode(t, len, &got)));
	memcpy(t, buf, len);
	put_le(t + len - 4 - r.meta_len - 8, UINT64_MAX - 1, 8);
	reseal(t, len);
	CHECK(scr_red_damaged(scr_red_record_decode(t, len, &got)));
	memcpy(t, buf, len - 4);
	t[len - 4] = 0;
	reseal(t, len + 1);
	CHECK(scr_red_damaged(scr_red_record_decode(t, len + 1, &got)));
	free(t);
	free(buf);
	free(r.files[1].path);   /* the encoder does not judge paths; the decoder does */
	r.files[1].path = strdup("../../etc/passwd");
	CHECK_EQ_INT(scr_red_record_encode(&r, &buf, &len), 0);
	CHECK(scr_red_damaged(scr_red_record_decode(buf, len, &got)));
	free(buf);
	scr_red_record_release(&r);
}

/* ---- streams ---- */

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	return remove(p);
}

/* dir/rel, in one of two static buffers */
static char *join(const char *dir, const char *rel)
{
	static char buf[2][4096];
	static int k;
	k ^= 1;
	snprintf(buf[k], sizeof(buf[k]), "%s/%s", dir, rel);
	return buf[k];
}

static void test_stream(void)
{
	char src[] = "/dev/shm/scr-test-red-XXXXXX", dst[] = "/dev/shm/scr-test-red-XXXXXX";
	CHECK(mkdtemp(src) != NULL && mkdtemp(dst) != NULL);
	static const char *names[] = { "a.dat", "empty", "sub/dir/f", "z" };
	const uint64_t sizes[] = { 5000, 0, 70001, 1 }, total = 75002;
	struct scr_red_rfile files[4];
	struct scr_red_record rec = { .rank = 3, .nfiles = 4, .files = files };
	unsigned char *all = malloc(total), *buf = malloc(total + 20000);
	fill(all, total);
	CHECK(mkdir(join(src, "sub"), 0700) == 0 && mkdir(join(src, "sub/dir"), 0700) == 0);
	for (uint64_t i = 0, at = 0; i < 4; at += sizes[i++]) {
		files[i] = (struct scr_red_rfile){ (char *)names[i], sizes[i],
						   (uint32_t)crc32(0, all + at, (uInt)sizes[i]) };
		spit(join(src, names[i]), all + at, sizes[i]);
	}
	CHECK_EQ_INT(scr_stream_verify(src, &rec, NULL), 1);

	/* reads anywhere: across file boundaries (5000, 75001) and past the end */
	struct scr_stream s;
	CHECK_EQ_INT(scr_stream_open(&s, src, &rec, 0), 0);
	const uint64_t edges[] = { 0, 4999, 5000, 5001, 75000, 75001, 75002, 90000 };
	int ok = 1;
	for (int t = 0; t < 3000; t++) {
		uint64_t off = t < 16 ? edges[t / 2] : (uint64_t)rand() % (total + 100);
		size_t n = t < 16 ? (size_t)(t % 2 + 1) : (size_t)rand() % (t % 3 ? 300 : 20000);
		memset(buf, 0xa5, n);
		ok &= scr_stream_read(&s, off, buf, n) == 0;
		for (size_t i = 0; i < n; i++)
			ok &= buf[i] == (off + i < total ? all[off + i] : 0);
	}
	CHECK(ok);
	scr_stream_close(&s);

	/* written in pieces of random size in random order into a new tree */
	CHECK_EQ_INT(scr_stream_open(&s, dst, &rec, 1), 0);
	uint64_t cut[200];
	int n = 0, order[200];
	for (uint64_t o = 0; o < total && n < 199; o += 1 + (uint64_t)rand() % 3000)
		cut[n++] = o;
	cut[n] = total;
	for (int i = 0; i < n; i++) {
		int j = rand() % (i + 1);
		order[i] = order[j];
		order[j] = i;
	}
	ok = 1;
	for (int i = 0; i < n; i++)
		ok &= scr_stream_write(&s, cut[order[i]], all + cut[order[i]],
				       (size_t)(cut[order[i] + 1] - cut[order[i]])) == 0;
	CHECK(ok);
	CHECK_EQ_INT(scr_stream_write(&s, total, all, 100), 0);   /* dropped */
	scr_stream_close(&s);
	char *bad = (char *)"x";
	CHECK_EQ_INT(scr_stream_verify(dst, &rec, &bad), 1);
	CHECK(bad == NULL);
	for (uint64_t i = 0, at = 0; i < 4; at += sizes[i++]) {
		size_t len;
		unsigned char *fb = slurp(join(dst, names[i]), &len);
		CHECK(fb && len == sizes[i] && memcmp(fb, all + at, len) == 0);
		free(fb);
	}
	/* one byte flipped, then a file missing: verify names the first bad one */
	int fd = open(join(dst, "sub/dir/f"), O_RDWR);
	unsigned char b = all[5000 + 1234] ^ 0x10;
	CHECK(pwrite(fd, &b, 1, 1234) == 1);
	CHECK_EQ_INT(scr_stream_verify(dst, &rec, &bad), 0);
	CHECK_EQ_STR(bad, join(dst, "sub/dir/f"));
	free(bad);
	CHECK(pwrite(fd, &all[5000 + 1234], 1, 1234) == 1);
	close(fd);
	CHECK(unlink(join(dst, "z")) == 0);
	CHECK_EQ_INT(scr_stream_verify(dst, &rec, &bad), 0);
	CHECK_EQ_STR(bad, join(dst, "z"));
	free(bad);
	/* a file shorter than its record: -SCR_ETRUNC, not zeros */
	CHECK(truncate(join(dst, "a.dat"), 100) == 0);
	CHECK_EQ_INT(scr_stream_open(&s, dst, &rec, 0), 0);
	CHECK_EQ_INT(scr_stream_read(&s, 50, buf, 100), -SCR_ETRUNC);
	scr_stream_close(&s);

	CHECK_EQ_INT(nftw(src, rm_one, 8, FTW_DEPTH | FTW_PHYS), 0);
	CHECK_EQ_INT(nftw(dst, rm_one, 8, FTW_DEPTH | FTW_PHYS), 0);
	CHECK(access(src, F_OK) != 0 && access(dst, F_OK) != 0);
	free(all);
	free(buf);
}

int main(void)
{
	srand(20240607);
	test_sets();
	char dir[] = "/dev/shm/scr-test-red-XXXXXX";
	CHECK(mkdtemp(dir) != NULL);
	test_redfile_scheme(dir, SCR_RED_PARTNER);
	test_redfile_scheme(dir, SCR_RED_XOR);
	test_redfile_scheme(dir, SCR_RED_RS);
	CHECK_EQ_INT(nftw(dir, rm_one, 8, FTW_DEPTH | FTW_PHYS), 0);
	test_record_codec();
	test_stream();
	return check_done("test_redundancy");
}
