/* test_strbuf.c - the output buffer's number and text formatting against the C
 * library's printf, at every digit-count boundary, and its overflow rule. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <inttypes.h>
#include <stdio.h>

#include "strbuf.h"

static void unsigned_numbers(void **state)
{
    (void)state;
    uint64_t p = 1;
    for (int d = 0; d < 20; d++) {
        const uint64_t around[] = {p - 1, p, p + 1, p * 5};
        for (unsigned i = 0; i < 4; i++) {
            char got[32], want[32];
            strbuf b = {.p = got, .cap = 31};
            sb_u64(&b, around[i]);
            got[b.len] = '\0';
            snprintf(want, sizeof want, "%" PRIu64, around[i]);
            assert_string_equal(got, want);
        }
        if (d < 19)
            p *= 10;
    }
    char got[32];
    strbuf b = {.p = got, .cap = 31};
    sb_u64(&b, UINT64_MAX);
    got[b.len] = '\0';
    assert_string_equal(got, "18446744073709551615");
}

static void signed_numbers(void **state)
{
    (void)state;
    const int64_t vals[] = {0, -1, -128, 511, -108600000, 54600000, INT64_MIN, INT64_MAX, (int64_t)UINT32_MAX + 1};
    for (unsigned i = 0; i < sizeof vals / sizeof vals[0]; i++) {
        char got[32], want[32];
        strbuf b = {.p = got, .cap = 31};
        sb_i64(&b, vals[i]);
        got[b.len] = '\0';
        snprintf(want, sizeof want, "%" PRId64, vals[i]);
        assert_string_equal(got, want);
    }
}

static void overflow_writes_nothing_more(void **state)
{
    (void)state;
    char buf[8];
    strbuf b = {.p = buf, .cap = 5};
    sb_puts(&b, "abc");
    sb_u64(&b, 123456);
    assert_true(b.overflow);
    assert_int_equal(b.len, 3);
    sb_putc(&b, 'x');
    assert_int_equal(b.len, 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(unsigned_numbers),
        cmocka_unit_test(signed_numbers),
        cmocka_unit_test(overflow_writes_nothing_more),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
