/* input.c - file -> stream in 1 MiB reads; a progress line on stderr when it is
 * a terminal and the input is large. */
#define _POSIX_C_SOURCE 200809L
#include "input.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

#define CHUNK (1u << 20)

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int cli_feed_file(lo_stream *s, const char *path)
{
    int fd = strcmp(path, "-") ? open(path, O_RDONLY) : STDIN_FILENO;
    if (fd < 0) {
        cli_error("%s: %s", path, strerror(errno));
        return -1;
    }
    struct stat st;
    off_t total = (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) ? st.st_size : 0;
    char *buf = malloc(CHUNK);
    if (!buf) {
        cli_error("out of memory");
        if (fd != STDIN_FILENO)
            close(fd);
        return -1;
    }
    int show = isatty(STDERR_FILENO);
    double start = now_s(), last = start;
    uint64_t done = 0;
    int rc = 0;
    for (;;) {
        ssize_t n = read(fd, buf, CHUNK);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            cli_error("%s: read error: %s", path, strerror(errno));
            rc = -1;
            break;
        }
        if (n == 0)
            break;
        lo_stream_feed(s, buf, (size_t)n);
        done += (uint64_t)n;
        if (show) {
            double t = now_s();
            if (t - last >= 0.5) {
                const lo_stats *x = lo_stream_stats(s);
                last = t;
                if (total)
                    fprintf(stderr, "\r%s: %5.1f%%  %llu MB  %llu messages  %.0f msg/s ", path,
                            100.0 * (double)done / (double)total, (unsigned long long)(done >> 20),
                            (unsigned long long)x->payloads, (double)x->payloads / (t - start));
                else
                    fprintf(stderr, "\r%s: %llu MB  %llu messages  %.0f msg/s ", path,
                            (unsigned long long)(done >> 20), (unsigned long long)x->payloads,
                            (double)x->payloads / (t - start));
            }
        }
    }
    if (show && last != start)
        fputs("\r\033[K", stderr);
    free(buf);
    if (fd != STDIN_FILENO)
        close(fd);
    return rc;
}
