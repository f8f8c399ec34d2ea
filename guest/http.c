// SPDX-License-Identifier: MIT
/* HTTP/1.1 request parser (RFC 9112). */
#include "http.h"

#include <string.h>

/* tchar (RFC 9110 section 5.6.2). */
static bool is_tchar(unsigned char c)
{
	if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z'))
		return true;
	return c && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static bool ieq(const char *a, size_t alen, const char *lit)
{
	size_t n = strlen(lit);

	if (alen != n)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = a[i];

		if (c >= 'A' && c <= 'Z')
			c += 'a' - 'A';
		if (c != lit[i])
			return false;
	}
	return true;
}

/* Finds the end of the line starting at off: returns the index of '\n'
 * or -1; *eol is the end of the content (before an optional '\r'). */
static long find_eol(const char *buf, size_t len, size_t off, size_t *eol)
{
	const char *nl = memchr(buf + off, '\n', len - off);
	size_t i;

	if (!nl)
		return -1;
	i = (size_t)(nl - buf);
	*eol = (i > off && buf[i - 1] == '\r') ? i - 1 : i;
	return (long)i;
}

/* Does the comma-separated list [v, v+n) hold token tok? */
static bool list_has(const char *v, size_t n, const char *tok)
{
	size_t i = 0;

	while (i < n) {
		size_t s, e;

		while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
			i++;
		s = i;
		while (i < n && v[i] != ',')
			i++;
		e = i;
		while (e > s && (v[e - 1] == ' ' || v[e - 1] == '\t'))
			e--;
		if (e > s && ieq(v + s, e - s, tok))
			return true;
	}
	return false;
}

static long parse_request_line(const char *p, size_t n,
			       struct http_request *req)
{
	size_t i = 0, s;

	/* method SP request-target SP HTTP-version */
	while (i < n && is_tchar((unsigned char)p[i]))
		i++;
	if (i == 0 || i >= n || p[i] != ' ')
		return -400;
	req->method_str = p;
	req->method_len = i;
	if (i == 3 && !memcmp(p, "GET", 3))
		req->method = HTTP_GET;
	else if (i == 4 && !memcmp(p, "HEAD", 4))
		req->method = HTTP_HEAD;
	else
		req->method = HTTP_OTHER;
	s = ++i;
	while (i < n && p[i] != ' ') {
		unsigned char c = (unsigned char)p[i];

		if (c <= 0x20 || c == 0x7f)
			return -400;
		i++;
	}
	if (i == s || i >= n)
		return -400;
	/* origin-form only: a server that is nobody's proxy. */
	if (p[s] != '/')
		return -400;
	req->path = p + s;
	req->path_len = i - s;
	{
		const char *q = memchr(req->path, '?', req->path_len);

		if (q)
			req->path_len = (size_t)(q - req->path);
	}
	i++;
	if (n - i != 8 || memcmp(p + i, "HTTP/", 5) || p[i + 6] != '.' ||
	    p[i + 5] < '0' || p[i + 5] > '9' || p[i + 7] < '0' ||
	    p[i + 7] > '9')
		return -400;
	if (p[i + 5] != '1')
		return -505;
	req->minor = p[i + 7] - '0';
	return 0;
}

long http_parse(const char *buf, size_t len, struct http_request *req)
{
	size_t off = 0, eol, cl = 0;
	bool have_cl = false, have_host = false, conn_close = false,
	     conn_keep = false;
	long nl, r;

	memset(req, 0, sizeof(*req));
	/* RFC 9112 section 2.2: ignore empty lines before the request. */
	while (off < len && (buf[off] == '\r' || buf[off] == '\n')) {
		if (buf[off] == '\r' &&
		    (off + 1 >= len || buf[off + 1] != '\n'))
			return off + 1 >= len ? 0 : -400;
		off += buf[off] == '\r' ? 2 : 1;
		if (off > 64)
			return -400;
	}
	/* Fail fast on what cannot be a method (TLS, binary noise), without
	 * waiting for a line end that may never come. */
	for (size_t i = off; i < len && buf[i] != ' '; i++) {
		if (!is_tchar((unsigned char)buf[i]) || i - off > 32)
			return -400;
	}
	nl = find_eol(buf, len, off, &eol);
	if (nl < 0)
		return len - off > HTTP_MAX_LINE ? -414 : 0;
	if (eol - off > HTTP_MAX_LINE)
		return -414;
	r = parse_request_line(buf + off, eol - off, req);
	if (r)
		return r;
	off = (size_t)nl + 1;

	for (;;) {
		const char *f, *v;
		size_t flen, vlen, c;

		if (off > HTTP_MAX_HEADER)
			return -431;
		nl = find_eol(buf, len, off, &eol);
		if (nl < 0)
			return len > HTTP_MAX_HEADER ? -431 : 0;
		if ((size_t)nl + 1 > HTTP_MAX_HEADER)
			return -431;
		if (eol == off) {
			off = (size_t)nl + 1;
			break; /* end of the header section */
		}
		f = buf + off;
		/* obs-fold and whitespace before the name are rejected
		 * (RFC 9112 sections 5.1 and 5.2). */
		for (c = 0; c < eol - off && is_tchar((unsigned char)f[c]); c++)
			;
		if (c == 0 || c >= eol - off || f[c] != ':')
			return -400;
		flen = c;
		v = f + c + 1;
		vlen = eol - off - c - 1;
		for (size_t k = 0; k < vlen; k++) {
			unsigned char ch = (unsigned char)v[k];

			if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
				return -400;
		}
		while (vlen && (*v == ' ' || *v == '\t')) {
			v++;
			vlen--;
		}
		while (vlen && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
			vlen--;

		if (ieq(f, flen, "host")) {
			if (have_host)
				return -400;
			have_host = true;
		} else if (ieq(f, flen, "connection")) {
			conn_close |= list_has(v, vlen, "close");
			conn_keep |= list_has(v, vlen, "keep-alive");
		} else if (ieq(f, flen, "content-length")) {
			size_t val = 0;

			if (!vlen)
				return -400;
			for (size_t k = 0; k < vlen; k++) {
				if (v[k] < '0' || v[k] > '9')
					return -400;
				if (val > HTTP_MAX_BODY)
					return -413;
				val = val * 10 + (size_t)(v[k] - '0');
			}
			if (have_cl && val != cl)
				return -400;
			have_cl = true;
			cl = val;
			if (cl > HTTP_MAX_BODY)
				return -413;
		} else if (ieq(f, flen, "transfer-encoding")) {
			/* Chunked bodies are not worth it for GET / HEAD. */
			return -501;
		}
		off = (size_t)nl + 1;
	}
	/* RFC 9112 section 3.2: HTTP/1.1 requests carry exactly one Host. */
	if (req->minor >= 1 && !have_host)
		return -400;
	req->keep_alive = req->minor >= 1 ? !conn_close : conn_keep;
	req->header_len = off;
	req->content_length = cl;
	return (long)off;
}

const char *http_reason(int status)
{
	switch (status) {
	case 200:
		return "OK";
	case 400:
		return "Bad Request";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 408:
		return "Request Timeout";
	case 413:
		return "Content Too Large";
	case 414:
		return "URI Too Long";
	case 431:
		return "Request Header Fields Too Large";
	case 501:
		return "Not Implemented";
	case 503:
		return "Service Unavailable";
	case 505:
		return "HTTP Version Not Supported";
	default:
		return "Unknown";
	}
}
