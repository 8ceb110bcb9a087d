/* mhd_dl.h - libmicrohttpd loaded on first use. lookout does not link it: only
 * `lookout serve` needs it, and relocating it (with gnutls, p11-kit, nettle,
 * ...) at start cost every command, decode included, a few milliseconds.
 * http.c calls it through srv_mhd after srv_mhd_load. <microhttpd.h> still
 * gives the types and the declarations the pointers are typed from. */
#ifndef LOOKOUT_SRV_MHD_DL_H
#define LOOKOUT_SRV_MHD_DL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <microhttpd.h>

/* Every libmicrohttpd function lookout calls. */
#define SRV_MHD_FUNCS(X)                                                                                  \
    X(MHD_start_daemon) X(MHD_stop_daemon) X(MHD_quiesce_daemon) X(MHD_get_daemon_info)                  \
    X(MHD_lookup_connection_value) X(MHD_queue_response) X(MHD_create_response_from_buffer)              \
    X(MHD_create_response_from_callback) X(MHD_create_response_from_fd) X(MHD_add_response_header)       \
    X(MHD_destroy_response)

typedef struct srv_mhd_api {
#define SRV_MHD_PTR_(f) __typeof__(f) *f;
    SRV_MHD_FUNCS(SRV_MHD_PTR_)
#undef SRV_MHD_PTR_
} srv_mhd_api;

/* The process's one table: written once by srv_mhd_load (under pthread_once),
 * only read after it, by any thread. Valid once srv_mhd_load returned NULL. */
extern srv_mhd_api srv_mhd;

/* Load libmicrohttpd (LO_MHD_SONAME, the soname found at configure time) and
 * fill srv_mhd; thread-safe, and only the first call does anything. NULL when
 * every entry is set, else why not (naming the library, with dlerror()'s
 * words; the same text on every later call). Never prints. */
const char *srv_mhd_load(void);

/* What srv_mhd_load does, from another file and into another table (tests).
 * NULL on success, else err filled (and *api zeroed). */
const char *srv_mhd_load_from(const char *soname, srv_mhd_api *api, char *err, size_t errlen);

#endif
