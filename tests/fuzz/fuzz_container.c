/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_container.c - the archive stage's unpacker on arbitrary bytes: any
 * input is classified, and a container is unpacked with small limits,
 * members recursively (as the pipeline does) down to depth 4.  Nothing may
 * crash, leak, hang or grow past the limits.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "arc.h"

static const mde__arc_limits lim = {
	MDE_ARC_ALL, 4, 200, 8 << 20, 4 << 20, 100, 1 << 20,
};

struct ctx {
	mde__arc_budget *bud;
	int depth;
	uint64_t sum;
};

static void note(void *c, const char *name, int what, const char *reason)
{
	(void)c;
	(void)what;
	if (name)
		(void)strlen(name);
	(void)strlen(reason);
}

static int member(void *c, const mde__arc_member *m);

static const mde__arc_ops ops = { member, note };

static int member(void *c, const mde__arc_member *m)
{
	const char *name = m->name;
	const uint8_t *data = m->data;
	size_t len = m->len;
	struct ctx *p = c, child = *p;
	uint64_t kind;
	size_t i;

	(void)strlen(name);
	for (i = 0; i < len; i += 4096) /* touch every page */
		p->sum += data[i];
	if (p->depth + 1 >= lim.max_recursion)
		return 0;
	kind = mde__arc_kind(data, len, lim.types);
	if (kind) {
		child.depth = p->depth + 1;
		mde__arc_unpack(kind, data, len, name, &lim, p->bud, &ops,
				&child);
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	mde__arc_budget bud = { 0 };
	struct ctx c = { &bud, 0, 0 };
	uint64_t kind = mde__arc_kind(data, size, lim.types);

	bud.left = lim.max_scansize;
	if (kind)
		mde__arc_unpack(kind, data, size, "fuzz.bin", &lim, &bud, &ops,
				&c);
	return 0;
}
