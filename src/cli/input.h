/* input.h - reading input files (or stdin) in large chunks, with progress. */
#ifndef LOOKOUT_CLI_INPUT_H
#define LOOKOUT_CLI_INPUT_H

#include <stddef.h>
#include <stdint.h>

#include "lookout/stream.h"

/* Feed a whole file ("-" = stdin) into the stream. Returns 0, or -1 after
 * printing an error naming the file. Shows a progress line on a terminal. */
int cli_feed_file(lo_stream *s, const char *path);

#endif
