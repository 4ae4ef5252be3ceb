/* SPDX-License-Identifier: MIT */
/* its_internal.h — the ITS's state, shared by its.c, its_cmd.c and its_engine.c. */
#ifndef IOFAB_ITS_INTERNAL_H
#define IOFAB_ITS_INTERNAL_H

#include "its.h"

/* Results of a table access. */
typedef enum its_tbl {
	ITS_TBL_OK,
	ITS_TBL_OOR,       /* the ID is beyond the table (or the ID width) */
	ITS_TBL_NO_L2,     /* two-level table: the level-1 entry is not valid */
	ITS_TBL_HW,        /* a collection held in the ITS itself (GITS_TYPER.HCC) */
	ITS_TBL_ABORT      /* memory fault */
} its_tbl_t;

/* The translation engine's interface (what an RTL ITS block implements too). */
typedef enum its_inval_kind {
	ITS_INV_DEVICE,     /* a device's entry and all its events (MAPD) */
	ITS_INV_EVENT,      /* one event (MAPTI, MAPI, MOVI, DISCARD) */
	ITS_INV_COLLECTION, /* one collection (MAPC) */
	ITS_INV_ALL         /* everything: the tables moved (GITS_BASER<n> written) */
} its_inval_kind_t;

typedef struct its_engine_ops {
	/* Fills x's status, intid, icid, pe, hits, reads, entry addresses and table_reads,
	 * from the caches and the tables in memory. */
	void (*translate)(its_t *its, uint32_t devid, uint32_t eventid, its_xlate_t *x);
	/* After a command changed a table entry: no cached copy of it may be used again. */
	void (*invalidate)(its_t *its, its_inval_kind_t kind, uint32_t id, uint32_t eventid);
} its_engine_ops_t;

extern const its_engine_ops_t its_c_engine;

struct its {
	char name[32];
	sim_t *sim;
	its_params_t p;
	mem_port_t mem;
	gic_t *gic;
	sim_clock_t clk;
	const its_engine_ops_t *engine;
	/* Registers. */
	uint32_t ctlr;
	uint64_t cbaser, cwriter, creadr;
	uint64_t baser[2];          /* 0: devices, 1: collections */
	uint64_t *hw_cte;           /* collections held in the ITS (hcc entries) */
	/* Command queue. */
	bool cmd_scheduled;
	its_cmd_error_t errs[ITS_ERR_LOG];
	unsigned nerrs;             /* total recorded (the log keeps the last ITS_ERR_LOG) */
	/* The C engine's caches. */
	cache_t dev_cache, evt_cache, col_cache;
	its_stats_t stats;
};

/* Number of DeviceIDs / collection IDs the tables can hold now. */
uint64_t its_device_limit(const its_t *its);
uint64_t its_collection_limit(const its_t *its);

/* Address of a device table entry (creating nothing); *reads counts the level-1 read. */
its_tbl_t its_dte_addr(its_t *its, uint32_t devid, uint64_t *pa, uint32_t *reads);
/* Address of a collection table entry; ITS_TBL_HW when held in the ITS (hw_cte). */
its_tbl_t its_cte_addr(its_t *its, uint32_t icid, uint64_t *pa);

/* Entry reads and writes through the memory port (counted in the stats). */
bool its_read_entry(its_t *its, uint64_t pa, uint64_t *v);
bool its_write_entry(its_t *its, uint64_t pa, uint64_t v);
/* A collection's entry wherever it is held; false on an abort. */
bool its_read_cte(its_t *its, uint32_t icid, uint64_t *cte, uint64_t *pa, uint32_t *reads);

/* The PE a collection table entry targets, -1 if invalid or none. */
int its_cte_pe(const its_t *its, uint64_t cte);

/* Command queue (its_cmd.c). */
void its_cmd_kick(its_t *its);

#endif /* IOFAB_ITS_INTERNAL_H */
