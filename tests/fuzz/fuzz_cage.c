/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_cage.c - libFuzzer harness for the messages a caged worker sends
 * its scanning thread (lib/cage_proto.c): a worker taken over by a
 * hostile file controls every byte of them.
 *
 * Input: the first byte picks the decoder (even: an event, odd: a
 * verdict), the rest is the payload.  Invariants: a decoded message only
 * points into the payload, its strings end inside it, its counts keep
 * their bounds and a member chain holds exactly its names; encoding what
 * was decoded and decoding that again gives the same message.
 *
 * Seeds: MDE_FUZZ_SEEDS=DIR ./fuzz_cage -runs=0 writes messages encoded
 * by the worker's own encoders into DIR (tests/fuzz/corpus/cage).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mdescan.h"
#include "cage.h"

static const uint8_t *lo, *hi;

static void in_input(const char *s)
{
	if (s && ((const uint8_t *)s < lo || (const uint8_t *)s >= hi ||
		  (const uint8_t *)s + strlen(s) >= hi))
		abort();
}

static int same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

static void event(const uint8_t *p, size_t n)
{
	mde__cage_ev x, y;
	mde_event ev = { 0 };
	mde__cbuf b = { 0 };
	unsigned i;

	if (mde__cage_dec_ev(p, n, &x) < 0)
		return;
	if (x.nlayers > 64)
		abort();
	in_input(x.name);
	in_input(x.stage);
	in_input(x.reason);
	in_input(x.description);
	for (i = 0; i < x.nlayers; i++)
		in_input(x.layers[i]);
	ev.type = (mde_event_type)x.type;
	ev.size = x.size;
	ev.score = (long)x.score;
	ev.err = x.err;
	ev.audit = x.audit;
	ev.allowed = x.allowed;
	ev.file = x.has_file ? (const mde_fileinfo *)&ev : NULL;
	ev.name = x.name;
	ev.stage = x.stage;
	ev.rule_ns = x.rule_ns;
	ev.description = x.description;
	ev.author = x.author;
	ev.sha256 = x.sha256;
	ev.reason = x.reason;
	ev.packer = x.packer;
	ev.layers = x.layers;
	ev.nlayers = x.nlayers;
	mde__cage_enc_ev(&b, &ev);
	if (b.bad || mde__cage_dec_ev(b.p + 8, b.len - 8, &y) < 0 ||
	    y.type != x.type || y.size != x.size || y.score != x.score ||
	    y.nlayers != x.nlayers || !same(y.name, x.name) ||
	    !same(y.reason, x.reason) || !same(y.packer, x.packer))
		abort();
	for (i = 0; i < x.nlayers; i++)
		if (strcmp(x.layers[i], y.layers[i]))
			abort();
	free(b.p);
}

static void verdict(const uint8_t *p, size_t n)
{
	static mde__cage_done x, y;
	mde__cbuf b = { 0 };
	unsigned i;

	if (mde__cage_dec_done(p, n, &x) < 0)
		return;
	if (x.nfind > MDE__CACHE_MAXFIND || strlen(x.sha256) > 64)
		abort();
	for (i = 0; i < x.nfind; i++) {
		const mde__cfind *c = &x.find[i];
		size_t j, nul = 0;

		in_input(c->name);
		in_input(c->stage);
		if (c->chain && ((const uint8_t *)c->chain < lo ||
				 (const uint8_t *)c->chain + c->chainlen > hi))
			abort();
		for (j = 0; j < c->chainlen; j++)
			nul += c->chain[j] == '\0';
		if (nul != c->nlayers)
			abort();
	}
	mde__cage_enc_done(&b, &x);
	if (b.bad || mde__cage_dec_done(b.p + 8, b.len - 8, &y) < 0 ||
	    y.nfind != x.nfind || y.status != x.status || y.have != x.have ||
	    memcmp(y.dig, x.dig, sizeof(x.dig)) || strcmp(y.sha256, x.sha256))
		abort();
	for (i = 0; i < x.nfind; i++)
		if (strcmp(x.find[i].name, y.find[i].name) ||
		    x.find[i].chainlen != y.find[i].chainlen ||
		    (x.find[i].chainlen &&
		     memcmp(x.find[i].chain, y.find[i].chain, x.find[i].chainlen)))
			abort();
	free(b.p);
}

static void seed(const char *dir, const char *name, int kind,
		 const mde__cbuf *b)
{
	char path[4096];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fp = fopen(path, "wb");
	if (!fp)
		return;
	fputc(kind, fp);
	fwrite(b->p + 8, 1, b->len - 8, fp); /* the payload */
	fclose(fp);
}

static void seeds(const char *dir)
{
	static const char *const layers[] = { "a.tar", "dir/x.zip" };
	static mde__cage_done d;
	mde_event ev = { 0 };
	mde__cbuf b = { 0 };

	ev.type = MDE_EV_FINDING;
	ev.size = 68;
	ev.score = 100;
	ev.name = "Eicar-Test-Signature";
	ev.stage = "hash";
	ev.sha256 = "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f";
	mde__cage_enc_ev(&b, &ev);
	seed(dir, "ev-finding", 0, &b);
	ev.layers = layers;
	ev.nlayers = 2;
	ev.stage = "yara";
	ev.rule_ns = "default";
	ev.description = "a rule";
	ev.author = "someone";
	ev.packer = "UPX";
	mde__cage_enc_ev(&b, &ev);
	seed(dir, "ev-member", 0, &b);
	memset(&ev, 0, sizeof(ev));
	ev.type = MDE_EV_SKIPPED;
	ev.reason = "limit: max-files";
	ev.score = -1;
	mde__cage_enc_ev(&b, &ev);
	seed(dir, "ev-skip", 0, &b);
	d.status = 0;
	d.have = 7;
	memset(d.dig, 0xab, sizeof(d.dig));
	strcpy(d.sha256, ev.sha256 ? ev.sha256 : "");
	d.members = 2;
	d.unpacked = 136;
	d.nfind = 2;
	d.find[0].stage = "hash";
	d.find[0].name = "Eicar-Test-Signature";
	d.find[0].score = 100;
	d.find[1].stage = "";
	d.find[1].name = "";
	d.find[1].kind = 1;
	d.find[1].reason = "limit: max-files";
	d.find[1].chain = "a.tar\0dir/x.zip";
	d.find[1].chainlen = 16;
	d.find[1].nlayers = 2;
	mde__cage_enc_done(&b, &d);
	seed(dir, "done-two", 1, &b);
	memset(&d, 0, sizeof(d));
	d.status = -5;
	d.why = "out of memory";
	d.uncacheable = 1;
	mde__cage_enc_done(&b, &d);
	seed(dir, "done-error", 1, &b);
	free(b.p);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *dir = getenv("MDE_FUZZ_SEEDS");

	(void)argc;
	(void)argv;
	if (dir)
		seeds(dir);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *p;

	if (size < 1)
		return 0;
	/* a copy of its own size: reads past the payload are caught */
	p = malloc(size - 1 ? size - 1 : 1);
	if (!p)
		return 0;
	memcpy(p, data + 1, size - 1);
	lo = p;
	hi = p + size - 1;
	if (data[0] & 1)
		verdict(p, size - 1);
	else
		event(p, size - 1);
	free(p);
	return 0;
}
