/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_pdf.c - the PDF reader (pdf*.c) on arbitrary bytes.
 *
 * An input starting with "F:" fuzzes the filters alone: the next byte
 * picks a /Filter (with /DecodeParms) dictionary, the rest is the stream
 * data.  Any other input is a document: opened with small limits, every
 * item decoded into a sink that stops at 1 MiB (and the object streams
 * handed back), every note read.  Nothing may crash, leak, hang, or write
 * past the sink's limit after it said stop.
 */
#include <stdlib.h>
#include <string.h>

#include "pdf_int.h"

#define CAP (1u << 18)

struct sink {
	uint8_t *p;
	size_t len;
	int stopped;
};

static int put(void *ctx, const uint8_t *d, size_t n)
{
	struct sink *s = ctx;
	size_t k;

	if (s->stopped)
		abort(); /* written to after it said stop */
	k = s->len + n > CAP ? CAP - s->len : n;
	memcpy(s->p + s->len, d, k);
	s->len += k;
	s->stopped = s->len >= CAP;
	return s->stopped;
}

static const char *const dicts[] = {
	"<< /Filter /FlateDecode >>",
	"<< /Filter /LZWDecode >>",
	"<< /Filter /LZWDecode /DecodeParms << /EarlyChange 0 >> >>",
	"<< /Filter /ASCIIHexDecode >>",
	"<< /Filter /ASCII85Decode >>",
	"<< /Filter /RunLengthDecode >>",
	"<< /Filter [/ASCII85Decode /FlateDecode] >>",
	"<< /Filter /FlateDecode /DecodeParms << /Predictor 12 /Columns 5 >> >>",
	"<< /Filter /FlateDecode /DecodeParms << /Predictor 15 /Colors 3 "
	"/BitsPerComponent 8 /Columns 7 >> >>",
	"<< /Filter /LZWDecode /DecodeParms << /Predictor 2 /Colors 2 "
	"/Columns 3 >> >>",
	"<< /Filter [/RunLengthDecode /ASCIIHexDecode /LZWDecode] >>",
	"<< /Filter [/FlateDecode /DCTDecode] >>",
};

static void filters(const uint8_t *data, size_t size, struct sink *s)
{
	const char *d = dicts[data[0] % (sizeof(dicts) / sizeof(dicts[0]))];
	parena a = { 0 };
	pparse p = { 0 };
	const pobj *dict;

	p.buf = (const uint8_t *)d;
	p.len = strlen(d);
	p.a = &a;
	dict = pdf_parse_obj(&p, 0);
	pdf_filters(dict, data + 1, size - 1, put, s, CAP);
	pa_reset(&a);
}

static void document(const uint8_t *data, size_t size, struct sink *s)
{
	mde__pdf_limits lim = { 4096, CAP };
	mde__pdf *d = mde__pdf_open(data, size, &lim);
	mde__pdf_item it;
	int n = 0;

	if (!d)
		return;
	(void)mde__pdf_encrypted(d);
	while (mde__pdf_note(d))
		;
	while (n++ < 256 && mde__pdf_next(d, &it)) {
		s->len = 0;
		s->stopped = 0;
		(void)strlen(it.name);
		mde__pdf_decode(d, &it, put, s);
		if (it.kind == MDE__PDF_OBJSTM)
			mde__pdf_objstm(d, &it, s->p, s->len);
		while (mde__pdf_note(d))
			;
	}
	mde__pdf_close(d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sink s = { malloc(CAP), 0, 0 };

	if (!s.p)
		return 0;
	if (size > 3 && data[0] == 'F' && data[1] == ':')
		filters(data + 2, size - 2, &s);
	else
		document(data, size, &s);
	free(s.p);
	return 0;
}
