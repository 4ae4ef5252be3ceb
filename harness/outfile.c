/* SPDX-License-Identifier: MIT */
/* outfile.c — writing a report file whole or not at all (see outfile.h). */
#include "outfile.h"

#include <stdlib.h>
#include <string.h>

bool outfile_write(const char *path, void (*write)(FILE *f, const void *ctx), const void *ctx)
{
	size_t n = strlen(path) + 8;
	char *tmp = malloc(n);
	if (!tmp)
		return false;
	snprintf(tmp, n, "%s.tmp", path);
	FILE *f = fopen(tmp, "w");
	if (!f) {
		free(tmp);
		return false;
	}
	write(f, ctx);
	bool ok = !ferror(f);
	ok &= fclose(f) == 0;
	ok = ok && rename(tmp, path) == 0;
	if (!ok)
		remove(tmp);
	free(tmp);
	return ok;
}

void outfile_xml_text(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		default:
			if ((unsigned char)*s >= 0x20 || *s == '\n' || *s == '\t')
				fputc(*s, f);
			break;
		}
	}
}
