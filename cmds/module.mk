# cmds/: command-line tools, built without MPI on core's base library.
CMDS := scr_index
CMD_BINS := $(CMDS:%=$(BUILD)/bin/%)

$(BUILD)/bin/%: $(BUILD)/cmds/%.o $(LIBSCR_BASE)
	$(CC) -o $@ $< $(LIBSCR_BASE) $(LDLIBS_BASE)

all: $(CMD_BINS)
INSTALL_BINS += $(CMD_BINS)
INSTALL_MANS += $(CMDS:%=cmds/man/%.1)
