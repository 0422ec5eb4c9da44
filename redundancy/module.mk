# redundancy/: schemes behind one interface; kernels apart from MPI exchanges.
REDUNDANCY_SRCS := $(wildcard redundancy/*.c)
REDUNDANCY_OBJS := $(REDUNDANCY_SRCS:%.c=$(BUILD)/mpi/%.o)
