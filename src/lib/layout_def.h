/* layout_def.h - shorthand for writing layout tables (layout_std.c, layout_app.c). */
#ifndef LOOKOUT_LAYOUT_DEF_H
#define LOOKOUT_LAYOUT_DEF_H

#include "lookout/layout.h"

#define KEY_(nm) ",\"" nm "\":"
#define TEXT_KEY_(nm) ",\"" nm "_text\":"
#define F_(nm, w, k, u, n, e, el)                                                                        \
    {.name = nm, .bits = w, .kind = k, .unit = u, .na = n, .names = e, .element = el, .key = KEY_(nm),     \
     .key_len = sizeof(KEY_(nm)) - 1, .text_key = TEXT_KEY_(nm), .text_key_len = sizeof(TEXT_KEY_(nm)) - 1}
/* Unnamed fields (spare bits, re-reads) never appear in output. */
#define F0_(w, k) {.name = NULL, .bits = w, .kind = k, .unit = LO_U_RAW, .na = LO_NA_NONE}
#define U(nm, w) F_(nm, w, LO_K_UINT, LO_U_RAW, LO_NA_NONE, NULL, NULL)
#define UN(nm, w, n) F_(nm, w, LO_K_UINT, LO_U_RAW, n, NULL, NULL)
#define UX(nm, w, n, unit) F_(nm, w, LO_K_UINT, unit, n, NULL, NULL)
#define I(nm, w) F_(nm, w, LO_K_INT, LO_U_RAW, LO_NA_NONE, NULL, NULL)
#define IX(nm, w, n, unit) F_(nm, w, LO_K_INT, unit, n, NULL, NULL)
#define E(nm, w, n, tbl) F_(nm, w, LO_K_UINT, LO_U_RAW, n, &tbl, NULL)
#define B(nm) F_(nm, 1, LO_K_BOOL, LO_U_RAW, LO_NA_NONE, NULL, NULL)
#define T(nm, w) F_(nm, w, LO_K_TEXT, LO_U_RAW, LO_NA_NONE, NULL, NULL)
#define TREST(nm) F_(nm, 0, LO_K_TEXT_REST, LO_U_RAW, LO_NA_NONE, NULL, NULL)
#define TTAIL(nm) F_(nm, 0, LO_K_TEXT_TAIL, LO_U_RAW, LO_NA_NONE, NULL, NULL)
#define SPARE(w) F0_(w, LO_K_SPARE)
#define BACK(w) F0_(w, LO_K_BACK)
#define DATA(nm, tail) F_(nm, tail, LO_K_DATA, LO_U_RAW, LO_NA_NONE, NULL, NULL)
#define MDHM(nm) F_(nm, 20, LO_K_MDHM, LO_U_RAW, LO_NA_NONE, NULL, NULL)
#define DHM(nm) F_(nm, 16, LO_K_DHM, LO_U_RAW, LO_NA_NONE, NULL, NULL)
#define HM(nm) F_(nm, 11, LO_K_HM, LO_U_RAW, LO_NA_NONE, NULL, NULL)
#define YMDHMS(nm) F_(nm, 40, LO_K_YMDHMS, LO_U_RAW, LO_NA_NONE, NULL, NULL)
#define ARRAY(nm, maxn, el) F_(nm, maxn, LO_K_ARRAY, LO_U_RAW, LO_NA_NONE, NULL, &el)
#define LON4(nm) IX(nm, 28, 108600000, LO_U_LON_MIN4)
#define LAT4(nm) IX(nm, 27, 54600000, LO_U_LAT_MIN4)
/* 1/1000 minute positions of IMO SN.1/Circ.289 messages (181 / 91 degrees n/a). */
#define LON3(nm) IX(nm, 25, 10860000, LO_U_LON_MIN3)
#define LAT3(nm) IX(nm, 24, 5460000, LO_U_LAT_MIN3)
#define COUNTER(nm, w) F_(nm, w, LO_K_COUNT, LO_U_RAW, LO_NA_NONE, NULL, NULL)
#define EONLY(nm, w, tbl) F_(nm, w, LO_K_ENUM_ONLY, LO_U_RAW, LO_NA_NONE, &tbl, NULL)
#define DMHM(nm) F_(nm, 20, LO_K_DMHM, LO_U_RAW, LO_NA_NONE, NULL, NULL)
#define MDHM_SHORT(nm) F_(nm, 20, LO_K_MDHM_SHORT, LO_U_RAW, LO_NA_NONE, NULL, NULL)

#define COUNT(a) ((uint16_t)(sizeof(a) / sizeof((a)[0])))
#define LAYOUT(var, nm, flds, minb, maxb, flg, reason)                                          \
    const lo_layout var = {.name = nm, .fields = flds, .nfields = COUNT(flds), .min_bits = minb, \
                           .max_bits = maxb, .flags = flg, .why = reason}
/* A layout whose JSON field order (gpsd's) differs from its bit order: ord lists
 * every field index once, in output order. */
#define LAYOUT_ORDER(var, nm, flds, ord, minb, maxb, flg, reason)                                 \
    const lo_layout var = {.name = nm, .fields = flds, .nfields = COUNT(flds), .min_bits = minb, \
                           .max_bits = maxb, .flags = flg, .why = reason, .order = ord};         \
    _Static_assert(COUNT(ord) == COUNT(flds) && COUNT(flds) <= 256, "order of " nm " must list every field once")
#define ENUM(var, other_text, ...)                                                          \
    static const char *const var##_names[] = {__VA_ARGS__};                                \
    const lo_enum var = {.names = var##_names, .count = COUNT(var##_names), .other = other_text}
/* The same, private to its file. */
#define ENUM_LOCAL(var, other_text, ...)                                                    \
    static const char *const var##_names[] = {__VA_ARGS__};                                \
    static const lo_enum var = {.names = var##_names, .count = COUNT(var##_names), .other = other_text}
/* A sparse enumeration, private to its file: LIST(X) expands X(code, "text") for
 * each value. */
#define ENUM_CODE_(code, text) code,
#define ENUM_TEXT_(code, text) text,
#define ENUM_SPARSE(var, other_text, LIST)                                                  \
    static const uint16_t var##_codes[] = {LIST(ENUM_CODE_)};                              \
    static const char *const var##_names[] = {LIST(ENUM_TEXT_)};                           \
    static const lo_enum var = {.names = var##_names, .count = COUNT(var##_names), .other = other_text, \
                                .codes = var##_codes}

/* Every message starts with these. */
#define HEADER U("type", 6), U("repeat", 2), U("mmsi", 30)

extern const lo_enum lo_enum_shiptype, lo_enum_epfd;

#endif
