/* sphtree.c - bounding-volume hierarchy over items on the unit sphere: a binary
 * tree built top down by median splits on the widest axis of the item centres
 * (quickselect, so O(n log n)), then collapsed into four-way nodes. Queried
 * depth first, nearer children first, pruning every box that cannot hold
 * anything nearer than the best so far. */
#include "sphtree.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lookout/error.h"

/* Boxes are stored as floats grown by this much (unit sphere: 6 m), far more
 * than the rounding of float boxes and distances, so that a box distance never
 * exceeds the true distance to anything inside. */
#define BOX_MARGIN 1e-6

typedef struct bnode {
    double lo[3], hi[3];
    uint32_t first, count; /* leaf: items; inner: first = left child (right = left + 1), count = 0 */
} bnode;

typedef struct build_ctx {
    const double (*lo)[3], (*hi)[3], (*c)[3];
    uint32_t *idx;
    bnode *b;
    uint32_t nb;
    unsigned leaf_max;
    lo_sphtree *t;
} build_ctx;

static inline double dmin(double a, double b) { return a < b ? a : b; }
static inline double dmax(double a, double b) { return a > b ? a : b; }

/* Partition idx[0..n) so that idx[k] has the k-th smallest centre on axis. */
static void select_kth(const double (*c)[3], uint32_t *idx, uint32_t n, uint32_t k, int axis)
{
    uint32_t l = 0, r = n - 1;
    while (l < r) {
        double pivot = c[idx[l + (r - l) / 2]][axis];
        uint32_t i = l, j = r;
        while (i <= j) {
            while (c[idx[i]][axis] < pivot)
                i++;
            while (c[idx[j]][axis] > pivot)
                j--;
            if (i <= j) {
                uint32_t tmp = idx[i];
                idx[i] = idx[j];
                idx[j] = tmp;
                i++;
                if (j == 0)
                    break;
                j--;
            }
        }
        if (k <= j)
            r = j;
        else if (k >= i)
            l = i;
        else
            return;
    }
}

static void build_binary(build_ctx *b, uint32_t node, uint32_t first, uint32_t n)
{
    bnode *nd = &b->b[node];
    double clo[3] = {INFINITY, INFINITY, INFINITY}, chi[3] = {-INFINITY, -INFINITY, -INFINITY};
    for (int a = 0; a < 3; a++) {
        nd->lo[a] = INFINITY;
        nd->hi[a] = -INFINITY;
    }
    for (uint32_t k = first; k < first + n; k++) {
        uint32_t i = b->idx[k];
        for (int a = 0; a < 3; a++) {
            nd->lo[a] = dmin(nd->lo[a], b->lo[i][a]);
            nd->hi[a] = dmax(nd->hi[a], b->hi[i][a]);
            clo[a] = dmin(clo[a], b->c[i][a]);
            chi[a] = dmax(chi[a], b->c[i][a]);
        }
    }
    if (n <= b->leaf_max) {
        nd->first = first;
        nd->count = n;
        return;
    }
    int axis = 0;
    for (int a = 1; a < 3; a++)
        if (chi[a] - clo[a] > chi[axis] - clo[axis])
            axis = a;
    uint32_t half = n / 2;
    select_kth(b->c, b->idx + first, n, half, axis);
    uint32_t child = b->nb;
    b->nb += 2;
    nd->first = child;
    nd->count = 0;
    build_binary(b, child, first, half);
    build_binary(b, child + 1, first + half, n - half);
}

/* Four-way node for binary node bi: its children, with inner ones replaced by
 * their own children while there is room. Returns the node's index. */
static uint32_t collapse(build_ctx *b, uint32_t bi)
{
    uint32_t slot[4], ns = 0;
    if (b->b[bi].count) {
        slot[ns++] = bi; /* the whole tree is one leaf */
    } else {
        slot[ns++] = b->b[bi].first;
        slot[ns++] = b->b[bi].first + 1;
        for (uint32_t k = 0; k < 2; k++) { /* grandchildren: one level down, not a deep path */
            const bnode *s = &b->b[slot[k]];
            if (s->count == 0) {
                slot[k] = s->first;
                slot[ns++] = s->first + 1;
            }
        }
    }
    uint32_t me = b->t->nnodes++;
    lo_sphtree_node *q = &b->t->nodes[me];
    for (int k = 0; k < 4; k++) {
        for (int a = 0; a < 3; a++) {
            q->lo[a][k] = 1;
            q->hi[a][k] = -1;
        }
        q->child[k] = LO_SPHTREE_NONE;
        q->count[k] = 0;
    }
    for (uint32_t k = 0; k < ns; k++) {
        const bnode *s = &b->b[slot[k]];
        for (int a = 0; a < 3; a++) {
            q->lo[a][k] = (float)(s->lo[a] - BOX_MARGIN);
            q->hi[a][k] = (float)(s->hi[a] + BOX_MARGIN);
        }
        if (s->count) {
            q->child[k] = s->first;
            q->count[k] = (uint8_t)s->count;
        }
    }
    for (uint32_t k = 0; k < ns; k++) {
        const bnode *s = &b->b[slot[k]];
        if (s->count == 0) {
            uint32_t c = collapse(b, slot[k]);
            b->t->nodes[me].child[k] = c; /* nodes may not move: allocated up front */
        }
    }
    return me;
}

int lo_sphtree_build(lo_sphtree *t, uint32_t n, const double (*lo)[3], const double (*hi)[3],
                     const double (*c)[3], unsigned leaf_max)
{
    memset(t, 0, sizeof *t);
    if (leaf_max < 1 || leaf_max > LO_SPHTREE_MAX_LEAF)
        return LO_E_INVAL;
    /* Median splits leave at least (leaf_max + 1) / 2 items per leaf: at most
     * n leaves, fewer than 2n binary nodes; four-way nodes are fewer than the
     * binary inner nodes. */
    uint64_t cap = 2 * (uint64_t)n + 1;
    build_ctx b = {lo, hi, c, NULL, NULL, 1, leaf_max, t};
    b.b = malloc(cap * sizeof *b.b);
    t->nodes = malloc(((uint64_t)n + 1) * sizeof *t->nodes); /* one per binary inner node */
    t->order = malloc((n ? n : 1) * sizeof *t->order);
    if (!b.b || !t->nodes || !t->order) {
        free(b.b);
        lo_sphtree_free(t);
        return LO_E_NOMEM;
    }
    for (uint32_t i = 0; i < n; i++)
        t->order[i] = i;
    t->nitems = n;
    if (n > 0) {
        b.idx = t->order;
        build_binary(&b, 0, 0, n);
        collapse(&b, 0);
        lo_sphtree_node *shrunk = realloc(t->nodes, t->nnodes * sizeof *t->nodes);
        if (shrunk)
            t->nodes = shrunk;
    }
    free(b.b);
    return 0;
}

void lo_sphtree_free(lo_sphtree *t)
{
    free(t->nodes);
    free(t->order);
    memset(t, 0, sizeof *t);
}

uint32_t lo_sphtree_nearest(const lo_sphtree *t, const double p[3], double max2, lo_sphtree_leaf_fn fn,
                            const void *ctx, double *best2)
{
    double best = max2;
    uint32_t found = LO_SPHTREE_NONE;
    if (t->nitems == 0) {
        *best2 = best;
        return found;
    }
    const float pf[3] = {(float)p[0], (float)p[1], (float)p[2]};
    /* Depth is below 32 for 2^32 items; each level pushes at most three more. */
    struct {
        uint32_t node;
        float d2;
    } stack[128];
    int sp = 0;
    stack[sp].node = 0;
    stack[sp++].d2 = 0;
    while (sp > 0) {
        sp--;
        if (stack[sp].d2 >= best)
            continue;
        const lo_sphtree_node *nd = &t->nodes[stack[sp].node];
        /* written so that compilers turn it into a few vector instructions */
        float d2[4] = {0, 0, 0, 0};
        for (int a = 0; a < 3; a++) {
            float pa = pf[a];
            for (int k = 0; k < 4; k++) {
                float u = nd->lo[a][k] - pa, w = pa - nd->hi[a][k];
                u = u > 0.0f ? u : 0.0f;
                w = w > 0.0f ? w : 0.0f;
                float g = u + w; /* one of them is 0 when lo <= hi */
                d2[k] += g * g;
            }
        }
        /* children worth visiting, nearest first */
        int ord[4], m = 0;
        for (int k = 0; k < 4; k++) {
            if (!(d2[k] < best) || nd->lo[0][k] > nd->hi[0][k])
                continue;
            int j = m++;
            while (j > 0 && d2[ord[j - 1]] > d2[k]) {
                ord[j] = ord[j - 1];
                j--;
            }
            ord[j] = k;
        }
        /* leaves now (nearest first), inner nodes pushed farthest first */
        for (int j = 0; j < m; j++) {
            int k = ord[j];
            if (nd->count[k] && d2[k] < best)
                fn(ctx, nd->child[k], nd->count[k], p, &best, &found);
        }
        for (int j = m - 1; j >= 0; j--) {
            int k = ord[j];
            if (!nd->count[k]) {
                stack[sp].node = nd->child[k];
                stack[sp++].d2 = d2[k];
            }
        }
    }
    *best2 = best;
    return found;
}
