/* SPDX-License-Identifier: Apache-2.0 */
/*
 * proto.c - clamd's protocol as a pure state machine (proto.h).
 *
 * Where clamd's behaviour is odd it is kept, because clients were written
 * against it: a command is matched by its prefix, the byte after a
 * command word is skipped whatever it is, an 'n' command ending in
 * "\r\n" leaves a byte behind, a legacy command is read only at the
 * start of the buffer (one packet, one command).  Each such rule is
 * named where it is applied; tests/cli/t-daemon-proto.sh holds the
 * replies to a real clamd's.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"
#include "banned.h"

static const struct {
	const char *name;
	size_t len;
	unsigned char need_arg, support_old;
} cmds[PROTO_NCMDS] = {
	[PROTO_UNKNOWN] = { "UNKNOWN", 7, 0, 0 },
#define PROTO_CMD_ROW_(n, arg, old) [PROTO_##n] = { #n, sizeof(#n) - 1, arg, old },
	PROTO_CMD_LIST(PROTO_CMD_ROW_)
#undef PROTO_CMD_ROW_
};

const char *proto_cmd_name(enum proto_cmd c)
{
	return (unsigned)c < PROTO_NCMDS ? cmds[c].name : "UNKNOWN";
}

enum proto_cmd proto_parse(const char *s, size_t n, int oldstyle,
			   const char **arg, size_t *arglen)
{
	/* clamd compares C strings: the line ends at its first NUL */
	size_t len = strnlen(s, n);
	unsigned c;

	*arg = NULL;
	*arglen = 0;
	for (c = 1; c < PROTO_NCMDS; c++) {
		size_t k = cmds[c].len;

		if (len < k || memcmp(s, cmds[c].name, k) != 0)
			continue;
		if (cmds[c].need_arg) {
			if (len == k)
				return PROTO_UNKNOWN;
			/* the separator is skipped unseen */
			*arg = s + k + 1;
			*arglen = len - k - 1;
		} else if (len != k) {
			return PROTO_UNKNOWN; /* trailing garbage */
		}
		if (oldstyle && !cmds[c].support_old) {
			*arg = NULL;
			*arglen = 0;
			return PROTO_UNKNOWN;
		}
		return (enum proto_cmd)c;
	}
	return PROTO_UNKNOWN;
}

/* strlen() of s[0..n) with trailing '\r' and '\n' dropped: clamd's
 * cli_chomp() of a line. */
static size_t chomp_len(const char *s, size_t n)
{
	size_t l = strnlen(s, n);

	while (l > 0 && (s[l - 1] == '\n' || s[l - 1] == '\r'))
		l--;
	return l;
}

int proto_frame(const char *buf, size_t len, int at_start,
		struct proto_frame *f)
{
	const char *p;
	size_t l;

	if (len == 0)
		return 0;
	f->term = buf[0] == 'z' ? '\0' : '\n';
	if (buf[0] == 'z' || buf[0] == 'n') {
		p = memchr(buf, f->term, len);
		if (!p)
			return 0;
		/* the prefix counts in clamd's length: an 'n' line that
		 * chomp shortened leaves its last bytes unread */
		l = f->term ? chomp_len(buf, (size_t)(p - buf))
			    : (size_t)(p - buf);
		f->line = buf + 1;
		f->len = l ? l - 1 : 0;
		f->used = l + 1;
		f->end = (size_t)(p - buf);
		f->oldstyle = 0;
		return 1;
	}
	/* one packet, one command, and only at the start of the buffer */
	if (!at_start)
		return 0;
	p = memchr(buf, '\n', len);
	l = p ? (size_t)(p - buf) : len;
	f->line = buf;
	f->len = chomp_len(buf, l);
	f->used = p ? l + 1 : len;
	f->end = l;
	f->oldstyle = 1;
	return 1;
}

enum proto_stream_status proto_stream_feed(struct proto_stream *s,
					   const unsigned char *buf,
					   size_t len, size_t *used,
					   proto_data_fn fn, void *ctx)
{
	size_t i = 0, k;
	uint32_t n;

	while (i < len) {
		if (s->left == 0) {
			while (s->nhdr < 4 && i < len)
				s->hdr[s->nhdr++] = buf[i++];
			if (s->nhdr < 4)
				break;
			s->nhdr = 0;
			n = (uint32_t)s->hdr[0] << 24 | (uint32_t)s->hdr[1] << 16 |
			    (uint32_t)s->hdr[2] << 8 | s->hdr[3];
			*used = i;
			if (n == 0)
				return PROTO_STREAM_END;
			if (n > s->quota)
				return PROTO_STREAM_TOO_BIG;
			s->quota -= n;
			s->left = n;
			continue;
		}
		k = len - i < s->left ? len - i : s->left;
		if (fn(ctx, buf + i, k) < 0) {
			*used = i;
			return PROTO_STREAM_FAILED;
		}
		i += k;
		s->left -= (uint32_t)k;
	}
	*used = i;
	return PROTO_STREAM_MORE;
}

size_t proto_reply(char *buf, size_t cap, unsigned id, const char *path,
		   const char *msg, char term)
{
	int n;

	if (id && path)
		n = snprintf(buf, cap, "%u: %s: %s", id, path, msg);
	else if (id)
		n = snprintf(buf, cap, "%u: %s", id, msg);
	else if (path)
		n = snprintf(buf, cap, "%s: %s", path, msg);
	else
		n = snprintf(buf, cap, "%s", msg);
	if (n < 0)
		return 0;
	if ((size_t)n + 1 < cap) {
		buf[n] = term;
		buf[n + 1] = '\0';
	}
	return (size_t)n + 1;
}

void proto_init(struct proto_state *st, uint64_t max_stream,
		const char *version)
{
	memset(st, 0, sizeof(*st));
	st->mode = PROTO_M_COMMAND;
	st->term = '\n';
	st->max_stream = max_stream;
	st->version = version;
}

/* ------------------------------------------------------- the machine */

/* The reply msg to the command being served, "N: " in a session. */
static void say(struct proto_state *st, const struct proto_ops *ops,
		void *ctx, unsigned id, const char *msg, char term)
{
	char buf[512];
	size_t n = proto_reply(buf, sizeof(buf), st->session ? id : 0, NULL,
			       msg, term);

	ops->send(ctx, buf, n < sizeof(buf) ? n : sizeof(buf) - 1);
}

/* A request could not be queued: clamd's answer to a failed dispatch,
 * and the connection ends. */
static void dispatch_failed(struct proto_state *st,
			    const struct proto_ops *ops, void *ctx,
			    unsigned id, char term)
{
	say(st, ops, ctx, id, "Error processing command. ERROR", term);
	st->mode = PROTO_M_DONE;
}

/* A request was queued: outside a session the connection now waits for
 * its reply (stream: reads nothing more). */
static void queued(struct proto_state *st, int stream)
{
	st->requests++;
	if (st->session)
		st->mode = PROTO_M_COMMAND;
	else
		st->mode = stream ? PROTO_M_DONE : PROTO_M_WAITREPLY;
}

/*
 * More input after a request served alone, in the same read: clamd's
 * "garbage".  Its recv thread answers it while a worker starts on the
 * request, so the error comes first: it is sent before the request is
 * queued.  Later reads are never looked at.  Returns 1 when said.
 */
static int garbage_first(struct proto_state *st, const struct proto_ops *ops,
			 void *ctx, unsigned id, char term)
{
	if (st->session || !st->more)
		return 0;
	say(st, ops, ctx, id, "Error processing command. ERROR", term);
	return 1;
}

/* "[N: ]TEXT TERM" of a reply built here: VERSION, VERSIONCOMMANDS,
 * STATS. */
static void say_text(struct proto_state *st, const struct proto_ops *ops,
		     void *ctx, const char *text)
{
	char pre[16];
	int n = 0;

	if (st->session)
		n = snprintf(pre, sizeof(pre), "%u: ", st->id);
	ops->send(ctx, pre, (size_t)n);
	ops->send(ctx, text, strlen(text));
	ops->send(ctx, &st->term, 1);
}

static void versioncommands(struct proto_state *st,
			    const struct proto_ops *ops, void *ctx)
{
	char buf[512];
	size_t o;
	unsigned c;

	o = (size_t)snprintf(buf, sizeof(buf), "%s| COMMANDS:", st->version);
	for (c = 1; c < PROTO_NCMDS && o < sizeof(buf); c++)
		o += (size_t)snprintf(buf + o, sizeof(buf) - o, " %s",
				      cmds[c].name);
	say_text(st, ops, ctx, buf);
}

static void stats(struct proto_state *st, const struct proto_ops *ops,
		  void *ctx)
{
	char *text = ops->stats(ctx);

	if (text)
		say_text(st, ops, ctx, text);
	free(text);
}

/* A path command: queued for a worker. */
static void path_command(struct proto_state *st, enum proto_cmd c,
			 const char *arg, size_t arglen,
			 const struct proto_ops *ops, void *ctx)
{
	struct proto_req r = { c, st->session ? st->id : 0, st->term, arg,
			       arglen, -1 };
	int garbage = garbage_first(st, ops, ctx, st->id, st->term);

	if (ops->submit(ctx, &r) < 0)
		dispatch_failed(st, ops, ctx, st->id, st->term);
	else
		queued(st, 0);
	if (garbage)
		st->mode = PROTO_M_DONE;
}

/* Commands a session accepts (clamd's execute_or_dispatch_command). */
static int session_ok(enum proto_cmd c)
{
	return c == PROTO_FILDES || c == PROTO_SCAN || c == PROTO_END ||
	       c == PROTO_INSTREAM || c == PROTO_VERSION || c == PROTO_PING ||
	       c == PROTO_STATS || c == PROTO_VERSIONCOMMANDS;
}

/* The commands answered at once; returns 0 for the others. */
static int simple_command(struct proto_state *st, enum proto_cmd c,
			  const struct proto_ops *ops, void *ctx)
{
	int last = !st->session;

	switch (c) {
	case PROTO_PING:
		say(st, ops, ctx, st->id, "PONG", st->term);
		break;
	case PROTO_VERSION:
		say_text(st, ops, ctx, st->version);
		break;
	case PROTO_VERSIONCOMMANDS:
		versioncommands(st, ops, ctx);
		break;
	case PROTO_STATS:
		stats(st, ops, ctx);
		break;
	case PROTO_RELOAD:
		say(st, ops, ctx, st->id, "RELOADING", st->term);
		ops->control(ctx, PROTO_RELOAD);
		last = 1;
		break;
	case PROTO_QUIT:
	case PROTO_SHUTDOWN:
		ops->control(ctx, PROTO_SHUTDOWN);
		last = 1;
		break;
	case PROTO_DETSTATS:
	case PROTO_DETSTATSCLEAR:
		last = 1; /* removed from clamd: closed without a word */
		break;
	case PROTO_IDSESSION:
		st->session = 1;
		last = 0;
		break;
	case PROTO_END:
		if (!st->session)
			say(st, ops, ctx, st->id, "UNKNOWN COMMAND", st->term);
		last = 1;
		break;
	default:
		return 0;
	}
	if (last)
		st->mode = PROTO_M_DONE;
	return 1;
}

/* Serves the command framed in f. */
static void command(struct proto_state *st, const struct proto_frame *f,
		    const struct proto_ops *ops, void *ctx)
{
	enum proto_cmd c;
	const char *arg;
	size_t arglen;

	if (st->session && f->oldstyle) {
		/* the terminator of the command before: clamd's */
		say(st, ops, ctx, st->id, "Only nCMDS\\n and zCMDS\\0 are "
		    "accepted inside IDSESSION. ERROR", st->term);
		say(st, ops, ctx, st->id, "Error processing command. ERROR",
		    st->term);
		st->mode = PROTO_M_DONE;
		return;
	}
	c = proto_parse(f->line, f->len, f->oldstyle, &arg, &arglen);
	st->term = f->term;
	if (st->session && !session_ok(c)) {
		say(st, ops, ctx, st->id,
		    "Command invalid inside IDSESSION. ERROR", st->term);
		st->mode = PROTO_M_DONE;
		return;
	}
	if (simple_command(st, c, ops, ctx))
		goto out;
	switch (c) {
	case PROTO_SCAN:
	case PROTO_CONTSCAN:
	case PROTO_MULTISCAN:
	case PROTO_ALLMATCHSCAN:
		path_command(st, c, arg, arglen, ops, ctx);
		break;
	case PROTO_FILDES:
		st->stream_id = st->id;
		st->stream_term = st->term;
		st->mode = PROTO_M_FILDES;
		return;
	case PROTO_INSTREAM:
		/* clamd closes without a word when it has no temporary file */
		if (ops->stream_open(ctx) < 0) {
			st->mode = PROTO_M_DONE;
			return;
		}
		memset(&st->st, 0, sizeof(st->st));
		st->st.quota = st->max_stream;
		st->stream_id = st->id;
		st->stream_term = st->term;
		st->mode = PROTO_M_STREAM;
		return;
	default:
		say(st, ops, ctx, st->id, "UNKNOWN COMMAND", st->term);
		st->mode = PROTO_M_DONE;
		return;
	}
out:
	if (st->mode == PROTO_M_COMMAND)
		st->id++;
}

/* The byte after FILDES arrived, carrying (or not) the descriptor. */
static void fildes(struct proto_state *st, const struct proto_ops *ops,
		   void *ctx)
{
	struct proto_req r = { PROTO_FILDES, st->session ? st->stream_id : 0,
			       st->stream_term, NULL, 0, -1 };
	int garbage;

	r.fd = ops->take_fd(ctx);
	if (r.fd < 0) {
		say(st, ops, ctx, st->stream_id,
		    "No file descriptor received. ERROR", st->stream_term);
		st->mode = PROTO_M_DONE;
		return;
	}
	garbage = garbage_first(st, ops, ctx, st->stream_id, st->stream_term);
	if (ops->submit(ctx, &r) < 0) {
		dispatch_failed(st, ops, ctx, st->stream_id, st->stream_term);
		return;
	}
	queued(st, 0);
	if (garbage)
		st->mode = PROTO_M_DONE;
	if (st->mode == PROTO_M_COMMAND)
		st->id++;
}

/* Stream bytes at buf[0..len); returns the bytes used. */
static size_t stream(struct proto_state *st, const char *buf, size_t len,
		     const struct proto_ops *ops, void *ctx)
{
	struct proto_req r = { PROTO_INSTREAM,
			       st->session ? st->stream_id : 0,
			       st->stream_term, NULL, 0, -1 };
	size_t used = 0;
	const char *err = "INSTREAM size limit exceeded. ERROR";

	switch (proto_stream_feed(&st->st, (const unsigned char *)buf, len,
				  &used, ops->stream_write, ctx)) {
	case PROTO_STREAM_MORE:
		return used;
	case PROTO_STREAM_END:
		if (ops->submit(ctx, &r) < 0) {
			dispatch_failed(st, ops, ctx, st->stream_id,
					st->stream_term);
			return used;
		}
		queued(st, 1);
		if (st->mode == PROTO_M_COMMAND)
			st->id++;
		return used;
	case PROTO_STREAM_FAILED:
		err = "Error writing to temporary file ERROR";
		break;
	case PROTO_STREAM_TOO_BIG:
		break;
	}
	ops->stream_abort(ctx);
	say(st, ops, ctx, st->stream_id, err, st->stream_term);
	st->mode = PROTO_M_DONE;
	return used;
}

/* A descriptor nothing asked for: clamd's protocol error (the
 * connection drops the descriptor when it closes). */
static void stray_fd(struct proto_state *st, const struct proto_ops *ops,
		     void *ctx)
{
	if (st->mode != PROTO_M_COMMAND && st->mode != PROTO_M_STREAM)
		return;
	if (!ops->fd_pending(ctx))
		return;
	if (st->mode == PROTO_M_STREAM)
		ops->stream_abort(ctx);
	say(st, ops, ctx, st->id,
	    "PROTOCOL ERROR: ancillary data sent without FILDES. ERROR",
	    st->term);
	st->mode = PROTO_M_DONE;
}

size_t proto_feed(struct proto_state *st, char *buf, size_t len,
		  const struct proto_ops *ops, void *ctx)
{
	struct proto_frame f;
	size_t pos = 0, start = 0;

	while (pos < len) {
		switch (st->mode) {
		case PROTO_M_DONE:
			return len;
		case PROTO_M_WAITREPLY:
			/* later reads are not looked at (garbage_first) */
			st->mode = PROTO_M_DONE;
			return len;
		case PROTO_M_FILDES:
			pos++; /* the byte carrying the descriptor */
			st->more = pos < len;
			fildes(st, ops, ctx);
			continue;
		case PROTO_M_STREAM:
			pos += stream(st, buf + pos, len - pos, ops, ctx);
			start = pos; /* clamd moves what follows to the start */
			continue;
		case PROTO_M_COMMAND:
			break;
		}
		if (ops->busy && ops->busy(ctx))
			break;
		if (!proto_frame(buf + pos, len - pos, pos == start, &f)) {
			if (len - pos >= PROTO_MAX_LINE) {
				st->mode = PROTO_M_DONE;
				return len;
			}
			break;
		}
		if (f.used > PROTO_MAX_LINE) {
			st->mode = PROTO_M_DONE; /* clamd's buffer is full */
			return len;
		}
		if (f.term == '\n' && !f.oldstyle)
			buf[pos + f.end] = '\0'; /* as clamd's buffer */
		pos += f.used;
		st->more = pos < len;
		st->commands++;
		command(st, &f, ops, ctx);
	}
	stray_fd(st, ops, ctx);
	return pos;
}

void proto_hangup(struct proto_state *st, const struct proto_ops *ops,
		  void *ctx)
{
	if (st->mode == PROTO_M_STREAM)
		ops->stream_abort(ctx);
	st->mode = PROTO_M_DONE;
}
