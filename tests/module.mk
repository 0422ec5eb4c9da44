# tests/: unit tests (MPI-free, on the base library), MPI test programs and
# scenario scripts; tests/run.sh runs them all with time limits.
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/unit/%)
MPI_TEST_SRCS := $(wildcard tests/mpi/*.c)
MPI_TEST_BINS := $(MPI_TEST_SRCS:tests/mpi/%.c=$(BUILD)/tests/mpi/%)
TEST_RPATH := -Wl,-rpath,$(abspath $(BUILD)/lib)
# tests look at every layer
$(BUILD)/tests/%.o $(BUILD)/mpi/tests/%.o: INCLUDES := -Icore -Icore/base -Iredundancy -Iinterpose -Icmds/lib

$(BUILD)/tests/unit/%: $(BUILD)/tests/unit/%.o $(LIBSCR_BASE)
	@mkdir -p $(dir $@)
	$(CC) -o $@ $(filter %.o,$^) $(LIBSCR_BASE) $(LDLIBS_BASE)

# unit tests of MPI-free pieces outside core/
$(BUILD)/tests/unit/test_pattern: $(BUILD)/interpose/pattern.o
$(BUILD)/tests/unit/test_hostlist: $(BUILD)/cmds/lib/hostlist.o
$(BUILD)/tests/unit/test_book: $(BUILD)/interpose/book.o

$(BUILD)/tests/mpi/%: $(BUILD)/mpi/tests/mpi/%.o $(LIBSCR)
	@mkdir -p $(dir $@)
	$(MPICC) -o $@ $< -L$(BUILD)/lib -lscr -lz $(TEST_RPATH)

test-progs: $(UNIT_BINS) $(MPI_TEST_BINS)

# check and demo are the one-command setups: packages first, then the build.
check: deps
	@$(MAKE) --no-print-directory all test-progs
	@tests/run.sh $(TESTS)

unit: all test-progs
	@tests/run.sh unit

demo: deps
	@$(MAKE) --no-print-directory all test-progs
	@tests/demo.sh

bench: deps
	@$(MAKE) --no-print-directory all test-progs
	@tests/bench/run.sh
.PHONY: test-progs

BENCH_BINS := $(BUILD)/tests/bench/crc_bench $(BUILD)/tests/bench/kernel_bench \
              $(BUILD)/tests/bench/ckpt_bench $(BUILD)/tests/bench/flush_bench \
              $(BUILD)/tests/bench/shim_bench $(BUILD)/tests/bench/red_bench
$(BUILD)/tests/bench/crc_bench $(BUILD)/tests/bench/kernel_bench: $(BUILD)/tests/bench/%: $(BUILD)/tests/bench/%.o $(LIBSCR_BASE)
	@mkdir -p $(dir $@)
	$(CC) -o $@ $< $(LIBSCR_BASE) $(LDLIBS_BASE)
$(BUILD)/tests/bench/ckpt_bench $(BUILD)/tests/bench/flush_bench: $(BUILD)/tests/bench/%: $(BUILD)/mpi/tests/bench/%.o $(LIBSCR)
	@mkdir -p $(dir $@)
	$(MPICC) -o $@ $< -L$(BUILD)/lib -lscr $(TEST_RPATH)
# the API and, for the kernel baseline, the kernels from the base library
# (libscr.so keeps them hidden)
$(BUILD)/tests/bench/red_bench: $(BUILD)/mpi/tests/bench/red_bench.o $(LIBSCR) $(LIBSCR_BASE)
	@mkdir -p $(dir $@)
	$(MPICC) -o $@ $< -L$(BUILD)/lib -lscr $(LIBSCR_BASE) $(LDLIBS_BASE) $(TEST_RPATH)
# an unmodified program: plain MPI, no libscr
$(BUILD)/tests/bench/shim_bench: $(BUILD)/mpi/tests/bench/shim_bench.o
	@mkdir -p $(dir $@)
	$(MPICC) -o $@ $<
# the soak, twice from one source: through the API, and as an unmodified
# program for the shim
$(BUILD)/mpi/tests/bench/soak_api.o: tests/bench/soak.c | $(BUILD)/.dirs
	@mkdir -p $(dir $@)
	$(MPICC) $(CPPFLAGS) $(INCLUDES) $(ALL_CFLAGS) -DSOAK_API -MMD -MP -c $< -o $@
$(BUILD)/tests/bench/soak_api: $(BUILD)/mpi/tests/bench/soak_api.o $(LIBSCR)
	@mkdir -p $(dir $@)
	$(MPICC) -o $@ $< -L$(BUILD)/lib -lscr $(TEST_RPATH)
$(BUILD)/tests/bench/soak_plain: $(BUILD)/mpi/tests/bench/soak.o
	@mkdir -p $(dir $@)
	$(MPICC) -o $@ $<
BENCH_BINS += $(BUILD)/tests/bench/soak_api $(BUILD)/tests/bench/soak_plain
test-progs: $(BENCH_BINS)

# ---- tests/apps: unmodified applications for the transparent mode ----
# Plain MPI programs that know nothing of SCR (no scr.h, no libscr): the
# transparent-mode tests run them under the LD_PRELOAD shim.
MPICXX ?= mpicxx
MPIF90 ?= mpif90
APPS_FLAGS := -O2 -g -Wall -Wextra
APPS_BINS := $(addprefix $(BUILD)/tests/apps/,posix_app stdio_app cxx_app fortran_app probe_app crash_app gromacs_like f08_app)

$(BUILD)/apps/%.o: tests/apps/%.c
	@mkdir -p $(dir $@)
	$(MPICC) -std=gnu11 $(APPS_FLAGS) -MMD -MP -c $< -o $@
$(BUILD)/apps/%.o: tests/apps/%.cpp
	@mkdir -p $(dir $@)
	$(MPICXX) -std=c++17 $(APPS_FLAGS) -MMD -MP -c $< -o $@
$(BUILD)/apps/%.o: tests/apps/%.f90
	@mkdir -p $(dir $@)
	$(MPIF90) -std=f2008 $(APPS_FLAGS) -J$(BUILD)/apps -c $< -o $@

$(BUILD)/tests/apps/posix_app $(BUILD)/tests/apps/stdio_app $(BUILD)/tests/apps/probe_app $(BUILD)/tests/apps/crash_app $(BUILD)/tests/apps/gromacs_like: $(BUILD)/tests/apps/%: $(BUILD)/apps/%.o
	@mkdir -p $(dir $@)
	$(MPICC) -o $@ $< -lz
$(BUILD)/tests/apps/cxx_app: $(BUILD)/apps/cxx_app.o
	@mkdir -p $(dir $@)
	$(MPICXX) -o $@ $< -lz
$(BUILD)/tests/apps/fortran_app $(BUILD)/tests/apps/f08_app: $(BUILD)/tests/apps/%: $(BUILD)/apps/%.o
	@mkdir -p $(dir $@)
	$(MPIF90) -o $@ $<

test-progs: $(APPS_BINS)
# ---- end tests/apps ----

# ---- tests/faults: fault injectors preloaded into test jobs ----
$(BUILD)/tests/faults/libnomem.so: tests/faults/nomem.c
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -O2 -Wall -Wextra -fPIC -shared -o $@ $< -ldl
$(BUILD)/tests/faults/libcrash.so: tests/faults/crash.c
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -O2 -Wall -Wextra -fPIC -shared -o $@ $<
test-progs: $(BUILD)/tests/faults/libnomem.so $(BUILD)/tests/faults/libcrash.so
