/* http.h - the HTTP API, the live stream and the web map's files, served by
 * libmicrohttpd (loaded on first use, mhd_dl.h; a thread per connection,
 * capped; so a client that blocks a stream blocks only its own thread). Every
 * handler copies what it needs out of the picture or stats under their short
 * locks and formats outside them; tracks are read from the SQLite store
 * through read-only handles. Routes, parameters, limits and JSON shapes:
 * docs/server.md. */
#ifndef LOOKOUT_SRV_HTTP_H
#define LOOKOUT_SRV_HTTP_H

#include <stddef.h>

#include "ingest.h"
#include "live.h"
#include "picture.h"
#include "queue.h"
#include "source.h"
#include "sse.h"

typedef struct http_config {
    const char *host;    /* default 127.0.0.1 */
    const char *port;    /* default 8080; "0" picks a free port */
    const char *token;   /* NULL: no token; else /api and /metrics want it */
    const char *web_dir; /* the map's built files */
    const char *db;      /* read-only handles for tracks */
    unsigned max_conns;  /* default 256 */
    unsigned timeout_s;  /* idle connection timeout, default 30 */
} http_config;

typedef struct http_ctx {
    picture *pic;
    sse_hub *sse;
    live *live;
    srv_source *src;
    int nsrc;
    srv_ingest *ingest;
    lq *q;
} http_ctx;

typedef struct srv_http srv_http;

/* Load libmicrohttpd (mhd_dl.h; http_start does it too): NULL, or why it
 * cannot be loaded. For a caller that would rather fail before it starts
 * anything else. */
const char *http_load(void);
srv_http *http_start(const http_config *cfg, const http_ctx *ctx, char *err, size_t errlen);
int http_port(const srv_http *h);
/* Stop listening, end every stream, wait for the connection threads. */
void http_stop(srv_http *h);

#endif
