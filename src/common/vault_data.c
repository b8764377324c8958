/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vault_data.c - an entry's data file (format in vault.h): the magic,
 * then an LZ4 frame XORed with vault_xor_key, so that no scanner finds
 * the quarantined file in it.  vault_put.c writes it; the decoder here
 * reads it back, checking the content against the entry's SHA-256, for
 * put's verification, restore and export.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lz4frame.h>
#include <openssl/evp.h>

#include "util.h"
#include "vault_int.h"
#include "banned.h"

const unsigned char vault_xor_key[32] = {
	0x54, 0x3f, 0xec, 0x40, 0xb4, 0xc7, 0xb4, 0xb5,
	0x26, 0xa8, 0x2b, 0xb1, 0x78, 0xd1, 0x5d, 0x62,
	0x48, 0x61, 0x20, 0x8a, 0x43, 0x91, 0x96, 0x87,
	0xe3, 0x4d, 0xd7, 0xbb, 0xb1, 0xd5, 0x87, 0x1c,
};

void vault__xor(unsigned char *buf, size_t n, uint64_t pos)
{
	size_t i;

	for (i = 0; i < n; i++)
		buf[i] ^= vault_xor_key[(pos + i) % sizeof vault_xor_key];
}

int vault__xor_write(int fd, unsigned char *buf, size_t n, uint64_t *pos)
{
	vault__xor(buf, n, *pos);
	*pos += n;
	return tool_write_all(fd, buf, n);
}

/* ------------------------------------------------------- the decoder */

void vault__dec_close(struct vault__dec *d)
{
	if (d->fd >= 0)
		close(d->fd);
	LZ4F_freeDecompressionContext(d->ctx);
	EVP_MD_CTX_free(d->md);
	free(d->in);
	memset(d, 0, sizeof *d);
	d->fd = -1;
}

/* Opens the data file of the entry in directory efd for decoding. */
int vault__dec_open(struct vault__dec *d, int efd, const char *what, char *err,
		    size_t errlen)
{
	char magic[MAGIC_LEN];

	memset(d, 0, sizeof *d);
	errno = 0;
	d->fd = openat(efd, "data", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (d->fd < 0 || vault__read_some(d->fd, magic,
					  MAGIC_LEN) != MAGIC_LEN ||
	    memcmp(magic, MAGIC, MAGIC_LEN)) {
		int e = errno;

		vault__dec_close(d);
		return tool_errf(err, errlen, VAULT_ERR,
				 "cannot read '%s/data': %s", what,
				 e ? strerror(e) : "not a vault data file");
	}
	d->in = malloc(CHUNK);
	d->md = EVP_MD_CTX_new();
	if (!d->in || !d->md ||
	    LZ4F_isError(LZ4F_createDecompressionContext(&d->ctx,
							 LZ4F_VERSION)) ||
	    !EVP_DigestInit_ex(d->md, EVP_sha256(), NULL)) {
		vault__dec_close(d);
		return tool_errf(err, errlen, VAULT_ERR, "out of memory");
	}
	return VAULT_OK;
}

static int dec_fill(struct vault__dec *d)
{
	ssize_t r;

	errno = 0;
	r = vault__read_some(d->fd, d->in, CHUNK);
	if (r <= 0)
		return -1;
	vault__xor(d->in, (size_t)r, d->pos);
	d->pos += (uint64_t)r;
	d->in_len = (size_t)r;
	d->in_off = 0;
	return 0;
}

/* Decodes up to len bytes of the original into buf; 0 at the end. */
ssize_t vault__dec_read(struct vault__dec *d, void *buf, size_t len, char *err,
			size_t errlen, const char *what)
{
	size_t got = 0;

	while (!got && !d->done && len) {
		size_t dst = len, src;
		size_t r;

		if (d->in_off == d->in_len && dec_fill(d) < 0)
			return tool_errf(err, errlen, -1,
					 "cannot read '%s/data': %s", what,
					 errno ? strerror(errno) : "truncated");
		src = d->in_len - d->in_off;
		r = LZ4F_decompress(d->ctx, buf, &dst, d->in + d->in_off, &src,
				    NULL);
		if (LZ4F_isError(r))
			return tool_errf(err, errlen, -1,
					 "damaged '%s/data': %s", what,
					 LZ4F_getErrorName(r));
		d->in_off += src;
		d->done = r == 0;
		got = dst;
	}
	EVP_DigestUpdate(d->md, buf, got);
	d->out += got;
	return (ssize_t)got;
}

/* After the last vault__dec_read: does the content match sha256/size
 * of e? */
int vault__dec_check(struct vault__dec *d, const struct vault_entry *e,
		     char *err, size_t errlen, const char *what)
{
	unsigned char md[32];
	char hex[65];

	EVP_DigestFinal_ex(d->md, md, NULL);
	tool_hex(md, 32, hex);
	if (d->out != e->size || strcmp(hex, e->sha256))
		return tool_errf(err, errlen, VAULT_ERR,
				 "damaged '%s/data': content does not match "
				 "its SHA-256", what);
	return VAULT_OK;
}

/* Decodes the whole entry into fd (-1: only check it). */
int vault__dec_all(int efd, const struct vault_entry *e, int fd,
		   const char *what, char *err, size_t errlen)
{
	unsigned char *buf = malloc(CHUNK);
	struct vault__dec d;
	ssize_t n;
	int rc;

	if (!buf)
		return tool_errf(err, errlen, VAULT_ERR, "out of memory");
	rc = vault__dec_open(&d, efd, what, err, errlen);
	while (rc == VAULT_OK &&
	       (n = vault__dec_read(&d, buf, CHUNK, err, errlen, what)) != 0) {
		if (n < 0)
			rc = VAULT_ERR;
		else if (fd >= 0 && tool_write_all(fd, buf, (size_t)n) < 0)
			rc = tool_errf(err, errlen, VAULT_ERR,
				       "cannot write: %s", strerror(errno));
	}
	if (rc == VAULT_OK)
		rc = vault__dec_check(&d, e, err, errlen, what);
	if (d.fd >= 0 || d.ctx)
		vault__dec_close(&d);
	free(buf);
	return rc;
}
