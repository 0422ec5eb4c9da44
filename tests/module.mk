# tests/: unit tests (MPI-free, on the base library), MPI test programs and
# scenario scripts; tests/run.sh runs them all with time limits.
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/unit/%)
MPI_TEST_SRCS := $(wildcard tests/mpi/*.c)
MPI_TEST_BINS := $(MPI_TEST_SRCS:tests/mpi/%.c=$(BUILD)/tests/mpi/%)
TEST_RPATH := -Wl,-rpath,$(abspath $(BUILD)/lib)

$(BUILD)/tests/unit/%: $(BUILD)/tests/unit/%.o $(LIBSCR_BASE)
	@mkdir -p $(dir $@)
	$(CC) -o $@ $< $(LIBSCR_BASE) $(LDLIBS_BASE)

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

BENCH_BINS := $(BUILD)/tests/bench/crc_bench $(BUILD)/tests/bench/ckpt_bench
$(BUILD)/tests/bench/crc_bench: $(BUILD)/tests/bench/crc_bench.o $(LIBSCR_BASE)
	@mkdir -p $(dir $@)
	$(CC) -o $@ $< $(LIBSCR_BASE) $(LDLIBS_BASE)
$(BUILD)/tests/bench/ckpt_bench: $(BUILD)/mpi/tests/bench/ckpt_bench.o $(LIBSCR)
	@mkdir -p $(dir $@)
	$(MPICC) -o $@ $< -L$(BUILD)/lib -lscr $(TEST_RPATH)
test-progs: $(BENCH_BINS)
