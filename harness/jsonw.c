/* SPDX-License-Identifier: MIT */
/* jsonw.c — see jsonw.h. */
#include "jsonw.h"

#include <inttypes.h>

void jw_init(jw_t *j, FILE *f)
{
	j->f = f;
	j->depth = 0;
	j->first[0] = true;
	j->after_key = false;
}

static void indent(jw_t *j)
{
	fputc('\n', j->f);
	for (int i = 0; i < j->depth; i++)
		fputs("  ", j->f);
}

/* Separator before a value or key at the current level. */
static void before(jw_t *j)
{
	if (j->after_key) {
		j->after_key = false;
		return;
	}
	if (j->depth > 0) {
		if (!j->first[j->depth])
			fputc(',', j->f);
		indent(j);
	}
	j->first[j->depth] = false;
}

static void open(jw_t *j, char c)
{
	before(j);
	fputc(c, j->f);
	if (j->depth + 1 < JW_MAX_DEPTH)
		j->depth++;
	j->first[j->depth] = true;
}

static void close(jw_t *j, char c)
{
	bool empty = j->first[j->depth];
	if (j->depth > 0)
		j->depth--;
	if (!empty)
		indent(j);
	fputc(c, j->f);
	if (j->depth == 0)
		fputc('\n', j->f);
}

void jw_obj(jw_t *j)
{
	open(j, '{');
}
void jw_obj_end(jw_t *j)
{
	close(j, '}');
}
void jw_arr(jw_t *j)
{
	open(j, '[');
}
void jw_arr_end(jw_t *j)
{
	close(j, ']');
}

static void raw_str(jw_t *j, const char *s)
{
	fputc('"', j->f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"':
			fputs("\\\"", j->f);
			break;
		case '\\':
			fputs("\\\\", j->f);
			break;
		case '\n':
			fputs("\\n", j->f);
			break;
		case '\t':
			fputs("\\t", j->f);
			break;
		case '\r':
			fputs("\\r", j->f);
			break;
		default:
			if (*p < 0x20)
				fprintf(j->f, "\\u%04x", *p);
			else
				fputc(*p, j->f);
		}
	}
	fputc('"', j->f);
}

void jw_key(jw_t *j, const char *key)
{
	before(j);
	raw_str(j, key);
	fputs(": ", j->f);
	j->after_key = true;
}

void jw_str(jw_t *j, const char *s)
{
	if (!s) {
		jw_null(j);
		return;
	}
	before(j);
	raw_str(j, s);
}

void jw_u64(jw_t *j, uint64_t v)
{
	before(j);
	fprintf(j->f, "%" PRIu64, v);
}

void jw_i64(jw_t *j, int64_t v)
{
	before(j);
	fprintf(j->f, "%" PRId64, v);
}

void jw_bool(jw_t *j, bool v)
{
	before(j);
	fputs(v ? "true" : "false", j->f);
}

void jw_null(jw_t *j)
{
	before(j);
	fputs("null", j->f);
}

void jw_hex(jw_t *j, uint64_t v)
{
	before(j);
	fprintf(j->f, "\"0x%" PRIx64 "\"", v);
}

void jw_kstr(jw_t *j, const char *k, const char *v)
{
	jw_key(j, k);
	jw_str(j, v);
}
void jw_ku64(jw_t *j, const char *k, uint64_t v)
{
	jw_key(j, k);
	jw_u64(j, v);
}
void jw_ki64(jw_t *j, const char *k, int64_t v)
{
	jw_key(j, k);
	jw_i64(j, v);
}
void jw_kbool(jw_t *j, const char *k, bool v)
{
	jw_key(j, k);
	jw_bool(j, v);
}
void jw_khex(jw_t *j, const char *k, uint64_t v)
{
	jw_key(j, k);
	jw_hex(j, v);
}
