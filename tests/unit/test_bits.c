/* test_bits.c - armour and bit access against hand-checked values. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "lookout/bits.h"

static void armour_table(void **state)
{
    (void)state;
    /* Every legal character maps back to itself; everything else is rejected. */
    for (int v = 0; v < 64; v++)
        assert_int_equal(lo_armour_value[(unsigned char)lo_armour_char[v]], v);
    int legal = 0;
    for (int c = 0; c < 256; c++)
        legal += lo_armour_value[c] != 0xFF;
    assert_int_equal(legal, 64);
    assert_int_equal(lo_armour_value['X'], 0xFF);
    assert_int_equal(lo_armour_value['_'], 0xFF);
    assert_int_equal(lo_armour_value['x'], 0xFF);
}

static void decode_type1_fields(void **state)
{
    (void)state;
    /* gpsd sample.aivdm: MMSI 371798000, lon -123.395383 (=-74037230), lat 48.381633 (=29028980), as gpsd decodes it. */
    const char *p = "15RTgt0PAso;90TKcjM8h6g208CQ";
    uint8_t bits[64] = {0};
    uint32_t n = 0;
    assert_int_equal(lo_armour_decode(p, strlen(p), bits, &n), 0);
    assert_int_equal(n, 168);
    assert_int_equal(lo_bits_u(bits, n, 0, 6), 1);
    assert_int_equal(lo_bits_u(bits, n, 8, 30), 371798000);
    assert_int_equal(lo_bits_s(bits, n, 61, 28), -74037230);
    assert_int_equal(lo_bits_s(bits, n, 89, 27), 29028980);
    assert_int_equal(lo_bits_u(bits, n, 116, 12), 2240);
    assert_int_equal(lo_bits_u(bits, n, 149, 19), 34017);
    /* Reading past the end yields zero bits, never a read out of bounds. */
    assert_int_equal(lo_bits_u(bits, n, 166, 8), (lo_bits_u(bits, n, 166, 2) << 6));
}

static void bad_character(void **state)
{
    (void)state;
    uint8_t bits[8] = {0};
    uint32_t n = 0;
    assert_int_equal(lo_armour_decode("15X", 3, bits, &n), -1);
}

/* lo_armour_valid says yes exactly when lo_armour_decode succeeds: every
 * length 0-100 (the SSE2 blocks, the overlapping tail, the scalar rest), one
 * bad character at every place, and characters around both ranges' ends. */
static void armour_valid_agrees(void **state)
{
    (void)state;
    static const char probe[] = {'/', '0', 'W', 'X', '_', '`', 'w', 'x', '@', '\0' + 1, (char)0xFF};
    char s[101] = {0};
    uint8_t bits[128];
    uint32_t seed = 12345;
    for (size_t n = 0; n <= 100; n++) {
        for (size_t i = 0; i < n; i++) {
            seed = seed * 1103515245u + 12345u;
            s[i] = lo_armour_char[(seed >> 16) % 64];
        }
        uint32_t nb = 0;
        assert_int_equal(lo_armour_valid(s, n), 1);
        assert_int_equal(lo_armour_decode(s, n, bits, &nb), 0);
        for (size_t at = 0; at < n; at++)
            for (size_t k = 0; k < sizeof probe; k++) {
                char keep = s[at];
                s[at] = probe[k];
                nb = 0;
                int ok = lo_armour_decode(s, n, bits, &nb) == 0;
                assert_int_equal(lo_armour_valid(s, n), ok);
                s[at] = keep;
            }
    }
}

static void put_then_get(void **state)
{
    (void)state;
    uint8_t bits[16] = {0};
    lo_bits_put(bits, 3, 28, (uint64_t)(-74037230) & ((1u << 28) - 1));
    assert_int_equal(lo_bits_s(bits, 128, 3, 28), -74037230);
    lo_bits_put(bits, 61, 64, 0x0123456789abcdefULL);
    assert_true(lo_bits_u(bits, 128, 61, 64) == 0x0123456789abcdefULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(armour_table),
        cmocka_unit_test(decode_type1_fields),
        cmocka_unit_test(bad_character),
        cmocka_unit_test(put_then_get),
        cmocka_unit_test(armour_valid_agrees),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
