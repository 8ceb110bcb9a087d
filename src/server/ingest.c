/* ingest.c - UDP, TCP client, TCP listener and file replay sources -> line
 * queue (ingest.h). */
#define _GNU_SOURCE /* recvmmsg, SO_RXQ_OVFL */
#include "ingest.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lookout/sentence.h"
#include "clock.h"

#define UDP_BATCH 32
#define UDP_DGRAM 9000     /* jumbo frame; longer datagrams are cut (and counted) */
#define TICK_MS 200        /* every thread looks at the stop flag this often */
#define BACKOFF_MIN_MS 500
#define BACKOFF_MAX_MS 60000
#define CONNECT_TIMEOUT_MS 5000
#define REPLAY_CHUNK 65536
#define REPLAY_MAX_GAP_MS 10000 /* a longer silence in the data is cut to this (wall time) */

/* ---- lines ---- */

typedef struct liner {
    char buf[LO_MAX_LINE + 1];
    size_t len;
    bool overlong;
} liner;

typedef struct pusher {
    lq *q;
    srv_source *src;
    uint16_t conn, source;
    bool wait; /* replay: wait for room instead of dropping */
    int64_t arrival_ms;
} pusher;

static void push_line(pusher *p, const char *line, size_t len)
{
    atomic_fetch_add_explicit(&p->src->received, 1, memory_order_relaxed);
    int rc = p->wait ? lq_push_wait(p->q, p->conn, p->source, p->arrival_ms, line, len)
                     : lq_push(p->q, p->conn, p->source, p->arrival_ms, line, len);
    if (rc)
        atomic_fetch_add_explicit(&p->src->dropped, 1, memory_order_relaxed);
}

/* Bytes of a stream (TCP, file): lines may span reads. Empty lines are skipped. */
static void liner_feed(liner *l, pusher *p, const char *data, size_t n)
{
    for (size_t i = 0; i < n;) {
        const char *s = data + i;
        const char *e = memchr(s, '\n', n - i);
        const char *cr = memchr(s, '\r', (size_t)((e ? e : data + n) - s));
        if (cr)
            e = cr;
        size_t k = (size_t)((e ? e : data + n) - s);
        if (!l->overlong) {
            size_t room = sizeof l->buf - l->len;
            if (k > room) {
                memcpy(l->buf + l->len, s, room);
                l->len = sizeof l->buf;
                l->overlong = true;
            } else {
                memcpy(l->buf + l->len, s, k);
                l->len += k;
            }
        }
        if (!e)
            return;
        if (l->len)
            push_line(p, l->buf, l->len); /* overlong: LO_MAX_LINE + 1 bytes, rejected as too long */
        l->len = 0;
        l->overlong = false;
        i = (size_t)(e - data) + 1;
    }
}

/* The rest of a stream that ended without a line end. */
static void liner_flush(liner *l, pusher *p)
{
    if (l->len)
        push_line(p, l->buf, l->len);
    l->len = 0;
    l->overlong = false;
}

/* A datagram: its end ends a line too. */
static void dgram_feed(pusher *p, const char *data, size_t n)
{
    size_t i = 0;
    while (i < n) {
        size_t j = i;
        while (j < n && data[j] != '\n' && data[j] != '\r')
            j++;
        if (j > i)
            push_line(p, data + i, j - i > LO_MAX_LINE ? LO_MAX_LINE + 1 : j - i);
        i = j + 1;
    }
}

/* ---- sockets ---- */

static int resolve(const char *host, const char *port, int socktype, bool passive, struct addrinfo **res, char *err,
                   size_t errlen)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = socktype, .ai_flags = passive ? AI_PASSIVE : 0};
    int rc = getaddrinfo(host[0] ? host : NULL, port, &hints, res);
    if (rc) {
        snprintf(err, errlen, "%s:%s: %s", host, port, gai_strerror(rc));
        return -1;
    }
    return 0;
}

static int bound_port(int fd)
{
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    if (getsockname(fd, (struct sockaddr *)&ss, &sl))
        return -1;
    if (ss.ss_family == AF_INET)
        return ntohs(((struct sockaddr_in *)&ss)->sin_port);
    if (ss.ss_family == AF_INET6)
        return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    return -1;
}

static int listen_on(srv_source *s, int socktype, int rcvbuf, char *err, size_t errlen)
{
    struct addrinfo *res;
    const char *host = s->host[0] ? s->host : "127.0.0.1";
    if (resolve(host, s->port, socktype, true, &res, err, errlen))
        return -1;
    int fd = -1, e = 0;
    for (struct addrinfo *a = res; a; a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
        if (fd < 0) {
            e = errno;
            continue;
        }
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (socktype == SOCK_DGRAM) {
            if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf))
                setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
            setsockopt(fd, SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof one);
        }
        if (bind(fd, a->ai_addr, a->ai_addrlen) == 0 && (socktype == SOCK_DGRAM || listen(fd, 64) == 0))
            break;
        e = errno;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0) {
        snprintf(err, errlen, "%s %s:%s: %s", s->name, host, s->port, strerror(e));
        return -1;
    }
    s->bound_port = bound_port(fd);
    return fd;
}

/* ---- the poll thread: UDP, listeners, feeders ---- */

typedef struct feeder {
    int fd;
    uint16_t conn;
    int src;
    int64_t last_ms;
    liner l;
} feeder;

struct srv_ingest {
    srv_source *src;
    int nsrc;
    lq *q;
    srv_ingest_config cfg;
    atomic_int stop;
    int fds[SRV_MAX_SOURCES]; /* UDP and listener sockets, -1 for others */
    atomic_uint_fast64_t kdrops[SRV_MAX_SOURCES];
    feeder *feeders[SRV_MAX_FEEDERS];
    int nfeeders;
    uint16_t free_conns[SRV_MAX_CONNS];
    int nfree;
    pthread_t net;
    bool net_started;
    pthread_t threads[SRV_MAX_SOURCES];
    bool started[SRV_MAX_SOURCES];
    /* UDP receive buffers */
    char (*dgram)[UDP_DGRAM];
};

static void udp_read(srv_ingest *in, int i)
{
    srv_source *s = &in->src[i];
    struct mmsghdr msgs[UDP_BATCH];
    struct iovec iov[UDP_BATCH];
    union {
        char buf[CMSG_SPACE(sizeof(uint32_t))];
        struct cmsghdr align;
    } ctl[UDP_BATCH];
    for (int round = 0; round < 16; round++) { /* then let the others have a turn */
        for (int k = 0; k < UDP_BATCH; k++) {
            iov[k].iov_base = in->dgram[k];
            iov[k].iov_len = UDP_DGRAM;
            memset(&msgs[k], 0, sizeof msgs[k]);
            msgs[k].msg_hdr.msg_iov = &iov[k];
            msgs[k].msg_hdr.msg_iovlen = 1;
            msgs[k].msg_hdr.msg_control = ctl[k].buf;
            msgs[k].msg_hdr.msg_controllen = sizeof ctl[k].buf;
        }
        int n = recvmmsg(in->fds[i], msgs, UDP_BATCH, MSG_DONTWAIT, NULL);
        if (n <= 0)
            return;
        pusher p = {.q = in->q, .src = s, .conn = s->conn, .source = (uint16_t)i, .arrival_ms = srv_now_ms()};
        for (int k = 0; k < n; k++) {
            size_t len = msgs[k].msg_len;
            atomic_fetch_add_explicit(&s->datagrams, 1, memory_order_relaxed);
            atomic_fetch_add_explicit(&s->bytes, len, memory_order_relaxed);
            for (struct cmsghdr *c = CMSG_FIRSTHDR(&msgs[k].msg_hdr); c; c = CMSG_NXTHDR(&msgs[k].msg_hdr, c))
                if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_RXQ_OVFL) {
                    uint32_t d;
                    memcpy(&d, CMSG_DATA(c), sizeof d);
                    atomic_store_explicit(&in->kdrops[i], d, memory_order_relaxed);
                }
            dgram_feed(&p, in->dgram[k], len > UDP_DGRAM ? UDP_DGRAM : len);
        }
        if (n < UDP_BATCH)
            return;
    }
}

static void feeder_close(srv_ingest *in, int k)
{
    feeder *f = in->feeders[k];
    srv_source *s = &in->src[f->src];
    pusher p = {.q = in->q, .src = s, .conn = f->conn, .source = (uint16_t)f->src, .arrival_ms = srv_now_ms()};
    liner_flush(&f->l, &p);
    lq_push_end(in->q, f->conn, (uint16_t)f->src);
    close(f->fd);
    in->free_conns[in->nfree++] = f->conn;
    free(f);
    in->feeders[k] = in->feeders[--in->nfeeders];
}

static void accept_feeders(srv_ingest *in, int i)
{
    for (;;) {
        int fd = accept4(in->fds[i], NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0)
            return;
        srv_source *s = &in->src[i];
        feeder *f = NULL;
        if (in->nfeeders < SRV_MAX_FEEDERS && in->nfree > 0)
            f = malloc(sizeof *f);
        if (!f) {
            atomic_fetch_add_explicit(&s->refused, 1, memory_order_relaxed);
            close(fd);
            continue;
        }
        f->fd = fd;
        f->src = i;
        f->conn = in->free_conns[--in->nfree];
        f->last_ms = srv_now_ms();
        f->l.len = 0;
        f->l.overlong = false;
        in->feeders[in->nfeeders++] = f;
        atomic_fetch_add_explicit(&s->connections, 1, memory_order_relaxed);
    }
}

/* Read what a feeder sent; false when it is gone. */
static bool feeder_read(srv_ingest *in, feeder *f)
{
    char buf[16384];
    srv_source *s = &in->src[f->src];
    for (int round = 0; round < 8; round++) {
        ssize_t n = recv(f->fd, buf, sizeof buf, MSG_DONTWAIT);
        if (n == 0)
            return false;
        if (n < 0)
            return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
        f->last_ms = srv_now_ms();
        atomic_fetch_add_explicit(&s->bytes, (uint64_t)n, memory_order_relaxed);
        pusher p = {.q = in->q, .src = s, .conn = f->conn, .source = (uint16_t)f->src, .arrival_ms = f->last_ms};
        liner_feed(&f->l, &p, buf, (size_t)n);
        if ((size_t)n < sizeof buf)
            return true;
    }
    return true;
}

static void *net_main(void *arg)
{
    srv_ingest *in = arg;
    struct pollfd pfd[SRV_MAX_SOURCES + SRV_MAX_FEEDERS];
    int who[SRV_MAX_SOURCES + SRV_MAX_FEEDERS];
    while (!atomic_load(&in->stop)) {
        int n = 0;
        for (int i = 0; i < in->nsrc; i++)
            if (in->fds[i] >= 0) {
                pfd[n] = (struct pollfd){.fd = in->fds[i], .events = POLLIN};
                who[n++] = i;
            }
        int nbase = n;
        for (int k = 0; k < in->nfeeders; k++) {
            pfd[n] = (struct pollfd){.fd = in->feeders[k]->fd, .events = POLLIN};
            who[n++] = k;
        }
        int pr = poll(pfd, (nfds_t)n, TICK_MS);
        if (pr < 0 && errno != EINTR)
            break;
        for (int j = 0; j < nbase; j++) {
            if (!(pfd[j].revents & (POLLIN | POLLERR)))
                continue;
            if (in->src[who[j]].kind == SRV_UDP)
                udp_read(in, who[j]);
            else
                accept_feeders(in, who[j]);
        }
        /* Feeders from the back, so that a close (swap with the last) skips none. */
        int64_t now = srv_now_ms();
        for (int j = n - 1; j >= nbase; j--) {
            int k = who[j];
            feeder *f = in->feeders[k];
            bool alive = true;
            if (pfd[j].revents & (POLLIN | POLLERR | POLLHUP))
                alive = feeder_read(in, f);
            if (alive && now - f->last_ms > (int64_t)in->cfg.feeder_idle_s * 1000) {
                atomic_fetch_add_explicit(&in->src[f->src].closed_idle, 1, memory_order_relaxed);
                alive = false;
            }
            if (!alive)
                feeder_close(in, k);
        }
    }
    while (in->nfeeders)
        feeder_close(in, in->nfeeders - 1);
    return NULL;
}

/* ---- TCP client ---- */

typedef struct client_arg {
    srv_ingest *in;
    int i;
} client_arg;

static void nap(srv_ingest *in, int ms)
{
    while (ms > 0 && !atomic_load(&in->stop)) {
        int step = ms < TICK_MS ? ms : TICK_MS;
        struct timespec ts = {.tv_sec = 0, .tv_nsec = (long)step * 1000000L};
        nanosleep(&ts, NULL);
        ms -= step;
    }
}

static int connect_once(srv_ingest *in, srv_source *s)
{
    struct addrinfo *res;
    char err[300];
    if (resolve(s->host, s->port, SOCK_STREAM, false, &res, err, sizeof err))
        return -1;
    int fd = -1;
    for (struct addrinfo *a = res; a && fd < 0 && !atomic_load(&in->stop); a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
        if (fd < 0)
            continue;
        if (connect(fd, a->ai_addr, a->ai_addrlen) && errno != EINPROGRESS) {
            close(fd);
            fd = -1;
            continue;
        }
        int64_t deadline = srv_now_ms() + CONNECT_TIMEOUT_MS;
        int ok = 0;
        while (!atomic_load(&in->stop) && srv_now_ms() < deadline) {
            struct pollfd p = {.fd = fd, .events = POLLOUT};
            if (poll(&p, 1, TICK_MS) > 0) {
                int e = 0;
                socklen_t el = sizeof e;
                getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &el);
                ok = e == 0 ? 1 : -1;
                break;
            }
        }
        if (ok != 1) {
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(res);
    return fd;
}

static void *client_main(void *arg)
{
    client_arg *ca = arg;
    srv_ingest *in = ca->in;
    int i = ca->i;
    free(ca);
    srv_source *s = &in->src[i];
    int backoff = BACKOFF_MIN_MS;
    liner *l = calloc(1, sizeof *l);
    if (!l)
        return NULL;
    while (!atomic_load(&in->stop)) {
        int fd = connect_once(in, s);
        if (fd < 0) {
            atomic_fetch_add_explicit(&s->connect_failures, 1, memory_order_relaxed);
            nap(in, backoff);
            backoff = backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : backoff * 2;
            continue;
        }
        atomic_fetch_add_explicit(&s->connections, 1, memory_order_relaxed);
        atomic_store(&s->up, 1);
        int64_t connected = srv_now_ms();
        char buf[16384];
        while (!atomic_load(&in->stop)) {
            struct pollfd p = {.fd = fd, .events = POLLIN};
            if (poll(&p, 1, TICK_MS) <= 0)
                continue;
            ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
            if (n < 0 && (errno == EAGAIN || errno == EINTR))
                continue;
            if (n <= 0)
                break;
            atomic_fetch_add_explicit(&s->bytes, (uint64_t)n, memory_order_relaxed);
            pusher pu = {.q = in->q, .src = s, .conn = s->conn, .source = (uint16_t)i, .arrival_ms = srv_now_ms()};
            liner_feed(l, &pu, buf, (size_t)n);
        }
        close(fd);
        atomic_store(&s->up, 0);
        pusher pu = {.q = in->q, .src = s, .conn = s->conn, .source = (uint16_t)i, .arrival_ms = srv_now_ms()};
        liner_flush(l, &pu);
        lq_push_end(in->q, s->conn, (uint16_t)i); /* the next connection reassembles afresh */
        /* A feed that stayed up a while gets a fresh back-off; one that drops
         * at once keeps backing off. */
        if (srv_now_ms() - connected > 30000)
            backoff = BACKOFF_MIN_MS;
        nap(in, backoff);
        backoff = backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : backoff * 2;
    }
    free(l);
    return NULL;
}

/* ---- replay ---- */

/* The data's own time of a line, or LO_TIME_NONE. */
static int64_t line_time(const char *s, size_t n)
{
    lo_tagblock tb = {.time_ms = LO_TIME_NONE};
    lo_reject why;
    size_t used = 0;
    if (n && s[0] == '\\') {
        if (lo_tagblock_parse(s, n, &tb, &why, &used) == 0 && tb.time_ms != LO_TIME_NONE)
            return tb.time_ms;
        return LO_TIME_NONE;
    }
    if (n > 6 && !memcmp(s, "$PGHP,", 6)) {
        if (lo_pghp_parse(s, n, &tb) == 0)
            return tb.time_ms;
        return LO_TIME_NONE;
    }
    if (n && s[0] != '!' && s[0] != '$') {
        size_t k = 0;
        while (k < n && k < 64 && s[k] != '!' && s[k] != '\\')
            k++;
        if (k < n && k < 64)
            return lo_prefix_time_parse(s, k);
        return LO_TIME_NONE;
    }
    /* a receiver trailer after the checksum */
    const char *star = memchr(s, '*', n);
    if (star && (size_t)(star - s) + 3 < n) {
        size_t at = (size_t)(star - s) + 3;
        lo_trailer_parse(s + at, n - at, &tb);
    }
    return tb.time_ms;
}

typedef struct replay {
    srv_ingest *in;
    int i;
    int64_t data0, wall0; /* pacing anchor */
    int64_t last_data;
    double untimed_due;   /* wall ms when the next line without a time is due */
    pusher p;
} replay;

static void pace(replay *r, const char *line, size_t len)
{
    srv_source *s = &r->in->src[r->i];
    if (s->speed <= 0)
        return;
    int64_t t = line_time(line, len);
    int64_t now = srv_now_ms();
    if (t == LO_TIME_NONE) {
        if (r->untimed_due < (double)now - 1000) /* fell behind: no burst to catch up */
            r->untimed_due = (double)now;
        double step = 1000.0 / (s->rate * s->speed);
        r->untimed_due += step;
        if (r->untimed_due > (double)now + 1)
            nap(r->in, (int)(r->untimed_due - (double)now));
        return;
    }
    if (r->data0 == LO_TIME_NONE || t < r->last_data - 60000) { /* start, or the data went back: re-anchor */
        r->data0 = t;
        r->wall0 = now;
        r->last_data = t;
        return;
    }
    if (t > r->last_data) {
        double wait = (double)(t - r->last_data) / s->speed;
        if (wait > REPLAY_MAX_GAP_MS) { /* a long silence in the data: re-anchor after a short wait */
            nap(r->in, REPLAY_MAX_GAP_MS);
            r->data0 = t;
            r->wall0 = srv_now_ms();
            r->last_data = t;
            return;
        }
        r->last_data = t;
    }
    double due = (double)r->wall0 + (double)(r->last_data - r->data0) / s->speed;
    if (due > (double)now + 1)
        nap(r->in, (int)(due - (double)now));
}

/* One replay line: paced, then queued (waiting for room). */
static void replay_line(replay *r, const char *line, size_t len)
{
    pace(r, line, len);
    r->p.arrival_ms = srv_now_ms();
    push_line(&r->p, line, len);
}

static void *replay_main(void *arg)
{
    client_arg *ca = arg;
    srv_ingest *in = ca->in;
    int i = ca->i;
    free(ca);
    srv_source *s = &in->src[i];
    int fd = open(s->path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        atomic_store(&s->done, 1);
        return NULL;
    }
    atomic_store(&s->up, 1);
    replay r = {.in = in, .i = i, .data0 = LO_TIME_NONE, .last_data = LO_TIME_NONE};
    r.p = (pusher){.q = in->q, .src = s, .conn = s->conn, .source = (uint16_t)i, .wait = true};
    char *buf = malloc(REPLAY_CHUNK);
    char *line = malloc(LO_MAX_LINE + 1);
    size_t llen = 0;
    bool overlong = false;
    while (buf && line && !atomic_load(&in->stop)) {
        ssize_t n = read(fd, buf, REPLAY_CHUNK);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        atomic_fetch_add_explicit(&s->bytes, (uint64_t)n, memory_order_relaxed);
        for (ssize_t k = 0; k < n && !atomic_load(&in->stop); k++) {
            char c = buf[k];
            if (c == '\n' || c == '\r') {
                if (llen)
                    replay_line(&r, line, llen);
                llen = 0;
                overlong = false;
            } else if (!overlong) {
                if (llen == LO_MAX_LINE + 1)
                    overlong = true;
                else
                    line[llen++] = c;
            }
        }
    }
    if (llen && line && !atomic_load(&in->stop))
        replay_line(&r, line, llen);
    free(buf);
    free(line);
    close(fd);
    lq_push_end(in->q, s->conn, (uint16_t)i); /* finish: fragments left over are incomplete */
    atomic_store(&s->up, 0);
    atomic_store(&s->done, 1);
    return NULL;
}

/* ---- start / stop ---- */

static int start_thread(srv_ingest *in, int i, void *(*fn)(void *))
{
    client_arg *ca = malloc(sizeof *ca);
    if (!ca)
        return -1;
    ca->in = in;
    ca->i = i;
    if (pthread_create(&in->threads[i], NULL, fn, ca)) {
        free(ca);
        return -1;
    }
    in->started[i] = true;
    return 0;
}

srv_ingest *srv_ingest_start(srv_source *src, int nsrc, lq *q, const srv_ingest_config *cfg, char *err,
                             size_t errlen)
{
    srv_ingest *in = calloc(1, sizeof *in);
    if (!in) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    in->src = src;
    in->nsrc = nsrc;
    in->q = q;
    in->cfg.feeder_idle_s = cfg && cfg->feeder_idle_s > 0 ? cfg->feeder_idle_s : 120;
    in->cfg.udp_rcvbuf = cfg && cfg->udp_rcvbuf > 0 ? cfg->udp_rcvbuf : 8 << 20;
    in->dgram = malloc(sizeof *in->dgram * UDP_BATCH);
    if (!in->dgram) {
        free(in);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    for (int c = SRV_MAX_CONNS - 1; c >= nsrc; c--)
        in->free_conns[in->nfree++] = (uint16_t)c;
    bool need_net = false;
    for (int i = 0; i < nsrc; i++) {
        in->fds[i] = -1;
        src[i].conn = (uint16_t)i;
    }
    for (int i = 0; i < nsrc; i++) {
        if (src[i].kind == SRV_UDP || src[i].kind == SRV_TCP_LISTEN) {
            in->fds[i] = listen_on(&src[i], src[i].kind == SRV_UDP ? SOCK_DGRAM : SOCK_STREAM, in->cfg.udp_rcvbuf,
                                   err, errlen);
            if (in->fds[i] < 0)
                goto fail;
            atomic_store(&src[i].up, 1);
            need_net = true;
        } else if (src[i].kind == SRV_REPLAY) {
            struct stat st;
            if (stat(src[i].path, &st) || !S_ISREG(st.st_mode) || access(src[i].path, R_OK)) {
                snprintf(err, errlen, "%s: cannot read %s", src[i].name, src[i].path);
                goto fail;
            }
        }
    }
    if (need_net) {
        if (pthread_create(&in->net, NULL, net_main, in)) {
            snprintf(err, errlen, "cannot start a thread");
            goto fail;
        }
        in->net_started = true;
    }
    for (int i = 0; i < nsrc; i++) {
        int rc = 0;
        if (src[i].kind == SRV_TCP_CONNECT)
            rc = start_thread(in, i, client_main);
        else if (src[i].kind == SRV_REPLAY)
            rc = start_thread(in, i, replay_main);
        if (rc) {
            snprintf(err, errlen, "cannot start a thread");
            srv_ingest_destroy(in);
            return NULL;
        }
    }
    return in;
fail:
    for (int i = 0; i < nsrc; i++)
        if (in->fds[i] >= 0)
            close(in->fds[i]);
    free(in->dgram);
    free(in);
    return NULL;
}

void srv_ingest_stop(srv_ingest *in)
{
    if (!in || atomic_load(&in->stop))
        return;
    atomic_store(&in->stop, 1);
    if (in->net_started)
        pthread_join(in->net, NULL);
    for (int i = 0; i < in->nsrc; i++) {
        if (in->started[i])
            pthread_join(in->threads[i], NULL);
        if (in->fds[i] >= 0) {
            close(in->fds[i]);
            atomic_store(&in->src[i].up, 0);
            if (in->src[i].kind == SRV_UDP)
                lq_push_end(in->q, in->src[i].conn, (uint16_t)i);
            in->fds[i] = -1;
        }
        in->started[i] = false;
    }
    in->net_started = false;
}

void srv_ingest_destroy(srv_ingest *in)
{
    if (!in)
        return;
    srv_ingest_stop(in);
    free(in->dgram);
    free(in);
}

uint64_t srv_ingest_udp_kernel_drops(const srv_ingest *in, int i)
{
    if (!in || i < 0 || i >= in->nsrc)
        return 0;
    return atomic_load_explicit(&in->kdrops[i], memory_order_relaxed);
}
