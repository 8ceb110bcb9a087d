/* detect_identity.c - the identity detector (stub: hooks do nothing yet). */
#include "detect_int.h"

int det_identity_init(lo_detector *d) { (void)d; return 0; }
void det_identity_free(lo_detector *d) { (void)d; }
void det_identity_point(lo_detector *d, dvessel *dv, const lo_vessel *v, const lo_track_point *p)
{
    (void)d; (void)dv; (void)v; (void)p;
}
void det_identity_identity(lo_detector *d, dvessel *dv, const lo_vessel *v, const lo_identity_change *c)
{
    (void)d; (void)dv; (void)v; (void)c;
}
void det_identity_static(lo_detector *d, dvessel *dv, const lo_vessel *v) { (void)d; (void)dv; (void)v; }
void det_identity_evict(lo_detector *d, dvessel *dv) { (void)d; (void)dv; }
void det_identity_advance(lo_detector *d, int64_t now) { (void)d; (void)now; }
void det_identity_finish(lo_detector *d) { (void)d; }
