/* SPDX-License-Identifier: MIT */
/*
 * regfield.h — register and structure fields as (SHIFT, WIDTH) pairs within a 64-bit word.
 * Every block's register header (smmu_regs.h, gic_regs.h) defines its fields with FIELD and
 * reads and builds them with FIELD_GET / FIELD_PREP, so a layout is written down once.
 */
#ifndef IOFAB_REGFIELD_H
#define IOFAB_REGFIELD_H

#include <stdint.h>

#define FIELD(name, shift, width) enum { name##_SHIFT = (shift), name##_WIDTH = (width) }
#define FIELD_MASK(name) \
	((name##_WIDTH >= 64 ? ~0ull : ((1ull << name##_WIDTH) - 1)) << name##_SHIFT)
#define FIELD_GET(v, name) (((uint64_t)(v) >> name##_SHIFT) & ((1ull << name##_WIDTH) - 1))
#define FIELD_PREP(name, x) (((uint64_t)(x) & ((1ull << name##_WIDTH) - 1)) << name##_SHIFT)

#endif /* IOFAB_REGFIELD_H */
