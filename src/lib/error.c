/* error.c - names and messages of reject reasons and API errors. */
#include "lookout/error.h"

#include <stddef.h>

static const char *const reject_keys[] = {
    "",
#define LO_X_(sym, key, msg) key,
    LO_REJECT_MAP(LO_X_)
#undef LO_X_
};

static const char *const reject_texts[] = {
    "",
#define LO_X_(sym, key, msg) msg,
    LO_REJECT_MAP(LO_X_)
#undef LO_X_
};

const char *lo_reject_key(lo_reject r) { return (r >= 0 && r < LO_REJECT_COUNT) ? reject_keys[r] : "unknown"; }

const char *lo_reject_text(lo_reject r) { return (r >= 0 && r < LO_REJECT_COUNT) ? reject_texts[r] : "unknown"; }

const char *lo_strerror(int err)
{
    switch (err) {
    case LO_OK:
        return "success";
#define LO_X_(sym, msg)                                                                                           \
    case LO_E_##sym:                                                                                              \
        return msg;
        LO_ERRNO_MAP(LO_X_)
#undef LO_X_
    default:
        return "unknown error";
    }
}
