/* SPDX-License-Identifier: MIT */
/*
 * ydoc.h — reading YAML input with precise error messages.
 *
 * A document is loaded whole (libyaml's document API) so that every node keeps its line and
 * column. Readers walk it with cursors (ycur_t) that also carry the key path ("ports[2].acs"),
 * and every problem is recorded as
 *
 *     FILE:LINE:COL: KEY.PATH: what is wrong (what was expected)
 *
 * Errors accumulate (up to YERR_MAX) so a user sees several at once; nothing is printed here.
 */
#ifndef IOFAB_YDOC_H
#define IOFAB_YDOC_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <yaml.h>

#define YERR_MAX 32
#define YPATH_MAX 256

typedef struct yerrs {
	char *msgs[YERR_MAX];
	unsigned n;       /* messages stored */
	unsigned dropped; /* errors beyond YERR_MAX */
} yerrs_t;

void yerrs_add(yerrs_t *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void yerrs_free(yerrs_t *e);

typedef struct ydoc {
	yaml_document_t doc;
	bool loaded;
	char *file;  /* as given by the user, for messages */
	yerrs_t *errs;
} ydoc_t;

typedef struct ycur {
	ydoc_t *d;
	yaml_node_t *node; /* NULL: absent */
	char path[YPATH_MAX];
	/* Where an absent node would have been (its parent mapping), for messages. */
	yaml_mark_t mark;
} ycur_t;

/* Loads FILE; on failure records an error and returns false. */
bool ydoc_load(ydoc_t *d, const char *file, yerrs_t *errs);
void ydoc_free(ydoc_t *d);
ycur_t ydoc_root(ydoc_t *d);

/* Sets the scalar at `path` ("steps[0].stream.window.size", keys separated by dots, sequence
 * entries by [i]) to `value`, as if the file said so: an existing scalar is replaced, missing
 * mapping keys are added (the last as a scalar, the others as mappings); nodes an alias shares
 * are copied first, so the alias keeps its value. Returns NULL, or what is wrong (a static
 * message: the path crosses a scalar, an index is out of range, the node at the path is not a
 * scalar, out of memory), in which case the document may be half changed: discard it. */
const char *ydoc_set(ydoc_t *d, const char *path, const char *value);

/* A setting from the command line: PATH=VALUE (prefix: what was cut off the path the user
 * gave, for messages, e.g. "platform."). */
typedef struct ydoc_setting {
	const char *path, *value, *prefix;
} ydoc_setting_t;

/* Records an error at the cursor. */
void yerr(const ycur_t *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static inline bool ypresent(const ycur_t *c)
{
	return c->node != NULL;
}
bool yis_map(const ycur_t *c);
bool yis_seq(const ycur_t *c);
bool yis_scalar(const ycur_t *c);
/* The scalar's text, or NULL if not a scalar. */
const char *ytext(const ycur_t *c);
/* 1-based line of the node (or of its parent when absent). */
unsigned yline(const ycur_t *c);
unsigned ycol(const ycur_t *c);

/* Requires a mapping; records "expected a mapping" otherwise. */
bool yexpect_map(const ycur_t *c);
bool yexpect_seq(const ycur_t *c);

/* Child of a mapping (absent cursor if the key is missing). */
ycur_t yget(const ycur_t *m, const char *key);
/* Like yget, but records "missing key" when absent. */
ycur_t yneed(const ycur_t *m, const char *key);
/* Records an error for every key of m not in `allowed` (NULL-terminated), and for keys that
 * appear twice. Returns false if any. */
bool ykeys(const ycur_t *m, const char *const *allowed);

size_t ylen(const ycur_t *seq);
ycur_t yat(const ycur_t *seq, size_t i);
/* The i-th key/value of a mapping. */
size_t ymap_len(const ycur_t *m);
ycur_t ymap_key(const ycur_t *m, size_t i);
ycur_t ymap_val(const ycur_t *m, size_t i);

/* Typed scalar readers. Each returns false and records an error on a wrong type or an out of
 * range value; an absent cursor returns false without an error (callers choose defaults). */
bool yu64(const ycur_t *c, uint64_t *out, uint64_t min, uint64_t max);
/* Optional fields: true when absent (out untouched) or valid (out set); false, with an error
 * recorded, when present and wrong. For the common "key: number in [min, max]" fields. */
bool yopt_u8(const ycur_t *c, uint8_t *out, uint8_t min, uint8_t max);
bool yopt_u16(const ycur_t *c, uint16_t *out, uint16_t min, uint16_t max);
bool yopt_u32(const ycur_t *c, uint32_t *out, uint32_t min, uint32_t max);
bool yopt_bool(const ycur_t *c, bool *out);
/* Sizes: 4096, 0x1000, 4K, 4KiB, 1M, 2G, 1T (binary multiples). */
bool ysize(const ycur_t *c, uint64_t *out, uint64_t min, uint64_t max);
bool ybool(const ycur_t *c, bool *out);
/* A string of at most maxlen-1 bytes, copied into out. */
bool ystr(const ycur_t *c, char *out, size_t maxlen);
/* One of `choices` (NULL-terminated); *out is its index. */
bool yenum(const ycur_t *c, const char *const *choices, int *out);
/* "vvvv:dddd" hex vendor/device. */
bool yvendev(const ycur_t *c, uint16_t *vendor, uint16_t *device);

/* Parses a scalar as an unsigned number (decimal, 0x hex, 0b binary, with '_' separators
 * and optional binary-size suffix when allow_suffix). Returns NULL or an error text. */
const char *yparse_u64(const char *s, bool allow_suffix, uint64_t *out);

#endif /* IOFAB_YDOC_H */
