/* main.c - the lookout command-line tool: dispatches to one command per file. */
#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

void cli_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("lookout: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

#ifndef LOOKOUT_DATA_DIR
#define LOOKOUT_DATA_DIR "data"
#endif

const char *cli_data_dir(void)
{
    const char *env = getenv("LOOKOUT_DATA");
    return env && *env ? env : LOOKOUT_DATA_DIR;
}

static void usage(FILE *out)
{
    fputs("usage: lookout COMMAND [OPTIONS] [FILE...]\n"
          "\n"
          "commands:\n"
          "  decode   decode AIS NMEA sentences to JSON lines or CSV\n"
          "  encode   encode JSON lines (as decode writes them) back to NMEA sentences\n"
          "  layouts  print every message layout and its length rule (Markdown)\n"
          "  ingest   track vessels from NMEA logs or CSV datasets into an SQLite database\n"
          "  vessels  the picture (from the database): vessels at a time, in an area\n"
          "  track    one vessel's track, split into segments\n"
          "  positions  stored positions in an area and time window\n"
          "  detect   screen AIS for security alerts: gaps, encounters, loitering, zones, watch list,\n"
          "           identity fraud, spoofing\n"
          "  sim      simulate AIS from a scenario: vessels, events, background traffic\n"
          "  serve    the live service: UDP/TCP/replay ingest, HTTP API, live stream, web map\n"
          "\n"
          "Run 'lookout COMMAND --help' for a command's options.\n",
          out);
}

typedef int (*command_fn)(int argc, char **argv);

static const struct {
    const char *name;
    command_fn run;
} commands[] = {
    {"decode", cmd_decode}, {"layouts", cmd_layouts}, {"encode", cmd_encode},       {"ingest", cmd_ingest},
    {"vessels", cmd_vessels}, {"track", cmd_track},   {"positions", cmd_positions}, {"detect", cmd_detect},
    {"sim", cmd_sim},         {"serve", cmd_serve},
};

static int run(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *cmd = argv[1];
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(cmd, commands[i].name))
            return commands[i].run(argc - 1, argv + 1);
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
        usage(stdout);
        return 0;
    }
    cli_error("unknown command '%s'", cmd);
    usage(stderr);
    return 2;
}

int main(int argc, char **argv)
{
    int rc = run(argc, argv);
    /* Whatever was printed to stdout must have been written: a full disk is an
     * error even for a command that checked nothing. */
    if ((fflush(stdout) | ferror(stdout)) && rc == 0) {
        cli_error("%s: write error on standard output", argc > 1 ? argv[1] : "lookout");
        rc = 1;
    }
    return rc;
}
