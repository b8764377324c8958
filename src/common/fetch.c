/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fetch.c - downloads from an internal HTTP(S) mirror with libcurl, into
 * a file, with a size cap and a time limit.  TLS certificates are checked
 * against the system store (or CURL_CA_BUNDLE); nothing but http and https
 * is allowed, redirects included.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "defstore.h"
#include "banned.h"

struct sink {
	FILE *fp;
	uint64_t got, max;
	int too_big;
};

static size_t on_data(char *p, size_t size, size_t n, void *ud)
{
	struct sink *s = ud;
	size_t len = size * n;

	if (s->got + len > s->max) {
		s->too_big = 1;
		return 0; /* aborts the transfer */
	}
	s->got += len;
	return fwrite(p, 1, len, s->fp);
}

int fetch_url(const char *url, const char *dest, uint64_t max_bytes,
	      long timeout_s, char *err, size_t errlen)
{
	struct sink s = { fopen(dest, "wb"), 0, max_bytes, 0 };
	char cerr[CURL_ERROR_SIZE] = "";
	CURL *c;
	CURLcode rc = CURLE_FAILED_INIT;
	int ok;

	if (!s.fp) {
		snprintf(err, errlen, "cannot write '%s': %s", dest,
			 strerror(errno));
		return -1;
	}
	c = curl_easy_init();
	if (c) {
		curl_easy_setopt(c, CURLOPT_URL, url);
		curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
		curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
		curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
		curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
		curl_easy_setopt(c, CURLOPT_FAILONERROR, 1L);
		curl_easy_setopt(c, CURLOPT_TIMEOUT, timeout_s);
		curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 30L);
		curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(c, CURLOPT_USERAGENT,
				 "mdescan/" PACKAGE_VERSION);
		curl_easy_setopt(c, CURLOPT_ERRORBUFFER, cerr);
		curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
		curl_easy_setopt(c, CURLOPT_WRITEDATA, &s);
		rc = curl_easy_perform(c);
		curl_easy_cleanup(c);
	}
	ok = rc == CURLE_OK && fflush(s.fp) == 0 && fsync(fileno(s.fp)) == 0;
	ok = fclose(s.fp) == 0 && ok;
	if (ok)
		return 0;
	if (s.too_big)
		snprintf(err, errlen, "%s: larger than %llu bytes (refused)",
			 url, (unsigned long long)max_bytes);
	else
		snprintf(err, errlen, "%s: %s", url,
			 cerr[0] ? cerr : curl_easy_strerror(rc));
	unlink(dest);
	return -1;
}
