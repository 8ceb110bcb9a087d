/* sphtree.h - a bounding-volume hierarchy over items on the unit sphere (shore
 * arcs, port points), for the exact nearest item to a point. Internal.
 *
 * Items are given as 3-D boxes (which must hold every point of the item) and
 * centres. Building sorts them so that each leaf's items are consecutive:
 * callers reorder their item arrays by `order` and let a leaf callback measure
 * items [first, first + count). Distances are squared chords of the unit sphere
 * (|p - q|^2), which grow with the angle, so boxes give exact lower bounds.
 *
 * Nodes have four children whose boxes sit side by side as floats (one node is
 * two cache lines, and the four distances are computed together): half the
 * levels of a binary tree, which matters because a look-up is mostly waiting
 * for nodes to come from memory. */
#ifndef LOOKOUT_SPHTREE_H
#define LOOKOUT_SPHTREE_H

#include <stddef.h>
#include <stdint.h>

#define LO_SPHTREE_MAX_LEAF 255 /* items per leaf at most (a leaf count is a byte) */
#define LO_SPHTREE_NONE UINT32_MAX

typedef struct lo_sphtree_node {
    float lo[3][4], hi[3][4]; /* child boxes by axis (an empty slot: lo > hi) */
    uint32_t child[4];        /* inner child: node index; leaf child: first item */
    uint8_t count[4];         /* leaf child: items (> 0); inner child or empty: 0 */
    uint8_t pad[12];
} lo_sphtree_node;

typedef struct lo_sphtree {
    lo_sphtree_node *nodes;
    uint32_t nnodes, nitems;
    uint32_t *order; /* order[k] = caller's item index at leaf position k */
} lo_sphtree;

/* Build over n items: box i is lo[i]..hi[i], centre c[i]; at most leaf_max
 * (1..LO_SPHTREE_MAX_LEAF) items per leaf. Returns 0, LO_E_INVAL or LO_E_NOMEM. */
int lo_sphtree_build(lo_sphtree *t, uint32_t n, const double (*lo)[3], const double (*hi)[3],
                     const double (*c)[3], unsigned leaf_max);
void lo_sphtree_free(lo_sphtree *t);

/* Measure items [first, first + count) (leaf positions) from p; when one is
 * nearer than *best2, set *best2 and *best to its leaf position. */
typedef void (*lo_sphtree_leaf_fn)(const void *ctx, uint32_t first, uint32_t count, const double p[3],
                                   double *best2, uint32_t *best);

/* The leaf position of the nearest item with squared chord < max2 (and that
 * chord in *best2), or LO_SPHTREE_NONE. */
uint32_t lo_sphtree_nearest(const lo_sphtree *t, const double p[3], double max2, lo_sphtree_leaf_fn fn,
                            const void *ctx, double *best2);

#endif
