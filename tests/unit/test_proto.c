/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_proto.c - unit tests for mdescand's protocol state machine
 * (src/mdescand/proto.c), without sockets: the command table and its
 * odd rules, framing, INSTREAM chunks cut at every byte, sessions and
 * their ids, FILDES, garbage, backpressure; and the daemon_* keys of
 * mdescan.conf (src/common/config.c) with their mode, name and addr
 * types.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mdecfg.h"
#include "proto.h"

/* ------------------------------------------------- a recording client */

struct rec {
	char out[8192];       /* what was sent */
	size_t nout;
	struct proto_req req[16];
	char args[16][256];
	int nreq;
	char data[4096];      /* stream data written */
	size_t ndata;
	int opens, aborts, controls, fd, refuse, busy, fail_write;
};

static void r_send(void *ctx, const char *p, size_t n)
{
	struct rec *r = ctx;

	assert_true(r->nout + n <= sizeof(r->out));
	memcpy(r->out + r->nout, p, n);
	r->nout += n;
}

static int r_submit(void *ctx, const struct proto_req *q)
{
	struct rec *r = ctx;

	if (r->refuse)
		return -1;
	assert_true(r->nreq < 16);
	r->req[r->nreq] = *q;
	if (q->arg)
		snprintf(r->args[r->nreq], sizeof(r->args[0]), "%.*s",
			 (int)q->arglen, q->arg);
	r->nreq++;
	return 0;
}

static void r_control(void *ctx, enum proto_cmd c)
{
	(void)c;
	((struct rec *)ctx)->controls++;
}

static char *r_stats(void *ctx)
{
	(void)ctx;
	return strdup("POOLS: 1\nEND");
}

static int r_open(void *ctx)
{
	((struct rec *)ctx)->opens++;
	return 0;
}

static int r_write(void *ctx, const void *p, size_t n)
{
	struct rec *r = ctx;

	if (r->fail_write)
		return -1;
	assert_true(r->ndata + n <= sizeof(r->data));
	memcpy(r->data + r->ndata, p, n);
	r->ndata += n;
	return 0;
}

static void r_abort(void *ctx)
{
	((struct rec *)ctx)->aborts++;
}

static int r_take(void *ctx)
{
	struct rec *r = ctx;
	int fd = r->fd;

	r->fd = -1;
	return fd;
}

static int r_pending(void *ctx)
{
	return ((struct rec *)ctx)->fd >= 0;
}

static int r_busy(void *ctx)
{
	struct rec *r = ctx;

	return r->busy && r->nreq >= r->busy;
}

static const struct proto_ops R = {
	r_send, r_submit, r_control, r_stats, r_open, r_write, r_abort,
	r_take, r_pending, r_busy
};

/* Feeds s[0..n) in one piece; returns the bytes used. */
static size_t feed(struct proto_state *st, struct rec *r, const char *s,
		   size_t n)
{
	char buf[8192];

	assert_true(n < sizeof(buf));
	memcpy(buf, s, n);
	return proto_feed(st, buf, n, &R, r);
}

static void start(struct proto_state *st, struct rec *r)
{
	memset(r, 0, sizeof(*r));
	r->fd = -1;
	proto_init(st, 1000, "mdescan 9.9");
}

#define FEED(st, r, lit) feed(st, r, lit, sizeof(lit) - 1)

static void assert_out(const struct rec *r, const char *want, size_t n)
{
	if (r->nout != n || memcmp(r->out, want, n))
		fail_msg("sent %zu bytes '%.*s', wanted '%.*s'", r->nout,
			 (int)r->nout, r->out, (int)n, want);
}

#define OUT(r, lit) assert_out(r, lit, sizeof(lit) - 1)

/* ------------------------------------------------------------- tests */

static void test_parse(void **state)
{
	const char *arg;
	size_t n;

	(void)state;
	assert_int_equal(proto_parse("PING", 4, 0, &arg, &n), PROTO_PING);
	assert_null(arg);
	assert_int_equal(proto_parse("SCAN /x", 7, 0, &arg, &n), PROTO_SCAN);
	assert_int_equal(n, 2);
	assert_memory_equal(arg, "/x", 2);
	/* the byte after the word is skipped, whatever it is */
	assert_int_equal(proto_parse("SCANNER", 7, 0, &arg, &n), PROTO_SCAN);
	assert_memory_equal(arg, "ER", 2);
	assert_int_equal(proto_parse("SCAN", 4, 0, &arg, &n), PROTO_UNKNOWN);
	assert_int_equal(proto_parse("PINGx", 5, 0, &arg, &n), PROTO_UNKNOWN);
	assert_int_equal(proto_parse("ping", 4, 0, &arg, &n), PROTO_UNKNOWN);
	assert_int_equal(proto_parse("VERSIONCOMMANDS", 15, 0, &arg, &n),
			 PROTO_VERSIONCOMMANDS);
	assert_int_equal(proto_parse("VERSION", 7, 1, &arg, &n), PROTO_VERSION);
	assert_int_equal(proto_parse("DETSTATS", 8, 0, &arg, &n),
			 PROTO_DETSTATS);
	/* only 'z' and 'n' forms */
	assert_int_equal(proto_parse("INSTREAM", 8, 1, &arg, &n),
			 PROTO_UNKNOWN);
	assert_int_equal(proto_parse("IDSESSION", 9, 1, &arg, &n),
			 PROTO_UNKNOWN);
	assert_int_equal(proto_parse("ALLMATCHSCAN /x", 15, 1, &arg, &n),
			 PROTO_UNKNOWN);
	/* a C string: the line ends at its first NUL */
	assert_int_equal(proto_parse("PI\0NG", 5, 0, &arg, &n), PROTO_UNKNOWN);
	assert_int_equal(proto_parse("SCAN /a\0b", 9, 0, &arg, &n),
			 PROTO_SCAN);
	assert_int_equal(n, 2);
	assert_string_equal(proto_cmd_name(PROTO_MULTISCAN), "MULTISCAN");
	assert_string_equal(proto_cmd_name(PROTO_UNKNOWN), "UNKNOWN");
}

static void test_frame(void **state)
{
	struct proto_frame f;

	(void)state;
	assert_int_equal(proto_frame("zPIN", 4, 1, &f), 0);
	assert_int_equal(proto_frame("zPING\0x", 7, 1, &f), 1);
	assert_int_equal(f.len, 4);
	assert_int_equal(f.used, 6);
	assert_int_equal(f.term, '\0');
	assert_int_equal(proto_frame("nPING\n", 6, 0, &f), 1);
	assert_int_equal(f.used, 6);
	assert_int_equal(f.term, '\n');
	/* "\r\n": chomped, and a byte left over, as clamd leaves it */
	assert_int_equal(proto_frame("nPING\r\n", 7, 0, &f), 1);
	assert_int_equal(f.len, 4);
	assert_int_equal(f.used, 6);
	assert_int_equal(f.end, 6);
	/* legacy: the packet, and only at the start */
	assert_int_equal(proto_frame("PING", 4, 1, &f), 1);
	assert_true(f.oldstyle);
	assert_int_equal(f.len, 4);
	assert_int_equal(proto_frame("PING\r\nrest", 10, 1, &f), 1);
	assert_int_equal(f.len, 4);
	assert_int_equal(f.used, 6);
	assert_int_equal(proto_frame("PING\n", 5, 0, &f), 0);
}

static void test_stream_boundaries(void **state)
{
	static const unsigned char s[] = "\0\0\0\3abc\0\0\0\1d\0\0\0\0tail";
	struct proto_stream st;
	struct rec r;
	size_t cut, used, i, total;
	enum proto_stream_status rc = PROTO_STREAM_MORE;

	(void)state;
	for (cut = 1; cut < sizeof(s); cut++) {
		memset(&st, 0, sizeof(st));
		memset(&r, 0, sizeof(r));
		st.quota = 4;
		for (i = total = 0; i < sizeof(s) - 1; i += cut) {
			size_t n = sizeof(s) - 1 - i < cut ? sizeof(s) - 1 - i
							  : cut;

			rc = proto_stream_feed(&st, s + i, n, &used, r_write,
					       &r);
			total += used;
			if (rc != PROTO_STREAM_MORE)
				break;
			assert_int_equal(used, n);
		}
		assert_int_equal(rc, PROTO_STREAM_END);
		assert_int_equal(total, 16);
		assert_int_equal(r.ndata, 4);
		assert_memory_equal(r.data, "abcd", 4);
	}
	memset(&st, 0, sizeof(st));
	st.quota = 3; /* one byte short */
	assert_int_equal(proto_stream_feed(&st, s, sizeof(s) - 1, &used,
					   r_write, &r), PROTO_STREAM_TOO_BIG);
	assert_int_equal(used, 11);
	memset(&st, 0, sizeof(st));
	st.quota = 9;
	r.fail_write = 1;
	assert_int_equal(proto_stream_feed(&st, s, sizeof(s) - 1, &used,
					   r_write, &r), PROTO_STREAM_FAILED);
}

static void test_single_commands(void **state)
{
	struct proto_state st;
	struct rec r;

	(void)state;
	start(&st, &r);
	FEED(&st, &r, "zPING\0zPING\0");
	OUT(&r, "PONG\0");
	assert_int_equal(st.mode, PROTO_M_DONE);
	start(&st, &r);
	FEED(&st, &r, "nVERSION\n");
	OUT(&r, "mdescan 9.9\n");
	start(&st, &r);
	FEED(&st, &r, "RELOAD");
	OUT(&r, "RELOADING\n");
	assert_int_equal(r.controls, 1);
	start(&st, &r);
	FEED(&st, &r, "zSHUTDOWN\0");
	assert_int_equal(r.nout, 0);
	assert_int_equal(r.controls, 1);
	start(&st, &r);
	FEED(&st, &r, "zEND\0");
	OUT(&r, "UNKNOWN COMMAND\0");
	start(&st, &r);
	FEED(&st, &r, "zSTATS\0");
	OUT(&r, "POOLS: 1\nEND\0");
	start(&st, &r);
	FEED(&st, &r, "zSCAN /a b\0");
	assert_int_equal(r.nreq, 1);
	assert_string_equal(r.args[0], "/a b");
	assert_int_equal(r.req[0].id, 0);
	assert_int_equal(st.mode, PROTO_M_WAITREPLY);
	/* later input is not looked at */
	FEED(&st, &r, "zPING\0");
	assert_int_equal(r.nout, 0);
	assert_int_equal(st.mode, PROTO_M_DONE);
}

static void test_garbage_and_refusal(void **state)
{
	struct proto_state st;
	struct rec r;

	(void)state;
	start(&st, &r);
	FEED(&st, &r, "nSCAN /x\r\n");
	/* the byte chomp left: an error first, then the request */
	OUT(&r, "Error processing command. ERROR\n");
	assert_int_equal(r.nreq, 1);
	assert_int_equal(st.mode, PROTO_M_DONE);
	start(&st, &r);
	r.refuse = 1;
	FEED(&st, &r, "zCONTSCAN /x\0");
	OUT(&r, "Error processing command. ERROR\0");
	assert_int_equal(st.mode, PROTO_M_DONE);
	start(&st, &r);
	FEED(&st, &r, "zFOO\0");
	OUT(&r, "UNKNOWN COMMAND\0");
}

static void test_session(void **state)
{
	static const char in[] = "zIDSESSION\0zPING\0zSCAN /x\0nVERSION\n"
				 "zINSTREAM\0\0\0\0\2ab\0\0\0\0zPING\0zEND\0";
	struct proto_state st;
	struct rec r;

	(void)state;
	start(&st, &r);
	assert_int_equal(FEED(&st, &r, in), sizeof(in) - 1);
	OUT(&r, "1: PONG\0" "3: mdescan 9.9\n" "5: PONG\0");
	assert_int_equal(r.nreq, 2);
	assert_int_equal(r.req[0].id, 2);
	assert_int_equal(r.req[1].cmd, PROTO_INSTREAM);
	assert_int_equal(r.req[1].id, 4);
	assert_int_equal(r.ndata, 2);
	assert_int_equal(st.mode, PROTO_M_DONE);
	start(&st, &r);
	FEED(&st, &r, "zIDSESSION\0zCONTSCAN /x\0");
	OUT(&r, "1: Command invalid inside IDSESSION. ERROR\0");
	assert_int_equal(r.nreq, 0);
	start(&st, &r);
	FEED(&st, &r, "zIDSESSION\0");
	FEED(&st, &r, "PING\n");
	OUT(&r, "1: Only nCMDS\\n and zCMDS\\0 are accepted inside IDSESSION. "
	    "ERROR\0" "1: Error processing command. ERROR\0");
	/* legacy after a command in the same read: waits (clamd does) */
	start(&st, &r);
	assert_int_equal(FEED(&st, &r, "zIDSESSION\0PING\n"), 11);
}

static void test_busy(void **state)
{
	struct proto_state st;
	struct rec r;
	size_t used;

	(void)state;
	start(&st, &r);
	r.busy = 2;
	used = FEED(&st, &r, "zIDSESSION\0zSCAN /a\0zSCAN /b\0zSCAN /c\0");
	assert_int_equal(r.nreq, 2);
	assert_int_equal(used, 11 + 9 + 9);
	r.busy = 0;
	FEED(&st, &r, "zSCAN /c\0");
	assert_int_equal(r.nreq, 3);
	assert_int_equal(r.req[2].id, 3);
}

static void test_instream(void **state)
{
	static const char in[] = "zINSTREAM\0\0\0\0\5hello\0\0\0\0";
	struct proto_state st;
	struct rec r;
	size_t i, pos, used, cut;
	char buf[64];

	(void)state;
	/* cut anywhere, fed in pieces as reads would bring them */
	for (cut = 1; cut < sizeof(in); cut++) {
		start(&st, &r);
		for (i = pos = 0; i < sizeof(in) - 1 && st.mode != PROTO_M_DONE;
		     i += cut) {
			size_t n = sizeof(in) - 1 - i < cut ? sizeof(in) - 1 - i
							   : cut;

			memcpy(buf + pos, in + i, n);
			pos += n;
			used = proto_feed(&st, buf, pos, &R, &r);
			memmove(buf, buf + used, pos - used);
			pos -= used;
		}
		assert_int_equal(r.nreq, 1);
		assert_int_equal(r.ndata, 5);
		assert_int_equal(r.opens, 1);
		assert_int_equal(r.nout, 0);
	}
	start(&st, &r);
	FEED(&st, &r, "nINSTREAM\n\0\0\3\351");
	OUT(&r, "INSTREAM size limit exceeded. ERROR\n");
	assert_int_equal(r.aborts, 1);
	start(&st, &r);
	FEED(&st, &r, "nINSTREAM\n\0\0\0\2ab");
	proto_hangup(&st, &R, &r);
	assert_int_equal(r.aborts, 1);
	assert_int_equal(r.nreq, 0);
}

static void test_fildes(void **state)
{
	struct proto_state st;
	struct rec r;

	(void)state;
	start(&st, &r);
	FEED(&st, &r, "zFILDES\0");
	assert_int_equal(st.mode, PROTO_M_FILDES);
	r.fd = 7;
	FEED(&st, &r, "\0");
	assert_int_equal(r.nreq, 1);
	assert_int_equal(r.req[0].fd, 7);
	start(&st, &r);
	FEED(&st, &r, "zFILDES\0\0");
	OUT(&r, "No file descriptor received. ERROR\0");
	start(&st, &r);
	FEED(&st, &r, "zIDSESSION\0");
	r.fd = 5;
	FEED(&st, &r, "zPING\0");
	OUT(&r, "1: PONG\0" "2: PROTOCOL ERROR: ancillary data sent without "
	    "FILDES. ERROR\0");
	assert_int_equal(st.mode, PROTO_M_DONE);
}

static void test_long_line_and_reply(void **state)
{
	struct proto_state st;
	struct rec r;
	char *big = malloc(PROTO_MAX_LINE + 10), buf[64];

	(void)state;
	start(&st, &r);
	memset(big, 'a', PROTO_MAX_LINE + 10);
	big[0] = 'z';
	assert_int_equal(feed(&st, &r, big, PROTO_MAX_LINE + 10),
			 PROTO_MAX_LINE + 10);
	assert_int_equal(st.mode, PROTO_M_DONE);
	assert_int_equal(r.nout, 0);
	free(big);
	assert_int_equal(proto_reply(buf, sizeof(buf), 3, "/p", "OK", '\0'),
			 10);
	assert_memory_equal(buf, "3: /p: OK\0", 10);
	assert_int_equal(proto_reply(buf, 4, 0, NULL, "PONG", '\n'), 5);
}

/* ------------------------------------------- the daemon_* config keys */

static int load(const char *text, struct mdecfg **cfg, char *err)
{
	*cfg = mdecfg_new();
	return mdecfg_parse(*cfg, "t.conf", text, strlen(text), err, 256);
}

static void test_config_keys(void **state)
{
	struct mdecfg *cfg;
	char err[256];
	int64_t v = 0;
	const char *s;

	(void)state;
	assert_int_equal(load("daemon_socket_mode = 0660\n"
			      "daemon_socket_group = Debian-exim\n"
			      "daemon_socket_owner = 0\n"
			      "daemon_tcp_addr = ::1\n"
			      "daemon_tcp_addr = 127.0.0.1\n"
			      "daemon_max_stream = 25M\n"
			      "daemon_idle_timeout = 2m\n", &cfg, err), 0);
	assert_true(mdecfg_get_int(cfg, "daemon_socket_mode", &v));
	assert_int_equal(v, 0660);
	assert_true(mdecfg_get_str(cfg, "daemon_socket_group", &s));
	assert_string_equal(s, "Debian-exim");
	assert_true(mdecfg_get_int(cfg, "daemon_max_stream", &v));
	assert_int_equal(v, 25 << 20);
	assert_true(mdecfg_get_int(cfg, "daemon_idle_timeout", &v));
	assert_int_equal(v, 120);
	mdecfg_free(cfg);
	assert_int_equal(load("daemon_socket_mode = 0669\n", &cfg, err), -1);
	assert_non_null(strstr(err, "not a mode"));
	mdecfg_free(cfg);
	assert_int_equal(load("daemon_socket_mode = 01777\n", &cfg, err), -1);
	mdecfg_free(cfg);
	assert_int_equal(load("daemon_socket_group = a:b\n", &cfg, err), -1);
	assert_non_null(strstr(err, "not a user or group"));
	mdecfg_free(cfg);
	assert_int_equal(load("daemon_tcp_addr = localhost\n", &cfg, err), -1);
	assert_non_null(strstr(err, "not an IPv4 or IPv6"));
	mdecfg_free(cfg);
	assert_int_equal(load("daemon_tcp_port = 65536\n", &cfg, err), -1);
	mdecfg_free(cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_frame),
		cmocka_unit_test(test_stream_boundaries),
		cmocka_unit_test(test_single_commands),
		cmocka_unit_test(test_garbage_and_refusal),
		cmocka_unit_test(test_session),
		cmocka_unit_test(test_busy),
		cmocka_unit_test(test_instream),
		cmocka_unit_test(test_fildes),
		cmocka_unit_test(test_long_line_and_reply),
		cmocka_unit_test(test_config_keys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
