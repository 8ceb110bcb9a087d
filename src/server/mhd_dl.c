/* mhd_dl.c - dlopen libmicrohttpd on first use and look up every function
 * http.c calls (mhd_dl.h). */
#include "mhd_dl.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#ifndef LO_MHD_SONAME
#error "LO_MHD_SONAME (the soname of libmicrohttpd) comes from CMakeLists.txt"
#endif

srv_mhd_api srv_mhd;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static const char *load_error;
static char load_text[256];

const char *srv_mhd_load_from(const char *soname, srv_mhd_api *api, char *err, size_t errlen)
{
    memset(api, 0, sizeof *api);
    /* RTLD_NOW: a missing function fails here, not at its first call. The
     * handle is kept for the life of the process. */
    void *h = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        const char *why = dlerror();
        snprintf(err, errlen, "cannot load %s (libmicrohttpd, needed for the HTTP server): %s", soname,
                 why ? why : "not found");
        return err;
    }
#define SRV_MHD_SYM_(f)                                                                                 \
    if (!(api->f = (__typeof__(api->f))dlsym(h, #f))) {                                                 \
        const char *why = dlerror();                                                                     \
        snprintf(err, errlen, "%s (libmicrohttpd) has no %s: %s", soname, #f, why ? why : "NULL");       \
        memset(api, 0, sizeof *api);                                                                     \
        dlclose(h);                                                                                      \
        return err;                                                                                      \
    }
    SRV_MHD_FUNCS(SRV_MHD_SYM_)
#undef SRV_MHD_SYM_
    return NULL;
}

static void load_once(void) { load_error = srv_mhd_load_from(LO_MHD_SONAME, &srv_mhd, load_text, sizeof load_text); }

const char *srv_mhd_load(void)
{
    pthread_once(&once, load_once);
    return load_error;
}
