/* test_dl.c - GEOS and libmicrohttpd loaded on first use (src/lib/geos_dl.c,
 * src/server/mhd_dl.c): neither is in the process before it is needed (an
 * empty zone set does not load GEOS; this test links neither), the first add
 * loads GEOS, every entry of both tables is set, a second load changes
 * nothing, and a missing library or function gives a text naming it. */
#define _GNU_SOURCE /* RTLD_NOLOAD */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dlfcn.h>
#include <stdbool.h>
#include <string.h>

#include "geos_dl.h"
#include "lookout/geo.h"
#include "mhd_dl.h"

static bool in_process(const char *soname)
{
    void *h = dlopen(soname, RTLD_LAZY | RTLD_NOLOAD);
    if (h)
        dlclose(h);
    return h != NULL;
}

static const char SQUARE[] = "{\"type\":\"Feature\",\"properties\":{\"name\":\"SQ\"},\"geometry\":{\"type\":\"Polygon\","
                             "\"coordinates\":[[[10,50],[11,50],[11,51],[10,51],[10,50]]]}}";

/* runs first: nothing has loaded GEOS yet */
static void test_geos_on_first_add(void **state)
{
    (void)state;
    assert_false(in_process(LO_GEOS_SONAME));
    lo_zones *z = lo_zones_create();
    assert_non_null(z);
    uint32_t ids[2];
    assert_int_equal(lo_zones_at(z, 50.5, 10.5, ids, 2), 0);
    assert_false(in_process(LO_GEOS_SONAME));
    lo_geo_error err = {0};
    assert_int_equal(lo_zones_add_geojson(z, SQUARE, strlen(SQUARE), "sq.geojson", NULL, &err), 1);
    assert_true(in_process(LO_GEOS_SONAME));
    assert_int_equal(lo_zones_at(z, 50.5, 10.5, ids, 2), 1);
    assert_int_equal(lo_zones_at(z, 52, 10.5, ids, 2), 0);
    lo_zones_destroy(z);
    lo_zones_destroy(lo_zones_create()); /* never started GEOS */
}

static void test_geos_table(void **state)
{
    (void)state;
    assert_null(lo_geos_load());
#define SET_(f) assert_true(lo_geos.f != NULL);
    LO_GEOS_FUNCS(SET_)
#undef SET_
    lo_geos_api first = lo_geos;
    assert_null(lo_geos_load());
    assert_memory_equal(&first, &lo_geos, sizeof first);
}

static void test_mhd_table(void **state)
{
    (void)state;
    assert_false(in_process(LO_MHD_SONAME));
    assert_null(srv_mhd_load());
    assert_true(in_process(LO_MHD_SONAME));
#define SET_(f) assert_true(srv_mhd.f != NULL);
    SRV_MHD_FUNCS(SET_)
#undef SET_
    srv_mhd_api first = srv_mhd;
    assert_null(srv_mhd_load());
    assert_memory_equal(&first, &srv_mhd, sizeof first);
}

static void test_missing(void **state)
{
    (void)state;
    char err[256];
    lo_geos_api g;
    assert_non_null(lo_geos_load_from("libgeos_c-missing.so.1", &g, err, sizeof err));
    assert_non_null(strstr(err, "cannot load libgeos_c-missing.so.1"));
    assert_null(g.GEOS_init_r);
    srv_mhd_api m;
    assert_non_null(srv_mhd_load_from("libmicrohttpd-missing.so.12", &m, err, sizeof err));
    assert_non_null(strstr(err, "cannot load libmicrohttpd-missing.so.12"));
    assert_null(m.MHD_start_daemon);
    /* a library that is there but is not GEOS (already loaded: dlclose only drops a reference) */
    assert_non_null(lo_geos_load_from(LO_MHD_SONAME, &g, err, sizeof err));
    assert_non_null(strstr(err, LO_MHD_SONAME " (GEOS) has no GEOS_init_r"));
    assert_null(g.GEOS_init_r);
    /* the process's tables are untouched */
    assert_null(lo_geos_load());
    assert_non_null(lo_geos.GEOS_init_r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_geos_on_first_add),
        cmocka_unit_test(test_geos_table),
        cmocka_unit_test(test_mhd_table),
        cmocka_unit_test(test_missing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
