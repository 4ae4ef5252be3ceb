/* SPDX-License-Identifier: MIT */
/*
 * enumerate.h — the firmware enumeration pass: assigns bus numbers (depth first, as firmware
 * and Linux do) and BAR addresses (largest alignment first inside each bridge window, bridge
 * windows at 1 MiB granularity), then programs every bridge's bus numbers and windows.
 * With `enumeration: fixed` it instead checks the addresses and bus numbers the platform
 * gives and derives the windows from them.
 */
#ifndef IOFAB_ENUMERATE_H
#define IOFAB_ENUMERATE_H

#include "platform.h"

/* Where each function came from in the platform file, and what it fixed by hand. */
typedef struct fmeta {
	unsigned line;
	unsigned col;
	char path[YPATH_MAX];
	int given_bus;      /* bridges: secondary bus given by the file, or -1 */
	uint8_t bar_given;  /* bitmask: BAR addresses given by the file */
} fmeta_t;

typedef struct rcmeta {
	unsigned line;
	unsigned col;
	char path[YPATH_MAX];
} rcmeta_t;

/* Assigns (or checks) bus numbers and BARs. Records errors against `file`; false on error. */
bool enumerate_platform(platform_t *p, const fmeta_t *fm, const rcmeta_t *rm, const char *file,
			yerrs_t *errs);

#endif /* IOFAB_ENUMERATE_H */
