! An unmodified MPI application in Fortran 2008 (it knows nothing of SCR)
! that checkpoints with unformatted stream I/O: one file per rank in
! D/ckpt.<step>/rank_<r>.dat (header: magic, step, n, checksum; then n
! integers), then rank 0 writes the formatted marker D/latest once every rank
! has closed its file. On start it reads the marker, reads and verifies its
! file. Used by the transparent-mode (LD_PRELOAD) tests.
!
!   fortran_app [--steps N] [--every K] [--bytes B] [--die-at S] [--dir D]
!               [--expect-restart S] [--pause-ms N]
!
! --pause-ms N: after each checkpoint (and the marker), before the --die-at
! check, every rank sleeps N ms (default 0; nanosleep through iso_c_binding):
! compute time in which a background system can act on the checkpoint.
! The state is (B + rank*1031 + 3)/4 integers; each step mixes in an
! MPI_Allreduce. The result (sum over ranks of a position-sensitive checksum
! of the state) is deterministic, but not the same number as the C apps'.
! Exit: 0 ok, 2 usage, 3 expectation failed, 4 bad/missing checkpoint or I/O.
program fortran_app
   use mpi
   use, intrinsic :: iso_c_binding, only: c_int, c_long, c_char, c_null_char
   use, intrinsic :: iso_fortran_env, only: int32, int64, output_unit, error_unit
   implicit none

   ! struct timespec on Linux (time_t and long are both C long)
   type, bind(c) :: timespec
      integer(c_long) :: tv_sec, tv_nsec
   end type timespec

   interface
      integer(c_int) function c_kill(pid, sig) bind(c, name='kill')
         import :: c_int
         integer(c_int), value :: pid, sig
      end function c_kill
      integer(c_int) function c_getpid() bind(c, name='getpid')
         import :: c_int
      end function c_getpid
      integer(c_int) function c_mkdir(path, mode) bind(c, name='mkdir')
         import :: c_int, c_char
         character(kind=c_char), dimension(*) :: path
         integer(c_int), value :: mode
      end function c_mkdir
      integer(c_int) function c_nanosleep(req, rem) bind(c, name='nanosleep')
         import :: c_int, timespec
         type(timespec), intent(in) :: req
         type(timespec), intent(out) :: rem
      end function c_nanosleep
   end interface

   character(len=*), parameter :: app = 'fortran_app'
   integer(int64), parameter :: modulus = 2147483647_int64
   integer(int64), parameter :: app_magic = 1178684496_int64

   integer :: rank, nranks, ierr
   integer :: steps, every, die_at, expect_restart, bytes, pause_ms
   character(len=4096) :: dir
   integer(int32), allocatable :: st(:)
   integer :: n, start, step, ok, all_ok
   integer(int64) :: mine, total
   integer(c_int) :: rc

   call MPI_Init(ierr)
   call MPI_Comm_rank(MPI_COMM_WORLD, rank, ierr)
   call MPI_Comm_size(MPI_COMM_WORLD, nranks, ierr)
   call parse()

   n = (bytes + rank*1031 + 3)/4
   allocate (st(n))

   start = 0
   if (rank == 0) then
      call make_dirs(trim(dir))
      start = read_marker()
   end if
   call MPI_Bcast(start, 1, MPI_INTEGER, 0, MPI_COMM_WORLD, ierr)
   ok = 1
   if (start < 0) then
      ok = 0
   else if (start > 0) then
      ok = read_ckpt(start)
   end if
   call MPI_Allreduce(ok, all_ok, 1, MPI_INTEGER, MPI_MIN, MPI_COMM_WORLD, ierr)
   if (all_ok == 0) then
      if (rank == 0) write (error_unit, '(a)') app//': cannot restart: bad or missing checkpoint'
      call MPI_Finalize(ierr)
      stop 4
   end if
   if (start == 0) call init_state()
   if (rank == 0) then
      if (start > 0) then
         write (output_unit, '(a,i0)') app//': restarted from step ', start
      else
         write (output_unit, '(a)') app//': starting fresh'
      end if
      flush (output_unit)
   end if
   if (expect_restart >= 0 .and. start /= expect_restart) then
      if (rank == 0) write (error_unit, '(a,i0,a,i0)') app//': expected restart from step ', &
         expect_restart, ', got ', start
      call MPI_Finalize(ierr)
      stop 3
   end if

   do step = start + 1, steps
      call advance(step)
      if (mod(step, every) == 0) then
         call checkpoint(step)
         if (pause_ms > 0) call sleep_ms(pause_ms)
      end if
      if (step == die_at) then
         if (rank == 0) then
            write (output_unit, '(a,i0)') app//': killed at step ', step
         end if
         flush (output_unit)
         call MPI_Barrier(MPI_COMM_WORLD, ierr)
         rc = c_kill(c_getpid(), 9_c_int)
      end if
   end do

   mine = checksum()
   total = 0
   call MPI_Reduce(mine, total, 1, MPI_INTEGER8, MPI_SUM, 0, MPI_COMM_WORLD, ierr)
   if (rank == 0) then
      write (output_unit, '(a,i0)') app//': result ', total
      flush (output_unit)
   end if
   deallocate (st)
   call MPI_Finalize(ierr)

contains

   subroutine usage()
      if (rank == 0) write (error_unit, '(a)') 'usage: '//app// &
         ' [--steps N] [--every K] [--bytes B] [--die-at S] [--dir D] [--expect-restart S]'// &
         ' [--pause-ms N]'
      call MPI_Finalize(ierr)
      stop 2
   end subroutine usage

   integer function int_arg(v)
      character(len=*), intent(in) :: v
      integer :: ios
      if (len_trim(v) == 0 .or. len_trim(v) > 10) call usage()
      read (v, '(i10)', iostat=ios) int_arg
      if (ios /= 0 .or. verify(trim(v), '-0123456789') /= 0 .or. int_arg < -1) call usage()
   end function int_arg

   subroutine parse()
      integer :: i, nargs
      character(len=4096) :: a, v
      steps = 10
      every = 2
      bytes = 65536
      die_at = 0
      expect_restart = -1
      pause_ms = 0
      dir = 'ckpt'
      nargs = command_argument_count()
      i = 1
      do while (i <= nargs)
         call get_command_argument(i, a)
         if (i + 1 > nargs) call usage()
         call get_command_argument(i + 1, v)
         select case (trim(a))
         case ('--steps')
            steps = int_arg(v)
         case ('--every')
            every = int_arg(v)
         case ('--bytes')
            bytes = int_arg(v)
         case ('--die-at')
            die_at = int_arg(v)
         case ('--expect-restart')
            expect_restart = int_arg(v)
         case ('--pause-ms')
            pause_ms = int_arg(v)
         case ('--dir')
            dir = v
         case default
            call usage()
         end select
         i = i + 2
      end do
      if (steps < 1 .or. every < 1 .or. bytes < 1 .or. die_at < 0 .or. pause_ms < 0 .or. &
          len_trim(dir) == 0) call usage()
   end subroutine parse

   ! Sleeps ms milliseconds (the rest of it again if a signal interrupts).
   subroutine sleep_ms(ms)
      integer, intent(in) :: ms
      type(timespec) :: req, rem
      req%tv_sec = int(ms/1000, c_long)
      req%tv_nsec = int(mod(ms, 1000), c_long)*1000000_c_long
      do while (c_nanosleep(req, rem) /= 0)
         req = rem
      end do
   end subroutine sleep_ms

   ! ---- state ----

   subroutine init_state()
      integer :: i
      do i = 1, n
         st(i) = int(mod(int(i, int64)*31 + int(rank, int64)*7, modulus), int32)
      end do
   end subroutine init_state

   ! One deterministic step: every value depends on the step, its neighbour
   ! and the allreduced sum over all ranks, so ranks interact.
   subroutine advance(s)
      integer, intent(in) :: s
      integer(int64) :: local, global, carry, v
      integer :: i
      local = 0
      do i = 1, n, 97
         local = local + st(i)
      end do
      call MPI_Allreduce(local, global, 1, MPI_INTEGER8, MPI_SUM, MPI_COMM_WORLD, ierr)
      carry = mod(global + s, modulus)
      do i = 1, n
         v = mod(int(st(i), int64)*5 + carry + s, modulus)
         carry = st(i)
         st(i) = int(v, int32)
      end do
   end subroutine advance

   integer(int64) function checksum()
      integer :: i
      checksum = 0
      do i = 1, n
         checksum = mod(checksum*31 + st(i) + i, modulus)
      end do
   end function checksum

   ! ---- files ----

   function ckpt_dir(s) result(path)
      integer, intent(in) :: s
      character(len=:), allocatable :: path
      character(len=16) :: num
      write (num, '(i0)') s
      path = trim(dir)//'/ckpt.'//trim(num)
   end function ckpt_dir

   function rank_file(s) result(path)
      integer, intent(in) :: s
      character(len=:), allocatable :: path
      character(len=16) :: num
      write (num, '(i0)') rank
      path = ckpt_dir(s)//'/rank_'//trim(num)//'.dat'
   end function rank_file

   subroutine die_io(what, path, msg)
      character(len=*), intent(in) :: what, path, msg
      write (error_unit, '(a,i0,a)') app//': rank ', rank, ': '//what//' '//path//': '//trim(msg)
      flush (error_unit)
      call MPI_Abort(MPI_COMM_WORLD, 4, ierr)
      stop 4
   end subroutine die_io

   subroutine make_dir(path)
      character(len=*), intent(in) :: path
      logical :: there
      if (c_mkdir(path//c_null_char, int(o'755', c_int)) /= 0) then
         inquire (file=path, exist=there)
         if (.not. there) call die_io('cannot create directory', path, 'mkdir failed')
      end if
   end subroutine make_dir

   subroutine make_dirs(path)
      character(len=*), intent(in) :: path
      integer :: i
      do i = 2, len(path)
         if (path(i:i) == '/') call make_dir(path(1:i - 1))
      end do
      call make_dir(path)
   end subroutine make_dirs

   subroutine checkpoint(s)
      integer, intent(in) :: s
      integer :: u, ios
      character(len=256) :: msg
      character(len=:), allocatable :: path

      if (rank == 0) call make_dir(ckpt_dir(s))
      call MPI_Barrier(MPI_COMM_WORLD, ierr)

      path = rank_file(s)
      msg = ''
      open (newunit=u, file=path, form='unformatted', access='stream', status='replace', &
            action='write', iostat=ios, iomsg=msg)
      if (ios /= 0) call die_io('cannot create', path, msg)
      write (u, iostat=ios, iomsg=msg) app_magic, int(s, int64), int(n, int64), checksum()
      if (ios == 0) write (u, iostat=ios, iomsg=msg) st
      if (ios /= 0) call die_io('cannot write', path, msg)
      close (u, iostat=ios, iomsg=msg)
      if (ios /= 0) call die_io('cannot close', path, msg)

      ! every rank has closed its file: now the marker
      call MPI_Barrier(MPI_COMM_WORLD, ierr)
      if (rank == 0) then
         path = trim(dir)//'/latest'
         open (newunit=u, file=path, form='formatted', status='replace', action='write', &
               iostat=ios, iomsg=msg)
         if (ios /= 0) call die_io('cannot create', path, msg)
         write (u, '(i0)', iostat=ios, iomsg=msg) s
         if (ios /= 0) call die_io('cannot write', path, msg)
         close (u, iostat=ios, iomsg=msg)
         if (ios /= 0) call die_io('cannot close', path, msg)
         write (output_unit, '(a,i0)') app//': checkpoint at step ', s
         flush (output_unit)
      end if
   end subroutine checkpoint

   ! Rank 0: the step named by D/latest, 0 if there is none, -1 if it is bad.
   integer function read_marker()
      character(len=:), allocatable :: path
      logical :: there
      integer :: u, ios, s
      character(len=64) :: line
      path = trim(dir)//'/latest'
      read_marker = 0
      inquire (file=path, exist=there)
      if (.not. there) return
      read_marker = -1
      open (newunit=u, file=path, form='formatted', status='old', action='read', iostat=ios)
      if (ios /= 0) then
         write (error_unit, '(a)') app//': cannot open marker file '//path
         return
      end if
      line = ''
      read (u, '(a)', iostat=ios) line
      close (u)
      s = 0
      if (ios == 0 .and. len_trim(line) > 0 .and. verify(trim(line), '0123456789') == 0) &
         read (line, '(i16)', iostat=ios) s
      if (ios /= 0 .or. s < 1) then
         write (error_unit, '(a)') app//': bad marker file '//path
         return
      end if
      read_marker = s
   end function read_marker

   ! Reads and verifies this rank's file of checkpoint s; 1 ok, 0 bad.
   integer function read_ckpt(s)
      integer, intent(in) :: s
      character(len=:), allocatable :: path
      character(len=256) :: msg
      character(len=64) :: err
      integer :: u, ios
      integer(int64) :: h_magic, h_step, h_n, h_sum, fsize

      read_ckpt = 0
      path = rank_file(s)
      msg = ''
      open (newunit=u, file=path, form='unformatted', access='stream', status='old', &
            action='read', iostat=ios, iomsg=msg)
      if (ios /= 0) then
         write (error_unit, '(a,i0,a)') app//': rank ', rank, ': cannot open '//path//': '//trim(msg)
         return
      end if
      err = ''
      inquire (unit=u, size=fsize)
      read (u, iostat=ios) h_magic, h_step, h_n, h_sum
      if (ios /= 0) then
         err = 'short header'
      else if (h_magic /= app_magic) then
         err = 'bad magic'
      else if (h_step /= s) then
         err = 'wrong step in header'
      else if (h_n /= n) then
         err = 'wrong payload length in header'
      else if (fsize /= 32_int64 + 4_int64*n) then
         err = 'wrong file size'
      else
         read (u, iostat=ios) st
         if (ios /= 0) then
            err = 'short payload'
         else if (checksum() /= h_sum) then
            err = 'checksum mismatch'
         end if
      end if
      close (u)
      if (len_trim(err) > 0) then
         write (error_unit, '(a,i0,a)') app//': rank ', rank, ': bad checkpoint file '//path// &
            ': '//trim(err)
         return
      end if
      read_ckpt = 1
   end function read_ckpt

end program fortran_app
