/* SPDX-License-Identifier: MIT */
/*
 * HTTP/1.1 request parser (RFC 9112) for bingo's tiny server.  Pure: it
 * looks at the bytes received so far and says "need more", "here is a
 * complete request (n bytes)", or "answer with this error status and
 * close".  It never allocates; the request refers into the buffer.
 */
#ifndef BINGO_HTTP_H
#define BINGO_HTTP_H

#include <stdbool.h>
#include <stddef.h>

/* The whole header section (request line + fields + blank line). */
#define HTTP_MAX_HEADER 8192
/* Request line alone (method, target, version). */
#define HTTP_MAX_LINE 2048
/* Bodies are read and thrown away, up to this size. */
#define HTTP_MAX_BODY 65536

enum http_method {
	HTTP_OTHER,
	HTTP_GET,
	HTTP_HEAD,
};

struct http_request {
	enum http_method method;
	const char *method_str;
	size_t method_len;
	const char *path; /* target without the query string */
	size_t path_len;
	int minor; /* HTTP/1.<minor> */
	bool keep_alive;
	size_t header_len;     /* bytes up to and including the blank line */
	size_t content_length; /* body bytes that follow */
};

/*
 * Returns:
 *   0  need more bytes (and none of the limits is exceeded yet)
 *  >0  a complete header section of that many bytes is in buf; the
 *      caller then skips req->content_length body bytes (pipelining)
 *  <0  -status: answer with that HTTP status (400, 413, 414, 431, 501,
 *      505) and close the connection.
 */
long http_parse(const char *buf, size_t len, struct http_request *req);

/* Reason phrase for a status code ("Not Found"). */
const char *http_reason(int status);

#endif
