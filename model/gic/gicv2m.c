/* SPDX-License-Identifier: MIT */
/* gicv2m.c — a GICv2m MSI frame (see gicv2m.h). */
#include "gicv2m.h"

const char *gicv2m_result_name(gicv2m_result_t r)
{
	switch (r) {
	case V2M_RAISED: return "raised";
	case V2M_OUT_OF_RANGE: return "spi-out-of-range";
	case V2M_NOT_DOORBELL: return "not-the-doorbell";
	case V2M_SPI_DROPPED: return "spi-not-implemented";
	case V2M_MERGED: return "merged";
	}
	return "?";
}

bool gicv2m_init(gicv2m_t *f, gic_t *gic, uint32_t spi_base, uint32_t spi_count, uint32_t iidr)
{
	*f = (gicv2m_t){.gic = gic, .spi_base = spi_base, .spi_count = spi_count, .iidr = iidr};
	/* Linux's validity check: base >= 32, count > 0, base + count <= 1019 (irq-gic-v2m.c). */
	return spi_base >= GIC_SPI_FIRST && spi_count && spi_base + spi_count <= GIC_SPI_LIMIT - 1;
}

uint64_t gicv2m_read(const gicv2m_t *f, uint32_t offset, unsigned size)
{
	(void)size;
	switch (offset) {
	case V2M_MSI_TYPER:
		return FIELD_PREP(V2M_TYPER_BASE, f->spi_base) | FIELD_PREP(V2M_TYPER_NUMBER, f->spi_count);
	case V2M_MSI_IIDR: return f->iidr;
	default: return 0;
	}
}

gicv2m_result_t gicv2m_write(gicv2m_t *f, uint32_t offset, uint64_t value, unsigned size,
			     uint64_t tag, sim_time_t at)
{
	f->writes++;
	if (offset != V2M_MSI_SETSPI_NS || (size != 2 && size != 4)) {
		f->dropped++;
		return V2M_NOT_DOORBELL;
	}
	/* The SPI number is in bits [9:0]; the frame owns [base, base + count). */
	uint32_t spi = (uint32_t)(value & 0x3ff);
	if (spi < f->spi_base || spi - f->spi_base >= f->spi_count) {
		f->dropped++;
		return V2M_OUT_OF_RANGE;
	}
	gic_raise_t r = gic_spi_raise(f->gic, spi, tag, at);
	if (r != GIC_RAISED && r != GIC_MERGED) {
		f->dropped++;
		return V2M_SPI_DROPPED;
	}
	f->raised++;
	return r == GIC_MERGED ? V2M_MERGED : V2M_RAISED;
}
