/* SPDX-License-Identifier: Apache-2.0 */
/*
 * arc_libarchive.c - the containers libarchive reads: archives (tar,
 * cpio, ar, rpm, 7z, rar, cab, iso, xar, lha, zip) and compressed streams
 * (gzip, bzip2, xz, lzma, zstd, lz4, compress), one handler row each.
 *
 * libarchive reads from the buffer the pipeline already holds, fed in
 * 64 KiB slices so that its byte count follows the decompressor (the
 * bomb ratio's divisor).
 *
 * libarchive is set up format by format and filter by filter instead of
 * with the *_all() calls: those include mtree (which opens the files an
 * mtree manifest names, on this machine) and filters that run external
 * programs (lrzip, lzop, grzip; and gzip/bzip2/... when libarchive was
 * built without the library).  A scanner must do neither, so a filter that
 * would need a program is simply not enabled.
 *
 * ZIP: libarchive's seekable reader (central directory first, so members
 * only the central directory lists, zip64, data descriptors and the
 * encryption flags are all taken from there, and junk in front of the
 * archive as in self-extractors is fine); when there is no central
 * directory (a truncated download) the streaming reader takes the local
 * headers instead.  libzip, on the design card, is not needed: it has no
 * streaming fallback, and libarchive does both.  Members stored with the
 * methods libarchive does not decompress, Implode (6) and Deflate64 (9),
 * are decoded by zipx.c from the archive's own bytes.
 */
#include "config.h"

/* For memrchr(): config.h defines it, but the fuzz build's is empty. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <archive.h>
#include <archive_entry.h>

#include "arc.h"
#include "zipx.h"
#include "banned.h"

/* ------------------------------------------------------------------ bids */

static int at(const uint8_t *buf, size_t len, size_t off, const char *m,
	      size_t n)
{
	return len >= off + n && memcmp(buf + off, m, n) == 0;
}

static int bid_gzip(const uint8_t *b, size_t len)
{
	return b[0] == 0x1f && b[1] == 0x8b && b[2] == 8 ? MDE__BID_OUTER : 0;
}

static int bid_compress(const uint8_t *b, size_t len)
{
	return b[0] == 0x1f && b[1] == 0x9d ? MDE__BID_OUTER : 0;
}

static int bid_bzip2(const uint8_t *b, size_t len)
{
	return at(b, len, 0, "BZh", 3) && b[3] >= '1' && b[3] <= '9' &&
			       (at(b, len, 4, "\x31\x41\x59\x26\x53\x59", 6) ||
				at(b, len, 4, "\x17\x72\x45\x38\x50\x90", 6))
		       ? MDE__BID_OUTER
		       : 0;
}

static int bid_xz(const uint8_t *b, size_t len)
{
	return at(b, len, 0, "\xfd" "7zXZ\0", 6) ? MDE__BID_OUTER : 0;
}

static int bid_zstd(const uint8_t *b, size_t len)
{
	return at(b, len, 0, "\x28\xb5\x2f\xfd", 4) ? MDE__BID_OUTER : 0;
}

static int bid_lz4(const uint8_t *b, size_t len)
{
	return at(b, len, 0, "\x04\x22\x4d\x18", 4) ||
			       at(b, len, 0, "\x02\x21\x4c\x18", 4)
		       ? MDE__BID_OUTER
		       : 0;
}

static int bid_lzma(const uint8_t *b, size_t len)
{
	return len >= 13 && b[0] == 0x5d && b[1] == 0 && b[2] == 0 &&
			       (b[12] == 0 || b[12] == 0xff)
		       ? MDE__BID_OUTER
		       : 0;
}

static int bid_zip(const uint8_t *b, size_t len)
{
	return at(b, len, 0, "PK\3\4", 4) || at(b, len, 0, "PK\5\6", 4) ||
			       at(b, len, 0, "PK\7\x08PK\3\4", 8)
		       ? MDE__BID_OUTER
		       : 0;
}

/* A v7 / old GNU tar header without "ustar": the checksum must hold. */
static int old_tar(const uint8_t *b, size_t len)
{
	unsigned long want = 0, sum = 0;
	size_t i;
	int digits = 0;

	if (len < 1024 || b[0] == 0)
		return 0;
	for (i = 148; i < 156; i++) {
		if (b[i] >= '0' && b[i] <= '7') {
			want = want * 8 + (unsigned long)(b[i] - '0');
			digits++;
		} else if (b[i] != ' ' && b[i] != 0) {
			return 0;
		} else if (digits) {
			break;
		}
	}
	if (!digits)
		return 0;
	for (i = 0; i < 512; i++)
		sum += (i >= 148 && i < 156) ? ' ' : b[i];
	return sum == want;
}

static int bid_tar(const uint8_t *b, size_t len)
{
	return at(b, len, 257, "ustar", 5) || old_tar(b, len) ? MDE__BID_TAR
							      : 0;
}

static int bid_cpio(const uint8_t *b, size_t len)
{
	/* "07070" and the format digit: a 5-byte file has no b[5] */
	return (at(b, len, 0, "07070", 5) && len > 5 && b[5] >= '1' &&
		b[5] <= '7') ||
			       (b[0] == 0xc7 && b[1] == 0x71) ||
			       (b[0] == 0x71 && b[1] == 0xc7)
		       ? MDE__BID_MAGIC
		       : 0;
}

static int bid_ar(const uint8_t *b, size_t len)
{
	return at(b, len, 0, "!<arch>\n", 8) ? MDE__BID_MAGIC : 0;
}

static int bid_rpm(const uint8_t *b, size_t len)
{
	return at(b, len, 0, "\xed\xab\xee\xdb", 4) ? MDE__BID_MAGIC : 0;
}

static int bid_7z(const uint8_t *b, size_t len)
{
	return at(b, len, 0, "7z\xbc\xaf\x27\x1c", 6) ? MDE__BID_MAGIC : 0;
}

static int bid_rar(const uint8_t *b, size_t len)
{
	return at(b, len, 0, "Rar!\x1a\x07", 6) ? MDE__BID_MAGIC : 0;
}

static int bid_cab(const uint8_t *b, size_t len)
{
	return at(b, len, 0, "MSCF\0\0\0\0", 8) ? MDE__BID_MAGIC : 0;
}

static int bid_iso(const uint8_t *b, size_t len)
{
	return at(b, len, 32769, "CD001", 5) ? MDE__BID_MAGIC : 0;
}

static int bid_xar(const uint8_t *b, size_t len)
{
	return at(b, len, 0, "xar!", 4) ? MDE__BID_MAGIC : 0;
}

static int bid_lha(const uint8_t *b, size_t len)
{
	return len > 21 && b[2] == '-' && b[3] == 'l' &&
			       (b[4] == 'h' || b[4] == 'z') && b[6] == '-'
		       ? MDE__BID_MAGIC
		       : 0;
}

/* An end-of-central-directory record ending exactly at the end of the
 * file (its comment length says so): a ZIP with something in front of it,
 * as self-extractors have.  The signature alone turns up in any program
 * that handles ZIP files. */
static int guess_zip(const uint8_t *b, size_t len)
{
	const uint8_t *lo, *end, *p;

	if (len < 22)
		return 0;
	/* runs on every file that is nothing else: jump from 'P' to 'P'
	 * (memrchr is vectorised) instead of testing every byte */
	lo = b + (len > 22 + 65535 ? len - 22 - 65535 : 0);
	end = b + len - 22 + 1;
	while (end > lo && (p = memrchr(lo, 'P', (size_t)(end - lo)))) {
		size_t i = (size_t)(p - b);

		if (p[1] == 'K' && p[2] == 5 && p[3] == 6 &&
		    i + 22 + ((size_t)p[20] | (size_t)p[21] << 8) == len)
			return MDE__GUESS_TRAILER;
		end = p;
	}
	return 0;
}

/* -------------------------------------------------------------- reading */

/* How a row is opened: the formats of the enabled kinds (after the
 * row's filter, if any), ZIP's own readers, or an RPM's. */
enum { LA_FORMATS, LA_ZIP, LA_RPM };

struct la_kind {
	int filter; /* ARCHIVE_FILTER_*: the compressed stream's, or 0 */
	int how;    /* LA_* */
};

/* How to open: formats by kind, the ZIP reader that streams instead of
 * reading the central directory, or a compressed stream as one member. */
enum { OPEN_NORMAL, OPEN_ZIP_STREAM, OPEN_RAW };

#define SLICE (64 * 1024)

struct memsrc {
	const uint8_t *p;
	size_t len, pos;
};

/* One container being read. */
struct la {
	mde__arc_in *in;
	const struct la_kind *k;
	struct archive *a;
	struct archive_entry *e;
	struct memsrc src;
	int mode;        /* OPEN_* of a */
	int pending;     /* a header read by la_start is not yet used */
	int first_rc;    /* ... and what reading it returned */
	int64_t entries; /* headers read */
	uint64_t zipx;   /* zipx.c looks for members from this offset on */
	int st;          /* what the member buffer said last (zipx) */
	char tmp[512];   /* a stream member's name */
};

static la_ssize_t src_read(struct archive *a, void *ud, const void **out)
{
	struct memsrc *s = ud;
	size_t n = s->len - s->pos < SLICE ? s->len - s->pos : SLICE;

	(void)a;
	*out = s->p + s->pos;
	s->pos += n;
	return (la_ssize_t)n;
}

static la_int64_t src_skip(struct archive *a, void *ud, la_int64_t req)
{
	struct memsrc *s = ud;
	size_t left = s->len - s->pos;

	(void)a;
	if (req <= 0)
		return 0;
	if ((uint64_t)req > left)
		req = (la_int64_t)left;
	s->pos += (size_t)req;
	return req;
}

static la_int64_t src_seek(struct archive *a, void *ud, la_int64_t off,
			   int whence)
{
	struct memsrc *s = ud;
	la_int64_t base = whence == SEEK_SET ? 0
			  : whence == SEEK_CUR ? (la_int64_t)s->pos
					       : (la_int64_t)s->len;

	(void)a;
	if (off < -base || base + off > (la_int64_t)s->len)
		return ARCHIVE_FATAL;
	s->pos = (size_t)(base + off);
	return (la_int64_t)s->pos;
}

/* The filters of row k: ARCHIVE_OK, or not (never run a program). */
static int set_filters(struct archive *a, const struct la_kind *k)
{
	/*
	 * Exactly the one filter the bytes called for, not bidding: left to
	 * bid, libarchive peels up to 25 nested compressions in one open,
	 * which would hide the nesting from max-recursion.  ARCHIVE_WARN
	 * means the filter needs an external program: never run one.
	 */
	if (k->filter &&
	    (k->filter == ARCHIVE_FILTER_COMPRESS
		     /* its set-up reads the header, and there is nothing to
		      * read before the open: let it bid instead */
		     ? archive_read_support_filter_compress(a)
		     : archive_read_append_filter(a, k->filter)) != ARCHIVE_OK)
		return ARCHIVE_FATAL;
	/* an RPM: its header, then the payload's own compression */
	if (k->how == LA_RPM &&
	    (archive_read_support_filter_rpm(a) != ARCHIVE_OK ||
	     archive_read_support_filter_gzip(a) != ARCHIVE_OK ||
	     archive_read_support_filter_bzip2(a) != ARCHIVE_OK ||
	     archive_read_support_filter_xz(a) != ARCHIVE_OK ||
	     archive_read_support_filter_lzma(a) != ARCHIVE_OK ||
	     archive_read_support_filter_zstd(a) != ARCHIVE_OK))
		return ARCHIVE_FATAL;
	return ARCHIVE_OK;
}

/* The formats of the enabled kinds, for an archive or what a compressed
 * stream holds. */
static void set_formats(struct archive *a, uint64_t types, int stream)
{
	if (types & MDE_ARC_TAR)
		archive_read_support_format_tar(a);
	if (types & (MDE_ARC_CPIO | MDE_ARC_RPM))
		archive_read_support_format_cpio(a);
	if (types & MDE_ARC_AR)
		archive_read_support_format_ar(a);
	if (types & MDE_ARC_7Z)
		archive_read_support_format_7zip(a);
	if (types & MDE_ARC_RAR) {
		archive_read_support_format_rar(a);
		archive_read_support_format_rar5(a);
	}
	if (types & MDE_ARC_CAB)
		archive_read_support_format_cab(a);
	if (types & MDE_ARC_ISO)
		archive_read_support_format_iso9660(a);
	if (types & MDE_ARC_XAR)
		archive_read_support_format_xar(a);
	if (types & MDE_ARC_LHA)
		archive_read_support_format_lha(a);
	/* a zip inside a compressed stream can only be streamed */
	if (stream && (types & MDE_ARC_ZIP))
		archive_read_support_format_zip_streamable(a);
	/* a compressed stream of anything else: one member */
	if (stream)
		archive_read_support_format_raw(a);
}

static struct archive *open_la(struct la *s, int mode)
{
	struct archive *a = archive_read_new();
	mde__arc_in *in = s->in;

	if (!a)
		return NULL;
	if (set_filters(a, s->k) != ARCHIVE_OK) {
		archive_read_free(a);
		return NULL;
	}
	if (mode == OPEN_RAW)
		archive_read_support_format_raw(a);
	else if (s->k->how == LA_ZIP && mode == OPEN_NORMAL)
		archive_read_support_format_zip_seekable(a);
	else if (s->k->how == LA_ZIP)
		archive_read_support_format_zip_streamable(a);
	else
		set_formats(a, in->lim->types, in->h->flags & MDE__ARC_STREAM);
	s->src.p = in->buf;
	s->src.len = in->len;
	s->src.pos = 0;
	archive_read_set_read_callback(a, src_read);
	archive_read_set_skip_callback(a, src_skip);
	archive_read_set_seek_callback(a, src_seek);
	archive_read_set_callback_data(a, &s->src);
	if (archive_read_open1(a) != ARCHIVE_OK) {
		archive_read_free(a);
		return NULL;
	}
	return a;
}

static int next_header(struct la *s)
{
	int rc;

	do
		rc = archive_read_next_header(s->a, &s->e);
	while (rc == ARCHIVE_RETRY);
	return rc;
}

/* Opens s in mode and reads the first header: 0, or -1 when either
 * fails (try another way). */
static int la_start(struct la *s, int mode)
{
	s->a = open_la(s, mode);
	if (!s->a)
		return -1;
	s->mode = mode;
	s->pending = 1;
	s->first_rc = next_header(s);
	if (s->first_rc < ARCHIVE_WARN) {
		archive_read_free(s->a);
		s->a = NULL;
		return -1;
	}
	return 0;
}

/*
 * The LZMA dictionary a stream asks for: liblzma allocates it before the
 * first byte comes out, and libarchive sets no memory limit for .lzma (1
 * GiB for .xz).  A 13-byte file may ask for 4 GiB.  .lzma: the header's
 * 32-bit size; .xz: the LZMA2 property byte of the first block.  Returns
 * 0 when there is nothing to tell.
 */
static uint64_t lzma_dict(uint64_t kind, const uint8_t *b, size_t len)
{
	size_t h, i;
	unsigned flags, nf, f;

	if (kind == MDE_ARC_LZMA && len >= 5)
		return (uint64_t)b[1] | (uint64_t)b[2] << 8 |
		       (uint64_t)b[3] << 16 | (uint64_t)b[4] << 24;
	if (kind != MDE_ARC_XZ || len < 12 + 2 || b[12] == 0)
		return 0;
	h = ((size_t)b[12] + 1) * 4; /* block header size */
	if (len < 12 + h)
		return 0;
	flags = b[13];
	nf = (flags & 3) + 1;
	i = 14;
	/* compressed and uncompressed sizes: varints */
	for (f = 0; f < (unsigned)((flags & 0x40) != 0) + ((flags & 0x80) != 0);
	     f++)
		while (i < 12 + h && (b[i++] & 0x80))
			;
	for (f = 0; f < nf && i + 2 < 12 + h; f++) {
		uint8_t id = b[i], psz = b[i + 1];

		if (id == 0x21 && psz == 1) {
			unsigned d = b[i + 2] & 63;

			return d > 40 ? UINT64_MAX
				      : (uint64_t)(2 | (d & 1)) << (d / 2 + 11);
		}
		i += 2 + psz;
	}
	return 0;
}

#define MAX_LZMA_DICT ((uint64_t)128 << 20) /* xz -9 and lzma -9: 64 MiB */

static void *la_open(mde__arc_in *in)
{
	struct la *s;

	if (lzma_dict(in->kind, in->buf, in->len) > MAX_LZMA_DICT) {
		mde__arc_skip(in, NULL, "limit: lzma dictionary");
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->in = in;
	s->k = in->h->arg;
	/* a ZIP without its central directory: the local headers, streamed */
	if (la_start(s, OPEN_NORMAL) == 0 ||
	    (s->k->how == LA_ZIP && la_start(s, OPEN_ZIP_STREAM) == 0))
		return s;
	free(s);
	return NULL;
}

static void la_close(void *state)
{
	struct la *s = state;

	archive_read_free(s->a);
	free(s);
}

/* "dir/x.txt.gz" -> "x.txt"; "x.tgz" -> "x.tar"; no suffix -> "data". */
static void stream_name(const char *outer, char *out, size_t outlen)
{
	static const char *const sfx[][2] = {
		{ ".tgz", ".tar" },  { ".tbz2", ".tar" }, { ".tbz", ".tar" },
		{ ".txz", ".tar" },  { ".tzst", ".tar" }, { ".gz", "" },
		{ ".bz2", "" },      { ".xz", "" },       { ".lzma", "" },
		{ ".zst", "" },      { ".lz4", "" },      { ".Z", "" },
		{ ".z", "" },        { ".gzip", "" },
	};
	const char *base = outer ? strrchr(outer, '/') : NULL;
	size_t n, i, k;

	base = base ? base + 1 : outer ? outer : "";
	n = strlen(base);
	for (i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++) {
		k = strlen(sfx[i][0]);
		if (n > k && strcmp(base + n - k, sfx[i][0]) == 0) {
			snprintf(out, outlen, "%.*s%s", (int)(n - k), base,
				 sfx[i][1]);
			return;
		}
	}
	snprintf(out, outlen, "data");
}

static const char *member_name(struct la *s, int raw)
{
	const char *n;

	if (raw) {
		stream_name(s->in->name, s->tmp, sizeof(s->tmp));
		return s->tmp;
	}
	n = archive_entry_pathname(s->e);
	if (!n)
		n = archive_entry_pathname_utf8(s->e);
	return n && *n ? n : "?";
}

#define ZIPX 100 /* read_error(): decode it with zipx.c */

static int zipx_sink(void *ctx, const uint8_t *data, size_t n)
{
	struct la *s = ctx;

	s->st = mde__arc_out_put(s->in, data, n);
	return s->st != MDE__ARC_OK;
}

/* Decodes member name, which libarchive called unsupported, with zipx.c
 * into the member buffer (started again): MDE__ARC_OK, SKIP or STOP. */
static int zipx_member(struct la *s, const char *name)
{
	mde__arc_in *in = s->in;
	mde__zipx_member zm;
	int rc;

	if (!mde__zipx_find(in->buf, in->len, name, s->zipx, &zm)) {
		mde__arc_skip(in, name, "unsupported compression method");
		return MDE__ARC_SKIP;
	}
	s->zipx = zm.offset + 1;
	s->st = mde__arc_out_begin(in, name, (int64_t)zm.size);
	if (s->st != MDE__ARC_OK)
		return s->st;
	mde__arc_consumed(in, (uint64_t)(zm.data - in->buf) + zm.len);
	rc = mde__zipx_decode(&zm, zipx_sink, s);
	if (s->st != MDE__ARC_OK)
		return s->st;
	if (rc == MDE__ZIPX_OK || rc == MDE__ZIPX_STOPPED)
		return MDE__ARC_OK;
	mde__arc_skip(in, name, rc == MDE__ZIPX_NOMEM ? "out of memory"
				: rc == MDE__ZIPX_UNSUPPORTED ? "encrypted"
							      : "archive damaged");
	return mde__arc_out_len(in) ? MDE__ARC_OK : MDE__ARC_SKIP;
}

/* A failed read of member name: MDE__ARC_SKIP, MDE__ARC_STOP, ZIPX, or
 * MDE__ARC_OK to go on reading (a warning) or to hand over what was read
 * before the damage (rc is then 1). */
static int read_error(struct la *s, const char *name, la_ssize_t n, int *rc)
{
	const char *msg = archive_error_string(s->a);

	if (s->k->how == LA_ZIP && msg &&
	    strstr(msg, "Unsupported ZIP compression method") &&
	    mde__arc_out_len(s->in) == 0)
		return ZIPX;
	if (msg && (strstr(msg, "assphrase") || strstr(msg, "ncrypt"))) {
		mde__arc_skip(s->in, name, "encrypted");
		return MDE__ARC_SKIP;
	}
	if (n == ARCHIVE_WARN || n == ARCHIVE_RETRY)
		return MDE__ARC_OK;
	mde__arc_skip(s->in, name, "archive damaged");
	/* what was read so far is still worth a scan */
	if (mde__arc_out_len(s->in) == 0)
		return MDE__ARC_STOP;
	*rc = 1;
	return MDE__ARC_OK;
}

/* Reads the current member into the member buffer; declared is its size
 * as the archive says, -1 unknown.  MDE__ARC_OK, SKIP or STOP. */
static int read_member(struct la *s, const char *name, la_int64_t declared)
{
	mde__arc_in *in = s->in;
	int st = mde__arc_out_begin(in, name, declared), done = 0;

	while (st == MDE__ARC_OK && !done) {
		size_t room;
		uint8_t *p = mde__arc_out_room(in, &room);
		la_ssize_t n;

		if (!p)
			return MDE__ARC_SKIP;
		n = archive_read_data(s->a, p, room);
		if (n == 0)
			break;
		if (n < 0) {
			st = read_error(s, name, n, &done);
			if (st == ZIPX)
				return zipx_member(s, name);
			continue;
		}
		mde__arc_consumed(in, (uint64_t)archive_filter_bytes(s->a, -1));
		st = mde__arc_out_wrote(in, (size_t)n);
	}
	return st;
}

/*
 * The tar reader takes a stream that starts with a zero block for an
 * empty archive; whatever follows the zeros would go unscanned.  An
 * "empty archive" in a compressed stream is therefore scanned again as
 * the stream itself.  Nonzero when there is something to read.
 */
static int rescan_raw(struct la *s)
{
	if (s->entries || s->mode == OPEN_RAW ||
	    !(s->in->h->flags & MDE__ARC_STREAM))
		return 0;
	archive_read_free(s->a);
	s->a = NULL;
	return la_start(s, OPEN_RAW) == 0;
}

/*
 * A file with data: a regular file, or an entry without a file type.
 * GNU ar writes only the permissions into its mode field ("644") when it
 * makes deterministic archives, Debian's default, and libarchive's ar
 * reader passes that on as it is; dpkg-deb writes "100644", which is why
 * only .deb files were opened.  Whatever has no type is taken as data,
 * but for an ar's own tables (symbols "/", "/SYM64/", "__.SYMDEF"; long
 * names "//"), which libarchive hands out as files and which are not
 * members (their bytes are scanned with the archive's).
 */
static int has_data(struct la *s, const char *name)
{
	unsigned ft = (unsigned)archive_entry_filetype(s->e);

	if (ft != AE_IFREG && ft != 0)
		return 0;
	if ((archive_format(s->a) & ARCHIVE_FORMAT_BASE_MASK) !=
	    ARCHIVE_FORMAT_AR)
		return 1;
	return strcmp(name, "/") && strcmp(name, "//") &&
	       strcmp(name, "/SYM64/") && strncmp(name, "__.SYMDEF", 9);
}

static int la_next(void *state, mde__arc_member *m)
{
	struct la *s = state;
	mde__arc_in *in = s->in;

	for (;;) {
		int rc = s->pending ? s->first_rc : next_header(s), raw, st;
		const char *name;

		s->pending = 0;
		if (rc == ARCHIVE_EOF && rescan_raw(s))
			continue;
		if (rc == ARCHIVE_EOF)
			return 0;
		if (rc < ARCHIVE_WARN) {
			mde__arc_skip(in, NULL, "archive damaged");
			return 0;
		}
		s->entries++;
		raw = archive_format(s->a) == ARCHIVE_FORMAT_RAW;
		name = member_name(s, raw);
		if (mde__arc_entry(in, name) != MDE__ARC_OK)
			return 0;
		if (!has_data(s, name))
			continue;
		if (archive_entry_is_data_encrypted(s->e)) {
			mde__arc_skip(in, name, "encrypted");
			continue;
		}
		st = read_member(s, name,
				 archive_entry_size_is_set(s->e) && !raw
					 ? archive_entry_size(s->e)
					 : -1);
		if (st == MDE__ARC_SKIP)
			continue;
		if (st != MDE__ARC_OK)
			return 0;
		mde__arc_out_member(in, m);
		return 1;
	}
}

/* ------------------------------------------------------------------ rows */

#define ROW(n, flags, bid, guess, filter, how)                              \
	static const struct la_kind la_##n = { filter, how };               \
	const struct mde__arc_handler mde__arc_##n = {                      \
		#n, flags, bid, guess, la_open, la_next, la_close, &la_##n \
	}

/* Short magics (compress, binary cpio, lzma, lha) also start ordinary
 * files: failing to open one is no news. */
#define WEAK MDE__ARC_WEAK
#define STREAM MDE__ARC_STREAM

ROW(tar, 0, bid_tar, NULL, 0, LA_FORMATS);
ROW(cpio, WEAK, bid_cpio, NULL, 0, LA_FORMATS);
ROW(ar, 0, bid_ar, NULL, 0, LA_FORMATS);
ROW(rpm, 0, bid_rpm, NULL, 0, LA_RPM);
ROW(7z, 0, bid_7z, NULL, 0, LA_FORMATS);
ROW(rar, 0, bid_rar, NULL, 0, LA_FORMATS);
ROW(cab, 0, bid_cab, NULL, 0, LA_FORMATS);
ROW(iso, 0, bid_iso, NULL, 0, LA_FORMATS);
ROW(xar, 0, bid_xar, NULL, 0, LA_FORMATS);
ROW(lha, WEAK, bid_lha, NULL, 0, LA_FORMATS);
ROW(zip, 0, bid_zip, guess_zip, 0, LA_ZIP);
ROW(gzip, STREAM, bid_gzip, NULL, ARCHIVE_FILTER_GZIP, LA_FORMATS);
ROW(bzip2, STREAM, bid_bzip2, NULL, ARCHIVE_FILTER_BZIP2, LA_FORMATS);
ROW(xz, STREAM, bid_xz, NULL, ARCHIVE_FILTER_XZ, LA_FORMATS);
ROW(lzma, STREAM | WEAK, bid_lzma, NULL, ARCHIVE_FILTER_LZMA, LA_FORMATS);
ROW(zstd, STREAM, bid_zstd, NULL, ARCHIVE_FILTER_ZSTD, LA_FORMATS);
ROW(lz4, STREAM, bid_lz4, NULL, ARCHIVE_FILTER_LZ4, LA_FORMATS);
ROW(compress, STREAM | WEAK, bid_compress, NULL, ARCHIVE_FILTER_COMPRESS,
    LA_FORMATS);
