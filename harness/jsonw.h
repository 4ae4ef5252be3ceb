/* SPDX-License-Identifier: MIT */
/*
 * jsonw.h — a small streaming JSON writer: pretty-printed, deterministic, escapes strings.
 * 64-bit addresses are written as "0x..." strings by callers (JSON numbers lose precision
 * above 2^53).
 */
#ifndef IOFAB_JSONW_H
#define IOFAB_JSONW_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JW_MAX_DEPTH 32

typedef struct jw {
	FILE *f;
	int depth;
	bool first[JW_MAX_DEPTH];
	bool after_key;
} jw_t;

void jw_init(jw_t *j, FILE *f);
void jw_obj(jw_t *j);
void jw_obj_end(jw_t *j);
void jw_arr(jw_t *j);
void jw_arr_end(jw_t *j);
void jw_key(jw_t *j, const char *key);
void jw_str(jw_t *j, const char *s); /* NULL writes null */
void jw_u64(jw_t *j, uint64_t v);
void jw_i64(jw_t *j, int64_t v);
void jw_bool(jw_t *j, bool v);
void jw_null(jw_t *j);
void jw_hex(jw_t *j, uint64_t v); /* "0x..." */

/* key + value shorthands */
void jw_kstr(jw_t *j, const char *k, const char *v);
void jw_ku64(jw_t *j, const char *k, uint64_t v);
void jw_ki64(jw_t *j, const char *k, int64_t v);
void jw_kbool(jw_t *j, const char *k, bool v);
void jw_khex(jw_t *j, const char *k, uint64_t v);

#endif /* IOFAB_JSONW_H */
