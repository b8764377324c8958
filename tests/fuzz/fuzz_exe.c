/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_exe.c - libFuzzer harness of the executable header reader (PE,
 * ELF, Mach-O): parses the input, checks what it says stays inside the
 * input, maps addresses through it and builds the PE import string.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "clamav_int.h"
#include "exe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	mde__exe x;
	uint64_t off;
	mde__buf b = { 0 };
	struct cl_fctx f = { data, size, &x, 0, 0, NULL };

	if (!mde__exe_parse(data, size, &x))
		return 0;
	if (x.has_ep && x.ep >= size)
		__builtin_trap();
	if (x.nsect > MDE__EXE_MAXSECT || x.nvi > MDE__EXE_MAXVI)
		__builtin_trap();
	for (uint32_t i = 0; i < x.nvi; i++)
		if (x.vi[i] > size)
			__builtin_trap();
	/* a PE address maps into the file (ELF and Mach-O sections may
	 * describe data the file does not hold: offsets check that) */
	for (uint32_t i = 0; x.kind == MDE__T_PE && i < x.nsect; i++)
		if (mde__exe_rva2off(&x, x.sect[i].rva, size, &off) == 0 &&
		    off > size)
			__builtin_trap();
	if (x.kind == MDE__T_PE)
		(void)cl_imp_string(&f, &b);
	free(b.p);
	return 0;
}
