# core/: the MPI-free base (formats, config, I/O, logging), shared with the
# commands, and the MPI library behind scr.h.
CORE_BASE_SRCS := core/job.c core/nodecache.c core/err.c core/crc.c core/io.c core/log.c core/config.c core/meta.c core/layout.c core/path.c core/hostlist.c core/halt.c
CORE_MPI_SRCS  := $(filter-out $(CORE_BASE_SRCS),$(wildcard core/*.c))

CORE_BASE_OBJS := $(CORE_BASE_SRCS:%.c=$(BUILD)/%.o)
CORE_MPI_OBJS  := $(CORE_MPI_SRCS:%.c=$(BUILD)/mpi/%.o)

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
