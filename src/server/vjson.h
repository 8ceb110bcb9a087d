/* vjson.h - a vessel of the picture -> JSON in human units (degrees, knots),
 * the shape /api/vessels, /api/vessels/{mmsi} and the live stream's
 * `position` events share (docs/server.md lists every field). */
#ifndef LOOKOUT_SRV_VJSON_H
#define LOOKOUT_SRV_VJSON_H

#include "jbuf.h"
#include "picture.h"

void vj_vessel(jbuf *b, const pic_vessel *v);
/* A GeoJSON Point Feature with the same fields as properties (callers skip
 * vessels without a position). */
void vj_vessel_feature(jbuf *b, const pic_vessel *v);

#endif
