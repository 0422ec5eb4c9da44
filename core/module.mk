# core/: the library behind scr.h (MPI), on top of core/base/: the MPI-free
# base (error codes, logging, I/O, CRC, paths, configuration, the on-disk
# formats, the node-local layout, job ids, halt conditions) that the
# commands share. The base sees only itself; the library sees the base and
# the redundancy schemes.
CORE_BASE_SRCS := $(wildcard core/base/*.c)
CORE_MPI_SRCS  := $(wildcard core/*.c)

CORE_BASE_OBJS := $(CORE_BASE_SRCS:%.c=$(BUILD)/%.o)
CORE_MPI_OBJS  := $(CORE_MPI_SRCS:%.c=$(BUILD)/mpi/%.o)

$(BUILD)/core/base/%.o: INCLUDES := -Icore/base
$(BUILD)/mpi/core/%.o: INCLUDES := -Icore -Icore/base -Iredundancy

LIBSCR_BASE := $(BUILD)/lib/libscr_base.a
LIBSCR      := $(BUILD)/lib/libscr.so

$(LIBSCR_BASE): $(CORE_BASE_OBJS) $(REDUNDANCY_KERNEL_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(LIBSCR): $(CORE_MPI_OBJS) $(REDUNDANCY_OBJS) $(LIBSCR_BASE)
	$(MPICC) -shared -Wl,--no-undefined -Wl,-soname,libscr.so -o $@ $(CORE_MPI_OBJS) $(REDUNDANCY_OBJS) \
	    $(LIBSCR_BASE) $(LDLIBS_BASE)

all: $(LIBSCR_BASE) $(LIBSCR)
INSTALL_LIBS += $(LIBSCR)
