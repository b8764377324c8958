/* SPDX-License-Identifier: Apache-2.0 */
/*
 * proto.h - clamd's socket protocol as a pure state machine: bytes from
 * a client go in, what to do comes out through callbacks (send these
 * bytes, queue this request, write this stream data).  No sockets, no
 * threads, no clock: conn.c drives it for a real connection, the unit
 * tests and tests/fuzz/fuzz_clamd.c drive it with made-up input.
 *
 * The rules are clamd's own (ClamAV 1.4, clamd/server-th.c and
 * session.c), as tests/cli/t-daemon-proto.sh compares byte for byte:
 *   - 'z' commands end at a NUL, 'n' commands at a newline (a '\r'
 *     before it is dropped, and a byte is then left over); a command
 *     without either prefix ("legacy") is the whole packet up to its
 *     first newline, and is only read at the start of the buffer;
 *   - a command is recognised by its prefix, in the order of clamd's
 *     table ("SCANNER" is SCAN of "ER"): one byte after a command that
 *     takes an argument is skipped, whatever it is;
 *   - outside a session one command is served per connection; inside
 *     IDSESSION replies are prefixed "N: ", N counting commands from 1;
 *   - INSTREAM is a sequence of chunks, each a 4-byte big-endian length
 *     and that many bytes, ended by a zero length; a chunk longer than
 *     what is left of the maximum ends the connection with
 *     "INSTREAM size limit exceeded. ERROR".
 */
#ifndef MDESCAND_PROTO_H
#define MDESCAND_PROTO_H

#include <stddef.h>
#include <stdint.h>

/* The commands, in the order of clamd's table (the order matters:
 * prefixes are tried in it, VERSIONCOMMANDS before VERSION). */
#define PROTO_CMD_LIST(X)                                                  \
	X(SCAN, 1, 1) X(QUIT, 0, 1) X(RELOAD, 0, 1) X(PING, 0, 1)          \
	X(CONTSCAN, 1, 1) X(VERSIONCOMMANDS, 0, 0) X(VERSION, 0, 1)        \
	X(END, 0, 0) X(SHUTDOWN, 0, 1) X(MULTISCAN, 1, 1) X(FILDES, 0, 1)  \
	X(STATS, 0, 1) X(IDSESSION, 0, 0) X(INSTREAM, 0, 0)                \
	X(DETSTATSCLEAR, 0, 1) X(DETSTATS, 0, 1) X(ALLMATCHSCAN, 1, 0)

enum proto_cmd {
	PROTO_UNKNOWN = 0,
#define PROTO_CMD_ENUM_(name, arg, old) PROTO_##name,
	PROTO_CMD_LIST(PROTO_CMD_ENUM_)
#undef PROTO_CMD_ENUM_
	PROTO_NCMDS
};

/* The longest command, prefix and terminator included: a SCAN of a
 * PATH_MAX path.  A client that sends more without ending it is cut
 * off without a reply, as clamd does. */
#define PROTO_MAX_LINE (4096 + 16)

/* The name of a command ("SCAN"); "UNKNOWN" for PROTO_UNKNOWN. */
const char *proto_cmd_name(enum proto_cmd c);

/*
 * The command of the line s[0..n) (its prefix letter and terminator
 * removed), clamd's parse_command(): *arg and *arglen get its argument,
 * up to the first NUL (NULL when the command takes none).  oldstyle: the
 * line came without a 'z' or 'n' prefix, which some commands refuse.
 */
enum proto_cmd proto_parse(const char *s, size_t n, int oldstyle,
			   const char **arg, size_t *arglen);

/* One command framed in a buffer (proto_frame). */
struct proto_frame {
	const char *line; /* the command without prefix and terminator */
	size_t len;
	size_t used;      /* bytes of the buffer it took */
	size_t end;       /* where its terminator is (clamd writes a NUL
			     there: it shows in what is left over) */
	char term;        /* the reply terminator: '\0' (z), '\n' (n, legacy) */
	int oldstyle;     /* no prefix */
};

/*
 * Frames the command at buf[0..len): 1 and *f when it is complete, 0
 * when more bytes are needed.  at_start: buf is the start of what the
 * connection has buffered (the only place a legacy command is read).
 */
int proto_frame(const char *buf, size_t len, int at_start,
		struct proto_frame *f);

/* INSTREAM framing: what a chunk header or its data left to read. */
struct proto_stream {
	uint64_t quota;         /* bytes the stream may still bring */
	uint32_t left;          /* data bytes of the current chunk */
	unsigned char hdr[4];   /* a length being read */
	unsigned nhdr;
};

enum proto_stream_status {
	PROTO_STREAM_MORE,    /* all input used, the stream goes on */
	PROTO_STREAM_END,     /* the zero chunk was read */
	PROTO_STREAM_TOO_BIG, /* a chunk goes past the maximum */
	PROTO_STREAM_FAILED   /* the data callback failed */
};

/* A piece of stream data, in order; 0, or -1 to stop (write failed). */
typedef int (*proto_data_fn)(void *ctx, const void *p, size_t n);

/*
 * Reads stream framing from buf[0..len), giving the data to fn.  Returns
 * the status; *used gets the bytes taken: all of them with MORE, up to
 * the end of the zero length with END, up to the bad length with
 * TOO_BIG, up to the piece fn refused with FAILED.
 */
enum proto_stream_status proto_stream_feed(struct proto_stream *s,
					   const unsigned char *buf,
					   size_t len, size_t *used,
					   proto_data_fn fn, void *ctx);

/* What the state machine is doing with a connection's input. */
enum proto_mode {
	PROTO_M_COMMAND,   /* reading commands */
	PROTO_M_FILDES,    /* FILDES read: waiting for the byte with the fd */
	PROTO_M_STREAM,    /* reading INSTREAM chunks */
	PROTO_M_WAITREPLY, /* one command is served; more input is an error */
	PROTO_M_DONE       /* no more input is read: close once the
			      requests under way are answered */
};

/* A request to serve later (submit callback). */
struct proto_req {
	enum proto_cmd cmd; /* SCAN, CONTSCAN, MULTISCAN, ALLMATCHSCAN,
			       FILDES, INSTREAM (its stream is complete) */
	unsigned id;        /* the "N: " of the reply; 0 outside a session */
	char term;          /* reply terminator */
	const char *arg;    /* path commands: the path (not NUL terminated) */
	size_t arglen;
	int fd;             /* FILDES: the descriptor, now the callee's */
};

/* What the state machine asks of its connection. */
struct proto_ops {
	/* bytes to send to the client, in order */
	void (*send)(void *ctx, const char *p, size_t n);
	/* queues r, answered later: 0, or -1 when it cannot (overload;
	 * r->fd is closed by the callee either way) */
	int (*submit)(void *ctx, const struct proto_req *r);
	/* RELOAD, SHUTDOWN (and QUIT) */
	void (*control)(void *ctx, enum proto_cmd cmd);
	/* STATS: the text, malloc'd (the caller frees it); NULL: none */
	char *(*stats)(void *ctx);
	/* INSTREAM: a new stream (0, or -1 when none can be had); its data;
	 * its end without a request (error, disconnection) */
	int (*stream_open)(void *ctx);
	proto_data_fn stream_write;
	void (*stream_abort)(void *ctx);
	/* the descriptor received with the byte after FILDES, now the
	 * caller's, or -1; whether one is waiting (not taken) */
	int (*take_fd)(void *ctx);
	int (*fd_pending)(void *ctx);
	/* 1 while no more requests should be read (a session with many
	 * under way): the rest of the input waits (NULL: never) */
	int (*busy)(void *ctx);
};

struct proto_state {
	enum proto_mode mode;
	int session;          /* inside IDSESSION */
	unsigned id;          /* the current command's id in a session */
	unsigned stream_id;   /* INSTREAM / FILDES being read: its id, term */
	char stream_term;
	char term;            /* terminator of the last command */
	uint64_t max_stream;
	struct proto_stream st;
	const char *version;  /* VERSION's reply, "mdescan 0.1.0..." */
	unsigned requests;    /* requests submitted */
	unsigned commands;    /* commands read */
	int more;             /* input follows the command being served */
};

/* A fresh connection; version is borrowed (must outlive st). */
void proto_init(struct proto_state *st, uint64_t max_stream,
		const char *version);

/*
 * Consumes what it can of buf[0..len) (NUL-terminable: buf[len] must be
 * writable) and acts through ops.  Returns the bytes used; the rest, an
 * incomplete command, is to be given again at the start of the buffer
 * with what follows.  Afterwards st->mode says whether to read on.  A
 * buffer of PROTO_MAX_LINE bytes that holds no complete command is cut
 * off: the mode becomes PROTO_M_DONE.
 */
size_t proto_feed(struct proto_state *st, char *buf, size_t len,
		  const struct proto_ops *ops, void *ctx);

/*
 * The connection ended (EOF or error) with st in its mode: aborts a
 * stream being read.
 */
void proto_hangup(struct proto_state *st, const struct proto_ops *ops,
		  void *ctx);

/*
 * clamd's reply line: "[ID: ][PATH: ]MSG TERM" (no "ID: " when id is 0,
 * no path when NULL) into buf, NUL terminated when it fits.  Returns its
 * length (without the NUL), which may be cap or more when cut.
 */
size_t proto_reply(char *buf, size_t cap, unsigned id, const char *path,
		   const char *msg, char term);

#endif
