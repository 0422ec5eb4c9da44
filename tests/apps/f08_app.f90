! An unmodified Fortran program using the mpi_f08 module: each rank writes
! ckpt.1/rank_<r>.dat (unformatted stream). Under the shim with SCR_FLUSH=0
! the file must land in the node cache, which shows that mpi_f08's own
! MPI_Init entry point was seen.
program f08_app
   use mpi_f08
   implicit none
   integer :: rank, u
   character(len=64) :: path
   call MPI_Init()
   call MPI_Comm_rank(MPI_COMM_WORLD, rank)
   call execute_command_line('mkdir -p ckpt.1')
   call MPI_Barrier(MPI_COMM_WORLD)
   write (path, '(a,i0,a)') 'ckpt.1/rank_', rank, '.dat'
   open (newunit=u, file=trim(path), form='unformatted', access='stream', status='replace')
   write (u) rank, 42
   close (u)
   if (rank == 0) print '(a)', 'f08_app: done'
   call MPI_Finalize()
end program f08_app
