/* SPDX-License-Identifier: Apache-2.0 */
/*
 * container.c - the archive stage's unpacker.
 *
 * Archives and compressed streams go through libarchive, read from the
 * buffer the pipeline already holds (never from the file system, never
 * extracted to it: a member is a malloc'd buffer, its name only a label).
 * Mail goes through mime.c, UPX through upx.c.
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
 * streaming fallback, and libarchive does both.
 *
 * Hostile input: every member counts against max_files, every byte
 * against max_member_size and the top-level file's max_scansize; the
 * ratio of bytes unpacked to bytes consumed (fed in 64 KiB slices, so the
 * count follows the decompressor) catches bombs early; depth is checked
 * by the pipeline, which recurses.
 */
#include "config.h"

/* For memrchr(): config.h defines it, but the fuzz build's is empty. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

#include <string.h>
#include <stdlib.h>
#include <time.h>

#include <archive.h>
#include <archive_entry.h>

#include "container.h"
#include "mime.h"
#include "upx.h"
#include "banned.h"

static const struct {
	const char *name;
	unsigned bit;
} type_names[] = {
	{ "tar", MDE_ARC_TAR },     { "cpio", MDE_ARC_CPIO },
	{ "ar", MDE_ARC_AR },       { "rpm", MDE_ARC_RPM },
	{ "7z", MDE_ARC_7Z },       { "rar", MDE_ARC_RAR },
	{ "cab", MDE_ARC_CAB },     { "iso", MDE_ARC_ISO },
	{ "xar", MDE_ARC_XAR },     { "lha", MDE_ARC_LHA },
	{ "zip", MDE_ARC_ZIP },     { "gzip", MDE_ARC_GZIP },
	{ "bzip2", MDE_ARC_BZIP2 }, { "xz", MDE_ARC_XZ },
	{ "lzma", MDE_ARC_LZMA },   { "zstd", MDE_ARC_ZSTD },
	{ "lz4", MDE_ARC_LZ4 },     { "compress", MDE_ARC_COMPRESS },
	{ "mail", MDE_ARC_MAIL },   { "upx", MDE_ARC_UPX },
};

unsigned mde__arc_type_bit(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(type_names) / sizeof(type_names[0]); i++)
		if (strlen(type_names[i].name) == len &&
		    memcmp(type_names[i].name, name, len) == 0)
			return type_names[i].bit;
	return 0;
}

#define STREAMS                                                          \
	(MDE_ARC_GZIP | MDE_ARC_BZIP2 | MDE_ARC_XZ | MDE_ARC_LZMA |       \
	 MDE_ARC_ZSTD | MDE_ARC_LZ4 | MDE_ARC_COMPRESS)

/* Kinds recognised by a magic short enough to start ordinary files. */
#define WEAK (MDE_ARC_COMPRESS | MDE_ARC_CPIO | MDE_ARC_LZMA | MDE_ARC_LHA)

/* ------------------------------------------------------------ detection */

static int at(const uint8_t *buf, size_t len, size_t off, const char *m,
	      size_t n)
{
	return len >= off + n && memcmp(buf + off, m, n) == 0;
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

/* An end-of-central-directory record ending exactly at the end of the
 * file (its comment length says so): a ZIP with something in front of it,
 * as self-extractors have.  The signature alone turns up in any program
 * that handles ZIP files. */
static int zip_tail(const uint8_t *b, size_t len)
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
			return 1;
		end = p;
	}
	return 0;
}

unsigned mde__arc_kind(const uint8_t *b, size_t len, unsigned types)
{
	unsigned k = 0;

	if (len < 4)
		return 0;
	if (b[0] == 0x1f && b[1] == 0x8b && b[2] == 8)
		k = MDE_ARC_GZIP;
	else if (b[0] == 0x1f && b[1] == 0x9d)
		k = MDE_ARC_COMPRESS;
	else if (at(b, len, 0, "BZh", 3) && b[3] >= '1' && b[3] <= '9' &&
		 (at(b, len, 4, "\x31\x41\x59\x26\x53\x59", 6) ||
		  at(b, len, 4, "\x17\x72\x45\x38\x50\x90", 6)))
		k = MDE_ARC_BZIP2;
	else if (at(b, len, 0, "\xfd" "7zXZ\0", 6))
		k = MDE_ARC_XZ;
	else if (at(b, len, 0, "\x28\xb5\x2f\xfd", 4))
		k = MDE_ARC_ZSTD;
	else if (at(b, len, 0, "\x04\x22\x4d\x18", 4) ||
		 at(b, len, 0, "\x02\x21\x4c\x18", 4))
		k = MDE_ARC_LZ4;
	else if (len >= 13 && b[0] == 0x5d && b[1] == 0 && b[2] == 0 &&
		 (b[12] == 0 || b[12] == 0xff))
		k = MDE_ARC_LZMA;
	else if (at(b, len, 0, "PK\3\4", 4) || at(b, len, 0, "PK\5\6", 4) ||
		 at(b, len, 0, "PK\7\x08PK\3\4", 8))
		k = MDE_ARC_ZIP;
	else if (at(b, len, 257, "ustar", 5) || old_tar(b, len))
		k = MDE_ARC_TAR;
	else if (at(b, len, 0, "07070", 5) && b[5] >= '1' && b[5] <= '7')
		k = MDE_ARC_CPIO;
	else if ((b[0] == 0xc7 && b[1] == 0x71) ||
		 (b[0] == 0x71 && b[1] == 0xc7))
		k = MDE_ARC_CPIO;
	else if (at(b, len, 0, "!<arch>\n", 8))
		k = MDE_ARC_AR;
	else if (at(b, len, 0, "\xed\xab\xee\xdb", 4))
		k = MDE_ARC_RPM;
	else if (at(b, len, 0, "7z\xbc\xaf\x27\x1c", 6))
		k = MDE_ARC_7Z;
	else if (at(b, len, 0, "Rar!\x1a\x07", 6))
		k = MDE_ARC_RAR;
	else if (at(b, len, 0, "MSCF\0\0\0\0", 8))
		k = MDE_ARC_CAB;
	else if (at(b, len, 32769, "CD001", 5))
		k = MDE_ARC_ISO;
	else if (at(b, len, 0, "xar!", 4))
		k = MDE_ARC_XAR;
	else if (len > 21 && b[2] == '-' && b[3] == 'l' &&
		 (b[4] == 'h' || b[4] == 'z') && b[6] == '-')
		k = MDE_ARC_LHA;
	else if ((types & MDE_ARC_UPX) && mde__upx_detect(b, len, NULL))
		k = MDE_ARC_UPX;
	else if ((types & MDE_ARC_MAIL) && mde__mail_detect(b, len))
		k = MDE_ARC_MAIL;
	else if ((types & MDE_ARC_ZIP) && zip_tail(b, len))
		k = MDE_ARC_ZIP;
	return k & types;
}

/* ------------------------------------------------------------ unpacking */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Nonzero (and the reason in *why) when the whole file must stop. */
static int over(mde__arc_budget *bud, const char **why)
{
	if (bud->stop)
		return 1;
	if (bud->cancel && atomic_load(bud->cancel)) {
		bud->stop = 1;
		*why = "cancelled";
		return 1;
	}
	if (bud->deadline_ns && now_ns() > bud->deadline_ns) {
		bud->stop = 1;
		*why = "limit: timeout";
		return 1;
	}
	return 0;
}

struct memsrc {
	const uint8_t *p;
	size_t len, pos;
};

#define SLICE (64 * 1024)

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

/* How to open: formats by kind, the ZIP reader that streams instead of
 * reading the central directory, or a compressed stream as one member. */
enum { OPEN_NORMAL, OPEN_ZIP_STREAM, OPEN_RAW };

/* The libarchive filter of a compressed-stream kind (0: none). */
static int filter_of(unsigned kind)
{
	switch (kind) {
	case MDE_ARC_GZIP: return ARCHIVE_FILTER_GZIP;
	case MDE_ARC_BZIP2: return ARCHIVE_FILTER_BZIP2;
	case MDE_ARC_XZ: return ARCHIVE_FILTER_XZ;
	case MDE_ARC_LZMA: return ARCHIVE_FILTER_LZMA;
	case MDE_ARC_ZSTD: return ARCHIVE_FILTER_ZSTD;
	case MDE_ARC_LZ4: return ARCHIVE_FILTER_LZ4;
	case MDE_ARC_COMPRESS: return ARCHIVE_FILTER_COMPRESS;
	default: return 0;
	}
}

static struct archive *open_la(const uint8_t *buf, size_t len,
			       unsigned kind, unsigned types, int mode,
			       struct memsrc *src)
{
	struct archive *a = archive_read_new();
	int filter = filter_of(kind);

	if (!a)
		return NULL;
	/*
	 * Exactly the one filter the bytes called for, not bidding: left to
	 * bid, libarchive peels up to 25 nested compressions in one open,
	 * which would hide the nesting from max-recursion.  ARCHIVE_WARN
	 * means the filter needs an external program: never run one.
	 */
	if (filter &&
	    (filter == ARCHIVE_FILTER_COMPRESS
		     /* its set-up reads the header, and there is nothing to
		      * read before the open: let it bid instead */
		     ? archive_read_support_filter_compress(a)
		     : archive_read_append_filter(a, filter)) != ARCHIVE_OK) {
		archive_read_free(a);
		return NULL;
	}
	/* an RPM: its header, then the payload's own compression */
	if (kind == MDE_ARC_RPM &&
	    (archive_read_support_filter_rpm(a) != ARCHIVE_OK ||
	     archive_read_support_filter_gzip(a) != ARCHIVE_OK ||
	     archive_read_support_filter_bzip2(a) != ARCHIVE_OK ||
	     archive_read_support_filter_xz(a) != ARCHIVE_OK ||
	     archive_read_support_filter_lzma(a) != ARCHIVE_OK ||
	     archive_read_support_filter_zstd(a) != ARCHIVE_OK)) {
		archive_read_free(a);
		return NULL;
	}
	if (mode == OPEN_RAW) {
		archive_read_support_format_raw(a);
	} else if (kind == MDE_ARC_ZIP) {
		if (mode == OPEN_NORMAL)
			archive_read_support_format_zip_seekable(a);
		else
			archive_read_support_format_zip_streamable(a);
	} else {
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
		if ((kind & STREAMS) && (types & MDE_ARC_ZIP))
			archive_read_support_format_zip_streamable(a);
		/* a compressed stream of anything else: one member */
		if (kind & STREAMS)
			archive_read_support_format_raw(a);
	}
	src->p = buf;
	src->len = len;
	src->pos = 0;
	archive_read_set_read_callback(a, src_read);
	archive_read_set_skip_callback(a, src_skip);
	archive_read_set_seek_callback(a, src_seek);
	archive_read_set_callback_data(a, src);
	if (archive_read_open1(a) != ARCHIVE_OK) {
		archive_read_free(a);
		return NULL;
	}
	return a;
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

struct reader {
	const mde__arc_limits *lim;
	mde__arc_budget *bud;
	const mde__arc_ops *ops;
	void *ctx;
	uint8_t *mb; /* the member buffer, reused across members */
	size_t mcap;
	uint64_t produced; /* unpacked from this container */
	int stopped;       /* the caller asked to stop */
};

static int mgrow(struct reader *r, size_t need)
{
	size_t cap = r->mcap ? r->mcap : 1 << 16;
	uint8_t *p;

	if (need <= r->mcap)
		return 0;
	while (cap < need)
		cap *= 2;
	p = realloc(r->mb, cap);
	if (!p)
		return -1;
	r->mb = p;
	r->mcap = cap;
	return 0;
}

enum { RD_OK, RD_SKIP, RD_STOP_FILE, RD_STOP_CONTAINER };

/*
 * Reads the current member into r->mb.  Returns RD_OK with *outlen, or
 * RD_SKIP (the member was reported and is skipped), RD_STOP_FILE (a limit
 * of the whole top-level file, reported), RD_STOP_CONTAINER (damage,
 * reported).
 */
static int read_member(struct reader *r, struct archive *a,
		       const char *name, la_int64_t declared, size_t *outlen)
{
	const mde__arc_limits *lim = r->lim;
	mde__arc_budget *bud = r->bud;
	size_t len = 0;
	const char *why = NULL;
	int64_t cap = lim->max_member_size;

	if (cap <= 0 || cap > INT64_MAX / 2)
		cap = INT64_MAX / 2;
	if (declared > 0 && declared > cap) {
		r->ops->note(r->ctx, name, MDE__NOTE_SKIP,
			     "limit: max-member-size");
		return RD_SKIP;
	}
	if (declared > 0 && declared > bud->left) {
		r->ops->note(r->ctx, name, MDE__NOTE_SKIP,
			     "limit: max-scansize");
		bud->stop = 1;
		return RD_STOP_FILE;
	}
	if (declared > 0 && mgrow(r, (size_t)declared + 1) < 0) {
		r->ops->note(r->ctx, name, MDE__NOTE_SKIP, "out of memory");
		return RD_SKIP;
	}
	for (;;) {
		la_ssize_t n;
		size_t room;

		if (len + SLICE > r->mcap && mgrow(r, len + SLICE) < 0) {
			r->ops->note(r->ctx, name, MDE__NOTE_SKIP,
				     "out of memory");
			return RD_SKIP;
		}
		room = r->mcap - len;
		if ((int64_t)(len + room) > cap + 1)
			room = (size_t)(cap + 1 - (int64_t)len);
		n = archive_read_data(a, r->mb + len, room);
		if (n == 0)
			break;
		if (n < 0) {
			const char *msg = archive_error_string(a);

			if (msg && (strstr(msg, "assphrase") ||
				    strstr(msg, "ncrypt"))) {
				r->ops->note(r->ctx, name, MDE__NOTE_SKIP,
					     "encrypted");
				return RD_SKIP;
			}
			if (n == ARCHIVE_WARN || n == ARCHIVE_RETRY)
				continue;
			r->ops->note(r->ctx, name, MDE__NOTE_SKIP,
				     "archive damaged");
			/* what was read so far is still worth a scan */
			if (len == 0)
				return RD_STOP_CONTAINER;
			*outlen = len;
			return RD_OK;
		}
		len += (size_t)n;
		r->produced += (uint64_t)n;
		bud->bytes += (uint64_t)n;
		if ((int64_t)len > cap) {
			r->ops->note(r->ctx, name, MDE__NOTE_SKIP,
				     "limit: max-member-size");
			return RD_SKIP;
		}
		if ((int64_t)len > bud->left) {
			r->ops->note(r->ctx, name, MDE__NOTE_SKIP,
				     "limit: max-scansize");
			bud->stop = 1;
			return RD_STOP_FILE;
		}
		if (lim->max_ratio > 0 &&
		    (int64_t)r->produced >= lim->bomb_min_size) {
			la_int64_t in = archive_filter_bytes(a, -1);

			if (in < 1)
				in = 1;
			if ((int64_t)(r->produced / (uint64_t)in) >=
			    lim->max_ratio) {
				r->ops->note(r->ctx, name, MDE__NOTE_BOMB,
					     "limit: max-ratio");
				bud->stop = 1;
				return RD_STOP_FILE;
			}
		}
		if (over(bud, &why)) {
			r->ops->note(r->ctx, name, MDE__NOTE_SKIP, why);
			return RD_STOP_FILE;
		}
	}
	bud->left -= (int64_t)len;
	*outlen = len;
	return RD_OK;
}

static const char *member_name(struct archive_entry *e, char *tmp,
			       size_t tmplen, int raw, const char *outer)
{
	const char *n;

	if (raw) {
		stream_name(outer, tmp, tmplen);
		return tmp;
	}
	n = archive_entry_pathname(e);
	if (!n)
		n = archive_entry_pathname_utf8(e);
	return n && *n ? n : "?";
}

/* Returns the members found (regular or not), or -1 when the first open
 * failed (try another way). */
static int64_t unpack_la(unsigned kind, const uint8_t *buf, size_t len,
			 const char *outer, struct reader *r, int mode)
{
	struct memsrc src;
	struct archive *a = open_la(buf, len, kind, r->lim->types, mode,
				    &src);
	struct archive_entry *e;
	int64_t nmembers = 0;
	char tmp[512];
	const char *why = NULL;
	int rc, first = 1;

	if (!a)
		return -1;
	for (;;) {
		const char *name;
		size_t mlen = 0;
		int raw, st;

		rc = archive_read_next_header(a, &e);
		if (rc == ARCHIVE_EOF)
			break;
		if (rc == ARCHIVE_RETRY)
			continue;
		if (rc < ARCHIVE_WARN) {
			if (first) {
				archive_read_free(a);
				return -1;
			}
			r->ops->note(r->ctx, NULL, MDE__NOTE_SKIP,
				     "archive damaged");
			break;
		}
		first = 0;
		raw = archive_format(a) == ARCHIVE_FORMAT_RAW;
		name = member_name(e, tmp, sizeof(tmp), raw, outer);
		if (r->lim->max_files > 0 && ++nmembers > r->lim->max_files) {
			r->ops->note(r->ctx, NULL, MDE__NOTE_SKIP,
				     "limit: max-files");
			break;
		}
		if (over(r->bud, &why)) {
			r->ops->note(r->ctx, name, MDE__NOTE_SKIP, why);
			break;
		}
		if (archive_entry_filetype(e) != AE_IFREG)
			continue;
		if (archive_entry_is_data_encrypted(e)) {
			r->ops->note(r->ctx, name, MDE__NOTE_SKIP,
				     "encrypted");
			continue;
		}
		st = read_member(r, a, name,
				 archive_entry_size_is_set(e) && !raw
					 ? archive_entry_size(e)
					 : -1,
				 &mlen);
		if (st == RD_SKIP)
			continue;
		if (st != RD_OK)
			break;
		r->bud->members++;
		if (r->ops->member(r->ctx, name, r->mb, mlen)) {
			r->stopped = 1;
			break;
		}
		if (r->bud->stop)
			break;
	}
	archive_read_free(a);
	return nmembers;
}

/* ------------------------------------------------------------ mail, upx */

static int mail_part(void *ud, const char *name, const uint8_t *data,
		     size_t len)
{
	struct reader *r = ud;
	const char *why = NULL;

	if (r->lim->max_member_size > 0 &&
	    (int64_t)len > r->lim->max_member_size) {
		r->ops->note(r->ctx, name, MDE__NOTE_SKIP,
			     "limit: max-member-size");
		return 0;
	}
	if (over(r->bud, &why)) {
		r->ops->note(r->ctx, name, MDE__NOTE_SKIP, why);
		return 1;
	}
	r->bud->members++;
	r->bud->bytes += len;
	r->bud->left -= (int64_t)len;
	if (r->ops->member(r->ctx, name, data, len)) {
		r->stopped = 1;
		return 1;
	}
	return r->bud->stop;
}

static void unpack_mail(const uint8_t *buf, size_t len, struct reader *r)
{
	mde__mail_limits ml;
	const char *why = NULL;
	int kind = mde__mail_detect(buf, len), rc;

	ml.max_parts = r->lim->max_files > 0 ? (size_t)r->lim->max_files
					     : SIZE_MAX;
	ml.max_depth = r->lim->max_recursion > 0
			       ? (size_t)r->lim->max_recursion
			       : 64;
	ml.max_decoded = r->bud->left > 0 ? (uint64_t)r->bud->left : 0;
	rc = mde__mail_parts(buf, len, kind, &ml, mail_part, r, &why);
	if (rc == MDE__MAIL_LIMIT_SIZE) {
		r->ops->note(r->ctx, NULL, MDE__NOTE_SKIP,
			     "limit: max-scansize");
		r->bud->stop = 1;
	} else if (rc == MDE__MAIL_LIMIT_PARTS) {
		r->ops->note(r->ctx, NULL, MDE__NOTE_SKIP, "limit: max-files");
	} else if (rc == MDE__MAIL_LIMIT_DEPTH) {
		r->ops->note(r->ctx, NULL, MDE__NOTE_SKIP,
			     "limit: max-recursion");
	} else if (rc == MDE__MAIL_NOMEM) {
		r->ops->note(r->ctx, NULL, MDE__NOTE_SKIP, "out of memory");
	}
}

static void unpack_upx(const uint8_t *buf, size_t len, struct reader *r)
{
	mde__upx_info info;
	uint8_t *out = NULL;
	size_t outlen = 0, cap;
	const char *why = NULL;
	int rc;

	if (!mde__upx_detect(buf, len, &info))
		return;
	cap = r->lim->max_member_size > 0 ? (size_t)r->lim->max_member_size
					  : SIZE_MAX / 2;
	if (r->bud->left >= 0 && (uint64_t)r->bud->left < cap)
		cap = (size_t)r->bud->left;
	rc = mde__upx_unpack(buf, len, &info, cap, &out, &outlen, &why);
	if (rc == MDE__UPX_OK) {
		r->bud->members++;
		r->bud->bytes += outlen;
		r->bud->left -= (int64_t)outlen;
		if (r->ops->member(r->ctx, "[upx]", out, outlen))
			r->stopped = 1;
	} else if (rc == MDE__UPX_LIMIT) {
		r->ops->note(r->ctx, "[upx]", MDE__NOTE_SKIP,
			     "limit: max-member-size");
	} else if (rc == MDE__UPX_UNSUPPORTED) {
		r->ops->note(r->ctx, "[upx]", MDE__NOTE_SKIP,
			     why ? why : "packed, not unpacked");
	} else {
		r->ops->note(r->ctx, "[upx]", MDE__NOTE_SKIP,
			     why ? why : "packed data damaged");
	}
	free(out);
}

/*
 * The LZMA dictionary a stream asks for: liblzma allocates it before the
 * first byte comes out, and libarchive sets no memory limit for .lzma (1
 * GiB for .xz).  A 13-byte file may ask for 4 GiB.  .lzma: the header's
 * 32-bit size; .xz: the LZMA2 property byte of the first block.  Returns
 * 0 when there is nothing to tell.
 */
static uint64_t lzma_dict(unsigned kind, const uint8_t *b, size_t len)
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

void mde__arc_unpack(unsigned kind, const uint8_t *buf, size_t len,
		     const char *name, const mde__arc_limits *lim,
		     mde__arc_budget *bud, const mde__arc_ops *ops, void *ctx)
{
	struct reader r = { lim, bud, ops, ctx, NULL, 0, 0, 0 };
	int64_t n;

	if (lzma_dict(kind, buf, len) > MAX_LZMA_DICT) {
		ops->note(ctx, NULL, MDE__NOTE_SKIP, "limit: lzma dictionary");
	} else if (kind == MDE_ARC_MAIL) {
		unpack_mail(buf, len, &r);
	} else if (kind == MDE_ARC_UPX) {
		unpack_upx(buf, len, &r);
	} else if ((n = unpack_la(kind, buf, len, name, &r, OPEN_NORMAL)) <
		   0) {
		/* a ZIP without its central directory: the local headers,
		 * streamed.  Short magics (compress, binary cpio, lzma, lha)
		 * also start ordinary files: failing to open one is no news. */
		if ((kind != MDE_ARC_ZIP ||
		     unpack_la(kind, buf, len, name, &r, OPEN_ZIP_STREAM) <
			     0) &&
		    !(kind & WEAK))
			ops->note(ctx, NULL, MDE__NOTE_SKIP, "archive damaged");
	} else if (n == 0 && (kind & STREAMS) && !r.stopped && !bud->stop) {
		/* The tar reader takes a stream that starts with a zero block
		 * for an empty archive; whatever follows the zeros would go
		 * unscanned.  An "empty archive" in a compressed stream is
		 * therefore scanned again as the stream itself. */
		unpack_la(kind, buf, len, name, &r, OPEN_RAW);
	}
	free(r.mb);
}
