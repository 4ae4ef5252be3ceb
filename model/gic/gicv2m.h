/* SPDX-License-Identifier: MIT */
/*
 * gicv2m.h — a GICv2m MSI frame: 4 KiB with MSI_TYPER (first SPI, SPI count), MSI_SETSPI_NS
 * and MSI_IIDR. A write of an SPI number to MSI_SETSPI_NS raises that SPI at the distributor
 * if the frame owns it. The frame never sees who wrote: whoever can reach it can raise any of
 * its SPIs — which is why Linux does not count GICv2m as isolating MSIs.
 */
#ifndef IOFAB_GICV2M_H
#define IOFAB_GICV2M_H

#include <stdint.h>

#include "gic.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct gicv2m {
	gic_t *gic;
	uint32_t spi_base;  /* first SPI (MSI_TYPER.BASE) */
	uint32_t spi_count; /* MSI_TYPER.NUMBER */
	uint32_t iidr;
	uint64_t writes, raised, dropped;
} gicv2m_t;

/* What a write to the frame did. */
typedef enum gicv2m_result {
	V2M_RAISED,       /* the SPI is now pending */
	V2M_OUT_OF_RANGE, /* MSI_SETSPI_NS with an SPI the frame does not own: dropped */
	V2M_NOT_DOORBELL, /* another offset, or not a 16/32-bit write: ignored */
	V2M_SPI_DROPPED,  /* the distributor does not implement the SPI */
	V2M_MERGED        /* the SPI was pending already: the raise merged into it */
} gicv2m_result_t;

const char *gicv2m_result_name(gicv2m_result_t r);

/* false unless 32 <= spi_base and spi_base + spi_count <= 1019, Linux's validity check (the
 * frame is then unusable). */
bool gicv2m_init(gicv2m_t *f, gic_t *gic, uint32_t spi_base, uint32_t spi_count, uint32_t iidr);

uint64_t gicv2m_read(const gicv2m_t *f, uint32_t offset, unsigned size);
/* A write of `size` bytes at `offset`, arriving at sim_now(); a raised SPI reaches the
 * distributor at `at` and carries `tag` to its delivery. */
gicv2m_result_t gicv2m_write(gicv2m_t *f, uint32_t offset, uint64_t value, unsigned size,
			     uint64_t tag, sim_time_t at);

#ifdef __cplusplus
}
#endif

#endif /* IOFAB_GICV2M_H */
