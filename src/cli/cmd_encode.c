/* cmd_encode.c - `lookout encode` (placeholder until the encoder lands). */
#include "cli.h"

int cmd_encode(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    cli_error("encode: not built yet");
    return 2;
}
