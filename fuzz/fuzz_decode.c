/* fuzz_decode.c - message bits -> lo_decode -> JSON and CSV.
 * Input: byte 0's low three bits say how many bits of the last byte are unused;
 * the rest of the input is the message, MSB first, so the bit length is
 * (size - 1) * 8 - (data[0] & 7). The bits are read in place: the fuzzer's buffer
 * ends where the message does, so reading past it is caught. Corpus files are real
 * messages in this form (see docs/fuzzing.md). */
#include <string.h>

#include "fuzz.h"
#include "lookout/message.h"
#include "render.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 4096)
        return 0;
    uint32_t nbytes = (uint32_t)(size - 1);
    uint32_t unused = data[0] & 7u;
    uint32_t nbits = nbytes * 8 > unused ? nbytes * 8 - unused : 0;
    const uint8_t *bits = data + 1;

    static lo_message m;
    memset(&m, 0xA5, sizeof m); /* no value may survive from before the call */
    lo_reject why = LO_REJECT_NONE;
    int rc = lo_decode(bits, nbits, &m, &why);
    if (rc != 0) {
        FUZZ_CHECK(rc == LO_E_REJECTED);
        FUZZ_CHECK(why > LO_REJECT_NONE && why < LO_REJECT_COUNT);
        FUZZ_CHECK(lo_reject_key(why)[0] != '\0');
        return 0;
    }
    memset(&m.meta, 0, sizeof m.meta);
    m.meta.rx_time_ms = (data[0] & 8u) ? LO_TIME_NONE : (int64_t)nbits * 1234567;
    m.meta.channel = (data[0] & 16u) ? 'B' : 0;
    m.meta.fragments = 1;
    uint64_t digest = FUZZ_FNV_INIT;
    fuzz_render(&m, nbits, true, true, &digest);
    return 0;
}
