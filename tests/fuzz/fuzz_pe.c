/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_pe.c - libFuzzer harness for the PE reader (pe.c, pe_res.c): the
 * headers, the overlay and the resource walk of any input.
 *
 * Checks: the overlay lies inside the input, every resource's data does,
 * the walk ends within its budget of entries.
 *
 * Seeds (corpus/pe): tests/carriers/mkpe.py programs (PE32 and PE32+,
 * resources, overlays, a looping resource directory), MinGW programs,
 * an NSIS installer's stub.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>

#include "pe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	mde__pe pe;
	mde__pe_res_iter it;
	mde__pe_res r;
	unsigned n = 0;
	int rc;

	if (!mde__pe_parse(data, size, &pe))
		return 0;
	if (pe.ovl > pe.ovl_end || pe.ovl_end > size)
		abort();
	(void)mde__pe_nonzero(data, pe.ovl, pe.ovl_end);
	if (mde__pe_res_begin(&it, &pe) < 0)
		return 0;
	while ((rc = mde__pe_res_next(&it, &r)) == 1) {
		if (r.data < data || r.len > size ||
		    (size_t)(r.data - data) > size - r.len)
			abort();
		if (++n > MDE__PE_RES_BUDGET)
			abort();
	}
	return 0;
}
