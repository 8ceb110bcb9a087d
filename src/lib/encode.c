/* encode.c - lo_message / JSON -> bits -> NMEA sentences. (Being written.) */
#include "lookout/encode.h"
