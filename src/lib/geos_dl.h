/* geos_dl.h - GEOS loaded on first use. lookout does not link libgeos_c: only
 * zones need it, and relocating it (with libgeos and libstdc++) at start cost
 * every command, decode included, a few milliseconds. zones.c calls GEOS
 * through lo_geos after lo_geos_load. <geos_c.h> still gives the types and the
 * declarations the pointers are typed from. Internal. */
#ifndef LOOKOUT_GEOS_DL_H
#define LOOKOUT_GEOS_DL_H

#include <stddef.h>

#define GEOS_USE_ONLY_R_API
#include <geos_c.h>

/* Every GEOS function lookout calls. */
#define LO_GEOS_FUNCS(X)                                                                                   \
    X(GEOS_init_r) X(GEOS_finish_r) X(GEOSContext_setErrorMessageHandler_r)                               \
    X(GEOSContext_setNoticeMessageHandler_r) X(GEOSCoordSeq_create_r) X(GEOSCoordSeq_destroy_r)           \
    X(GEOSCoordSeq_getSize_r) X(GEOSCoordSeq_getXY_r) X(GEOSCoordSeq_setXY_r) X(GEOSGeom_clone_r)         \
    X(GEOSGeom_createLinearRing_r) X(GEOSGeom_createPointFromXY_r) X(GEOSGeom_createPolygon_r)            \
    X(GEOSGeom_destroy_r) X(GEOSGeom_getCoordSeq_r) X(GEOSGeom_getXMax_r) X(GEOSGeom_getXMin_r)          \
    X(GEOSGeom_getYMax_r) X(GEOSGeom_getYMin_r) X(GEOSGeomTypeId_r) X(GEOSGetExteriorRing_r)              \
    X(GEOSGetGeometryN_r) X(GEOSGetInteriorRingN_r) X(GEOSGetNumCoordinates_r) X(GEOSGetNumGeometries_r) \
    X(GEOSGetNumInteriorRings_r) X(GEOSisEmpty_r) X(GEOSisValid_r) X(GEOSMakeValidParams_create_r)        \
    X(GEOSMakeValidParams_destroy_r) X(GEOSMakeValidParams_setKeepCollapsed_r)                            \
    X(GEOSMakeValidParams_setMethod_r) X(GEOSMakeValidWithParams_r) X(GEOSPrepare_r)                      \
    X(GEOSPreparedGeom_destroy_r) X(GEOSPreparedIntersects_r)

typedef struct lo_geos_api {
#define LO_GEOS_PTR_(f) __typeof__(f) *f;
    LO_GEOS_FUNCS(LO_GEOS_PTR_)
#undef LO_GEOS_PTR_
} lo_geos_api;

/* The process's one table: written once by lo_geos_load (under pthread_once),
 * only read after it, by any thread. Valid once lo_geos_load returned NULL. */
extern lo_geos_api lo_geos;

/* Load GEOS (LO_GEOS_SONAME, the soname found at configure time) and fill
 * lo_geos; thread-safe, and only the first call does anything. NULL when
 * every entry is set, else why not (naming the library, with dlerror()'s
 * words; the same text on every later call). Never prints. */
const char *lo_geos_load(void);

/* What lo_geos_load does, from another file and into another table (tests).
 * NULL on success, else err filled (and *api zeroed). */
const char *lo_geos_load_from(const char *soname, lo_geos_api *api, char *err, size_t errlen);

#endif
