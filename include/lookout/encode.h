/* encode.h - messages -> NMEA: the inverse of decoding, for tests, the scenario
 * simulator and users who need to emit AIS. (Being written.) */
#ifndef LOOKOUT_ENCODE_H
#define LOOKOUT_ENCODE_H

#endif
