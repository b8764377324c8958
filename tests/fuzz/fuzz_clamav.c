/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_clamav.c - libFuzzer harness of the ClamAV signature module: the
 * first byte of the input picks the format (.ndb .ldb .mdb .imp .ign2
 * .hsb .fp) and, by its top bit, an unofficial source named with
 * ".UNOFFICIAL"; the rest is parsed as such a file, compiled, and used to
 * scan fixed buffers (text, HTML, a PE, an ELF) and the input itself.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "clamav.h"

static int on_match(void *ctx, const char *name, int pua)
{
	(void)pua;
	if (!*name)
		__builtin_trap(); /* names are never empty */
	(*(unsigned *)ctx)++;
	return 0;
}

static void scan(const mde__clam *c, mde__clamscratch *s, const void *buf,
		 size_t len)
{
	mde__clamfile f = { buf, len, 0, NULL };
	unsigned n = 0;

	if (mde__clam_scan(c, s, &f, on_match, &n) != MDE_OK)
		__builtin_trap();
}

/* The formats, as the definitions-format table's rows name them. */
static const struct {
	const char *name;
	int kind, pua;
} fmts[] = {
	{ "f.ndb", MDE__CK_NDB, 0 }, { "f.ldb", MDE__CK_LDB, 0 },
	{ "f.mdb", MDE__CK_MDB, 0 }, { "f.imp", MDE__CK_IMP, 0 },
	{ "f.ign2", MDE__CK_IGN, 0 }, { "f.fp", MDE__CK_FP, 0 },
	{ "f.cbc", MDE__CK_CBC, 0 }, { "f.ldu", MDE__CK_LDB, 1 },
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char text[] = "Hello World, alpha beta GAMMA delta\n"
				   "foxtrot = 1234; 0x7f7f ABCDEF XYZ[ end\n";
	static const char html[] = "<html><body>Hello <!-- c --> World "
				   "<script>alpha()</script></body></html>";
	static uint8_t pe[2048];
	mde__diag d = { 0 };
	mde__clam *c = mde__clam_new();
	mde__clamscratch *s = NULL;
	size_t k;
	char err[256];
	int src;

	if (!c || size < 1)
		goto out;
	memcpy(pe, "MZ", 2);
	pe[0x3c] = 0x40;
	memcpy(pe + 0x40, "PE\0\0", 4);
	k = data[0] % (sizeof(fmts) / sizeof(fmts[0]));
	src = fmts[k].pua ? MDE__CLAM_SRC_PUA : 0;
	if (data[0] & 0x80) {
		src |= MDE__CLAM_SRC_UNOFFICIAL;
		mde__clam_set_unofficial(c, true);
	}
	if (mde__clam_parse(c, fmts[k].kind, src, fmts[k].name,
			    (const char *)data + 1, size - 1, &d) != MDE_OK ||
	    mde__clam_compile(c, &d, err, sizeof(err)) != MDE_OK)
		goto out;
	s = mde__clamscratch_new(c);
	if (!s)
		goto out;
	scan(c, s, text, sizeof(text) - 1);
	scan(c, s, html, sizeof(html) - 1);
	scan(c, s, pe, sizeof(pe));
	scan(c, s, data, size);
	(void)mde__clam_count(c);
	(void)mde__clam_memory(c);
out:
	mde__clamscratch_free(s);
	mde__clam_free(c);
	return 0;
}
