/* fuzz.h - what every lookout fuzz target shares: the libFuzzer entry point and a
 * check that aborts with a message (libFuzzer and the replay both report aborts).
 * Targets build with libFuzzer (fuzz preset) and without it, linked to replay.c,
 * so that ctest replays the corpora under the normal sanitizer build. */
#ifndef LOOKOUT_FUZZ_H
#define LOOKOUT_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An invariant the library promises; its failure is a finding like a crash. */
#define FUZZ_CHECK(cond)                                                                  \
    do {                                                                                  \
        if (!(cond)) {                                                                    \
            fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond); \
            abort();                                                                      \
        }                                                                                 \
    } while (0)

#endif
