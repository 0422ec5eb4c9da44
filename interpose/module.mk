# interpose/: the LD_PRELOAD shim (transparent mode); see its issue.
