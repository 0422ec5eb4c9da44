/*
 * SINGLE: no redundancy data. A cached dataset is usable only when every rank
 * still holds its own files; a lost node means falling back to an older
 * dataset or the prefix.
 */
#include "redundancy.h"

#include <strings.h>

static int single_encode(const struct scr_red_dataset *d)
{
	(void)d;
	return 0;
}

static int single_recover(const struct scr_red_dataset *d, int *ok)
{
	int all = d->have;
	if (MPI_Allreduce(&d->have, &all, 1, MPI_INT, MPI_LAND, d->world) != MPI_SUCCESS)
		return -1;
	*ok = all;
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
	if (!strcasecmp(name, single.name))
		return &single;
	return NULL;
}
