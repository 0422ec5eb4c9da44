/*
 * Unit tests of the configuration (core/base/config*.c, suggest.c):
 * defaults, layer precedence, value types, descriptors, error messages,
 * files, the environment, and the documented template conf/scr.conf against
 * the parameter table.
 */
#define _GNU_SOURCE
#include "check.h"

#include "config.h"
#include "io.h"
#include "scr_err.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char tmpdir[] = "/tmp/scr_test_config.XXXXXX";

/* Write a file under tmpdir; returns its malloc'd path. */
static char *write_tmp(const char *name, const char *data, size_t len)
{
	char *path = scr_asprintf("%s/%s", tmpdir, name);
	FILE *f = fopen(path, "wb");
	if (!f) {
		perror(path);
		exit(2);
	}
	fwrite(data, 1, len, f);
	fclose(f);
	return path;
}

static int contains(const char *msg, const char *part)
{
	return msg && strstr(msg, part) != NULL;
}

#define CHECK_MSG(msg, part)                                                \
	do {                                                                \
		check_count++;                                              \
		if (!contains(msg, part)) {                                 \
			check_failed++;                                     \
			fprintf(stderr, "%s:%d: message \"%s\" lacks \"%s\"\n", \
				__FILE__, __LINE__, (msg) ? (msg) : "(null)", part); \
		}                                                           \
	} while (0)

/* Parse text at a layer; returns rc and keeps the message in *msg (freed by caller). */
static int parse(struct scr_config *cfg, enum scr_config_layer layer,
		 const char *text, char **msg)
{
	free(*msg);
	*msg = NULL;
	return scr_config_parse_string(cfg, layer, text, "test.conf", msg);
}

static int set(struct scr_config *cfg, const char *name, const char *value)
{
	char *msg = NULL;
	int rc = scr_config_set(cfg, SCR_CONF_API, name, value, "test", &msg);
	free(msg);
	return rc;
}

static void test_defaults(void)
{
	struct scr_config *cfg = scr_config_new();
	const char *origin = "x";

	CHECK_EQ_STR(scr_config_get(cfg, "SCR_FLUSH"), "10");
	CHECK_EQ_INT(scr_config_get_int(cfg, "SCR_FLUSH"), 10);
	CHECK_EQ_INT(scr_config_get_bool(cfg, "SCR_ENABLE"), 1);
	CHECK_EQ_INT(scr_config_get_bool(cfg, "SCR_FLUSH_ASYNC"), 0);
	CHECK_EQ_STR(scr_config_get(cfg, "SCR_CACHE_BASE"), "/dev/shm");
	CHECK_EQ_STR(scr_config_get(cfg, "SCR_COPY_TYPE"), "SINGLE");
	CHECK_EQ_INT(scr_config_get_int(cfg, "SCR_CACHE_SIZE"), 2);
	CHECK_EQ_INT(scr_config_get_int(cfg, "SCR_SET_SIZE"), 8);
	CHECK_EQ_INT(scr_config_get_bytes(cfg, "SCR_FILE_BUF_SIZE"), 4u << 20);
	CHECK_EQ_INT(scr_config_get_bytes(cfg, "SCR_CACHE_BYTES"), 0);
	CHECK_EQ_INT(scr_config_get_int(cfg, "SCR_WATCHDOG_TIMEOUT"), 300);
	CHECK(scr_config_get_double(cfg, "SCR_CHECKPOINT_OVERHEAD") == 0.0);
	CHECK(scr_config_get(cfg, "SCR_PREFIX") == NULL);
	CHECK(scr_config_get(cfg, "SCR_JOB_ID") == NULL);
	CHECK(scr_config_get(cfg, "SCR_NOPE") == NULL);
	CHECK(scr_config_get(cfg, "scr_flush") == NULL);
	CHECK_EQ_INT(scr_config_get_int(cfg, "SCR_NOPE"), 0);
	CHECK_EQ_INT(scr_config_source(cfg, "SCR_FLUSH", &origin), SCR_CONF_DEFAULT);
	CHECK_EQ_STR(origin, "default");
	CHECK_EQ_INT(scr_config_desc_count(cfg, "STORE"), 0);
	CHECK(scr_config_desc_name(cfg, "STORE", 0) == NULL);

	/* the table: unique names, documented, every default valid for its type */
	size_t n = 0;
	const char *name, *type, *defval, *doc;
	for (; scr_config_param(n, &name, &type, &defval, &doc); n++) {
		CHECK(!strncmp(name, "SCR_", 4));
		CHECK(type && *type && doc && *doc && defval);
		for (size_t j = 0; j < n; j++) {
			const char *other;
			scr_config_param(j, &other, NULL, NULL, NULL);
			CHECK(strcmp(name, other) != 0);
		}
		const char *get = scr_config_get(cfg, name);
		if (*defval) {
			CHECK_EQ_STR(get, defval);
			CHECK_EQ_INT(scr_config_set(cfg, SCR_CONF_DEFAULT, name, defval, "t", NULL), 0);
		} else {
			CHECK(get == NULL);
		}
	}
	CHECK_EQ_INT(n, 50);
	CHECK_EQ_INT(scr_config_param(n, &name, &type, &defval, &doc), 0);
	scr_config_free(cfg);
	scr_config_free(NULL);
}

static void test_precedence(void)
{
	struct scr_config *cfg = scr_config_new();
	char *msg = NULL;
	const char *origin;

	CHECK_EQ_INT(scr_config_set(cfg, SCR_CONF_SYSTEM, "SCR_FLUSH", "1", "sys", &msg), 0);
	CHECK(msg == NULL);
	CHECK_EQ_INT(scr_config_get_int(cfg, "SCR_FLUSH"), 1);
	CHECK_EQ_INT(scr_config_set(cfg, SCR_CONF_USER, "SCR_FLUSH", "2", "user", NULL), 0);
	CHECK_EQ_INT(scr_config_get_int(cfg, "SCR_FLUSH"), 2);
	CHECK_EQ_INT(scr_config_set(cfg, SCR_CONF_ENV, "SCR_FLUSH", "3", "env", NULL), 0);
	CHECK_EQ_INT(scr_config_get_int(cfg, "SCR_FLUSH"), 3);
	CHECK_EQ_INT(parse(cfg, SCR_CONF_API, "SCR_FLUSH=4", &msg), 0);
	CHECK_EQ_INT(scr_config_get_int(cfg, "SCR_FLUSH"), 4);
	CHECK_EQ_INT(scr_config_source(cfg, "SCR_FLUSH", &origin), SCR_CONF_API);
	CHECK_EQ_STR(origin, "test.conf");

	/* a lower layer set later does not win */
	CHECK_EQ_INT(scr_config_set(cfg, SCR_CONF_SYSTEM, "SCR_FLUSH", "9", "sys", NULL), 0);
	CHECK_EQ_INT(scr_config_get_int(cfg, "SCR_FLUSH"), 4);

	/* unsetting a layer uncovers the one below: "" quoted, bare at SCR_Config, or set "" */
	CHECK_EQ_INT(parse(cfg, SCR_CONF_API, "SCR_FLUSH=\"\"", &msg), 0);
	CHECK_EQ_INT(scr_config_get_int(cfg, "SCR_FLUSH"), 3);
	CHECK_EQ_INT(scr_config_source(cfg, "SCR_FLUSH", &origin), SCR_CONF_ENV);
	CHECK_EQ_STR(origin, "env");
	CHECK_EQ_INT(parse(cfg, SCR_CONF_API, "SCR_FLUSH=5", &msg), 0);
	CHECK_EQ_INT(parse(cfg, SCR_CONF_API, "SCR_FLUSH=", &msg), 0);
	CHECK_EQ_INT(scr_config_get_int(cfg, "SCR_FLUSH"), 3);
	CHECK_EQ_INT(scr_config_set(cfg, SCR_CONF_ENV, "SCR_FLUSH", "", "env", NULL), 0);
	CHECK_EQ_INT(scr_config_get_int(cfg, "SCR_FLUSH"), 2);
	CHECK_EQ_INT(scr_config_set(cfg, SCR_CONF_USER, "SCR_FLUSH", NULL, "user", NULL), 0);
	CHECK_EQ_INT(scr_config_get_int(cfg, "SCR_FLUSH"), 9);
	CHECK_EQ_INT(scr_config_set(cfg, SCR_CONF_SYSTEM, "SCR_FLUSH", "", "sys", NULL), 0);
	CHECK_EQ_INT(scr_config_get_int(cfg, "SCR_FLUSH"), 10);
	CHECK_EQ_INT(scr_config_source(cfg, "SCR_FLUSH", NULL), SCR_CONF_DEFAULT);

	/* the default layer can be overridden and restored */
	CHECK_EQ_INT(scr_config_set(cfg, SCR_CONF_DEFAULT, "SCR_PREFIX", "/p/x", "lib", NULL), 0);
	CHECK_EQ_STR(scr_config_get(cfg, "SCR_PREFIX"), "/p/x");
	CHECK_EQ_INT(scr_config_set(cfg, SCR_CONF_DEFAULT, "SCR_PREFIX", "", "lib", NULL), 0);
	CHECK(scr_config_get(cfg, "SCR_PREFIX") == NULL);

	/* a failed set leaves the old value */
	CHECK_EQ_INT(set(cfg, "SCR_FLUSH", "7"), 0);
	CHECK(set(cfg, "SCR_FLUSH", "seven") < 0);
	CHECK_EQ_INT(scr_config_get_int(cfg, "SCR_FLUSH"), 7);

	/* bad arguments */
	CHECK_EQ_INT(scr_config_set(cfg, SCR_CONF_NLAYERS, "SCR_FLUSH", "1", "x", NULL), -SCR_EINVAL);
	CHECK_EQ_INT(scr_config_set(NULL, SCR_CONF_API, "SCR_FLUSH", "1", "x", NULL), -SCR_EINVAL);
	CHECK_EQ_INT(scr_config_parse_string(cfg, SCR_CONF_API, NULL, "x", NULL), -SCR_EINVAL);
	free(msg);
	scr_config_free(cfg);
}

/* Accepted values of a parameter: set, then read back as text. */
static void check_ok(struct scr_config *cfg, const char *name, const char *value,
		     const char *stored, int line)
{
	char *msg = NULL;
	int rc = scr_config_set(cfg, SCR_CONF_API, name, value, "test", &msg);
	check_count++;
	if (rc != 0 || msg) {
		check_failed++;
		fprintf(stderr, "%s:%d: %s=%s refused: %s\n", __FILE__, line, name,
			value, msg ? msg : "(no message)");
	}
	free(msg);
	CHECK_EQ_STR(scr_config_get(cfg, name), stored);
}

/* Refused values: an error naming the parameter, the value and the expectation. */
static void check_bad(struct scr_config *cfg, const char *name, const char *value,
		      const char *expect, int line)
{
	char *msg = NULL;
	const char *before = scr_config_get(cfg, name);
	char *saved = before ? strdup(before) : NULL;
	int rc = scr_config_set(cfg, SCR_CONF_API, name, value, "test", &msg);
	check_count++;
	if (rc != -SCR_ECONFIG || !contains(msg, name) || !contains(msg, expect) ||
	    strncmp(msg, "test: ", 6)) {
		check_failed++;
		fprintf(stderr, "%s:%d: %s=%s: rc %d, message \"%s\" (wanted \"%s\")\n",
			__FILE__, line, name, value, rc, msg ? msg : "(null)", expect);
	}
	const char *after = scr_config_get(cfg, name);
	CHECK((!saved && !after) || (saved && after && !strcmp(saved, after)));
	free(saved);
	free(msg);
}

#define OK(name, value, stored) check_ok(cfg, name, value, stored, __LINE__)
#define BAD(name, value, expect) check_bad(cfg, name, value, expect, __LINE__)

static void test_types(void)
{
	struct scr_config *cfg = scr_config_new();
	uint64_t u;
	int b;

	/* bool */
	static const char *const yes[] = { "1", "yes", "true", "on", "YES", "True", "oN" };
	static const char *const no[] = { "0", "no", "false", "off", "NO", "False", "OFF" };
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		OK("SCR_FLUSH_ASYNC", yes[i], yes[i]);
		CHECK_EQ_INT(scr_config_get_bool(cfg, "SCR_FLUSH_ASYNC"), 1);
		OK("SCR_FLUSH_ASYNC", no[i], no[i]);
		CHECK_EQ_INT(scr_config_get_bool(cfg, "SCR_FLUSH_ASYNC"), 0);
	}
	BAD("SCR_FLUSH_ASYNC", "2", "expected 0, 1, yes, no, true, false, on or off");
	BAD("SCR_FLUSH_ASYNC", "y", "'y'");
	BAD("SCR_FLUSH_ASYNC", "enable", "'enable'");
	BAD("SCR_FLUSH_ASYNC", " 1", "expected 0, 1");
	CHECK(scr_parse_bool("maybe", &b) == -SCR_EINVAL);
	CHECK(scr_parse_bool("On", &b) == 0 && b == 1);

	/* int with ranges */
	OK("SCR_FLUSH", "0", "0");
	OK("SCR_FLUSH", "+5", "+5");
	CHECK_EQ_INT(scr_config_get_int(cfg, "SCR_FLUSH"), 5);
	OK("SCR_FLUSH", "007", "007");
	CHECK_EQ_INT(scr_config_get_int(cfg, "SCR_FLUSH"), 7);
	OK("SCR_FLUSH", "2147483647", "2147483647");
	BAD("SCR_FLUSH", "-1", "expected an integer >= 0");
	BAD("SCR_FLUSH", "2147483648", "expected an integer <= 2147483647");
	BAD("SCR_FLUSH", "99999999999999999999999", "expected an integer <= ");
	BAD("SCR_FLUSH", "-99999999999999999999999", "expected an integer >= 0");
	BAD("SCR_FLUSH", "1.5", "'1.5'");
	BAD("SCR_FLUSH", "10abc", "'10abc'");
	BAD("SCR_FLUSH", "0x10", "'0x10'");
	BAD("SCR_FLUSH", "ten", "expected an integer >= 0");
	OK("SCR_SET_SIZE", "2", "2");
	BAD("SCR_SET_SIZE", "1", "expected an integer >= 2");
	OK("SCR_CACHE_SIZE", "1", "1");
	BAD("SCR_CACHE_SIZE", "0", "expected an integer >= 1");
	BAD("SCR_SET_FAILURES", "0", "expected an integer >= 1");

	/* bytes: powers of 1024, case-insensitive suffixes, overflow refused */
	static const struct {
		const char *text;
		uint64_t value;
	} bytes[] = {
		{ "0", 0 }, { "4096", 4096 }, { "10B", 10 }, { "1K", 1024 },
		{ "1kb", 1024 }, { "1KiB", 1024 }, { "2M", 2u << 20 },
		{ "2MB", 2u << 20 }, { "2mib", 2u << 20 }, { "3G", 3ull << 30 },
		{ "1GB", 1ull << 30 }, { "1.5GB", 3ull << 29 }, { "2TB", 2ull << 40 },
		{ "1tib", 1ull << 40 }, { "10 MB", 10u << 20 }, { "0.5K", 512 },
		{ "16777215TB", 16777215ull << 40 },
		{ "18446744073709551615", UINT64_MAX },
	};
	for (size_t i = 0; i < sizeof(bytes) / sizeof(bytes[0]); i++) {
		OK("SCR_CACHE_BYTES", bytes[i].text, bytes[i].text);
		CHECK(scr_config_get_bytes(cfg, "SCR_CACHE_BYTES") == bytes[i].value);
		CHECK(scr_parse_bytes(bytes[i].text, &u) == 0 && u == bytes[i].value);
	}
	BAD("SCR_CACHE_BYTES", "-1", "expected a byte count");
	BAD("SCR_CACHE_BYTES", "MB", "expected a byte count");
	BAD("SCR_CACHE_BYTES", "1XB", "'1XB'");
	BAD("SCR_CACHE_BYTES", "1.", "'1.'");
	BAD("SCR_CACHE_BYTES", "1PB", "'1PB'");
	BAD("SCR_CACHE_BYTES", "1 2", "'1 2'");
	BAD("SCR_CACHE_BYTES", "16777216TB", "byte count too large");
	BAD("SCR_CACHE_BYTES", "18446744073709551616", "byte count too large");
	BAD("SCR_FILE_BUF_SIZE", "99999999999999999999999999G", "too large");
	CHECK(scr_parse_bytes("12QB", &u) == -SCR_EINVAL);

	/* seconds: raw text kept, get_int gives seconds */
	OK("SCR_CHECKPOINT_SECONDS", "90", "90");
	CHECK_EQ_INT(scr_config_get_int(cfg, "SCR_CHECKPOINT_SECONDS"), 90);
	OK("SCR_CHECKPOINT_SECONDS", "5s", "5s");
	CHECK_EQ_INT(scr_config_get_int(cfg, "SCR_CHECKPOINT_SECONDS"), 5);
	OK("SCR_CHECKPOINT_SECONDS", "2m", "2m");
	CHECK_EQ_INT(scr_config_get_int(cfg, "SCR_CHECKPOINT_SECONDS"), 120);
	OK("SCR_HALT_SECONDS", "1H", "1H");
	CHECK_EQ_INT(scr_config_get_int(cfg, "SCR_HALT_SECONDS"), 3600);
	OK("SCR_WATCHDOG_TIMEOUT", "2d", "2d");
	CHECK_EQ_INT(scr_config_get_int(cfg, "SCR_WATCHDOG_TIMEOUT"), 172800);
	BAD("SCR_WATCHDOG_TIMEOUT", "-1", "expected a duration >= 0");
	BAD("SCR_WATCHDOG_TIMEOUT", "1x", "'1x'");
	BAD("SCR_WATCHDOG_TIMEOUT", "h", "expected a duration");
	BAD("SCR_WATCHDOG_TIMEOUT", "1.5h", "expected a duration");
	BAD("SCR_WATCHDOG_TIMEOUT", "1 h", "expected a duration");
	BAD("SCR_WATCHDOG_TIMEOUT", "9999999999999999999d", "duration too large");
	BAD("SCR_WATCHDOG_TIMEOUT", "999999999999999d", "duration too large");

	/* percentage */
	OK("SCR_CHECKPOINT_OVERHEAD", "12.5", "12.5");
	CHECK(scr_config_get_double(cfg, "SCR_CHECKPOINT_OVERHEAD") == 12.5);
	OK("SCR_CHECKPOINT_OVERHEAD", "100", "100");
	OK("SCR_CHECKPOINT_OVERHEAD", "5%", "5%");
	CHECK(scr_config_get_double(cfg, "SCR_CHECKPOINT_OVERHEAD") == 5.0);
	OK("SCR_CHECKPOINT_OVERHEAD", ".5", ".5");
	BAD("SCR_CHECKPOINT_OVERHEAD", "101", "expected a percentage from 0 to 100");
	BAD("SCR_CHECKPOINT_OVERHEAD", "-1", "expected a percentage from 0 to 100");
	BAD("SCR_CHECKPOINT_OVERHEAD", "nan", "expected a percentage");
	BAD("SCR_CHECKPOINT_OVERHEAD", "1e2", "expected a percentage");
	BAD("SCR_CHECKPOINT_OVERHEAD", "0x10", "expected a percentage");
	BAD("SCR_CHECKPOINT_OVERHEAD", ".", "expected a percentage");

	/* enum: case-insensitive, stored upper case */
	OK("SCR_COPY_TYPE", "xor", "XOR");
	OK("SCR_COPY_TYPE", "Partner", "PARTNER");
	OK("SCR_COPY_TYPE", "RS", "RS");
	BAD("SCR_COPY_TYPE", "RAID5", "expected one of SINGLE, PARTNER, XOR, RS");
	BAD("SCR_COPY_TYPE", "XO", "'XO'");

	/* path: trailing slashes dropped; string: anything printable */
	OK("SCR_CACHE_BASE", "/tmp/cache//", "/tmp/cache");
	OK("SCR_CACHE_BASE", "/", "/");
	OK("SCR_CACHE_BASE", "", "/dev/shm");
	OK("SCR_JOB_NAME", "my job \xc3\xa9t\xc3\xa9", "my job \xc3\xa9t\xc3\xa9");
	BAD("SCR_JOB_NAME", "two\nlines", "control character 0x0a");

	/* unknown names: suggestion and the list of parameters */
	char *msg = NULL;
	CHECK_EQ_INT(scr_config_set(cfg, SCR_CONF_API, "SCR_FLUSHH", "1", "SCR_Config", &msg), -SCR_ECONFIG);
	CHECK_MSG(msg, "SCR_Config: unknown parameter 'SCR_FLUSHH' (did you mean SCR_FLUSH?)");
	CHECK_MSG(msg, "known parameters: SCR_ENABLE, SCR_DEBUG,");
	CHECK(!contains(msg, "descriptors"));
	free(msg);
	CHECK_EQ_INT(scr_config_set(cfg, SCR_CONF_API, "STORE", "/x", NULL, &msg), -SCR_ECONFIG);
	CHECK_MSG(msg, "unknown key 'STORE'");
	free(msg);
	scr_config_free(cfg);
}

static void test_descriptors(void)
{
	struct scr_config *cfg = scr_config_new();
	char *msg = NULL;
	const char *system =
		"# system file\n"
		"STORE=/dev/shm/ COUNT=2 GROUP=NODE\n"
		"STORE=/ssd GROUP=\"RACK A\" VIEW=global BYTES=10GB   # trailing comment\n"
		"CKPT=0 INTERVAL=1 TYPE=xor SET_SIZE=8 STORE=/dev/shm/\n"
		"CKPT = 1   INTERVAL = 4 TYPE=RS SET_FAILURES=2\n"
		"CACHEDIR=/tmp/c SIZE=3\n"
		"CACHE=/tmp/d BYTES=1MB\n"
		"CNTLDIR=/dev/shm BYTES=64MB\n"
		"GROUPS=node01 POWER=psu1 SWITCH=sw1\n"
		"GROUPS=node02 POWER=psu2\n";
	CHECK_EQ_INT(parse(cfg, SCR_CONF_SYSTEM, system, &msg), 0);
	CHECK(msg == NULL);

	CHECK_EQ_INT(scr_config_desc_count(cfg, "STORE"), 2);
	CHECK_EQ_STR(scr_config_desc_name(cfg, "STORE", 0), "/dev/shm");
	CHECK_EQ_STR(scr_config_desc_get(cfg, "STORE", 0, "COUNT"), "2");
	CHECK_EQ_STR(scr_config_desc_get(cfg, "STORE", 0, "GROUP"), "NODE");
	CHECK(scr_config_desc_get(cfg, "STORE", 0, "VIEW") == NULL);
	CHECK_EQ_STR(scr_config_desc_name(cfg, "STORE", 1), "/ssd");
	CHECK_EQ_STR(scr_config_desc_get(cfg, "STORE", 1, "GROUP"), "RACK A");
	CHECK_EQ_STR(scr_config_desc_get(cfg, "STORE", 1, "VIEW"), "GLOBAL");
	CHECK_EQ_STR(scr_config_desc_get(cfg, "STORE", 1, "BYTES"), "10GB");
	CHECK(scr_config_desc_get(cfg, "STORE", 2, "COUNT") == NULL);
	CHECK(scr_config_desc_name(cfg, "STORE", 2) == NULL);

	CHECK_EQ_INT(scr_config_desc_count(cfg, "CKPT"), 2);
	CHECK_EQ_STR(scr_config_desc_name(cfg, "CKPT", 0), "0");
	CHECK_EQ_STR(scr_config_desc_get(cfg, "CKPT", 0, "TYPE"), "XOR");
	CHECK_EQ_STR(scr_config_desc_get(cfg, "CKPT", 0, "STORE"), "/dev/shm");
	CHECK_EQ_STR(scr_config_desc_name(cfg, "CKPT", 1), "1");
	CHECK_EQ_STR(scr_config_desc_get(cfg, "CKPT", 1, "INTERVAL"), "4");
	CHECK_EQ_STR(scr_config_desc_get(cfg, "CKPT", 1, "SET_FAILURES"), "2");

	/* CACHEDIR and CACHE are one kind; CNTLDIR is stored as CNTL */
	CHECK_EQ_INT(scr_config_desc_count(cfg, "CACHE"), 2);
	CHECK_EQ_INT(scr_config_desc_count(cfg, "CACHEDIR"), 2);
	CHECK_EQ_STR(scr_config_desc_name(cfg, "CACHE", 0), "/tmp/c");
	CHECK_EQ_STR(scr_config_desc_get(cfg, "CACHE", 0, "SIZE"), "3");
	CHECK_EQ_STR(scr_config_desc_get(cfg, "CACHE", 1, "BYTES"), "1MB");
	CHECK_EQ_INT(scr_config_desc_count(cfg, "CNTL"), 1);
	CHECK_EQ_STR(scr_config_desc_get(cfg, "CNTL", 0, "BYTES"), "64MB");
	CHECK_EQ_INT(scr_config_desc_count(cfg, "GROUPS"), 2);
	CHECK_EQ_STR(scr_config_desc_name(cfg, "GROUPS", 1), "node02");
	CHECK_EQ_STR(scr_config_desc_get(cfg, "GROUPS", 0, "SWITCH"), "sw1");
	CHECK_EQ_INT(scr_config_desc_count(cfg, "NOPE"), 0);
	CHECK(scr_config_desc_get(cfg, "NOPE", 0, "X") == NULL);

	/* later layers override attributes of the same descriptor, keep the order */
	CHECK_EQ_INT(parse(cfg, SCR_CONF_USER, "CKPT=00 SET_SIZE=4\nSTORE=/new COUNT=1\n", &msg), 0);
	CHECK_EQ_INT(scr_config_desc_count(cfg, "CKPT"), 2);
	CHECK_EQ_STR(scr_config_desc_get(cfg, "CKPT", 0, "SET_SIZE"), "4");
	CHECK_EQ_STR(scr_config_desc_get(cfg, "CKPT", 0, "TYPE"), "XOR");
	CHECK_EQ_STR(scr_config_desc_name(cfg, "STORE", 2), "/new");
	CHECK_EQ_INT(scr_config_parse_string(cfg, SCR_CONF_API, "CKPT=0 SET_SIZE=16 TYPE=rs", "SCR_Config", &msg), 0);
	CHECK_EQ_STR(scr_config_desc_get(cfg, "CKPT", 0, "SET_SIZE"), "16");
	CHECK_EQ_STR(scr_config_desc_get(cfg, "CKPT", 0, "TYPE"), "RS");
	/* an empty attribute unsets it at that layer only */
	CHECK_EQ_INT(scr_config_parse_string(cfg, SCR_CONF_API, "CKPT=0 SET_SIZE=", "SCR_Config", &msg), 0);
	CHECK_EQ_STR(scr_config_desc_get(cfg, "CKPT", 0, "SET_SIZE"), "4");
	CHECK_EQ_INT(parse(cfg, SCR_CONF_USER, "CKPT=0 SET_SIZE=\"\"", &msg), 0);
	CHECK_EQ_STR(scr_config_desc_get(cfg, "CKPT", 0, "SET_SIZE"), "8");
	/* a later line of the same layer overrides an earlier one */
	CHECK_EQ_INT(parse(cfg, SCR_CONF_SYSTEM, "STORE=/ssd COUNT=5\nSTORE=/ssd COUNT=6", &msg), 0);
	CHECK_EQ_STR(scr_config_desc_get(cfg, "STORE", 1, "COUNT"), "6");
	CHECK_EQ_STR(scr_config_desc_get(cfg, "STORE", 1, "VIEW"), "GLOBAL");
	/* a descriptor with no attributes still counts */
	CHECK_EQ_INT(parse(cfg, SCR_CONF_USER, "CNTLDIR=/tmp/cntl", &msg), 0);
	CHECK_EQ_INT(scr_config_desc_count(cfg, "CNTL"), 2);

	/* errors: nothing of a bad line is stored */
	CHECK_EQ_INT(parse(cfg, SCR_CONF_USER, "CACHE=/x SIZE=2 SIZ=3", &msg), -SCR_ECONFIG);
	CHECK_MSG(msg, "'test.conf' line 1: unknown attribute 'SIZ' for CACHE (did you mean SIZE?); allowed: SIZE, BYTES, GROUP");
	CHECK_EQ_INT(scr_config_desc_count(cfg, "CACHE"), 2);
	CHECK_EQ_INT(parse(cfg, SCR_CONF_USER, "CNTLDIR=/x COUNT=1", &msg), -SCR_ECONFIG);
	CHECK_MSG(msg, "unknown attribute 'COUNT' for CNTLDIR; allowed: BYTES");
	CHECK_EQ_INT(parse(cfg, SCR_CONF_USER, "CKPT=0 TYPE=RAID6", &msg), -SCR_ECONFIG);
	CHECK_MSG(msg, "invalid value 'RAID6' for TYPE of CKPT (expected one of SINGLE, PARTNER, XOR, RS)");
	CHECK_EQ_STR(scr_config_desc_get(cfg, "CKPT", 0, "TYPE"), "RS");
	CHECK_EQ_INT(parse(cfg, SCR_CONF_USER, "CKPT=0 SET_SIZE=1", &msg), -SCR_ECONFIG);
	CHECK_MSG(msg, "expected an integer >= 2");
	CHECK_EQ_INT(parse(cfg, SCR_CONF_USER, "STORE=/x BYTES=lots", &msg), -SCR_ECONFIG);
	CHECK_MSG(msg, "expected a byte count");
	CHECK_EQ_INT(parse(cfg, SCR_CONF_USER, "CKPT=0 OUTPUT=maybe", &msg), -SCR_ECONFIG);
	CHECK_MSG(msg, "'maybe' for OUTPUT of CKPT");
	CHECK_EQ_INT(parse(cfg, SCR_CONF_USER, "CKPT=-1 INTERVAL=1", &msg), -SCR_ECONFIG);
	CHECK_MSG(msg, "invalid name '-1' for CKPT");
	CHECK_EQ_INT(parse(cfg, SCR_CONF_USER, "CKPT=first", &msg), -SCR_ECONFIG);
	CHECK_MSG(msg, "checkpoint descriptor number >= 0");
	CHECK_EQ_INT(parse(cfg, SCR_CONF_USER, "STORE=\"\" COUNT=1", &msg), -SCR_ECONFIG);
	CHECK_MSG(msg, "missing name for 'STORE'");
	CHECK_EQ_INT(parse(cfg, SCR_CONF_USER, "STORE=/x COUNT=1 COUNT=2", &msg), -SCR_ECONFIG);
	CHECK_MSG(msg, "duplicate attribute 'COUNT'");
	CHECK_EQ_INT(parse(cfg, SCR_CONF_USER, "GROUPS=node03 power=psu1", &msg), -SCR_ECONFIG);
	CHECK_MSG(msg, "invalid attribute 'power' for GROUPS");
	CHECK_EQ_INT(parse(cfg, SCR_CONF_USER, "STORE=/x SCR_FLUSH=1", &msg), -SCR_ECONFIG);
	CHECK_MSG(msg, "unknown attribute 'SCR_FLUSH' for STORE");
	CHECK_EQ_INT(parse(cfg, SCR_CONF_USER, "STORE=/x COUNT= GROUP=NODE", &msg), -SCR_ECONFIG);
	CHECK_MSG(msg, "missing value for 'COUNT'");
	CHECK_EQ_INT(scr_config_desc_count(cfg, "STORE"), 3);
	CHECK_EQ_INT(scr_config_desc_count(cfg, "GROUPS"), 2);
	CHECK_EQ_INT(parse(cfg, SCR_CONF_ENV, "CKPT=0 INTERVAL=0", &msg), -SCR_ECONFIG);

	free(msg);
	scr_config_free(cfg);
}

static void test_syntax_errors(void)
{
	struct scr_config *cfg = scr_config_new();
	char *msg = NULL;

	/* blanks, comments, CRLF and a BOM are fine */
	CHECK_EQ_INT(parse(cfg, SCR_CONF_USER,
			   "\xef\xbb\xbfSCR_DEBUG=1\r\n"
			   "\r\n"
			   "   # indented comment\r\n"
			   "\tSCR_FLUSH = 3 # why\r\n"
			   "SCR_JOB_NAME = \"a # b\"\n"
			   "SCR_USER_NAME=al#ice\n"
			   "SCR_NODE_NAME=\"n1\"\n"
			   "SCR_PREFIX= /p/x", &msg), 0);
	CHECK(msg == NULL);
	CHECK_EQ_INT(scr_config_get_int(cfg, "SCR_DEBUG"), 1);
	CHECK_EQ_INT(scr_config_get_int(cfg, "SCR_FLUSH"), 3);
	CHECK_EQ_STR(scr_config_get(cfg, "SCR_JOB_NAME"), "a # b");
	CHECK_EQ_STR(scr_config_get(cfg, "SCR_USER_NAME"), "al#ice");
	CHECK_EQ_STR(scr_config_get(cfg, "SCR_NODE_NAME"), "n1");
	CHECK_EQ_STR(scr_config_get(cfg, "SCR_PREFIX"), "/p/x");
	const char *origin;
	CHECK_EQ_INT(scr_config_source(cfg, "SCR_FLUSH", &origin), SCR_CONF_USER);
	CHECK_EQ_STR(origin, "test.conf:4");
	CHECK_EQ_INT(parse(cfg, SCR_CONF_USER, "", &msg), 0);
	CHECK_EQ_INT(parse(cfg, SCR_CONF_USER, "\n\n  \t\n#\n", &msg), 0);

	/* unknown key: file, line, key, suggestion, what is allowed; earlier lines stay */
	CHECK_EQ_INT(parse(cfg, SCR_CONF_USER, "# x\nSCR_DEBUG=2\nSCR_FLUSHH=4\nSCR_RUNS=5\n", &msg), -SCR_ECONFIG);
	CHECK_MSG(msg, "'test.conf' line 3: unknown parameter 'SCR_FLUSHH' (did you mean SCR_FLUSH?); known parameters: SCR_ENABLE, ");
	CHECK_MSG(msg, "SCR_FILE_BUF_SIZE; descriptors: STORE, CKPT, CACHE, CACHEDIR, CNTLDIR, GROUPS");
	CHECK_EQ_INT(scr_config_get_int(cfg, "SCR_DEBUG"), 2);
	CHECK_EQ_INT(scr_config_get_int(cfg, "SCR_RUNS"), 1);
	CHECK_EQ_INT(parse(cfg, SCR_CONF_USER, "scr_flush=4", &msg), -SCR_ECONFIG);
	CHECK_MSG(msg, "unknown key 'scr_flush'");
	CHECK_EQ_INT(parse(cfg, SCR_CONF_USER, "STOR=/x", &msg), -SCR_ECONFIG);
	CHECK_MSG(msg, "unknown key 'STOR' (did you mean STORE?)");
	CHECK_EQ_INT(parse(cfg, SCR_CONF_USER, "SCR_ZZZZZZZZZ=1", &msg), -SCR_ECONFIG);
	CHECK(!contains(msg, "did you mean"));
	free(msg);
	CHECK_EQ_INT(scr_config_parse_string(cfg, SCR_CONF_API, "SCR_FLUHS=4", "SCR_Config", &msg), -SCR_ECONFIG);
	CHECK_MSG(msg, "SCR_Config: unknown parameter 'SCR_FLUHS' (did you mean SCR_FLUSH?)");
	CHECK(!strncmp(msg, "SCR_Config: ", 12));
	free(msg);
	msg = NULL;

	/* bad value */
	CHECK_EQ_INT(parse(cfg, SCR_CONF_USER, "\nSCR_FLUSH=often", &msg), -SCR_ECONFIG);
	CHECK_MSG(msg, "'test.conf' line 2: invalid value 'often' for SCR_FLUSH (expected an integer >= 0)");
	CHECK_EQ_INT(scr_config_get_int(cfg, "SCR_FLUSH"), 3);

	/* shapes of broken lines */
	static const struct {
		const char *text;
		const char *msg;
	} bad[] = {
		{ "SCR_FLUSH 10", "line 1: missing '=' after 'SCR_FLUSH'" },
		{ "SCR_FLUSH", "missing '=' after 'SCR_FLUSH'" },
		{ "=10", "missing key before '='" },
		{ "SCR_FLUSH=", "line 1: missing value for 'SCR_FLUSH'" },
		{ "SCR_FLUSH=   # nothing", "missing value for 'SCR_FLUSH'" },
		{ "SCR_JOB_NAME=\"abc", "unterminated quote in value of 'SCR_JOB_NAME'" },
		{ "SCR_JOB_NAME=\"a\"b", "unexpected text after the closing quote of 'SCR_JOB_NAME'" },
		{ "SCR_JOB_NAME=a\"b\"", "unexpected '\"' in value of 'SCR_JOB_NAME'" },
		{ "SCR_JOB_NAME=my job", "unexpected 'job' after SCR_JOB_NAME=my (quote values that contain blanks)" },
		{ "SCR_FLUSH=1 SCR_DEBUG=1", "unexpected 'SCR_DEBUG' after SCR_FLUSH (a parameter line holds one KEY=VALUE)" },
		{ "SCR_FLUSH=1\rSCR_DEBUG=1", "control character 0x0d" },
		{ "SCR_JOB_NAME=\x01\x02", "control character 0x01" },
		{ "SCR_JOB_NAME=\xff\xfe", "invalid UTF-8 byte 0xff" },
		{ "SCR_JOB_NAME=\xc0\xaf", "invalid UTF-8 byte 0xc0" },
		{ "SCR_JOB_NAME=\xed\xa0\x80", "invalid UTF-8 byte 0xed" },
		{ "hello world", "missing '=' after 'hello'" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = parse(cfg, SCR_CONF_USER, bad[i].text, &msg);
		check_count++;
		if (rc != -SCR_ECONFIG || !contains(msg, bad[i].msg) ||
		    strncmp(msg, "'test.conf' line ", 17)) {
			check_failed++;
			fprintf(stderr, "%s:%d: case %zu: rc %d, message \"%s\", wanted \"%s\"\n",
				__FILE__, __LINE__, i, rc, msg ? msg : "(null)", bad[i].msg);
		}
	}
	/* messages show hostile bytes escaped */
	CHECK_EQ_INT(parse(cfg, SCR_CONF_USER, "SCR_\xc3\xa9=1", &msg), -SCR_ECONFIG);
	CHECK_MSG(msg, "'SCR_\xc3\xa9'");
	free(msg);
	CHECK_EQ_INT(scr_config_set(cfg, SCR_CONF_API, "SCR_\x1b[31m", "1", "t", &msg), -SCR_ECONFIG);
	CHECK_MSG(msg, "'SCR_\\x1b[31m'");

	/* very long lines: a long value is fine, a long key is an error with a short message */
	size_t big = 1 << 20;
	char *line = malloc(big + 64);
	strcpy(line, "SCR_JOB_NAME=");
	memset(line + 13, 'a', big);
	line[13 + big] = '\0';
	CHECK_EQ_INT(parse(cfg, SCR_CONF_USER, line, &msg), 0);
	CHECK_EQ_INT(strlen(scr_config_get(cfg, "SCR_JOB_NAME")), big);
	memset(line, 'K', big);
	strcpy(line + big, "=1");
	CHECK_EQ_INT(parse(cfg, SCR_CONF_USER, line, &msg), -SCR_ECONFIG);
	CHECK(msg && strlen(msg) < 2000);
	CHECK_MSG(msg, "unknown key 'KKKK");
	CHECK_MSG(msg, "...'");
	free(line);

	/* binary garbage never parses and never crashes (fixed seed) */
	srand(12345);
	int refused = 0;
	for (int trial = 0; trial < 500; trial++) {
		char buf[257];
		size_t n = 1 + (size_t)(rand() % 256);
		for (size_t i = 0; i < n; i++)
			buf[i] = (char)(1 + rand() % 255);
		buf[n] = '\0';
		if (n > 8)
			buf[n / 2] = '=';	/* make some look like KEY=VALUE */
		if (parse(cfg, SCR_CONF_USER, buf, &msg) < 0 && msg && *msg)
			refused++;
	}
	CHECK_EQ_INT(refused, 500);

	free(msg);
	scr_config_free(cfg);
}

static void test_files(void)
{
	struct scr_config *cfg = scr_config_new();
	char *msg = NULL;

	const char *text = "SCR_FLUSH=6\r\nSTORE=/dev/shm COUNT=1\r\n";
	char *path = write_tmp("scr.conf", text, strlen(text));
	CHECK_EQ_INT(scr_config_parse_file(cfg, SCR_CONF_SYSTEM, path, 0, &msg), 0);
	CHECK(msg == NULL);
	CHECK_EQ_INT(scr_config_get_int(cfg, "SCR_FLUSH"), 6);
	const char *origin;
	CHECK_EQ_INT(scr_config_source(cfg, "SCR_FLUSH", &origin), SCR_CONF_SYSTEM);
	char *want = scr_asprintf("%s:1", path);
	CHECK_EQ_STR(origin, want);
	free(want);
	CHECK_EQ_STR(scr_config_desc_get(cfg, "STORE", 0, "COUNT"), "1");
	unlink(path);
	free(path);

	/* unknown key in a file: its name, the line and the key */
	text = "SCR_DEBUG=1\n\n# c\nSCR_CACHE_SIZ=3\n";
	path = write_tmp("user.conf", text, strlen(text));
	CHECK_EQ_INT(scr_config_parse_file(cfg, SCR_CONF_USER, path, 0, &msg), -SCR_ECONFIG);
	char *where = scr_asprintf("'%s' line 4: unknown parameter 'SCR_CACHE_SIZ' (did you mean SCR_CACHE_SIZE?)", path);
	CHECK_MSG(msg, where);
	free(where);
	free(msg);
	msg = NULL;
	unlink(path);
	free(path);

	/* a NUL byte in a file is refused, with its line */
	path = write_tmp("nul.conf", "SCR_DEBUG=1\nSCR_JOB_NAME=a\0b\n", 29);
	CHECK_EQ_INT(scr_config_parse_file(cfg, SCR_CONF_USER, path, 0, &msg), -SCR_ECONFIG);
	CHECK_MSG(msg, "line 2: NUL byte");
	free(msg);
	msg = NULL;
	unlink(path);
	free(path);

	/* missing: fine when allowed, else an error naming the file */
	path = scr_asprintf("%s/missing.conf", tmpdir);
	CHECK_EQ_INT(scr_config_parse_file(cfg, SCR_CONF_USER, path, 1, &msg), 0);
	CHECK(msg == NULL);
	CHECK_EQ_INT(scr_config_parse_file(cfg, SCR_CONF_USER, path, 0, &msg), -SCR_ENOENT);
	CHECK_MSG(msg, path);
	CHECK_MSG(msg, "No such file or directory");
	free(msg);
	msg = NULL;
	free(path);

	/* unreadable (a directory): always an error, even when missing is fine */
	CHECK_EQ_INT(scr_config_parse_file(cfg, SCR_CONF_USER, tmpdir, 1, &msg), -SCR_EIO);
	CHECK_MSG(msg, tmpdir);
	CHECK_MSG(msg, "not a regular file");
	free(msg);
	msg = NULL;
	CHECK_EQ_INT(scr_config_parse_file(cfg, SCR_CONF_USER, tmpdir, 0, NULL), -SCR_EIO);

	/* a FIFO is refused without blocking on open */
	path = scr_asprintf("%s/fifo.conf", tmpdir);
	CHECK_EQ_INT(mkfifo(path, 0600), 0);
	CHECK_EQ_INT(scr_config_parse_file(cfg, SCR_CONF_USER, path, 0, &msg), -SCR_EIO);
	CHECK_MSG(msg, "not a regular file");
	free(msg);
	msg = NULL;
	unlink(path);
	free(path);

	/* a path through a regular file (ENOTDIR) is unreadable, not missing */
	path = scr_asprintf("%s/garbage.conf/x", tmpdir);
	free(write_tmp("garbage.conf", "", 0));
	CHECK_EQ_INT(scr_config_parse_file(cfg, SCR_CONF_USER, path, 1, &msg), -SCR_EIO);
	CHECK_MSG(msg, "Not a directory");
	free(msg);
	msg = NULL;
	free(path);

	/* binary garbage file */
	char garbage[4096];
	srand(7);
	for (size_t i = 0; i < sizeof(garbage); i++)
		garbage[i] = (char)(rand() & 0xff);
	path = write_tmp("garbage.conf", garbage, sizeof(garbage));
	CHECK_EQ_INT(scr_config_parse_file(cfg, SCR_CONF_USER, path, 0, &msg), -SCR_ECONFIG);
	CHECK_MSG(msg, path);
	free(msg);
	unlink(path);
	free(path);
	scr_config_free(cfg);
}

static void test_env(void)
{
	struct scr_config *cfg = scr_config_new();
	char *msg = NULL, *warnings = NULL;
	char *env[] = {
		"PATH=/bin", "SCR_FLUSH=7", "SCR_FOO=1", "SCR_BAR", "SCR_DEBUG=",
		"SCR_COPY_TYPE=partner", "STORE=/x", "SCR_ZZZ=", "MY_SCR_FLUSH=1", NULL,
	};
	CHECK_EQ_INT(scr_config_set(cfg, SCR_CONF_USER, "SCR_DEBUG", "2", "u", NULL), 0);
	CHECK_EQ_INT(scr_config_load_env(cfg, env, &warnings, &msg), 0);
	CHECK(msg == NULL);
	CHECK_EQ_INT(scr_config_get_int(cfg, "SCR_FLUSH"), 7);
	const char *origin;
	CHECK_EQ_INT(scr_config_source(cfg, "SCR_FLUSH", &origin), SCR_CONF_ENV);
	CHECK_EQ_STR(origin, "environment");
	CHECK_EQ_STR(scr_config_get(cfg, "SCR_COPY_TYPE"), "PARTNER");
	CHECK_EQ_INT(scr_config_get_int(cfg, "SCR_DEBUG"), 2);	/* empty: not set */
	CHECK_EQ_INT(scr_config_desc_count(cfg, "STORE"), 0);
	CHECK_EQ_STR(warnings, "unknown environment variable 'SCR_FOO' ignored\n"
			       "unknown environment variable 'SCR_ZZZ' ignored");
	free(warnings);

	/* SCR_Config still wins over the environment */
	CHECK_EQ_INT(scr_config_parse_string(cfg, SCR_CONF_API, "SCR_FLUSH=1", "SCR_Config", &msg), 0);
	CHECK_EQ_INT(scr_config_get_int(cfg, "SCR_FLUSH"), 1);

	char *clean[] = { "HOME=/root", "SCR_RUNS=3", NULL };
	CHECK_EQ_INT(scr_config_load_env(cfg, clean, &warnings, &msg), 0);
	CHECK(warnings == NULL);
	CHECK_EQ_INT(scr_config_get_int(cfg, "SCR_RUNS"), 3);

	char *bad[] = { "SCR_FOO=1", "SCR_CACHE_SIZE=zero", NULL };
	CHECK_EQ_INT(scr_config_load_env(cfg, bad, &warnings, &msg), -SCR_ECONFIG);
	CHECK_MSG(msg, "environment variable 'SCR_CACHE_SIZE': invalid value 'zero' for SCR_CACHE_SIZE (expected an integer >= 1)");
	CHECK_EQ_INT(scr_config_get_int(cfg, "SCR_CACHE_SIZE"), 2);
	free(warnings);
	free(msg);
	msg = NULL;

	char *ctl[] = { "SCR_JOB_NAME=a\tb", "SCR_NODE_NAME=x\ny", NULL };
	CHECK_EQ_INT(scr_config_load_env(cfg, ctl, NULL, &msg), -SCR_ECONFIG);
	CHECK_MSG(msg, "environment variable 'SCR_NODE_NAME': control character 0x0a");
	CHECK_EQ_STR(scr_config_get(cfg, "SCR_JOB_NAME"), "a\tb");
	free(msg);

	CHECK_EQ_INT(scr_config_load_env(cfg, NULL, &warnings, NULL), 0);
	CHECK(warnings == NULL);
	scr_config_free(cfg);
}

/* Read a documentation file next to this source, NULL when not found. */
static char *read_doc(const char *rel)
{
	char *root = strdup(__FILE__);
	char *cut = strstr(root, "tests/unit/test_config.c");
	if (cut)
		*cut = '\0';
	char *path = scr_asprintf("%s%s", cut ? root : "", rel);
	char *buf = NULL;
	size_t len;
	if (scr_read_file(path, 1 << 20, &buf, &len))
		buf = NULL;
	free(path);
	free(root);
	return buf;
}

/* conf/scr.conf: every parameter once, commented with its default; examples valid. */
static void test_template(void)
{
	char *text = read_doc("conf/scr.conf");
	char *readme = read_doc("conf/README.md");
	if (!text || !readme) {
		printf("test_config: conf/ not found next to %s, template checks skipped\n", __FILE__);
		free(text);
		free(readme);
		return;
	}
	struct scr_config *cfg = scr_config_new();
	char *msg = NULL;
	/* the file as shipped sets nothing */
	CHECK_EQ_INT(scr_config_parse_string(cfg, SCR_CONF_SYSTEM, text, "scr.conf", &msg), 0);
	CHECK_EQ_INT(scr_config_desc_count(cfg, "STORE"), 0);

	/* uncomment every "#KEY=..." line: all must parse and give the defaults */
	char *copy = strdup(text);
	for (char *p = copy; *p; p++)
		if (*p == '#' && (p == copy || p[-1] == '\n') && p[1] >= 'A' && p[1] <= 'Z')
			*p = ' ';
	int rc = scr_config_parse_string(cfg, SCR_CONF_SYSTEM, copy, "scr.conf", &msg);
	CHECK_EQ_INT(rc, 0);
	if (rc)
		fprintf(stderr, "test_config: %s\n", msg ? msg : "(no message)");
	const char *name, *type, *defval, *doc;
	for (size_t i = 0; scr_config_param(i, &name, &type, &defval, &doc); i++) {
		char *line = scr_asprintf("\n#%s=", name);
		char *first = strstr(text, line);
		CHECK(first != NULL && strstr(first + 1, line) == NULL);
		free(line);
		const char *origin = NULL;
		CHECK_EQ_INT(scr_config_source(cfg, name, &origin), *defval ? SCR_CONF_SYSTEM : SCR_CONF_DEFAULT);
		const char *got = scr_config_get(cfg, name);
		if (*defval)
			CHECK_EQ_STR(got, defval);
		else
			CHECK(got == NULL);
		/* the one-line explanation is the table's */
		CHECK(strstr(text, doc) != NULL);
		/* the reference lists every parameter in its table */
		char *row = scr_asprintf("| `%s` |", name);
		CHECK(strstr(readme, row) != NULL);
		free(row);
	}
	CHECK(scr_config_desc_count(cfg, "STORE") >= 1);
	CHECK(scr_config_desc_count(cfg, "CKPT") >= 1);
	CHECK(scr_config_desc_count(cfg, "CACHE") >= 1);
	CHECK(scr_config_desc_count(cfg, "CNTL") >= 1);
	CHECK(scr_config_desc_count(cfg, "GROUPS") >= 1);
	free(msg);
	free(copy);
	free(text);
	free(readme);
	scr_config_free(cfg);
}

int main(void)
{
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 2;
	}
	test_defaults();
	test_precedence();
	test_types();
	test_descriptors();
	test_syntax_errors();
	test_files();
	test_env();
	test_template();
	scr_remove_tree(tmpdir);
	return check_done("test_config");
}
