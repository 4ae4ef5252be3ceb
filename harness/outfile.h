/* SPDX-License-Identifier: MIT */
/* outfile.h — writing a report file whole or not at all, and escaping text for XML. */
#ifndef IOFAB_OUTFILE_H
#define IOFAB_OUTFILE_H

#include <stdbool.h>
#include <stdio.h>

/* Writes `path` by calling write(f, ctx) on PATH.tmp and renaming it into place, so a reader
 * never sees a partial file; false (and nothing left behind) on any error. */
bool outfile_write(const char *path, void (*write)(FILE *f, const void *ctx), const void *ctx);

/* Text inside XML, SVG or HTML (element content or a quoted attribute): & < > " escaped,
 * control characters other than newline and tab left out. */
void outfile_xml_text(FILE *f, const char *s);

#endif /* IOFAB_OUTFILE_H */
