/* readfile.c - a whole file into memory, gzip-compressed or not (zlib reads
 * both), with a size cap: the loaders of land, ports, zones, the watch list
 * and the detector configuration share it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "lookout/error.h"
#include "util.h"

int util_read_file(const char *path, size_t max, char **out, size_t *len, char *why, size_t whycap)
{
    *out = NULL;
    *len = 0;
    errno = 0;
    gzFile f = gzopen(path, "rb");
    if (!f) {
        snprintf(why, whycap, "%s", errno ? strerror(errno) : "cannot open");
        return LO_E_IO;
    }
    gzbuffer(f, 1u << 17);
    size_t cap = 1u << 20, n = 0;
    char *buf = malloc(cap + 1);
    if (!buf) {
        gzclose(f);
        return LO_E_NOMEM;
    }
    for (;;) {
        if (n == cap) {
            if (cap >= max) {
                /* one more byte tells "exactly max" from "more" */
                char probe;
                int r = gzread(f, &probe, 1);
                if (r == 0)
                    break;
                free(buf);
                gzclose(f);
                snprintf(why, whycap, "larger than %zu bytes", max);
                return LO_E_RANGE;
            }
            size_t ncap = cap * 2 > max ? max : cap * 2;
            char *nb = realloc(buf, ncap + 1);
            if (!nb) {
                free(buf);
                gzclose(f);
                return LO_E_NOMEM;
            }
            buf = nb;
            cap = ncap;
        }
        size_t want = cap - n > (1u << 30) ? (1u << 30) : cap - n;
        int r = gzread(f, buf + n, (unsigned)want);
        if (r < 0) {
            int zerr = 0;
            const char *msg = gzerror(f, &zerr);
            snprintf(why, whycap, "%s", msg ? msg : "read error");
            free(buf);
            gzclose(f);
            return LO_E_IO;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    gzclose(f);
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return 0;
}

