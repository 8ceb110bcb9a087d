/* cli.h - the lookout command-line tool's commands (public API users only). */
#ifndef LOOKOUT_CLI_H
#define LOOKOUT_CLI_H

int cmd_decode(int argc, char **argv);
int cmd_encode(int argc, char **argv);
int cmd_layouts(int argc, char **argv);
int cmd_ingest(int argc, char **argv);
int cmd_vessels(int argc, char **argv);
int cmd_track(int argc, char **argv);
int cmd_positions(int argc, char **argv);
int cmd_sim(int argc, char **argv);
int cmd_detect(int argc, char **argv);
int cmd_serve(int argc, char **argv);

/* Where the shipped data (land, ports, zones, watch list) is: $LOOKOUT_DATA, else the
 * repository's data/ the binary was built from. */
const char *cli_data_dir(void);

/* Print "lookout: <fmt>" to stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
