# cmds/: command-line tools. C commands (cmds/scr_*.c) are built without MPI
# on core's base library; shell commands (cmds/scripts/scr_*) are copied;
# the functions the shell commands share (cmds/scripts/lib/*.sh) go to
# libexec/scr, where the commands find them relative to their own directory.
CMD_C_SRCS   := $(wildcard cmds/scr_*.c)
# helpers only the commands use (host lists, a node's view of its caches)
CMD_LIB_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(wildcard cmds/lib/*.c))
# the commands see the base and the MPI-free redundancy kernels, never the
# library's MPI side
$(BUILD)/cmds/%.o: INCLUDES := -Icmds/lib -Icore/base -Iredundancy
CMD_SCRIPTS  := $(wildcard cmds/scripts/scr_*)
CMD_SHLIBS   := $(wildcard cmds/scripts/lib/*.sh)
CMD_BINS     := $(CMD_C_SRCS:cmds/%.c=$(BUILD)/bin/%) $(CMD_SCRIPTS:cmds/scripts/%=$(BUILD)/bin/%)
CMD_LIBEXEC  := $(CMD_SHLIBS:cmds/scripts/lib/%=$(BUILD)/libexec/scr/%)

$(BUILD)/bin/%: $(BUILD)/cmds/%.o $(CMD_LIB_OBJS) $(LIBSCR_BASE)
	$(CC) -o $@ $< $(CMD_LIB_OBJS) $(LIBSCR_BASE) $(LDLIBS_BASE)

$(BUILD)/bin/%: cmds/scripts/% | $(BUILD)/.dirs
	install -m 0755 $< $@

$(BUILD)/libexec/scr/%.sh: cmds/scripts/lib/%.sh
	@mkdir -p $(dir $@)
	install -m 0644 $< $@

all: $(CMD_BINS) $(CMD_LIBEXEC)
INSTALL_BINS += $(CMD_BINS)
INSTALL_LIBEXEC += $(CMD_LIBEXEC)
INSTALL_MANS += $(wildcard cmds/man/*.1)
