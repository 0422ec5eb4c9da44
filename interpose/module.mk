# interpose/: the LD_PRELOAD shim (transparent mode). It carries the whole
# library, so an unmodified binary needs nothing else.
INTERPOSE_SRCS := $(wildcard interpose/*.c)
INTERPOSE_OBJS := $(INTERPOSE_SRCS:%.c=$(BUILD)/mpi/%.o)
LIBSCR_INTERPOSE := $(BUILD)/lib/libscr_interpose.so
$(BUILD)/interpose/%.o $(BUILD)/mpi/interpose/%.o: INCLUDES := -Iinterpose -Icore -Icore/base -Iredundancy

$(LIBSCR_INTERPOSE): $(INTERPOSE_OBJS) $(CORE_MPI_OBJS) $(REDUNDANCY_OBJS) $(LIBSCR_BASE)
	$(MPICC) -shared -Wl,--no-undefined -Wl,-soname,libscr_interpose.so -o $@ $(INTERPOSE_OBJS) \
	    $(CORE_MPI_OBJS) $(REDUNDANCY_OBJS) $(LIBSCR_BASE) $(LDLIBS_BASE) -lunwind -ldl -lpthread

all: $(LIBSCR_INTERPOSE)
INSTALL_LIBS += $(LIBSCR_INTERPOSE)
