/* SPDX-License-Identifier: Apache-2.0 */
/*
 * filetype.c - classify a file from its first bytes.
 *
 * The names are the values of the YARA external "filetype" (Loki and THOR
 * define it the same way from a magic-number table); the target is what
 * ClamAV byte signatures select on.  A table, not libmagic: this runs for
 * every file and must cost nanoseconds.
 */
#include "config.h"

#include <string.h>

#include "mde_int.h"
#include "banned.h"

struct magic {
	size_t off;
	const char *bytes;
	size_t len;
	const char *name;
};

static const struct magic magics[] = {
	{ 0, "\x7f" "ELF", 4, "ELF" },
	{ 0, "\xfe\xed\xfa\xce", 4, "MACHO" },
	{ 0, "\xce\xfa\xed\xfe", 4, "MACHO" },
	{ 0, "\xfe\xed\xfa\xcf", 4, "MACHO" },
	{ 0, "\xcf\xfa\xed\xfe", 4, "MACHO" },
	{ 0, "\xca\xfe\xba\xbe", 4, "CLASS" },
	{ 0, "PK\x03\x04", 4, "ZIP" },
	{ 0, "PK\x05\x06", 4, "ZIP" },
	{ 0, "\x1f\x8b", 2, "GZIP" },
	{ 0, "BZh", 3, "BZIP2" },
	{ 0, "\xfd" "7zXZ\x00", 6, "XZ" },
	{ 0, "\x28\xb5\x2f\xfd", 4, "ZSTD" },
	{ 0, "\x04\x22\x4d\x18", 4, "LZ4" },
	{ 0, "7z\xbc\xaf\x27\x1c", 6, "7Z" },
	{ 0, "Rar!\x1a\x07", 6, "RAR" },
	{ 0, "!<arch>\n", 8, "AR" },
	{ 0, "\xed\xab\xee\xdb", 4, "RPM" },
	{ 0, "070701", 6, "CPIO" },
	{ 0, "070707", 6, "CPIO" },
	{ 257, "ustar", 5, "TAR" },
	{ 0, "%PDF-", 5, "PDF" },
	{ 0, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8, "OLE" },
	{ 0, "<?php", 5, "PHP" },
	{ 0, "#!", 2, "SCRIPT" },
	{ 0, "\x89PNG", 4, "PNG" },
	{ 0, "\xff\xd8\xff", 3, "JPEG" },
	{ 0, "GIF8", 4, "GIF" },
};

static int is_pe(const uint8_t *buf, size_t len)
{
	uint32_t off;

	if (len < 0x40)
		return 0;
	off = (uint32_t)buf[0x3c] | (uint32_t)buf[0x3d] << 8 |
	      (uint32_t)buf[0x3e] << 16 | (uint32_t)buf[0x3f] << 24;
	return off <= len - 4 && memcmp(buf + off, "PE\0\0", 4) == 0;
}

void mde__filetype(const uint8_t *buf, size_t len, mde__ftype *ft)
{
	size_t i;

	ft->name = "";
	ft->target = MDE__T_ANY;
	if (len >= 2 && buf[0] == 'M' && buf[1] == 'Z') {
		ft->name = "EXE";
		if (is_pe(buf, len))
			ft->target = MDE__T_PE;
		return;
	}
	for (i = 0; i < sizeof(magics) / sizeof(magics[0]); i++) {
		const struct magic *m = &magics[i];

		if (len >= m->off + m->len &&
		    memcmp(buf + m->off, m->bytes, m->len) == 0) {
			ft->name = m->name;
			break;
		}
	}
	if (ft->name[0] == 'E')
		ft->target = MDE__T_ELF;
	else if (ft->name[0] == 'M' && ft->name[1] == 'A')
		ft->target = MDE__T_MACHO;
}
