/* pipeline.h - hands work from a producer thread to consumers in batches
 * through a bounded queue (so memory stays fixed and order is kept). */
#ifndef LOOKOUT_CLI_PIPELINE_H
#define LOOKOUT_CLI_PIPELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct pipeline pipeline;

/* nbatches buffers of batch_size bytes each, owned by the pipeline. */
pipeline *pipeline_create(size_t nbatches, size_t batch_size);
void pipeline_destroy(pipeline *p);

/* Producer: an empty buffer to fill (blocks while all are in use). */
void *pipeline_take_empty(pipeline *p);
/* Producer: hand a filled buffer on (used = bytes written). */
void pipeline_put_full(pipeline *p, void *buf, size_t used);
/* Producer: no more buffers will come. */
void pipeline_close(pipeline *p);

/* Filled buffers waiting for the consumer: near the total when it is the
 * slower side (the producer may then take on more of the work). */
size_t pipeline_backlog(pipeline *p);

/* Consumer: the next filled buffer in order, or NULL after close; seq numbers
 * the buffers from 0 in the order they were filled (several consumers may take
 * them: seq tells them their order). */
void *pipeline_take_full(pipeline *p, size_t *used, uint64_t *seq);
/* Consumer: give a buffer back for reuse. */
void pipeline_put_empty(pipeline *p, void *buf);

#endif
