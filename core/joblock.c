/*
 * One job at a time in a node's control directory. Two jobs of one user on
 * one node under the same job id (without SLURM both are "default") would
 * share filemaps, dataset ids and eviction, and lose each other's
 * checkpoints. The node leader of a run holds a POSIX record lock on
 * <control dir>/job.lock while scr runs: the kernel drops it with the
 * process, so a killed job leaves no stale lock, and a forked child does not
 * inherit it. A job that finds the lock held steps aside (its files go where
 * the application names them) and says why.
 */
#define _GNU_SOURCE
#include "joblock.h"

#include "io.h"
#include "log.h"
#include "scr_err.h"
#include "state.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Node leader: 0 with the lock held in s->job_lock_fd; -SCR_ESTATE when
 * another process holds it (*holder: its pid); 0 unlocked when the file
 * system cannot lock at all. */
static int take(struct scr_state *s, pid_t *holder)
{
	char *path = scr_asprintf("%s/job.lock", s->layout.cntl_dir);
	if (!path)
		return -SCR_ENOMEM;
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0600);
	if (fd < 0) {
		scr_log_warn("cannot open '%s' (%s): this node's control directory is not "
			     "protected against a second job", path, strerror(errno));
		free(path);
		return 0;
	}
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	if (fcntl(fd, F_SETLK, &fl) == 0) {
		s->job_lock_fd = fd;
		free(path);
		return 0;
	}
	int err = errno;
	if (err != EAGAIN && err != EACCES) {
		scr_log_debug(1, "'%s' cannot be locked (%s): going on without", path,
			      strerror(err));
		close(fd);
		free(path);
		return 0;
	}
	struct flock who = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	*holder = fcntl(fd, F_GETLK, &who) == 0 && who.l_type != F_UNLCK ? who.l_pid : 0;
	close(fd);
	free(path);
	return -SCR_ESTATE;
}

int scr_job_lock(struct scr_state *s)
{
	s->job_lock_fd = -1;
	pid_t holder = 0;
	int rc = s->comm.node_rank == 0 ? take(s, &holder) : 0;
	if (rc == -SCR_ESTATE)
		scr_log_error("another job (process %ld on this node) is using scr's control "
			      "directory '%s' under the same job id: scr steps aside for this run "
			      "and its files are written where the application names them; give "
			      "each job its own SCR_JOB_ID", (long)holder, s->layout.cntl_dir);
	else if (rc)
		scr_log_error("cannot lock the control directory '%s': %s", s->layout.cntl_dir,
			      scr_strerror(rc));
	if (scr_allreduce_and(&s->comm, rc == 0))
		return 0;
	scr_job_unlock(s);
	return rc ? rc : -SCR_EREMOTE;
}

void scr_job_unlock(struct scr_state *s)
{
	if (s->job_lock_fd >= 0)
		close(s->job_lock_fd);   /* closing drops the record lock */
	s->job_lock_fd = -1;
}
