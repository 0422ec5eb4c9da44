/*
 * Building redundancy sets from failure groups. Pure functions, no MPI.
 *
 * Ranks are taken in order of (index within their group, group), groups
 * ordered by their lowest rank, and dealt to sets so that no set holds two
 * ranks of one group: a lost group then costs each set at most one member.
 * With one rank per node and NODE groups, set i is nodes i*S .. i*S+S-1.
 */
#ifndef SCR_SETS_H
#define SCR_SETS_H

/* groups[r]: rank r's group name. ids[r]: its group number, groups numbered
 * 0, 1, ... in order of their lowest rank. 0 or -SCR_ENOMEM. */
int scr_red_group_ids(int nranks, const char *const *groups, int *ids);

/*
 * Sets of at most set_size ranks (0: no bound, as for PARTNER rings), each
 * rank's group in a set at most once. set_of[r] and pos_of[r] get rank r's
 * set and position. A set that would be left with a single rank gives it to
 * another set lacking its group, which may then exceed set_size. Returns the
 * number of sets, or -SCR_ECONFIG when a rank cannot share a set with
 * another group (e.g. all ranks on one node), or -SCR_ENOMEM.
 */
int scr_red_build_sets(int nranks, const int *group_ids, int set_size, int *set_of,
		       int *pos_of);

#endif
