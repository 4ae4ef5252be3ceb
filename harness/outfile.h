/* SPDX-License-Identifier: MIT */
/* outfile.h — writing a report file whole or not at all. */
#ifndef IOFAB_OUTFILE_H
#define IOFAB_OUTFILE_H

#include <stdbool.h>
#include <stdio.h>

/* Writes `path` by calling write(f, ctx) on PATH.tmp and renaming it into place, so a reader
 * never sees a partial file; false (and nothing left behind) on any error. */
bool outfile_write(const char *path, void (*write)(FILE *f, const void *ctx), const void *ctx);

#endif /* IOFAB_OUTFILE_H */
