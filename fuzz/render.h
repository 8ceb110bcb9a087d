/* render.h - the checks shared by the fuzz targets that decode: a decoded message's
 * values are consistent with its layout, and every output (JSON raw and scaled, CSV
 * with two column sets) keeps the promises of output.h. */
#ifndef LOOKOUT_FUZZ_RENDER_H
#define LOOKOUT_FUZZ_RENDER_H

#include <stdbool.h>
#include <stdint.h>

#include "lookout/message.h"

/* Check m (just decoded from nbits bits) and render it; aborts on a broken
 * invariant. full: every way (JSON raw, scaled and without extras, CSV with the
 * default and with all columns); otherwise one JSON (scaled or not) and
 * the default CSV only, for targets that render many
 * messages per input. Folds the rendered text into *digest (FNV-1a). */
void fuzz_render(const lo_message *m, uint32_t nbits, bool full, bool scaled, uint64_t *digest);

/* FNV-1a over n bytes, continuing from h. */
uint64_t fuzz_fnv(uint64_t h, const void *p, size_t n);
#define FUZZ_FNV_INIT 0xcbf29ce484222325ULL

#endif
