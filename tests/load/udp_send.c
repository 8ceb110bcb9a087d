/* udp_send.c - load generator for `lookout serve`: sends the non-empty lines
 * of a file (repeated) as UDP datagrams, one sentence each, to HOST:PORT at
 * RATE datagrams/s for SECONDS, paced every millisecond with sendmmsg.
 * Prints what it sent. Loopback use: tests/load/serve_load.py.
 *
 * usage: lookout_udp_send HOST PORT FILE RATE SECONDS */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    if (argc != 6) {
        fprintf(stderr, "usage: %s HOST PORT FILE RATE SECONDS\n", argv[0]);
        return 2;
    }
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons((uint16_t)strtoul(argv[2], NULL, 10))};
    if (inet_pton(AF_INET, argv[1], &to.sin_addr) != 1) {
        fprintf(stderr, "udp_send: %s: not an IPv4 address\n", argv[1]);
        return 2;
    }
    double rate = strtod(argv[4], NULL), secs = strtod(argv[5], NULL);
    FILE *f = fopen(argv[3], "rb");
    if (!f || rate <= 0 || secs <= 0) {
        fprintf(stderr, "udp_send: bad arguments\n");
        return 2;
    }
    /* the file's lines, each with CRLF */
    size_t cap = 1 << 16, n = 0;
    char **lines = malloc(cap * sizeof *lines);
    size_t *lens = malloc(cap * sizeof *lens);
    char buf[2048];
    while (lines && lens && fgets(buf, sizeof buf, f)) {
        size_t l = strcspn(buf, "\r\n");
        if (!l)
            continue;
        if (n == cap) {
            cap *= 2;
            lines = realloc(lines, cap * sizeof *lines);
            lens = realloc(lens, cap * sizeof *lens);
            if (!lines || !lens)
                return 1;
        }
        lines[n] = malloc(l + 2);
        memcpy(lines[n], buf, l);
        memcpy(lines[n] + l, "\r\n", 2);
        lens[n++] = l + 2;
    }
    fclose(f);
    if (!n)
        return 1;
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    int sndbuf = 4 << 20;
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
    struct mmsghdr msgs[BATCH];
    struct iovec iov[BATCH];
    unsigned long long sent = 0, failed = 0;
    size_t next = 0;
    double t0 = now_s(), t;
    while ((t = now_s() - t0) < secs) {
        unsigned long long due = (unsigned long long)(t * rate);
        while (sent + failed < due) {
            unsigned k = 0;
            for (; k < BATCH && sent + failed + k < due; k++) {
                iov[k].iov_base = lines[next];
                iov[k].iov_len = lens[next];
                next = next + 1 == n ? 0 : next + 1;
                memset(&msgs[k], 0, sizeof msgs[k]);
                msgs[k].msg_hdr.msg_name = &to;
                msgs[k].msg_hdr.msg_namelen = sizeof to;
                msgs[k].msg_hdr.msg_iov = &iov[k];
                msgs[k].msg_hdr.msg_iovlen = 1;
            }
            int r = sendmmsg(fd, msgs, k, 0);
            if (r < 0) {
                failed += k; /* not sent (counted apart: never reached the server) */
                next = (next + n - k % n) % n;
                break;
            }
            sent += (unsigned)r;
            if ((unsigned)r < k)
                next = (next + n - (k - (unsigned)r) % n) % n;
        }
        struct timespec ts = {0, 500000}; /* 0.5 ms */
        nanosleep(&ts, NULL);
    }
    t = now_s() - t0;
    printf("{\"sent\":%llu,\"send_errors\":%llu,\"seconds\":%.3f,\"rate\":%.0f}\n", sent, failed, t, (double)sent / t);
    fflush(stdout);
    close(fd);
    for (size_t i = 0; i < n; i++)
        free(lines[i]);
    free(lines);
    free(lens);
    return 0;
}
