/* layout_std.c - the 27 standard ITU-R M.1371-5 messages, described once.
 * Bit widths follow M.1371-5 Annex 8 (and gpsd's AIVDM.adoc, which names the
 * fields). Length rules: min_bits is the shortest message we decode (shorter ones
 * are rejected as too_short), max_bits the longest (beyond is too_long); each
 * rule's reason is in its `why`, and docs/length-rules.md lists them all. */
#include <string.h>

#include "layout_def.h"
#include "lookout/bits.h"
#include "lookout/limits.h"

ENUM(lo_enum_status, NULL, "Under way using engine", "At anchor", "Not under command",
     "Restricted manoeuverability", "Constrained by her draught", "Moored", "Aground",
     "Engaged in fishing", "Under way sailing", "Reserved for HSC", "Reserved for WIG",
     "Reserved", "Reserved", "Reserved", "Reserved", "Not defined");

ENUM(lo_enum_epfd, "INVALID EPFD", "Undefined", "GPS", "GLONASS", "Combined GPS/GLONASS", "Loran-C",
     "Chayka", "Integrated navigation system", "Surveyed", "Galileo");

#define RFU "Reserved for future use"
#define CAT(x) x " - all ships of this type", x " - Hazardous category A", x " - Hazardous category B", \
               x " - Hazardous category C", x " - Hazardous category D", x " - Reserved for future use",  \
               x " - Reserved for future use", x " - Reserved for future use",                            \
               x " - Reserved for future use"
ENUM(lo_enum_shiptype, "INVALID SHIP TYPE", "Not available", RFU, RFU, RFU, RFU, RFU, RFU, RFU, RFU, RFU,
     RFU, RFU, RFU, RFU, RFU, RFU, RFU, RFU, RFU, RFU, CAT("Wing in ground (WIG)"),
     "Wing in ground (WIG) - No additional information", "Fishing", "Towing",
     "Towing: length exceeds 200m or breadth exceeds 25m", "Dredging or underwater ops", "Diving ops",
     "Military ops", "Sailing", "Pleasure Craft", "Reserved", "Reserved", CAT("High speed craft (HSC)"),
     "High speed craft (HSC) - No additional information", "Pilot Vessel", "Search and Rescue vessel",
     "Tug", "Port Tender", "Anti-pollution equipment", "Law Enforcement", "Spare - Local Vessel",
     "Spare - Local Vessel", "Medical Transport", "Ship according to RR Resolution No. 18",
     CAT("Passenger"), "Passenger - No additional information", CAT("Cargo"),
     "Cargo - No additional information", CAT("Tanker"), "Tanker - No additional information",
     CAT("Other Type"), "Other Type - no additional information");

ENUM(lo_enum_aid_type, "INVALID NAVAID TYPE", "Unspecified", "Reference point", "RACON",
     "Fixed offshore structure", "Spare, Reserved for future use.", "Light, without sectors",
     "Light, with sectors", "Leading Light Front", "Leading Light Rear", "Beacon, Cardinal N",
     "Beacon, Cardinal E", "Beacon, Cardinal S", "Beacon, Cardinal W", "Beacon, Port hand",
     "Beacon, Starboard hand", "Beacon, Preferred Channel port hand",
     "Beacon, Preferred Channel starboard hand", "Beacon, Isolated danger", "Beacon, Safe water",
     "Beacon, Special mark", "Cardinal Mark N", "Cardinal Mark E", "Cardinal Mark S", "Cardinal Mark W",
     "Port hand Mark", "Starboard hand Mark", "Preferred Channel Port hand",
     "Preferred Channel Starboard hand", "Isolated danger", "Safe Water", "Special Mark",
     "Light Vessel / LANBY / Rigs");

ENUM(lo_enum_stationtype, "INVALID STATION TYPE", "All types of mobiles", RFU,
     "All types of Class B mobile stations", "SAR airborne mobile station", "Aid to Navigation station",
     "Class B shipborne mobile station", "Regional use and inland waterways",
     "Regional use and inland waterways", "Regional use and inland waterways",
     "Regional use and inland waterways", RFU, RFU, RFU, RFU, RFU, RFU);

#define SPEED UX("speed", 10, 1023, LO_U_TENTH)
#define COURSE UX("course", 12, 3600, LO_U_TENTH)
#define HEADING UN("heading", 9, 511)
#define SECOND UN("second", 6, 60)
#define DIMENSIONS U("to_bow", 9), U("to_stern", 9), U("to_port", 6), U("to_starboard", 6)
#define LON1(nm) IX(nm, 18, 108600, LO_U_LON_MIN1)
#define LAT1(nm) IX(nm, 17, 54600, LO_U_LAT_MIN1)

static const lo_field f_position_a[] = {
    HEADER, E("status", 4, 15, lo_enum_status), IX("turn", 8, -128, LO_U_TURN), SPEED, B("accuracy"),
    LON4("lon"), LAT4("lat"), COURSE, HEADING, SECOND, U("maneuver", 2), SPARE(3), B("raim"), U("radio", 19),
};
/* Class A reports are 168 bits; real transponders also send 163..204 (USCG NAVCEN)
 * and feeds carry longer ones whose first 168 bits are sound, which gpsd 3.22
 * decodes too. Below 168 the radio state is absent. */
#define WHY_A "168 bits; 149.. accepted: radio state absent below 168, bits beyond 168 ignored"
LAYOUT(lo_layout_1, "1", f_position_a, 149, LO_MAX_PAYLOAD_BITS, 0, WHY_A);
LAYOUT(lo_layout_2, "2", f_position_a, 149, LO_MAX_PAYLOAD_BITS, 0, WHY_A);
LAYOUT(lo_layout_3, "3", f_position_a, 149, LO_MAX_PAYLOAD_BITS, 0, WHY_A);

static const lo_field f_base[] = {
    HEADER, YMDHMS("timestamp"), B("accuracy"), LON4("lon"), LAT4("lat"), E("epfd", 4, 0, lo_enum_epfd),
    SPARE(10), B("raim"), U("radio", 19),
};
#define WHY_4 "168 bits; longer accepted with the extra bits ignored (gpsd does the same)"
LAYOUT(lo_layout_4, "4", f_base, 168, LO_MAX_PAYLOAD_BITS, 0, WHY_4);
LAYOUT(lo_layout_11, "11", f_base, 168, LO_MAX_PAYLOAD_BITS, 0, WHY_4);

static const lo_field f_static[] = {
    HEADER, U("ais_version", 2), UN("imo", 30, 0), T("callsign", 42), T("shipname", 120),
    E("shiptype", 8, 0, lo_enum_shiptype), DIMENSIONS, E("epfd", 4, 0, lo_enum_epfd), MDHM("eta"),
    UX("draught", 8, 0, LO_U_TENTH), T("destination", 120), U("dte", 1), SPARE(1),
};
LAYOUT(lo_layout_5, "5", f_static, 420, LO_MAX_PAYLOAD_BITS, 0,
       "424 bits; 420 and 422 are common in the wild (the last spare and dte bits cut with the "
       "fill), so 420.. is accepted and dte is absent below 423");

static const lo_field f_addressed_binary[] = {
    HEADER, U("seqno", 2), U("dest_mmsi", 30), B("retransmit"), SPARE(1), U("dac", 10), U("fid", 6),
};
LAYOUT(lo_layout_6, "6", f_addressed_binary, 88, LO_MAX_PAYLOAD_BITS, 0,
       "88 bits of header then application data up to 5 slots; shorter has no DAC/FI");

static const lo_field f_ack[] = {
    HEADER, SPARE(2), U("mmsi1", 30), U("mmsiseq1", 2), U("mmsi2", 30), U("mmsiseq2", 2),
    U("mmsi3", 30), U("mmsiseq3", 2), U("mmsi4", 30), U("mmsiseq4", 2),
};
#define WHY_ACK "72 bits per the first acknowledged MMSI, +32 for each of up to 3 more (168)"
LAYOUT(lo_layout_7, "7", f_ack, 72, LO_MAX_PAYLOAD_BITS, LO_L_ZERO_FILL, WHY_ACK);
LAYOUT(lo_layout_13, "13", f_ack, 72, LO_MAX_PAYLOAD_BITS, LO_L_ZERO_FILL, WHY_ACK);

static const lo_field f_broadcast_binary[] = {HEADER, SPARE(2), U("dac", 10), U("fid", 6)};
LAYOUT(lo_layout_8, "8", f_broadcast_binary, 56, LO_MAX_PAYLOAD_BITS, 0,
       "56 bits of header then application data up to 5 slots");

static const lo_field f_sar[] = {
    HEADER, UN("alt", 12, 4095), UN("speed", 10, 1023), B("accuracy"), LON4("lon"), LAT4("lat"), COURSE,
    SECOND, U("regional", 8), U("dte", 1), SPARE(3), B("assigned"), B("raim"), U("radio", 20),
};
LAYOUT(lo_layout_9, "9", f_sar, 168, LO_MAX_PAYLOAD_BITS, 0, "168 bits; longer accepted, extra ignored");

static const lo_field f_utc_inquiry[] = {HEADER, SPARE(2), U("dest_mmsi", 30), SPARE(2)};
LAYOUT(lo_layout_10, "10", f_utc_inquiry, 70, LO_MAX_PAYLOAD_BITS, 0,
       "72 bits; 70 accepted (the trailing spare cut), longer accepted");

static const lo_field f_addressed_text[] = {
    HEADER, U("seqno", 2), U("dest_mmsi", 30), B("retransmit"), SPARE(1), TREST("text"),
};
LAYOUT(lo_layout_12, "12", f_addressed_text, 72, LO_MAX_PAYLOAD_BITS, 0,
       "72 bits of header then 0..156 six-bit characters");

static const lo_field f_broadcast_text[] = {HEADER, SPARE(2), TREST("text")};
LAYOUT(lo_layout_14, "14", f_broadcast_text, 40, LO_MAX_PAYLOAD_BITS, 0,
       "40 bits of header then 0..161 six-bit characters");

static const lo_field f_interrogation[] = {
    HEADER, SPARE(2), U("mmsi1", 30), U("type1_1", 6), U("offset1_1", 12), SPARE(2), U("type1_2", 6),
    U("offset1_2", 12), SPARE(2), U("mmsi2", 30), U("type2_1", 6), U("offset2_1", 12), SPARE(2),
};
LAYOUT(lo_layout_15, "15", f_interrogation, 88, LO_MAX_PAYLOAD_BITS, LO_L_ZERO_FILL,
       "88 (one station, one message), 110/112, or 160 bits; missing requests read as 0");

static const lo_field f_assignment[] = {
    HEADER, SPARE(2), U("mmsi1", 30), U("offset1", 12), U("increment1", 10), U("mmsi2", 30),
    U("offset2", 12), U("increment2", 10), SPARE(4),
};
static const lo_field f_assignment_one[] = {
    HEADER, SPARE(2), U("mmsi1", 30), U("offset1", 12), U("increment1", 10), U("mmsi2", 0),
    U("offset2", 0), U("increment2", 0), SPARE(4),
};
LAYOUT(lo_layout_16, "16", f_assignment, 144, LO_MAX_PAYLOAD_BITS, 0, "144 bits: two stations");
LAYOUT(lo_layout_16_one, "16one", f_assignment_one, 92, 143, 0,
       "96 bits: one station (92.. accepted, the spare cut); the second station prints as 0");

static const lo_field f_dgnss[] = {HEADER, SPARE(2), LON1("lon"), LAT1("lat"), SPARE(5), DATA("data", 0)};
LAYOUT(lo_layout_17, "17", f_dgnss, 80, LO_MAX_PAYLOAD_BITS, 0,
       "80 bits of header then up to 736 bits of DGNSS correction data");

static const lo_field f_position_b[] = {
    HEADER, U("reserved", 8), SPEED, B("accuracy"), LON4("lon"), LAT4("lat"), COURSE, HEADING, SECOND,
    U("regional", 2), B("cs"), B("display"), B("dsc"), B("band"), B("msg22"), B("assigned"), B("raim"),
    U("radio", 20),
};
LAYOUT(lo_layout_18, "18", f_position_b, 168, LO_MAX_PAYLOAD_BITS, 0,
       "168 bits; longer accepted, extra ignored");

static const lo_field f_position_b_ext[] = {
    HEADER, U("reserved", 8), SPEED, B("accuracy"), LON4("lon"), LAT4("lat"), COURSE, HEADING, SECOND,
    U("regional", 4), T("shipname", 120), E("shiptype", 8, 0, lo_enum_shiptype), DIMENSIONS,
    E("epfd", 4, 0, lo_enum_epfd), B("raim"), U("dte", 1), B("assigned"), SPARE(4),
};
LAYOUT(lo_layout_19, "19", f_position_b_ext, 308, LO_MAX_PAYLOAD_BITS, 0,
       "312 bits; 308.. accepted (trailing spare cut)");

#define SLOTS(n) U("offset" #n, 12), U("number" #n, 4), U("timeout" #n, 3), U("increment" #n, 11)
static const lo_field f_link[] = {HEADER, SPARE(2), SLOTS(1), SLOTS(2), SLOTS(3), SLOTS(4)};
LAYOUT(lo_layout_20, "20", f_link, 70, LO_MAX_PAYLOAD_BITS, LO_L_ZERO_FILL,
       "72 bits with one reservation, +30 for each of up to 3 more; missing ones read as 0");

static const lo_field f_aton[] = {
    HEADER, E("aid_type", 5, 0, lo_enum_aid_type), T("name", 120), B("accuracy"), LON4("lon"), LAT4("lat"),
    DIMENSIONS, E("epfd", 4, 0, lo_enum_epfd), SECOND, B("off_position"), U("regional", 8), B("raim"),
    B("virtual_aid"), B("assigned"), SPARE(1), TTAIL("name_ext"),
};
LAYOUT(lo_layout_21, "21", f_aton, 272, LO_MAX_PAYLOAD_BITS, 0,
       "272 bits, then the name extension: whole characters in the remaining bits (14 by the standard; longer accepted as gpsd does)");

static const lo_field f_channel_broadcast[] = {
    HEADER, SPARE(2), U("channel_a", 12), U("channel_b", 12), U("txrx", 4), B("power"), LON1("ne_lon"),
    LAT1("ne_lat"), LON1("sw_lon"), LAT1("sw_lat"), B("addressed"), B("band_a"), B("band_b"),
    U("zonesize", 3), SPARE(23),
};
static const lo_field f_channel_addressed[] = {
    HEADER, SPARE(2), U("channel_a", 12), U("channel_b", 12), U("txrx", 4), B("power"), U("dest1", 30),
    SPARE(5), U("dest2", 30), SPARE(5), B("addressed"), B("band_a"), B("band_b"), U("zonesize", 3), SPARE(23),
};
#define WHY_22 "168 bits; 145.. accepted (trailing spare cut)"
LAYOUT(lo_layout_22, "22", f_channel_broadcast, 145, LO_MAX_PAYLOAD_BITS, 0, WHY_22);
LAYOUT(lo_layout_22a, "22addressed", f_channel_addressed, 145, LO_MAX_PAYLOAD_BITS, 0, WHY_22);

static const lo_field f_group_assignment[] = {
    HEADER, SPARE(2), LON1("ne_lon"), LAT1("ne_lat"), LON1("sw_lon"), LAT1("sw_lat"),
    E("stationtype", 4, 0, lo_enum_stationtype), E("shiptype", 8, 0, lo_enum_shiptype), SPARE(22),
    U("txrx", 2), U("interval", 4), U("quiet", 4), SPARE(6),
};
LAYOUT(lo_layout_23, "23", f_group_assignment, 154, LO_MAX_PAYLOAD_BITS, 0,
       "160 bits; 154.. accepted (trailing spare cut)");

static const lo_field f_static_a[] = {HEADER, F_("part", 2, LO_K_PART, 0, LO_NA_NONE, NULL, NULL),
                                      T("shipname", 120), SPARE(8)};
/* M.1371-5 splits the 42-bit vendor ID into a 3-character manufacturer, a model
 * and a serial number; many transponders still write 7 characters there
 * ("TRUEHDG", "GARMIN"), and gpsd prints all 7. We print the 7-character text
 * and the model and serial read from the same bits. */
static const lo_field f_static_b[] = {
    HEADER, F_("part", 2, LO_K_PART, 0, LO_NA_NONE, NULL, NULL), E("shiptype", 8, 0, lo_enum_shiptype),
    T("vendorid", 42), BACK(24), U("model", 4), U("serial", 20), T("callsign", 42), DIMENSIONS, SPARE(6),
};
static const lo_field f_static_b_aux[] = {
    HEADER, F_("part", 2, LO_K_PART, 0, LO_NA_NONE, NULL, NULL), E("shiptype", 8, 0, lo_enum_shiptype),
    T("vendorid", 42), BACK(24), U("model", 4), U("serial", 20), T("callsign", 42), U("mothership_mmsi", 30), SPARE(6),
};
LAYOUT(lo_layout_24a, "24A", f_static_a, 160, LO_MAX_PAYLOAD_BITS, 0,
       "part A: 160 bits (M.1371-5) or 168 (older editions with 8 spare bits); longer accepted, extra ignored");
LAYOUT(lo_layout_24b, "24B", f_static_b, 162, LO_MAX_PAYLOAD_BITS, 0,
       "part B: 168 bits; 162.. accepted (trailing spare cut)");
LAYOUT(lo_layout_24b_aux, "24Baux", f_static_b_aux, 162, LO_MAX_PAYLOAD_BITS, 0,
       "part B of an auxiliary craft (MMSI 98XXXYYYY): mothership MMSI instead of dimensions");

/* Types 25 and 26: the two flags choose which header fields are present (no spare
 * after the destination, as gpsd and AIVDM.adoc read it). Fields a variant does
 * not carry are output as 0, as gpsd does. */
#define ZERO(nm) U(nm, 0)
#define SLOT_FLAGS HEADER, B("addressed"), B("structured")
static const lo_field f_25_bu[] = {SLOT_FLAGS, ZERO("dest_mmsi"), ZERO("app_id"), DATA("data", 0)};
static const lo_field f_25_bs[] = {SLOT_FLAGS, ZERO("dest_mmsi"), U("app_id", 16), DATA("data", 0)};
static const lo_field f_25_au[] = {SLOT_FLAGS, U("dest_mmsi", 30), ZERO("app_id"), DATA("data", 0)};
static const lo_field f_25_as[] = {SLOT_FLAGS, U("dest_mmsi", 30), U("app_id", 16), DATA("data", 0)};
#define WHY_25 "M.1371-5 makes it one slot (168 bits); multi-sentence ones are seen in the wild (gpsd's own sample.aivdm has one), so up to the message cap is accepted"
LAYOUT(lo_layout_25bu, "25", f_25_bu, 40, LO_MAX_PAYLOAD_BITS, 0, WHY_25);
LAYOUT(lo_layout_25bs, "25s", f_25_bs, 56, LO_MAX_PAYLOAD_BITS, 0, WHY_25);
LAYOUT(lo_layout_25au, "25a", f_25_au, 70, LO_MAX_PAYLOAD_BITS, 0, WHY_25);
LAYOUT(lo_layout_25as, "25as", f_25_as, 86, LO_MAX_PAYLOAD_BITS, 0, WHY_25);
static const lo_field f_26_bu[] = {SLOT_FLAGS, ZERO("dest_mmsi"), ZERO("app_id"), DATA("data", 20), U("radio", 20)};
static const lo_field f_26_bs[] = {SLOT_FLAGS, ZERO("dest_mmsi"), U("app_id", 16), DATA("data", 20), U("radio", 20)};
static const lo_field f_26_au[] = {SLOT_FLAGS, U("dest_mmsi", 30), ZERO("app_id"), DATA("data", 20),
                                   U("radio", 20)};
static const lo_field f_26_as[] = {SLOT_FLAGS, U("dest_mmsi", 30), U("app_id", 16), DATA("data", 20),
                                   U("radio", 20)};
#define WHY_26 "header, data and a 20-bit radio state at the end; up to 5 slots (1064 bits)"
LAYOUT(lo_layout_26bu, "26", f_26_bu, 60, 1064, 0, WHY_26);
LAYOUT(lo_layout_26bs, "26s", f_26_bs, 76, 1064, 0, WHY_26);
LAYOUT(lo_layout_26au, "26a", f_26_au, 90, 1064, 0, WHY_26);
LAYOUT(lo_layout_26as, "26as", f_26_as, 106, 1064, 0, WHY_26);

static const lo_field f_long_range[] = {
    HEADER, B("accuracy"), B("raim"), UN("status", 4, 15), LON1("lon"), LAT1("lat"), UN("speed", 6, 63),
    UN("course", 9, 511), B("gnss"), SPARE(1),
};
LAYOUT(lo_layout_27, "27", f_long_range, 95, LO_MAX_PAYLOAD_BITS, 0,
       "96 bits; 95.. accepted (the spare cut); longer (full-slot padding) ignored");

/* Auxiliary craft MMSIs are 98XXXYYYY (M.1371-5 Annex 8, 3.3). */
static int is_auxiliary(uint32_t mmsi) { return mmsi / 10000000 == 98; }

const lo_layout *lo_layout_select(const uint8_t *bits, uint32_t nbits)
{
    static const lo_layout *const by_type[28] = {
        NULL,          &lo_layout_1,  &lo_layout_2,  &lo_layout_3,  &lo_layout_4,  &lo_layout_5,
        &lo_layout_6,  &lo_layout_7,  &lo_layout_8,  &lo_layout_9,  &lo_layout_10, &lo_layout_11,
        &lo_layout_12, &lo_layout_13, &lo_layout_14, &lo_layout_15, &lo_layout_16, &lo_layout_17,
        &lo_layout_18, &lo_layout_19, &lo_layout_20, &lo_layout_21, &lo_layout_22, &lo_layout_23,
        NULL,          NULL,          NULL,          &lo_layout_27,
    };
    unsigned type = (unsigned)lo_bits_u(bits, nbits, 0, 6);
    if (type == 0 || type > 27)
        return NULL;
    switch (type) {
    case 16:
        return nbits < 144 ? &lo_layout_16_one : &lo_layout_16;
    case 22:
        return lo_bits_u(bits, nbits, 139, 1) ? &lo_layout_22a : &lo_layout_22;
    case 24:
        switch (lo_bits_u(bits, nbits, 38, 2)) {
        case 0:
            return &lo_layout_24a;
        case 1:
            break;
        default: /* parts C and D do not exist */
            return NULL;
        }
        return is_auxiliary((uint32_t)lo_bits_u(bits, nbits, 8, 30)) ? &lo_layout_24b_aux : &lo_layout_24b;
    case 25:
    case 26: {
        static const lo_layout *const v25[4] = {&lo_layout_25bu, &lo_layout_25bs, &lo_layout_25au, &lo_layout_25as};
        static const lo_layout *const v26[4] = {&lo_layout_26bu, &lo_layout_26bs, &lo_layout_26au, &lo_layout_26as};
        unsigned k = (unsigned)lo_bits_u(bits, nbits, 38, 2);
        return (type == 25 ? v25 : v26)[k];
    }
    default:
        return by_type[type];
    }
}

const lo_layout *const lo_all_layouts[] = {
    &lo_layout_1,     &lo_layout_2,     &lo_layout_3,      &lo_layout_4,     &lo_layout_5,     &lo_layout_6,
    &lo_layout_7,     &lo_layout_8,     &lo_layout_9,      &lo_layout_10,    &lo_layout_11,    &lo_layout_12,
    &lo_layout_13,    &lo_layout_14,    &lo_layout_15,     &lo_layout_16,    &lo_layout_16_one, &lo_layout_17,    &lo_layout_18,
    &lo_layout_19,    &lo_layout_20,    &lo_layout_21,     &lo_layout_22,    &lo_layout_22a,   &lo_layout_23,
    &lo_layout_24a,   &lo_layout_24b,   &lo_layout_24b_aux, &lo_layout_25bu, &lo_layout_25bs,  &lo_layout_25au,
    &lo_layout_25as,  &lo_layout_26bu,  &lo_layout_26bs,   &lo_layout_26au,  &lo_layout_26as,  &lo_layout_27,
    NULL,
};
