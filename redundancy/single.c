/*
 * SINGLE: no redundancy data. A cached dataset is usable only when every rank
 * still holds its own files; a lost node means falling back to an older
 * dataset or the prefix.
 */
#include "redundancy.h"
#include "scr_err.h"

#include <string.h>
#include <strings.h>

/* the cross-node schemes, each in its own file */
extern const struct scr_redundancy scr_red_partner, scr_red_xor, scr_red_rs;

static int single_encode(const struct scr_red_dataset *d)
{
	(void)d;
	return 0;
}

static int single_recover(const struct scr_red_dataset *d, struct scr_red_outcome *out)
{
	memset(out, 0, sizeof(*out));
	int all = d->have;
	if (MPI_Allreduce(&d->have, &all, 1, MPI_INT, MPI_LAND, d->world) != MPI_SUCCESS)
		return -SCR_EMPI;
	out->ok = all;
	return 0;
}

static int single_remove(const struct scr_red_dataset *d)
{
	(void)d;
	return 0;
}

static const struct scr_redundancy single = {
	.name = "SINGLE",
	.encode = single_encode,
	.recover = single_recover,
	.remove = single_remove,
};

const struct scr_redundancy *scr_redundancy_lookup(const char *name)
{
	const struct scr_redundancy *all[] = { &single, &scr_red_partner, &scr_red_xor,
					       &scr_red_rs };
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (!strcasecmp(name, all[i]->name))
			return all[i];
	return NULL;
}
