/*
 * MPI_Init, MPI_Init_thread and MPI_Finalize through PMPI, plus the Fortran
 * entry points: Open MPI's Fortran bindings call PMPI_Init directly, so the
 * C names alone would miss Fortran programs.
 *
 * scr's agreement thread needs MPI_THREAD_MULTIPLE, so it is asked for
 * whatever the application requested; the application is told what it got.
 */
#define _GNU_SOURCE
#include "shim.h"

#include <mpi.h>
#include <stddef.h>

static int init_thread(int *argc, char ***argv, int required, int *provided)
{
	int got = MPI_THREAD_SINGLE;
	int want = required > MPI_THREAD_MULTIPLE ? required : MPI_THREAD_MULTIPLE;
	int rc = PMPI_Init_thread(argc, argv, want, &got);
	if (rc != MPI_SUCCESS)
		return rc;
	if (provided)
		*provided = got;
	shim_start(got);
	return rc;
}

SCR_EXPORT int MPI_Init(int *argc, char ***argv)
{
	return init_thread(argc, argv, MPI_THREAD_SINGLE, NULL);
}

SCR_EXPORT int MPI_Init_thread(int *argc, char ***argv, int required, int *provided)
{
	return init_thread(argc, argv, required, provided);
}

SCR_EXPORT int MPI_Finalize(void)
{
	shim_finish();
	return PMPI_Finalize();
}

/* Fortran: ierror out-arguments, MPI_Fint integers, every name mangling. */
#define FORTRAN_INIT(name)                                             \
	SCR_EXPORT void name(MPI_Fint *ierr)                           \
	{                                                              \
		int rc = init_thread(NULL, NULL, MPI_THREAD_SINGLE, NULL); \
		if (ierr)                                              \
			*ierr = (MPI_Fint)rc;                          \
	}
#define FORTRAN_INIT_THREAD(name)                                       \
	SCR_EXPORT void name(MPI_Fint *required, MPI_Fint *provided,    \
			     MPI_Fint *ierr)                            \
	{                                                               \
		int got = MPI_THREAD_SINGLE;                            \
		int rc = init_thread(NULL, NULL, required ? (int)*required : \
				     MPI_THREAD_SINGLE, &got);          \
		if (provided)                                           \
			*provided = (MPI_Fint)got;                      \
		if (ierr)                                               \
			*ierr = (MPI_Fint)rc;                           \
	}
#define FORTRAN_FINALIZE(name)                                         \
	SCR_EXPORT void name(MPI_Fint *ierr)                           \
	{                                                              \
		int rc = MPI_Finalize();                               \
		if (ierr)                                              \
			*ierr = (MPI_Fint)rc;                          \
	}

FORTRAN_INIT(mpi_init_)
FORTRAN_INIT(mpi_init__)
FORTRAN_INIT(mpi_init)
FORTRAN_INIT(MPI_INIT)
FORTRAN_INIT_THREAD(mpi_init_thread_)
FORTRAN_INIT_THREAD(mpi_init_thread__)
FORTRAN_INIT_THREAD(mpi_init_thread)
FORTRAN_INIT_THREAD(MPI_INIT_THREAD)
FORTRAN_FINALIZE(mpi_finalize_)
FORTRAN_FINALIZE(mpi_finalize__)
FORTRAN_FINALIZE(mpi_finalize)
FORTRAN_FINALIZE(MPI_FINALIZE)
/* the mpi_f08 module's own entry points (ierror is optional: may be NULL) */
FORTRAN_INIT(mpi_init_f08_)
FORTRAN_INIT_THREAD(mpi_init_thread_f08_)
FORTRAN_FINALIZE(mpi_finalize_f08_)
