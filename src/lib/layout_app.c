/* layout_app.c - binary application messages carried in types 6 and 8
 * (IMO SN.1/Circ.236 and 289, inland AIS, regional DAC/FI), described once.
 * A DAC/FI that lookout has no table for, or whose length does not fit its
 * table, is kept as raw bits.
 *
 * Names, raw values and JSON order are gpsd's (gpsdecode -u -j, 3.22); bit
 * layouts follow the IMO circulars, the inland AIS standard and IALA A-126 as
 * gpsd's AIVDM.adoc sets them out. Length rules are gpsd's where its decodes are
 * right: most IMO messages are decoded at any length, fields past the end read
 * as 0; fixed-length inland and GLA messages only at their length. Where gpsd
 * reads the wrong bits lookout follows the standard (docs/gpsd-differences.md);
 * docs/binary-messages.md lists every DAC/FI here. */
#include <stddef.h>

#include "layout_def.h"
#include "lookout/limits.h"

static const lo_field f_data[] = {DATA("data", 0)};
LAYOUT(lo_layout_app_data, "data", f_data, 0, LO_MAX_PAYLOAD_BITS, 0, "raw application data");

/* Type 6 and 8 headers end at these bits; the application data starts there. */
#define AT6 88
#define AT8 56
#define ANY_LENGTH(std) std " bits by the standard; any length is decoded, fields past the end read as 0 (as gpsd does)"

/* ---- IMO SN.1/Circ.236 (2004) ---- */

/* 6/1/12 dangerous cargo indication. */
static const lo_field f_6_1_12[] = {
    T("lastport", 30), MDHM("departure"), T("nextport", 30), MDHM("eta"), T("dangerous", 120),
    T("imdcat", 24), U("unid", 13), U("amount", 10), U("unit", 2), SPARE(3),
};
static LAYOUT(lo_layout_6_1_12, "6/1/12", f_6_1_12, AT6, LO_MAX_PAYLOAD_BITS, LO_L_ZERO_FILL, ANY_LENGTH("360"));

/* 6/1/14 tidal window: lat before lon in the bits, lon first in gpsd's JSON. A
 * window cut short by the end of the message still counts (gpsd: every window
 * that starts inside the message). */
static const lo_field f_tidal236[] = {
    LAT4("lat"), LON4("lon"), UN("from_hour", 5, 24), UN("from_min", 6, 60), UN("to_hour", 5, 24),
    UN("to_min", 6, 60), UN("cdir", 9, 360), UX("cspeed", 7, 127, LO_U_TENTH),
};
static const uint8_t o_tidal236[] = {1, 0, 2, 3, 4, 5, 6, 7};
static LAYOUT_ORDER(lo_layout_tidal236, "6/1/14 window", f_tidal236, o_tidal236, 0, 0, LO_L_ZERO_FILL, "93 bits");
static const lo_field f_6_1_14[] = {UN("month", 4, 0), UN("day", 5, 0), ARRAY("tidals", 10, lo_layout_tidal236)};
static LAYOUT(lo_layout_6_1_14, "6/1/14", f_6_1_14, AT6, LO_MAX_PAYLOAD_BITS, LO_L_ZERO_FILL,
       "97 bits then 1-3 windows of 93 (376 in all); any length is decoded: every window that starts "
       "inside the message counts, its missing bits read as 0");

/* 8/1/11 meteorological and hydrological data. gpsd prints humidity before
 * airtemp; the raw values are unsigned (offsets apply when scaled). */
ENUM_LOCAL(lo_enum_preciptype, NULL, "reserved", "rain", "thunderstorm", "freezing rain", "mixed/ice", "snow", "reserved",
     "N/A");
ENUM_LOCAL(lo_enum_ice, NULL, "no", "yes", "reserved", "N/A");
static const lo_field f_8_1_11[] = {
    LAT3("lat"), LON3("lon"), DHM("timestamp"), UN("wspeed", 7, 127), UN("wgust", 7, 127), UN("wdir", 9, 511),
    UN("wgustdir", 9, 511), UN("airtemp", 11, 2047), UN("humidity", 7, 127), UN("dewpoint", 10, 1023),
    UN("pressure", 9, 511), UN("pressuretend", 2, 3), UN("visibility", 8, 255), UN("waterlevel", 9, 511),
    UN("leveltrend", 2, 3), UN("cspeed", 8, 255), UN("cdir", 9, 511), UN("cspeed2", 8, 255), UN("cdir2", 9, 511),
    UN("cdepth2", 5, 31), UN("cspeed3", 8, 255), UN("cdir3", 9, 511), UN("cdepth3", 5, 31),
    UN("waveheight", 8, 255), UN("waveperiod", 6, 63), UN("wavedir", 9, 511), UN("swellheight", 8, 255),
    UN("swellperiod", 6, 63), UN("swelldir", 9, 511), UN("seastate", 4, 15), UN("watertemp", 10, 1023),
    E("preciptype", 3, 7, lo_enum_preciptype), UN("salinity", 9, 511), E("ice", 2, 3, lo_enum_ice), SPARE(6),
};
static const uint8_t o_8_1_11[] = {0,  1,  2,  3,  4,  5,  6,  8,  7,  9,  10, 11, 12, 13, 14, 15, 16, 17,
                                   18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34};
static LAYOUT_ORDER(lo_layout_8_1_11, "8/1/11", f_8_1_11, o_8_1_11, AT8, LO_MAX_PAYLOAD_BITS, LO_L_ZERO_FILL,
             ANY_LENGTH("352"));

/* 8/1/13 fairway closed: day before month in the bits of both times. */
static const lo_field f_8_1_13[] = {
    T("reason", 120), T("closefrom", 120), T("closeto", 120), U("radius", 10), U("extunit", 2),
    DMHM("from"), DMHM("to"), SPARE(4),
};
static LAYOUT(lo_layout_8_1_13, "8/1/13", f_8_1_13, AT8, LO_MAX_PAYLOAD_BITS, LO_L_ZERO_FILL, ANY_LENGTH("472"));

/* 8/1/15 extended ship static and voyage related data: air draught. */
static const lo_field f_8_1_15[] = {UN("airdraught", 11, 0), SPARE(5)};
static LAYOUT(lo_layout_8_1_15, "8/1/15", f_8_1_15, AT8, LO_MAX_PAYLOAD_BITS, LO_L_ZERO_FILL, ANY_LENGTH("72"));

/* 8/1/16 number of persons on board, the 72-bit broadcast form of IMO 236
 * (gpsd 3.22 keeps this one as data and prints 0 for other lengths). */
static const lo_field f_8_1_16[] = {UN("persons", 13, 0), SPARE(3)};
static LAYOUT(lo_layout_8_1_16, "8/1/16", f_8_1_16, 72, 72, 0,
       "72 bits exactly (IMO 236, broadcast form); other lengths are kept as data");

/* ---- IMO SN.1/Circ.289 (2010) ---- */

/* 6/1/16 number of persons on board (gpsd reads a fixed bit 55 instead). */
static const lo_field f_6_1_16[] = {UN("persons", 13, 0), SPARE(35)};
static LAYOUT(lo_layout_6_1_16, "6/1/16", f_6_1_16, 136, 136, 0,
       "136 bits exactly (IMO 289); other lengths are kept as data");

/* 6/1/18 clearance time to enter port. */
static const lo_field f_6_1_18[] = {
    U("linkage", 10), MDHM("arrival"), T("portname", 120), T("destination", 30), LON3("lon"), LAT3("lat"),
    SPARE(43),
};
static LAYOUT(lo_layout_6_1_18, "6/1/18", f_6_1_18, AT6, LO_MAX_PAYLOAD_BITS, LO_L_ZERO_FILL, ANY_LENGTH("360"));

/* 6/1/20 berthing data: gpsd prints berth_depth last, the arrival unpadded. */
ENUM_LOCAL(lo_enum_mooring, NULL, "Not available", "Port-side to", "Starboard-side to", "Mediterranean (end-on) mooring",
     "Mooring buoy", "Anchorage", "Reserved for future use", "Reserved for future use");
static const lo_field f_6_1_20[] = {
    U("linkage", 10), UN("berth_length", 9, 0), UX("berth_depth", 8, 0, LO_U_TENTH), E("position", 3, 0, lo_enum_mooring),
    MDHM_SHORT("arrival"), U("availability", 1), U("agent", 2), U("fuel", 2), U("chandler", 2),
    U("stevedore", 2), U("electrical", 2), U("water", 2), U("customs", 2), U("cartage", 2), U("crane", 2),
    U("lift", 2), U("medical", 2), U("navrepair", 2), U("provisions", 2), U("shiprepair", 2), U("surveyor", 2),
    U("steam", 2), U("tugs", 2), U("solidwaste", 2), U("liquidwaste", 2), U("hazardouswaste", 2),
    U("ballast", 2), U("additional", 2), U("regional1", 2), U("regional2", 2), U("future1", 2), U("future2", 2),
    T("berth_name", 120), LON3("berth_lon"), LAT3("berth_lat"),
};
static const uint8_t o_6_1_20[] = {0,  1,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15, 16, 17, 18,
                                   19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 2};
static LAYOUT_ORDER(lo_layout_6_1_20, "6/1/20", f_6_1_20, o_6_1_20, AT6, LO_MAX_PAYLOAD_BITS, LO_L_ZERO_FILL,
             ANY_LENGTH("360"));

/* 6/1/25 dangerous cargo indication: cargos fill the rest (gpsd counts one cut short). */
static const lo_field f_cargo[] = {U("code", 4), U("subtype", 13)};
static LAYOUT(lo_layout_cargo, "6/1/25 cargo", f_cargo, 0, 0, LO_L_ZERO_FILL, "17 bits");
static const lo_field f_6_1_25[] = {U("unit", 2), U("amount", 10), ARRAY("cargos", 54, lo_layout_cargo)};
static LAYOUT(lo_layout_6_1_25, "6/1/25", f_6_1_25, AT6, LO_MAX_PAYLOAD_BITS, LO_L_ZERO_FILL,
       "100 bits then cargos of 17 bits; every cargo that starts inside the message counts, missing bits "
       "read as 0 (as gpsd does)");

/* 6/1/28 and 8/1/27 route information: waycount (not printed) says how many
 * waypoints follow; ones past the end of the message read as 0, as in gpsd. */
#define RFU_ "Reserved for future use."
ENUM_LOCAL(lo_enum_route_type, NULL, "Undefined (default)", "Mandatory", "Recommended", "Alternative",
     "Recommended route through ice", "Ship route plan", RFU_, RFU_, RFU_, RFU_, RFU_, RFU_, RFU_, RFU_, RFU_, RFU_,
     RFU_, RFU_, RFU_, RFU_, RFU_, RFU_, RFU_, RFU_, RFU_, RFU_, RFU_, RFU_, RFU_, RFU_, RFU_,
     "Cancel route identified by message linkage");
static const lo_field f_waypoint[] = {LON4("lon"), LAT4("lat")};
static LAYOUT(lo_layout_waypoint, "route waypoint", f_waypoint, 0, 0, LO_L_ZERO_FILL, "55 bits");
#define ROUTE                                                                                              \
    U("linkage", 10), U("sender", 3), E("rtype", 5, 0, lo_enum_route_type), MDHM("start"),                \
        UN("duration", 18, 262143), COUNTER("waycount", 5), ARRAY("waypoints", 31, lo_layout_waypoint)
static const lo_field f_route[] = {ROUTE};
#define WHY_ROUTE "header then waycount waypoints of 55 bits; any length is decoded, missing bits read as 0 (as gpsd does)"
static LAYOUT(lo_layout_6_1_28, "6/1/28", f_route, AT6, LO_MAX_PAYLOAD_BITS, LO_L_ZERO_FILL, WHY_ROUTE);
static LAYOUT(lo_layout_8_1_27, "8/1/27", f_route, AT8, LO_MAX_PAYLOAD_BITS, LO_L_ZERO_FILL, WHY_ROUTE);

/* 6/1/30 and 8/1/29 text description. */
static const lo_field f_text_description[] = {U("linkage", 10), TREST("text")};
#define WHY_TEXT "10-bit linkage then six-bit text to the end of the message"
static LAYOUT(lo_layout_6_1_30, "6/1/30", f_text_description, AT6, LO_MAX_PAYLOAD_BITS, LO_L_ZERO_FILL, WHY_TEXT);
static LAYOUT(lo_layout_8_1_29, "8/1/29", f_text_description, AT8, LO_MAX_PAYLOAD_BITS, LO_L_ZERO_FILL, WHY_TEXT);

/* 6/1/32 tidal window (IMO 289 widths: lon first, 1/1000 minute). */
static const lo_field f_tidal289[] = {
    LON3("lon"), LAT3("lat"), UN("from_hour", 5, 24), UN("from_min", 6, 60), UN("to_hour", 5, 24),
    UN("to_min", 6, 60), UN("cdir", 9, 360), UX("cspeed", 8, 255, LO_U_TENTH),
};
static LAYOUT(lo_layout_tidal289, "6/1/32 window", f_tidal289, 0, 0, LO_L_ZERO_FILL, "88 bits");
static const lo_field f_6_1_32[] = {UN("month", 4, 0), UN("day", 5, 0), ARRAY("tidals", 11, lo_layout_tidal289)};
static LAYOUT(lo_layout_6_1_32, "6/1/32", f_6_1_32, AT6, LO_MAX_PAYLOAD_BITS, LO_L_ZERO_FILL,
       "97 bits then 1-3 windows of 88; any length is decoded: every window that starts inside the "
       "message counts, its missing bits read as 0");

/* 8/1/19 marine traffic signal. */
ENUM_LOCAL(lo_enum_signal, "INVALID SIGNAL TYPE", "N/A", "Serious emergency - stop or divert according to instructions.",
     "Vessels shall not proceed.", "Vessels may proceed. One way traffic.", "Vessels may proceed. Two way traffic.",
     "Vessels shall proceed on specific orders only.", "Vessels in main channel shall not proceed.",
     "Vessels in main channel shall proceed on specific orders only.",
     "Vessels in main channel shall proceed on specific orders only.", "I = \"in-bound\" only acceptable.",
     "O = \"out-bound\" only acceptable.", "F = both \"in- and out-bound\" acceptable.",
     "XI = Code will shift to \"I\" in due time.", "XO = Code will shift to \"O\" in due time.",
     "X = Vessels shall proceed only on direction.");
static const lo_field f_8_1_19[] = {
    U("linkage", 10), T("station", 120), LON3("lon"), LAT3("lat"), U("status", 2),
    E("signal", 5, 0, lo_enum_signal), UN("hour", 5, 24), UN("minute", 6, 60),
    E("nextsignal", 5, 0, lo_enum_signal), SPARE(102),
};
static LAYOUT(lo_layout_8_1_19, "8/1/19", f_8_1_19, AT8, LO_MAX_PAYLOAD_BITS, LO_L_ZERO_FILL, ANY_LENGTH("360"));

/* 8/1/31 meteorological and hydrological data: lon before lat in the bits, gpsd
 * prints lat first and humidity before airtemp; temperatures are signed (all
 * tenths, as are speeds, heights, visibility and salinity, for --scaled). No
 * preciptype_text or ice_text: gpsd prints none for this one. */
static const lo_field f_8_1_31[] = {
    LON3("lon"), LAT3("lat"), B("accuracy"), DHM("timestamp"), UN("wspeed", 7, 127), UN("wgust", 7, 127),
    UN("wdir", 9, 360), UN("wgustdir", 9, 360), IX("airtemp", 11, -1024, LO_U_TENTH), UN("humidity", 7, 101),
    IX("dewpoint", 10, 501, LO_U_TENTH), UN("pressure", 9, 511), UN("pressuretend", 2, 3), B("visgreater"),
    UX("visibility", 7, 127, LO_U_TENTH), UN("waterlevel", 12, 4001), UN("leveltrend", 2, 3), UX("cspeed", 8, 255, LO_U_TENTH),
    UN("cdir", 9, 360), UX("cspeed2", 8, 255, LO_U_TENTH), UN("cdir2", 9, 360), UN("cdepth2", 5, 31),
    UX("cspeed3", 8, 255, LO_U_TENTH), UN("cdir3", 9, 360), UN("cdepth3", 5, 31), UX("waveheight", 8, 255, LO_U_TENTH),
    UN("waveperiod", 6, 63), UN("wavedir", 9, 360), UX("swellheight", 8, 255, LO_U_TENTH), UN("swellperiod", 6, 63), UN("swelldir", 9, 360),
    UN("seastate", 4, 13), IX("watertemp", 10, 501, LO_U_TENTH), UN("preciptype", 3, 7), UX("salinity", 9, 510, LO_U_TENTH),
    UN("ice", 2, 3), SPARE(10),
};
static const uint8_t o_8_1_31[] = {1,  0,  2,  3,  4,  5,  6,  7,  9,  8,  10, 11, 12, 13, 14, 15, 16, 17, 18,
                                   19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36};
static LAYOUT_ORDER(lo_layout_8_1_31, "8/1/31", f_8_1_31, o_8_1_31, AT8, LO_MAX_PAYLOAD_BITS, LO_L_ZERO_FILL,
             ANY_LENGTH("360"));

/* ---- Inland AIS (DAC 200), fixed lengths ---- */

/* 6/200/21 ETA and 6/200/22 RTA at lock/bridge/terminal. */
#define INLAND_PLACE T("country", 12), T("locode", 18), T("section", 30), T("terminal", 30), T("hectometre", 30)
static const lo_field f_6_200_21[] = {
    INLAND_PLACE, MDHM_SHORT("eta"), UN("tugs", 3, 7), UN("airdraught", 12, 0), SPARE(5),
};
static LAYOUT(lo_layout_6_200_21, "6/200/21", f_6_200_21, 248, 248, 0, "248 bits exactly (inland AIS)");
ENUM_LOCAL(lo_enum_rta_status, NULL, "Operational", "Limited operation", "Out of order", "N/A");
static const lo_field f_6_200_22[] = {
    INLAND_PLACE, MDHM_SHORT("eta"), E("status", 2, 3, lo_enum_rta_status), SPARE(2),
};
static LAYOUT(lo_layout_6_200_22, "6/200/22", f_6_200_22, 232, 232, 0, "232 bits exactly (inland AIS)");

/* 6/200/55 number of persons on board. */
static const lo_field f_6_200_55[] = {
    UN("crew", 8, 255), UN("passengers", 13, 8191), UN("personnel", 8, 255), SPARE(51),
};
static LAYOUT(lo_layout_6_200_55, "6/200/55", f_6_200_55, 168, 168, 0, "168 bits exactly (inland AIS ed. 2)");

/* 8/200/10 inland ship static and voyage related data. The ship type is an ERI
 * code (8000-8370), or the matching M.1371 type, as gpsd matches either; a hazard
 * value beyond its table means the message is not this one (gpsd's check). */
#define ERI_TYPES(X)                                                                                        \
    X(8000, "Vessel, type unknown") X(8010, "Motor freighter") X(8020, "Motor tanker")                   \
    X(8021, "Motor tanker, liquid cargo, type N") X(8022, "Motor tanker, liquid cargo, type C")           \
    X(8023, "Motor tanker, dry cargo as if liquid (e.g. cement)") X(8030, "Container vessel")            \
    X(8040, "Gas tanker") X(8050, "Motor freighter, tug") X(8060, "Motor tanker, tug")                    \
    X(8070, "Motor freighter with one or more ships alongside") X(8080, "Motor freighter with tanker")    \
    X(8090, "Motor freighter pushing one or more freighters")                                             \
    X(8100, "Motor freighter pushing at least one tank-ship") X(8110, "Tug, freighter")                  \
    X(8120, "Tug, tanker") X(8130, "Tug freighter, coupled") X(8140, "Tug, freighter/tanker, coupled")   \
    X(8150, "Freightbarge") X(8160, "Tankbarge") X(8161, "Tankbarge, liquid cargo, type N")              \
    X(8162, "Tankbarge, liquid cargo, type C") X(8163, "Tankbarge, dry cargo as if liquid (e.g. cement)") \
    X(8170, "Freightbarge with containers") X(8180, "Tankbarge, gas")                                     \
    X(8210, "Pushtow, one cargo barge") X(8220, "Pushtow, two cargo barges")                              \
    X(8230, "Pushtow, three cargo barges") X(8240, "Pushtow, four cargo barges")                          \
    X(8250, "Pushtow, five cargo barges") X(8260, "Pushtow, six cargo barges")                            \
    X(8270, "Pushtow, seven cargo barges") X(8280, "Pushtow, eigth cargo barges")                         \
    X(8290, "Pushtow, nine or more barges") X(8310, "Pushtow, one tank/gas barge")                       \
    X(8320, "Pushtow, two barges at least one tanker or gas barge")                                       \
    X(8330, "Pushtow, three barges at least one tanker or gas barge")                                     \
    X(8340, "Pushtow, four barges at least one tanker or gas barge")                                      \
    X(8350, "Pushtow, five barges at least one tanker or gas barge")                                      \
    X(8360, "Pushtow, six barges at least one tanker or gas barge")                                       \
    X(8370, "Pushtow, seven barges at least one tanker or gas barg")                                      \
    /* M.1371 types: the first ERI type gpsd lists for each */                                            \
    X(99, "Vessel, type unknown") X(79, "Motor freighter") X(89, "Motor tanker")                          \
    X(80, "Motor tanker, liquid cargo, type N") X(31, "Tug freighter, coupled")                           \
    X(90, "Tankbarge, liquid cargo, type N")
ENUM_SPARSE(lo_enum_eri_type, "Illegal ship type value.", ERI_TYPES);
ENUM_LOCAL(lo_enum_hazard, NULL, "0 blue cones/lights", "1 blue cone/light", "2 blue cones/lights",
     "3 blue cones/lights", "4 B-Flag", "Unknown");
ENUM_LOCAL(lo_enum_loaded, "INVALID LOAD STATUS", "N/A (default)", "Unloaded", "Loaded");
static const lo_field f_8_200_10[] = {
    T("vin", 48), UN("length", 13, 0), UN("beam", 10, 0), E("shiptype", 14, 8000, lo_enum_eri_type),
    EONLY("hazard", 3, lo_enum_hazard), UN("draught", 11, 0), E("loaded", 2, 0, lo_enum_loaded),
    B("speed_q"), B("course_q"), B("heading_q"), SPARE(8),
};
static LAYOUT(lo_layout_8_200_10, "8/200/10", f_8_200_10, 168, 168, 0,
       "168 bits exactly (inland AIS); a hazard code of 6 or 7 is not this message: kept as data");

/* 8/200/24 water levels: four gauges fill the message. */
static const lo_field f_gauge[] = {U("id", 11), I("level", 14)};
static LAYOUT(lo_layout_gauge, "8/200/24 gauge", f_gauge, 0, 0, 0, "25 bits");
static const lo_field f_8_200_24[] = {T("country", 12), ARRAY("gauges", 4, lo_layout_gauge)};
static LAYOUT(lo_layout_8_200_24, "8/200/24", f_8_200_24, 168, 168, 0, "168 bits exactly (inland AIS): 4 gauges");

/* 8/200/40 signal status. */
ENUM_LOCAL(lo_enum_signal_direction, "INVALID DIRECTION", "Unknown", "Upstream", "Downstream", "To left bank",
     "To right bank");
ENUM_LOCAL(lo_enum_signal_status, "INVALID STATUS", "Unknown", "No light", "White", "Yellow", "Green", "Red",
     "White flashing", "Yellow flashing.");
static const lo_field f_8_200_40[] = {
    LON4("lon"), LAT4("lat"), U("form", 4), UN("facing", 9, 511), E("direction", 3, 0, lo_enum_signal_direction),
    E("status", 30, 0, lo_enum_signal_status), SPARE(11),
};
static LAYOUT(lo_layout_8_200_40, "8/200/40", f_8_200_40, 168, 168, 0, "168 bits exactly (inland AIS)");

/* ---- IALA A-126 AtoN monitoring (GLA: DAC 235 UK, 250 Ireland) ---- */

ENUM_LOCAL(lo_enum_racon, NULL, "No RACON installed", "RACON not monitored", "RACON operational", "RACON ERROR");
ENUM_LOCAL(lo_enum_light, NULL, "No light or no monitoring", "Light ON", "Light OFF", "Light ERROR");
static const lo_field f_aton_monitor[] = {
    U("ana_int", 10), U("ana_ext1", 10), U("ana_ext2", 10), E("racon", 2, 0, lo_enum_racon),
    E("light", 2, 0, lo_enum_light), B("alarm"), U("stat_ext", 8), B("off_pos"), SPARE(4),
};
static const uint8_t o_aton_monitor[] = {7, 5, 6, 0, 1, 2, 3, 4, 8};
static LAYOUT_ORDER(lo_layout_6_235_10, "6/235/10", f_aton_monitor, o_aton_monitor, 136, 136, 0,
             "136 bits exactly (IALA A-126); other lengths are kept as data, as gpsd does");

typedef struct app_entry {
    uint16_t type, dac, fid;
    const lo_layout *layout;
} app_entry;

static const app_entry apps[] = {
    {6, 1, 12, &lo_layout_6_1_12},     {6, 1, 14, &lo_layout_6_1_14},     {6, 1, 16, &lo_layout_6_1_16},
    {6, 1, 18, &lo_layout_6_1_18},     {6, 1, 20, &lo_layout_6_1_20},     {6, 1, 25, &lo_layout_6_1_25},
    {6, 1, 28, &lo_layout_6_1_28},     {6, 1, 30, &lo_layout_6_1_30},     {6, 1, 32, &lo_layout_6_1_32},
    {6, 200, 21, &lo_layout_6_200_21}, {6, 200, 22, &lo_layout_6_200_22}, {6, 200, 55, &lo_layout_6_200_55},
    {6, 235, 10, &lo_layout_6_235_10}, {6, 250, 10, &lo_layout_6_235_10}, {8, 1, 11, &lo_layout_8_1_11},
    {8, 1, 13, &lo_layout_8_1_13},     {8, 1, 15, &lo_layout_8_1_15},     {8, 1, 16, &lo_layout_8_1_16},
    {8, 1, 19, &lo_layout_8_1_19},     {8, 1, 27, &lo_layout_8_1_27},     {8, 1, 29, &lo_layout_8_1_29},
    {8, 1, 31, &lo_layout_8_1_31},     {8, 200, 10, &lo_layout_8_200_10}, {8, 200, 24, &lo_layout_8_200_24},
    {8, 200, 40, &lo_layout_8_200_40},
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

const lo_layout *lo_app_layout_at(size_t i, unsigned *type, unsigned *dac, unsigned *fid)
{
    if (i >= sizeof apps / sizeof apps[0])
        return NULL;
    *type = apps[i].type;
    *dac = apps[i].dac;
    *fid = apps[i].fid;
    return apps[i].layout;
}
