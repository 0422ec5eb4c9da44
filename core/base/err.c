#include "scr_err.h"

#include <errno.h>

static const char *const messages[] = {
#define SCR_ERR_TEXT(name, text) text,
	SCR_ERRORS(SCR_ERR_TEXT)
#undef SCR_ERR_TEXT
};

const char *scr_strerror(int err)
{
	if (err < 0)
		err = -err;
	if (err >= SCR_E_COUNT)
		return "unknown error";
	return messages[err];
}

int scr_err_from_errno(int e)
{
	switch (e) {
	case ENOMEM:
		return -SCR_ENOMEM;
	case ENOSPC:
	case EDQUOT:
		return -SCR_ENOSPC;
	case ENOENT:
		return -SCR_ENOENT;
	default:
		return -SCR_EIO;
	}
}
