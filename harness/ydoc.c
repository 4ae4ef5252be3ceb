/* SPDX-License-Identifier: MIT */
/* ydoc.c — YAML loading with file:line:col messages. See ydoc.h. */
#include "ydoc.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *vformat(const char *fmt, va_list ap)
{
	va_list ap2;
	va_copy(ap2, ap);
	int n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return NULL;
	char *s = malloc((size_t)n + 1);
	if (s)
		vsnprintf(s, (size_t)n + 1, fmt, ap);
	return s;
}

static void yerrs_vadd(yerrs_t *e, const char *fmt, va_list ap)
{
	if (e->n >= YERR_MAX) {
		e->dropped++;
		return;
	}
	char *msg = vformat(fmt, ap);
	if (msg)
		e->msgs[e->n++] = msg;
	else
		e->dropped++;
}

void yerrs_add(yerrs_t *e, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	yerrs_vadd(e, fmt, ap);
	va_end(ap);
}

void yerrs_free(yerrs_t *e)
{
	for (unsigned i = 0; i < e->n; i++)
		free(e->msgs[i]);
	memset(e, 0, sizeof *e);
}

bool ydoc_load(ydoc_t *d, const char *file, yerrs_t *errs)
{
	memset(d, 0, sizeof *d);
	d->errs = errs;
	d->file = strdup(file);
	if (!d->file) {
		yerrs_add(errs, "%s: out of memory", file);
		return false;
	}
	FILE *fp = fopen(file, "rb");
	if (!fp) {
		yerrs_add(errs, "%s: cannot open: %s", file, strerror(errno));
		return false;
	}
	yaml_parser_t p;
	if (!yaml_parser_initialize(&p)) {
		fclose(fp);
		yerrs_add(errs, "%s: out of memory", file);
		return false;
	}
	yaml_parser_set_input_file(&p, fp);
	bool ok = yaml_parser_load(&p, &d->doc) != 0;
	if (!ok) {
		/* libyaml's marks are 0-based. */
		yaml_mark_t m = p.problem_mark;
		yerrs_add(errs, "%s:%zu:%zu: YAML syntax error: %s%s%s", file, m.line + 1,
			  m.column + 1, p.problem ? p.problem : "unknown problem",
			  p.context ? " " : "", p.context ? p.context : "");
	} else if (!yaml_document_get_root_node(&d->doc)) {
		yerrs_add(errs, "%s:1:1: the file is empty (expected a YAML mapping)", file);
		yaml_document_delete(&d->doc);
		ok = false;
	}
	yaml_parser_delete(&p);
	fclose(fp);
	d->loaded = ok;
	return ok;
}

/* The node id (1-based, as libyaml's pairs and items hold them) of a node. */
static int node_id(yaml_document_t *doc, const yaml_node_t *n)
{
	return (int)(n - doc->nodes.start) + 1;
}

/* How many places refer to node id (an anchor's aliases share the node). */
static int refs(yaml_document_t *doc, int id)
{
	int n = 0;
	for (yaml_node_t *x = doc->nodes.start; x < doc->nodes.top; x++) {
		if (x->type == YAML_MAPPING_NODE) {
			for (yaml_node_pair_t *p = x->data.mapping.pairs.start; p < x->data.mapping.pairs.top; p++)
				n += (p->key == id) + (p->value == id);
		} else if (x->type == YAML_SEQUENCE_NODE) {
			for (yaml_node_item_t *it = x->data.sequence.items.start;
			     it < x->data.sequence.items.top; it++)
				n += *it == id;
		}
	}
	return n;
}

/* A copy of node id one level deep (its children shared), or 0. */
static int copy_node(yaml_document_t *doc, int id)
{
	yaml_node_t *n = yaml_document_get_node(doc, id);
	yaml_mark_t mark = n->start_mark;
	int c = 0;
	if (n->type == YAML_MAPPING_NODE) {
		c = yaml_document_add_mapping(doc, NULL, YAML_FLOW_MAPPING_STYLE);
		for (size_t k = 0; c; k++) {
			n = yaml_document_get_node(doc, id); /* adding may move the nodes */
			if (k >= (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start))
				break;
			yaml_node_pair_t p = n->data.mapping.pairs.start[k];
			if (!yaml_document_append_mapping_pair(doc, c, p.key, p.value))
				return 0;
		}
	} else if (n->type == YAML_SEQUENCE_NODE) {
		c = yaml_document_add_sequence(doc, NULL, YAML_FLOW_SEQUENCE_STYLE);
		for (size_t k = 0; c; k++) {
			n = yaml_document_get_node(doc, id);
			if (k >= (size_t)(n->data.sequence.items.top - n->data.sequence.items.start))
				break;
			if (!yaml_document_append_sequence_item(doc, c, n->data.sequence.items.start[k]))
				return 0;
		}
	}
	if (c)
		yaml_document_get_node(doc, c)->start_mark = mark;
	return c;
}

/* Where a parent holds a child's id: a pair's value or a sequence item, by position (the
 * arrays themselves stay put when nodes are added). */
typedef struct slot {
	int parent;   /* 0: the root */
	size_t index;
} slot_t;

static int *slot_ref(yaml_document_t *doc, slot_t s)
{
	yaml_node_t *n = yaml_document_get_node(doc, s.parent);
	return n->type == YAML_MAPPING_NODE ? &n->data.mapping.pairs.start[s.index].value
					    : &n->data.sequence.items.start[s.index];
}

const char *ydoc_set(ydoc_t *d, const char *path, const char *value)
{
	if (!d->loaded)
		return "no document";
	yaml_document_t *doc = &d->doc;
	int id = node_id(doc, yaml_document_get_root_node(doc));
	slot_t at = {0, 0};
	const char *p = path;
	if (!*p)
		return "empty path";
	while (*p) {
		/* Copy on write: a node an alias shares is copied before it changes. */
		if (at.parent && refs(doc, id) > 1) {
			int c = copy_node(doc, id);
			if (!c)
				return "out of memory";
			*slot_ref(doc, at) = c;
			id = c;
		}
		yaml_node_t *n = yaml_document_get_node(doc, id);
		if (*p == '[') {
			size_t digits = strspn(p + 1, "0123456789");
			if (!digits || p[1 + digits] != ']')
				return "expected [INDEX] in the path";
			unsigned long i = strtoul(p + 1, NULL, 10);
			if (n->type != YAML_SEQUENCE_NODE)
				return "the path indexes something that is not a list";
			if (i >= (unsigned long)(n->data.sequence.items.top - n->data.sequence.items.start))
				return "the list has no such entry";
			at = (slot_t){id, i};
			id = n->data.sequence.items.start[i];
			p += digits + 2;
		} else {
			size_t len = strcspn(p, ".[");
			if (!len)
				return "empty key in the path";
			if (n->type != YAML_MAPPING_NODE)
				return "the path goes through a value that is not a mapping";
			int found = 0;
			size_t index = 0;
			for (yaml_node_pair_t *q = n->data.mapping.pairs.start;
			     q < n->data.mapping.pairs.top; q++) {
				yaml_node_t *k = yaml_document_get_node(doc, q->key);
				if (k && k->type == YAML_SCALAR_NODE && k->data.scalar.length == len &&
				    !memcmp(k->data.scalar.value, p, len)) {
					found = q->value;
					index = (size_t)(q - n->data.mapping.pairs.start);
				}
			}
			bool last = p[len] == '\0';
			if (!found) {
				/* Add the key: a scalar at the end of the path, else a mapping. Adding
				 * nodes moves them in memory: only ids survive. */
				yaml_mark_t mark = n->start_mark;
				char *key = strndup(p, len);
				if (!key)
					return "out of memory";
				int k = yaml_document_add_scalar(doc, NULL, (yaml_char_t *)key, (int)len,
								 YAML_PLAIN_SCALAR_STYLE);
				free(key);
				int v = last ? yaml_document_add_scalar(doc, NULL, (yaml_char_t *)value,
									(int)strlen(value),
									YAML_PLAIN_SCALAR_STYLE)
					     : yaml_document_add_mapping(doc, NULL, YAML_FLOW_MAPPING_STYLE);
				if (!k || !v || !yaml_document_append_mapping_pair(doc, id, k, v))
					return "out of memory";
				yaml_document_get_node(doc, k)->start_mark = mark;
				yaml_document_get_node(doc, v)->start_mark = mark;
				if (last)
					return NULL;
				n = yaml_document_get_node(doc, id);
				found = v;
				index = (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start) - 1;
			}
			at = (slot_t){id, index};
			id = found;
			p += len;
		}
		if (*p == '.') {
			p++;
			if (!*p)
				return "empty key in the path";
		} else if (*p && *p != '[') {
			return "expected . or [ after a key or an index in the path";
		}
	}
	yaml_node_t *n = yaml_document_get_node(doc, id);
	if (n->type != YAML_SCALAR_NODE)
		return "the value at the path is a list or a mapping, not a scalar";
	/* A new scalar in the parent's slot (an alias elsewhere keeps the old one), where the
	 * old one was for messages. */
	yaml_mark_t mark = n->start_mark, end = n->end_mark;
	int v = yaml_document_add_scalar(doc, NULL, (yaml_char_t *)value, (int)strlen(value),
					 YAML_PLAIN_SCALAR_STYLE);
	if (!v)
		return "out of memory";
	yaml_document_get_node(doc, v)->start_mark = mark;
	yaml_document_get_node(doc, v)->end_mark = end;
	if (!at.parent)
		return "the document is a scalar";
	*slot_ref(doc, at) = v;
	return NULL;
}

void ydoc_free(ydoc_t *d)
{
	if (d->loaded)
		yaml_document_delete(&d->doc);
	free(d->file);
	memset(d, 0, sizeof *d);
}

ycur_t ydoc_root(ydoc_t *d)
{
	ycur_t c;
	memset(&c, 0, sizeof c);
	c.d = d;
	c.node = d->loaded ? yaml_document_get_root_node(&d->doc) : NULL;
	if (c.node)
		c.mark = c.node->start_mark;
	return c;
}

unsigned yline(const ycur_t *c)
{
	return (unsigned)(c->node ? c->node->start_mark.line : c->mark.line) + 1;
}

unsigned ycol(const ycur_t *c)
{
	return (unsigned)(c->node ? c->node->start_mark.column : c->mark.column) + 1;
}

void yerr(const ycur_t *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *what = vformat(fmt, ap);
	va_end(ap);
	if (c->path[0])
		yerrs_add(c->d->errs, "%s:%u:%u: %s: %s", c->d->file, yline(c), ycol(c), c->path,
			  what ? what : "error");
	else
		yerrs_add(c->d->errs, "%s:%u:%u: %s", c->d->file, yline(c), ycol(c),
			  what ? what : "error");
	free(what);
}

bool yis_map(const ycur_t *c)
{
	return c->node && c->node->type == YAML_MAPPING_NODE;
}
bool yis_seq(const ycur_t *c)
{
	return c->node && c->node->type == YAML_SEQUENCE_NODE;
}
bool yis_scalar(const ycur_t *c)
{
	return c->node && c->node->type == YAML_SCALAR_NODE;
}

const char *ytext(const ycur_t *c)
{
	return yis_scalar(c) ? (const char *)c->node->data.scalar.value : NULL;
}

static const char *kind_name(const ycur_t *c)
{
	if (!c->node)
		return "nothing";
	switch (c->node->type) {
	case YAML_MAPPING_NODE:
		return "a mapping";
	case YAML_SEQUENCE_NODE:
		return "a list";
	case YAML_SCALAR_NODE:
		return c->node->data.scalar.length ? "a scalar" : "an empty value";
	default:
		return "nothing";
	}
}

bool yexpect_map(const ycur_t *c)
{
	if (yis_map(c))
		return true;
	yerr(c, "expected a mapping (key: value lines), found %s", kind_name(c));
	return false;
}

bool yexpect_seq(const ycur_t *c)
{
	if (yis_seq(c))
		return true;
	yerr(c, "expected a list, found %s", kind_name(c));
	return false;
}

static void child_path(char *out, const char *parent, const char *key)
{
	if (parent[0])
		snprintf(out, YPATH_MAX, "%s.%s", parent, key);
	else
		snprintf(out, YPATH_MAX, "%s", key);
}

ycur_t yget(const ycur_t *m, const char *key)
{
	ycur_t c;
	memset(&c, 0, sizeof c);
	c.d = m->d;
	c.mark = m->node ? m->node->start_mark : m->mark;
	child_path(c.path, m->path, key);
	if (!yis_map(m))
		return c;
	yaml_document_t *doc = &m->d->doc;
	for (yaml_node_pair_t *p = m->node->data.mapping.pairs.start;
	     p < m->node->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(doc, p->key);
		if (k && k->type == YAML_SCALAR_NODE &&
		    strcmp((const char *)k->data.scalar.value, key) == 0) {
			c.node = yaml_document_get_node(doc, p->value);
			return c;
		}
	}
	return c;
}

ycur_t yneed(const ycur_t *m, const char *key)
{
	ycur_t c = yget(m, key);
	if (!c.node && yis_map(m)) {
		ycur_t at = *m;
		yerr(&at, "missing key '%s'", key);
	}
	return c;
}

bool ykeys(const ycur_t *m, const char *const *allowed)
{
	if (!yis_map(m))
		return true;
	bool ok = true;
	yaml_document_t *doc = &m->d->doc;
	for (yaml_node_pair_t *p = m->node->data.mapping.pairs.start;
	     p < m->node->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(doc, p->key);
		ycur_t kc = *m;
		kc.node = k;
		if (!k || k->type != YAML_SCALAR_NODE) {
			yerr(&kc, "keys must be plain words");
			ok = false;
			continue;
		}
		const char *key = (const char *)k->data.scalar.value;
		child_path(kc.path, m->path, key);
		for (yaml_node_pair_t *q = m->node->data.mapping.pairs.start; q < p; q++) {
			yaml_node_t *k2 = yaml_document_get_node(doc, q->key);
			if (k2 && k2->type == YAML_SCALAR_NODE &&
			    strcmp((const char *)k2->data.scalar.value, key) == 0) {
				yerr(&kc, "duplicate key '%s' (first at line %zu)", key,
				     k2->start_mark.line + 1);
				ok = false;
				break;
			}
		}
		bool known = false;
		for (const char *const *a = allowed; *a; a++)
			if (strcmp(*a, key) == 0)
				known = true;
		if (!known) {
			char list[512];
			size_t used = 0;
			list[0] = '\0';
			for (const char *const *a = allowed; *a && used < sizeof list - 1; a++) {
				int n = snprintf(list + used, sizeof list - used, "%s%s",
						 a == allowed ? "" : ", ", *a);
				if (n < 0)
					break;
				used += (size_t)n;
			}
			yerr(&kc, "unknown key '%s' (expected one of: %s)", key, list);
			ok = false;
		}
	}
	return ok;
}

size_t ylen(const ycur_t *seq)
{
	if (!yis_seq(seq))
		return 0;
	return (size_t)(seq->node->data.sequence.items.top - seq->node->data.sequence.items.start);
}

ycur_t yat(const ycur_t *seq, size_t i)
{
	ycur_t c;
	memset(&c, 0, sizeof c);
	c.d = seq->d;
	c.mark = seq->node ? seq->node->start_mark : seq->mark;
	snprintf(c.path, YPATH_MAX, "%s[%zu]", seq->path, i);
	if (i < ylen(seq))
		c.node = yaml_document_get_node(&seq->d->doc,
						seq->node->data.sequence.items.start[i]);
	return c;
}

size_t ymap_len(const ycur_t *m)
{
	if (!yis_map(m))
		return 0;
	return (size_t)(m->node->data.mapping.pairs.top - m->node->data.mapping.pairs.start);
}

ycur_t ymap_key(const ycur_t *m, size_t i)
{
	ycur_t c = *m;
	c.node = i < ymap_len(m) ? yaml_document_get_node(&m->d->doc,
							  m->node->data.mapping.pairs.start[i].key)
				 : NULL;
	return c;
}

ycur_t ymap_val(const ycur_t *m, size_t i)
{
	ycur_t k = ymap_key(m, i);
	ycur_t c = *m;
	if (ytext(&k))
		child_path(c.path, m->path, ytext(&k));
	c.node = i < ymap_len(m) ? yaml_document_get_node(&m->d->doc,
							  m->node->data.mapping.pairs.start[i].value)
				 : NULL;
	return c;
}

const char *yparse_u64(const char *s, bool allow_suffix, uint64_t *out)
{
	if (!s || !*s)
		return "empty value";
	int base = 10;
	const char *p = s;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	} else if (p[0] == '0' && (p[1] == 'b' || p[1] == 'B')) {
		base = 2;
		p += 2;
	}
	uint64_t v = 0;
	int digits = 0;
	for (; *p; p++) {
		if (*p == '_')
			continue;
		int d;
		if (*p >= '0' && *p <= '9')
			d = *p - '0';
		else if (base == 16 && *p >= 'a' && *p <= 'f')
			d = *p - 'a' + 10;
		else if (base == 16 && *p >= 'A' && *p <= 'F')
			d = *p - 'A' + 10;
		else
			break;
		if (d >= base)
			return "digit out of range for the base";
		if (v > (UINT64_MAX - (uint64_t)d) / (uint64_t)base)
			return "number does not fit in 64 bits";
		v = v * (uint64_t)base + (uint64_t)d;
		digits++;
	}
	if (!digits)
		return "not a number";
	if (*p) {
		if (!allow_suffix)
			return "not a whole number";
		unsigned shift;
		switch (*p) {
		case 'K':
		case 'k':
			shift = 10;
			break;
		case 'M':
			shift = 20;
			break;
		case 'G':
			shift = 30;
			break;
		case 'T':
			shift = 40;
			break;
		default:
			return "unknown size suffix (expected K, M, G or T)";
		}
		p++;
		if (strcmp(p, "iB") != 0 && strcmp(p, "B") != 0 && *p)
			return "unknown size suffix (expected K, M, G or T, optionally with iB)";
		if (v > (UINT64_MAX >> shift))
			return "size does not fit in 64 bits";
		v <<= shift;
	}
	*out = v;
	return NULL;
}

static bool read_u64(const ycur_t *c, uint64_t *out, uint64_t min, uint64_t max, bool suffix)
{
	if (!c->node)
		return false;
	const char *s = ytext(c);
	if (!s) {
		yerr(c, "expected a number, found %s", kind_name(c));
		return false;
	}
	uint64_t v;
	const char *why = yparse_u64(s, suffix, &v);
	if (why) {
		yerr(c, "'%s': %s", s, why);
		return false;
	}
	if (v < min || v > max) {
		yerr(c, "%s is out of range (expected 0x%" PRIx64 " to 0x%" PRIx64 ")", s, min, max);
		return false;
	}
	*out = v;
	return true;
}

bool yu64(const ycur_t *c, uint64_t *out, uint64_t min, uint64_t max)
{
	return read_u64(c, out, min, max, false);
}

#define YOPT(name, type)                                                                      \
	bool name(const ycur_t *c, type *out, type min, type max)                              \
	{                                                                                      \
		uint64_t v;                                                                    \
		if (!c->node)                                                                  \
			return true;                                                           \
		if (!read_u64(c, &v, min, max, false))                                         \
			return false;                                                          \
		*out = (type)v;                                                                \
		return true;                                                                   \
	}
YOPT(yopt_u8, uint8_t)
YOPT(yopt_u16, uint16_t)
YOPT(yopt_u32, uint32_t)

bool yopt_bool(const ycur_t *c, bool *out)
{
	return !c->node || ybool(c, out);
}

bool ysize(const ycur_t *c, uint64_t *out, uint64_t min, uint64_t max)
{
	return read_u64(c, out, min, max, true);
}

bool ybool(const ycur_t *c, bool *out)
{
	if (!c->node)
		return false;
	const char *s = ytext(c);
	if (s && (!strcmp(s, "true") || !strcmp(s, "yes") || !strcmp(s, "on"))) {
		*out = true;
		return true;
	}
	if (s && (!strcmp(s, "false") || !strcmp(s, "no") || !strcmp(s, "off"))) {
		*out = false;
		return true;
	}
	yerr(c, "expected true or false, found %s%s%s", s ? "'" : kind_name(c), s ? s : "",
	     s ? "'" : "");
	return false;
}

bool ystr(const ycur_t *c, char *out, size_t maxlen)
{
	if (!c->node)
		return false;
	const char *s = ytext(c);
	if (!s || !*s) {
		yerr(c, "expected a name or text, found %s", kind_name(c));
		return false;
	}
	if (strlen(s) >= maxlen) {
		yerr(c, "'%s' is too long (at most %zu characters)", s, maxlen - 1);
		return false;
	}
	memcpy(out, s, strlen(s) + 1);
	return true;
}

bool yenum(const ycur_t *c, const char *const *choices, int *out)
{
	if (!c->node)
		return false;
	const char *s = ytext(c);
	if (s)
		for (int i = 0; choices[i]; i++)
			if (strcmp(choices[i], s) == 0) {
				*out = i;
				return true;
			}
	char list[512];
	size_t used = 0;
	list[0] = '\0';
	for (int i = 0; choices[i] && used < sizeof list - 1; i++) {
		int n = snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "",
				 choices[i]);
		if (n < 0)
			break;
		used += (size_t)n;
	}
	if (s)
		yerr(c, "unknown value '%s' (expected one of: %s)", s, list);
	else
		yerr(c, "expected one of: %s; found %s", list, kind_name(c));
	return false;
}

bool yvendev(const ycur_t *c, uint16_t *vendor, uint16_t *device)
{
	if (!c->node)
		return false;
	const char *s = ytext(c);
	unsigned v, dv;
	char tail;
	if (!s || strlen(s) != 9 || sscanf(s, "%4x:%4x%c", &v, &dv, &tail) != 2 || s[4] != ':') {
		yerr(c, "expected a vendor:device ID like \"8086:10fb\" (4 hex digits each), found %s%s%s",
		     s ? "'" : kind_name(c), s ? s : "", s ? "'" : "");
		return false;
	}
	*vendor = (uint16_t)v;
	*device = (uint16_t)dv;
	return true;
}
