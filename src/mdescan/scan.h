/* SPDX-License-Identifier: Apache-2.0 */
/*
 * scan.h - the parts of a scan (cmd_scan.c runs them): the process and
 * the engine it scans with (scan_engine.c), the quick scan's locations
 * (quick.c).
 */
#ifndef MDESCAN_SCAN_H
#define MDESCAN_SCAN_H

#include "mdescan.h"
#include "scan_opts.h"

/* Takes --lock, lowers the priority (--nice), raises the descriptor
 * limit.  Exits with status 2 when the lock is held by another scan. */
void scan_prepare(const struct opts *o);

/* The definitions o names, compiled; exits with status 2 (and the
 * reason) when they do not load or hold no signature. */
mde_defs *scan_defs(const struct opts *o);

/* An engine for defs (which must outlive it) set up as o says, with its
 * cache; exits with status 2 on a bad setting. */
mde_engine *scan_engine(const mde_defs *defs, const struct opts *o);

/* Submits the quick scan's locations (mdescan(1) Quick scan) to e. */
int quick_scan_submit(mde_engine *e);

#endif
