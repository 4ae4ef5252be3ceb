/* SPDX-License-Identifier: MIT */
/*
 * mem.h — simulated physical memory, and the port through which models reach memory.
 *
 * mem_t is sparse byte storage: 4 KiB pages allocated on first write, zero when never
 * written. It holds what the software layer programs into DRAM (stream tables, context
 * descriptors, page tables, command and event queues, ITS tables) and what devices DMA.
 *
 * Models never touch mem_t directly: they read and write through a mem_port_t, a pair of
 * callbacks supplied by whoever assembles the system (as the RISC-V IOMMU reference model
 * does). The system's port decides which addresses are backed (DRAM) and which abort, so an
 * SMMU walking a table placed outside memory sees an external abort, exactly as hardware
 * would; a test bench can supply its own port to inject faults.
 */
#ifndef IOFAB_MEM_H
#define IOFAB_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MEM_PAGE_SHIFT 12
#define MEM_PAGE_SIZE (1u << MEM_PAGE_SHIFT)

typedef struct mem mem_t;

/* Access results. */
typedef enum mem_status {
	MEM_OK = 0,
	MEM_ERR_ABORT = -1, /* no memory at that address: an external abort */
	MEM_ERR_NOMEM = -2  /* host out of memory */
} mem_status_t;

mem_t *mem_create(void);
void mem_destroy(mem_t *m);

/* Byte-granular access; any length, any alignment. Never-written bytes read as zero. */
mem_status_t mem_read(mem_t *m, uint64_t pa, void *buf, size_t len);
mem_status_t mem_write(mem_t *m, uint64_t pa, const void *buf, size_t len);
/* Fills [pa, pa + len) with `byte`. */
mem_status_t mem_fill(mem_t *m, uint64_t pa, uint8_t byte, size_t len);

/* Pages allocated so far (host memory used is about this times 4 KiB). */
size_t mem_pages(const mem_t *m);

/* Little-endian 64-bit helpers (all table formats iofab models are little-endian). */
uint64_t mem_le64(const uint8_t *p);
void mem_put_le64(uint8_t *p, uint64_t v);

/* The port a model reads and writes memory through. */
typedef struct mem_port {
	mem_status_t (*read)(void *ctx, uint64_t pa, void *buf, size_t len);
	mem_status_t (*write)(void *ctx, uint64_t pa, const void *buf, size_t len);
	void *ctx;
} mem_port_t;

/* A port straight onto a mem_t, with every address backed (for tests). */
mem_port_t mem_port_direct(mem_t *m);

static inline mem_status_t mem_port_read64(const mem_port_t *p, uint64_t pa, uint64_t *v)
{
	uint8_t b[8];
	mem_status_t st = p->read(p->ctx, pa, b, 8);
	*v = st == MEM_OK ? mem_le64(b) : 0;
	return st;
}

#ifdef __cplusplus
}
#endif

#endif /* IOFAB_MEM_H */
