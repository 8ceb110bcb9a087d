/* layout_app.c - binary application messages carried in types 6 and 8
 * (IMO SN.1/Circ.236 and 289, inland AIS, regional DAC/FI), described once.
 * A DAC/FI that lookout has no table for, or whose length does not fit its
 * table, is kept as raw bits. */
#include <stddef.h>

#include "layout_def.h"
#include "lookout/limits.h"

static const lo_field f_data[] = {DATA("data", 0)};
LAYOUT(lo_layout_app_data, "data", f_data, 0, LO_MAX_PAYLOAD_BITS, 0, "raw application data");

/* DAC 200 (inland AIS) FI 55: number of persons on board. */
static const lo_field f_6_200_55[] = {U("crew", 8), U("passengers", 13), U("personnel", 8), SPARE(51)};
LAYOUT(lo_layout_6_200_55, "6/200/55", f_6_200_55, 168, 168, 0, "168 bits exactly (inland AIS ed. 2)");

typedef struct app_entry {
    uint16_t type, dac, fid;
    const lo_layout *layout;
} app_entry;

static const app_entry apps[] = {
    {6, 200, 55, &lo_layout_6_200_55},
};

const lo_layout *lo_app_layout(unsigned type, unsigned dac, unsigned fid, uint32_t nbits)
{
    for (size_t i = 0; i < sizeof apps / sizeof apps[0]; i++) {
        const app_entry *a = &apps[i];
        if (a->type == type && a->dac == dac && a->fid == fid) {
            if (nbits < a->layout->min_bits || nbits > a->layout->max_bits)
                continue; /* another table for the same DAC/FI may fit this length */
            return a->layout;
        }
    }
    return NULL;
}
