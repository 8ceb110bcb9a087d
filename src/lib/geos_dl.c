/* geos_dl.c - dlopen libgeos_c on first use and look up every function zones.c
 * calls (geos_dl.h). */
#include "geos_dl.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#ifndef LO_GEOS_SONAME
#error "LO_GEOS_SONAME (the soname of libgeos_c) comes from CMakeLists.txt"
#endif

lo_geos_api lo_geos;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static const char *load_error;
static char load_text[256];

const char *lo_geos_load_from(const char *soname, lo_geos_api *api, char *err, size_t errlen)
{
    memset(api, 0, sizeof *api);
    /* RTLD_NOW: a missing function fails here, not at its first call. The
     * handle is kept for the life of the process. */
    void *h = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        const char *why = dlerror();
        snprintf(err, errlen, "cannot load %s (GEOS, needed for zones): %s", soname, why ? why : "not found");
        return err;
    }
#define LO_GEOS_SYM_(f)                                                                                 \
    if (!(api->f = (__typeof__(api->f))dlsym(h, #f))) {                                                 \
        const char *why = dlerror();                                                                     \
        snprintf(err, errlen, "%s (GEOS) has no %s: %s", soname, #f, why ? why : "NULL");                \
        memset(api, 0, sizeof *api);                                                                     \
        dlclose(h);                                                                                      \
        return err;                                                                                      \
    }
    LO_GEOS_FUNCS(LO_GEOS_SYM_)
#undef LO_GEOS_SYM_
    return NULL;
}

static void load_once(void) { load_error = lo_geos_load_from(LO_GEOS_SONAME, &lo_geos, load_text, sizeof load_text); }

const char *lo_geos_load(void)
{
    pthread_once(&once, load_once);
    return load_error;
}
