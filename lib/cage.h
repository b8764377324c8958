/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cage.h - the parser cage: each scanning thread hands the files it has
 * opened and read to a worker process of its own, which runs the stages
 * (every parser of untrusted bytes) under a seccomp allow-list, without
 * privileges, in its own network and mount namespaces and under resource
 * limits, and sends back what it found as plain messages.  A worker that
 * crashes, is killed by the filter or runs out of time or memory ends
 * only that file's scan, as an error naming the cause; the next file gets
 * a fresh worker.  doc/cage.md has the design and its limits.
 *
 * cage.c is the thread's side (start, hand over, read back, name the
 * death), cage_child.c the worker's (confinement and its loop),
 * cage_proto.c the messages between them.
 */
#ifndef MDE_CAGE_H
#define MDE_CAGE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "cache.h"
#include "mdescan.h"

struct file;
typedef struct mde__worker mde__worker;
typedef struct mde__cage mde__cage;

/* The page a worker shares with its thread: what it was doing when it
 * died, which the thread reads after the death. */
typedef struct mde__cage_page {
	volatile int stage;   /* 0: file type; i + 1: stage i of the table */
	volatile int sysno;   /* the system call the filter refused */
	volatile int signo;   /* a fatal signal the worker caught */
	volatile int nomem;   /* an allocation had failed (errno ENOMEM) */
	volatile uint32_t at; /* the request it is on (its index) */
	char why[96];         /* why confinement failed */
} mde__cage_page;

/* Set in a worker process only (NULL in the scanning process): run_stages
 * records the stage it enters there. */
extern mde__cage_page *mde__cage_here;

/* A worker exits with this status after the filter refused a call. */
#define MDE__CAGE_EXIT_SYSCALL 97
/* ... and with this one when its confinement could not be set up. */
#define MDE__CAGE_EXIT_SETUP 98

/* Largest message either side accepts (a verdict with 64 findings and
 * their member chains fits many times over). */
#define MDE__CAGE_MAXMSG (16u << 20)

/* The process workers are forked from (cage_zygote.c), one per engine:
 * made from e as it is now (definitions, options). */
typedef struct mde__zygote mde__zygote;
mde__zygote *mde__zygote_new(struct mde_engine *e);
/* Engines may share one (mde_engine_share_cage()): a reference more;
 * mde__zygote_free() lets go of one, and the last ends the zygote. */
mde__zygote *mde__zygote_ref(mde__zygote *z);
void mde__zygote_free(mde__zygote *z); /* NULL allowed */
/* Ends a zygote that stopped answering (SIGKILL), then lets go of it
 * (an engine sharing it finds it dead at its next request). */
void mde__zygote_kill(mde__zygote *z);
/* A zygote answers a request for a worker within this or is taken for
 * stuck (a lock its fork copied held, say): killed, the file an error,
 * the next request forks another. */
#define MDE__ZYGOTE_WAIT_MS 10000
/* A new worker sharing the page open as pagefd: its socket, a pidfd (or
 * -1 on kernels without) and pid.  0, or -1 (errno set: ETIMEDOUT when
 * the zygote did not answer within MDE__ZYGOTE_WAIT_MS).  Threads of
 * engines sharing z ask one at a time. */
int mde__zygote_spawn(mde__zygote *z, int pagefd, int *sock, int *pidfd,
		      pid_t *pid);
/* Test builds only (tests/cage/fault.c, preloaded): called by a zygote
 * each time it is asked for a worker, to make it stop answering.  Never
 * defined in the library. */
extern void mde__zygote_fault_hook(void) __attribute__((weak));

/* The user workers run as when the scan runs as root. */
void mde__cage_user(uid_t *uid, gid_t *gid);

/* A cage for worker w's thread; NULL when out of memory. */
mde__cage *mde__cage_new(mde__worker *w);
/* Stops the worker process (if any) and frees; NULL allowed. */
void mde__cage_free(mde__cage *c);

/* Files go to the worker in batches: up to MDE__CAGE_BATCH of them, one
 * after the other in the first MDE__CAGE_AREA bytes of the shared buffer
 * (a larger file goes alone), with requests of at most
 * MDE__CAGE_REQBYTES together; the worker answers a batch at once.  So
 * the two processes switch once per batch, not once per file. */
#define MDE__CAGE_BATCH 16
#define MDE__CAGE_REQBYTES (64u << 10)
#define MDE__CAGE_AREA ((size_t)1 << 20)

/* Where the next file is to be read: at least need bytes of the shared
 * buffer, after the files already batched, in *buf / *cap; pathlen is
 * the length of its path.  The batch is run first when the file does
 * not fit beside it.  MDE_OK or MDE_ERR_NOMEM. */
int mde__cage_grow(mde__cage *c, size_t need, size_t pathlen, uint8_t **buf,
		   size_t *cap);

/* Adds f (a file on disk, heap-allocated, just read where
 * mde__cage_grow said) to the batch, which now owns it. */
void mde__cage_queue(mde__cage *c, struct file *f);

/* Runs the stages on each batched file in the worker, relaying its
 * events; a file the worker died on is reported as an error, and the
 * files after it go to a fresh worker.  Each file is then handed to
 * mde__file_done(), judged or not. */
void mde__cage_flush(mde__cage *c);

/* The worker, just forked: keeps only socket fd, confines itself
 * (namespaces, identity uid/gid when root, mem bytes of address space
 * beyond what it inherits, the filter) and answers requests until the
 * socket closes.  Never returns. */
void mde__cage_child(mde__worker *w, int fd, mde__cage_page *page,
		     uid_t uid, gid_t gid, uint64_t mem)
	__attribute__((noreturn));

/* Whether the kernel has seccomp filters and the trap action: 0, else
 * -1 with the reason in why.  Installs nothing. */
int mde__cage_try(char *why, size_t len);

/* Whether this process may change its user (CAP_SETUID and CAP_SETGID
 * effective): 1 or 0.  Root without them cages workers as uid 0 with no
 * capability left. */
int mde__cage_can_setid(void);
/* Whether a worker would get namespaces of its own (a child tries): 1
 * or 0. */
int mde__cage_can_unshare(void);

/* The name of system call nr on this architecture, or NULL. */
const char *mde__cage_sysname(int nr);

/* ------------------------------------------------ messages (cage_proto.c)
 *
 * Frames on the socket: a u32 payload length, a u32 type, the payload.
 * Numbers are little-endian; a string is a u32 length (0xffffffff: NULL)
 * and that many bytes, then a NUL (so a decoded string can be used in
 * place).  The thread decodes what the worker sends as hostile input.
 */
enum { MDE__CM_REQ = 1, MDE__CM_EV = 2, MDE__CM_DONE = 3 };

/* A request (thread to worker, which trusts it): this struct as it is in
 * memory (both ends are the same program), then pathlen bytes of the
 * file's display path and a NUL.  The file is in the shared buffer, len
 * bytes from off; a new buffer (mapsize bytes) comes as a descriptor
 * with the first request of a batch.  The worker keeps its answers until
 * the request marked last (or until they are many). */
struct mde__cage_req {
	uint64_t len, mapsize;
	struct stat st;
	mde_fileinfo fi;        /* without its pointers */
	uint32_t cpu;           /* CPU seconds the files of this round may
				   take from now; 0: as before */
	uint64_t off;           /* where it is in the shared buffer */
	uint32_t have, pathlen, base;
	uint32_t index;         /* in its batch (the page's at) */
	uint32_t last;          /* the batch's last: answer now */
	uint8_t dig[3][32];     /* digests known (have), as mde__cval's */
	char sha256[65], owner[64];
};

typedef struct mde__cage_ev {
	int type;               /* MDE_EV_FINDING, _ERROR, _SKIPPED, _CLEAN */
	uint64_t size;
	int64_t score;
	int32_t err;
	int audit, allowed, has_file;
	const char *name, *stage, *rule_ns, *description, *author, *sha256,
		*reason, *packer;
	const char *layers[64]; /* nlayers of them */
	unsigned nlayers;
} mde__cage_ev;

typedef struct mde__cage_done {
	int32_t status;         /* what run_stages returned */
	int uncacheable, allowed;
	const char *why;        /* the error reason a stage set, or NULL */
	unsigned have;          /* digests known (bits as mde__cval.have) */
	uint8_t dig[3][32];
	char sha256[65];        /* "" when not computed */
	uint64_t members, unpacked;
	unsigned nfind;
	mde__cfind find[MDE__CACHE_MAXFIND]; /* chain: not malloc'd */
} mde__cage_done;

/* A growing output buffer for encoding. */
typedef struct mde__cbuf {
	uint8_t *p;
	size_t len, cap;
	int bad; /* out of memory */
} mde__cbuf;

void mde__cbuf_u32(mde__cbuf *b, uint32_t v);
void mde__cbuf_u64(mde__cbuf *b, uint64_t v);
void mde__cbuf_str(mde__cbuf *b, const char *s);
void mde__cbuf_mem(mde__cbuf *b, const void *p, size_t n);
/* Starts a frame of type t (the length is filled by mde__cbuf_end). */
void mde__cbuf_begin(mde__cbuf *b, uint32_t t);
void mde__cbuf_end(mde__cbuf *b);

/* Encodes an event / a verdict (the worker's side). */
struct mde_event;
void mde__cage_enc_ev(mde__cbuf *b, const struct mde_event *ev);
void mde__cage_enc_done(mde__cbuf *b, const mde__cage_done *d);

/* Decodes payload p[0..n) (writable: strings are terminated in place is
 * not needed, they carry their NUL).  0, or -1 when malformed. */
int mde__cage_dec_ev(const uint8_t *p, size_t n, mde__cage_ev *ev);
int mde__cage_dec_done(const uint8_t *p, size_t n, mde__cage_done *d);

#endif
