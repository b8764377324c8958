/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_cvd.c - libFuzzer harness for ClamAV's database containers
 * (lib/cvd.c).
 *
 * The first byte picks the type, the rest is the container.  Mostly a
 * .cld: it has no MD5 over the body, so mutations reach the gzip layer,
 * the tar walk and the .info manifest instead of stopping at the MD5.
 * Small limits keep a bomb from eating the run's memory, and the header
 * parser also gets the input's first line as a .info header.  What opens
 * has its signatures checked (against ClamAV's keys: they fail, but the
 * digit decoding and the RSA step run on the input).
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "mde_int.h"
#include "cvd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile uint8_t sink;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct mde__cvd_limits lim = { 64, 1 << 20, 4 << 20 };
	struct mde__cvd_head h;
	const uint8_t *nl;
	char why[300];
	mde__cvd c;
	size_t i;
	int type;

	if (size < 1)
		return 0;
	type = data[0] % 4 == 0 ? MDE__CVD_CVD
	     : data[0] % 4 == 1 ? MDE__CVD_CUD : MDE__CVD_CLD;
	data++;
	size--;
	nl = memchr(data, '\n', size);
	mde__cvd_head_parse((const char *)data, nl ? (size_t)(nl - data) : size,
			    &h, why, sizeof(why));
	if (mde__cvd_open(&c, type, data, size, &lim, why, sizeof(why)) ==
	    MDE_OK) {
		/* touch each member's ends: ASan stops the run if one lies
		 * outside what was opened */
		for (i = 0; i < c.nm; i++)
			if (c.m[i].len)
				sink ^= c.m[i].data[0] ^
					c.m[i].data[c.m[i].len - 1];
		mde__cvd_verify(&c, &mde__cvd_clamav_keys, why, sizeof(why));
		mde__cvd_close(&c);
	}
	return 0;
}
