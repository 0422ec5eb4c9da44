# redundancy/: schemes behind one interface; kernels apart from MPI exchanges.
# The kernels are MPI-free and go into the base library the commands use.
REDUNDANCY_KERNEL_SRCS := redundancy/kernels.c redundancy/redfile.c redundancy/sets.c redundancy/stream.c redundancy/offline.c
REDUNDANCY_KERNEL_OBJS := $(REDUNDANCY_KERNEL_SRCS:%.c=$(BUILD)/%.o)
REDUNDANCY_SRCS := $(filter-out $(REDUNDANCY_KERNEL_SRCS),$(wildcard redundancy/*.c))
REDUNDANCY_OBJS := $(REDUNDANCY_SRCS:%.c=$(BUILD)/mpi/%.o)
# the schemes see their own headers and core's MPI-free base (error codes)
$(BUILD)/redundancy/%.o $(BUILD)/mpi/redundancy/%.o: INCLUDES := -Iredundancy -Icore/base
