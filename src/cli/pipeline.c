/* pipeline.c - a bounded FIFO of fixed buffers between two threads. */
#include "pipeline.h"

#include <pthread.h>
#include <stdlib.h>

struct pipeline {
    pthread_mutex_t lock;
    pthread_cond_t changed;
    size_t n;
    void **empty;   /* stack of free buffers */
    size_t nempty;
    void **full;    /* ring of filled buffers, in order */
    size_t *used;
    size_t head, nfull;
    uint64_t taken; /* filled buffers handed out so far: the next one's number */
    bool closed;
    unsigned waiters; /* threads in wait_changed: a wake-up costs a system call, so only then */
    char *memory;
};

pipeline *pipeline_create(size_t nbatches, size_t batch_size)
{
    pipeline *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->n = nbatches;
    p->empty = calloc(nbatches, sizeof *p->empty);
    p->full = calloc(nbatches, sizeof *p->full);
    p->used = calloc(nbatches, sizeof *p->used);
    p->memory = malloc(nbatches * batch_size);
    if (!p->empty || !p->full || !p->used || !p->memory) {
        pipeline_destroy(p);
        return NULL;
    }
    for (size_t i = 0; i < nbatches; i++)
        p->empty[p->nempty++] = p->memory + i * batch_size;
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->changed, NULL);
    return p;
}

void pipeline_destroy(pipeline *p)
{
    if (!p)
        return;
    if (p->memory) {
        pthread_mutex_destroy(&p->lock);
        pthread_cond_destroy(&p->changed);
    }
    free(p->empty);
    free(p->full);
    free(p->used);
    free(p->memory);
    free(p);
}

static void wait_changed(pipeline *p)
{
    p->waiters++;
    pthread_cond_wait(&p->changed, &p->lock);
    p->waiters--;
}

static void signal_changed(pipeline *p)
{
    if (p->waiters)
        pthread_cond_broadcast(&p->changed);
}

void *pipeline_take_empty(pipeline *p)
{
    pthread_mutex_lock(&p->lock);
    while (p->nempty == 0)
        wait_changed(p);
    void *b = p->empty[--p->nempty];
    pthread_mutex_unlock(&p->lock);
    return b;
}

void pipeline_put_full(pipeline *p, void *buf, size_t used)
{
    pthread_mutex_lock(&p->lock);
    size_t tail = (p->head + p->nfull) % p->n;
    p->full[tail] = buf;
    p->used[tail] = used;
    p->nfull++;
    signal_changed(p);
    pthread_mutex_unlock(&p->lock);
}

void pipeline_close(pipeline *p)
{
    pthread_mutex_lock(&p->lock);
    p->closed = true;
    signal_changed(p);
    pthread_mutex_unlock(&p->lock);
}

void *pipeline_take_full(pipeline *p, size_t *used, uint64_t *seq)
{
    pthread_mutex_lock(&p->lock);
    while (p->nfull == 0 && !p->closed)
        wait_changed(p);
    void *b = NULL;
    if (p->nfull) {
        b = p->full[p->head];
        *used = p->used[p->head];
        p->head = (p->head + 1) % p->n;
        p->nfull--;
        *seq = p->taken++;
    }
    pthread_mutex_unlock(&p->lock);
    return b;
}

void pipeline_put_empty(pipeline *p, void *buf)
{
    pthread_mutex_lock(&p->lock);
    p->empty[p->nempty++] = buf;
    signal_changed(p);
    pthread_mutex_unlock(&p->lock);
}

size_t pipeline_backlog(pipeline *p)
{
    pthread_mutex_lock(&p->lock);
    size_t n = p->nfull;
    pthread_mutex_unlock(&p->lock);
    return n;
}
