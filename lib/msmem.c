/* SPDX-License-Identifier: Apache-2.0 */
/*
 * msmem.c - libmspack's I/O vtable over memory (see msmem.h).
 *
 * libmspack (CHM, SZDD, KWAJ) reads and writes through a struct
 * mspack_system of callbacks, so that its caller decides what a file is.
 * The default one opens files by name; this one maps the input name to
 * the buffer the pipeline holds and the output name to a callback that
 * feeds the member buffer, and counts every allocation: a hostile file
 * asking for a huge window or a directory of millions of entries gets
 * NULL, which libmspack reports as MSPACK_ERR_NOMEMORY.
 *
 * alloc() may get a copy of the struct (chmd hands its LZX decoder one
 * with other read and write calls), so the caller names the vtable in
 * use for its thread (mde__msmem_enter) before each call into
 * libmspack; free() gets no context at all, so each block carries a
 * header naming its owner and size.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "msmem.h"
#include "banned.h"

#define POLL_EVERY 64 /* reads between two polls */

/* The vtable whose allocations libmspack makes on this thread. */
static _Thread_local mde__msmem *current;

/* A file libmspack opened; mspack.h's struct mspack_file is a
 * placeholder that every implementation casts. */
struct memfile {
	mde__msmem *m;
	int out;
	size_t pos;
};

static struct memfile *mf(struct mspack_file *f)
{
	return (struct memfile *)(void *)f;
}

/* What precedes every block libmspack gets. */
union head {
	struct {
		mde__msmem *m;
		size_t n;
	} h;
	max_align_t align;
};

static struct mspack_file *mem_open(struct mspack_system *self,
				    const char *name, int mode)
{
	mde__msmem *m = (mde__msmem *)self;
	struct memfile *f;
	int out = strcmp(name, MDE__MSMEM_OUT) == 0;

	if (!out && (strcmp(name, MDE__MSMEM_IN) != 0 ||
		     mode != MSPACK_SYS_OPEN_READ))
		return NULL;
	if (out && mode != MSPACK_SYS_OPEN_WRITE)
		return NULL;
	f = malloc(sizeof(*f));
	if (f) {
		f->m = m;
		f->out = out;
		f->pos = 0;
	}
	return (struct mspack_file *)(void *)f;
}

static void mem_close(struct mspack_file *file)
{
	free(mf(file));
}

/* Puts the patch over what was just read: buf holds n bytes from pos. */
static void overlay(const mde__msmem *m, size_t pos, uint8_t *buf, size_t n)
{
	size_t lo = pos > m->patch_off ? pos : m->patch_off;
	size_t hi = pos + n < m->patch_off + m->patch_len
			    ? pos + n
			    : m->patch_off + m->patch_len;

	if (lo < hi)
		memcpy(buf + (lo - pos), m->patch + (lo - m->patch_off),
		       hi - lo);
}

static int mem_read(struct mspack_file *file, void *buf, int bytes)
{
	struct memfile *f = mf(file);
	mde__msmem *m = f->m;
	size_t n;

	if (f->out || bytes < 0)
		return -1;
	if (m->poll && ++m->reads % POLL_EVERY == 0 && m->poll(m->ctx))
		return -1;
	n = m->len - f->pos < (size_t)bytes ? m->len - f->pos : (size_t)bytes;
	memcpy(buf, m->buf + f->pos, n);
	overlay(m, f->pos, buf, n);
	f->pos += n;
	return (int)n;
}

static int mem_write(struct mspack_file *file, void *buf, int bytes)
{
	struct memfile *f = mf(file);
	mde__msmem *m = f->m;

	if (!f->out || bytes < 0)
		return -1;
	if (bytes && m->sink(m->ctx, buf, (size_t)bytes))
		return -1;
	f->pos += (size_t)bytes;
	return bytes;
}

static int mem_seek(struct mspack_file *file, off_t off, int mode)
{
	struct memfile *f = mf(file);
	size_t len = f->out ? f->pos : f->m->len;
	off_t base = mode == MSPACK_SYS_SEEK_START ? 0
		     : mode == MSPACK_SYS_SEEK_CUR ? (off_t)f->pos
						   : (off_t)len;

	if (f->out || off < -base || (uint64_t)(base + off) > len)
		return -1;
	f->pos = (size_t)(base + off);
	return 0;
}

static off_t mem_tell(struct mspack_file *file)
{
	return (off_t)mf(file)->pos;
}

static void mem_message(struct mspack_file *f, const char *fmt, ...)
{
	(void)f;
	(void)fmt; /* a library never prints */
}

void mde__msmem_enter(mde__msmem *m)
{
	current = m;
}

static void *mem_alloc(struct mspack_system *self, size_t bytes)
{
	mde__msmem *m = current;
	union head *h;

	(void)self; /* maybe a copy: see the top */
	if (!m)
		return NULL;
	if (bytes > m->alloc_cap - m->alloc_used) {
		m->failed = 1;
		return NULL;
	}
	/* zeroed: libmspack 0.11's kwajd_open() frees the header's name
	 * pointers unset when the header cannot be read */
	h = calloc(1, sizeof(*h) + bytes);
	if (!h)
		return NULL;
	h->h.m = m;
	h->h.n = bytes;
	m->alloc_used += bytes;
	return h + 1;
}

static void mem_free(void *p)
{
	union head *h = p;

	if (!p)
		return;
	h--;
	h->h.m->alloc_used -= h->h.n;
	free(h);
}

static void mem_copy(void *src, void *dst, size_t n)
{
	memcpy(dst, src, n);
}

void mde__msmem_init(mde__msmem *m, const uint8_t *buf, size_t len,
		     size_t alloc_cap, mde__msmem_sink sink,
		     mde__msmem_poll poll, void *ctx)
{
	memset(m, 0, sizeof(*m));
	m->sys.open = mem_open;
	m->sys.close = mem_close;
	m->sys.read = mem_read;
	m->sys.write = mem_write;
	m->sys.seek = mem_seek;
	m->sys.tell = mem_tell;
	m->sys.message = mem_message;
	m->sys.alloc = mem_alloc;
	m->sys.free = mem_free;
	m->sys.copy = mem_copy;
	m->sys.null_ptr = NULL;
	m->buf = buf;
	m->len = len;
	m->alloc_cap = alloc_cap;
	m->sink = sink;
	m->poll = poll;
	m->ctx = ctx;
}

void mde__msmem_patch(mde__msmem *m, size_t off, const void *data, size_t n)
{
	if (n > sizeof(m->patch))
		n = sizeof(m->patch);
	memcpy(m->patch, data, n);
	m->patch_off = off;
	m->patch_len = n;
}
