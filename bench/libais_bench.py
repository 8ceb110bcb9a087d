#!/usr/bin/python3
"""libais_bench.py - decode an AIS NMEA file with libais (Debian python3-ais).

Usage: /usr/bin/python3 bench/libais_bench.py [--queue] FILE

Default mode ("decode"): a plain Python loop that splits each !xxVDM/!xxVDO
sentence, calls ais.decode(payload, fill_bits) on single-sentence messages
directly and, for multi-sentence ones, joins the payloads of all parts (keyed
by channel and sequence id, in order) and decodes the joined payload with the
last part's fill bits.  Tag blocks (\\...\\ prefixes) are skipped; NMEA
checksums are not verified.  The decoded dict is discarded (no output).

--queue mode: feed every line to ais.nmea_queue.NmeaQueue (as
/work/shared/tools/libais-decode.py does), which also parses tag blocks and
USCG trailers; much slower.

Prints one line to stdout: "libais MODE: N decoded, M failed" - run.sh reads N.
"""
import logging
import sys

import ais


def run_decode(path):
    decode = ais.decode
    DecodeError = ais.DecodeError
    ok = failed = 0
    pending = {}  # (channel, seq id) -> [expected next part, [payloads]]
    with open(path, errors="replace") as src:
        for line in src:
            if line[0] == "\\":  # tag block: skip to the sentence
                end = line.find("\\", 1)
                if end < 0:
                    continue
                line = line[end + 1:]
            f = line.split(",", 7)
            if len(f) < 7 or not f[0].endswith(("VDM", "VDO")):
                continue
            try:
                total = int(f[1])
                num = int(f[2])
                fill = int(f[6][:1])
            except ValueError:
                failed += 1
                continue
            payload = f[5]
            if total == 1:
                try:
                    decode(payload, fill)
                    ok += 1
                except DecodeError:
                    failed += 1
                continue
            key = (f[4], f[3])
            if num == 1:
                pending[key] = [2, [payload]]
                continue
            part = pending.get(key)
            if part is None or part[0] != num:
                pending.pop(key, None)
                failed += 1
                continue
            part[1].append(payload)
            if num < total:
                part[0] = num + 1
                continue
            del pending[key]
            try:
                decode("".join(part[1]), fill)
                ok += 1
            except DecodeError:
                failed += 1
    return ok, failed


def run_queue(path):
    import ais.nmea_queue
    queue = ais.nmea_queue.NmeaQueue()
    ok = failed = 0

    def drain():
        nonlocal ok, failed
        while queue.qsize():
            msg = queue.get()
            if msg.get("decoded") is None:
                if msg.get("line_type") != "TEXT":
                    failed += 1
            else:
                ok += 1

    with open(path, errors="replace") as src:
        for line in src:
            queue.put(line)
            drain()
    drain()
    return ok, failed


def main():
    args = sys.argv[1:]
    mode = "decode"
    if args and args[0] == "--queue":
        mode = "queue"
        args = args[1:]
    if len(args) != 1:
        sys.exit(__doc__)
    logging.disable(logging.CRITICAL)
    ok, failed = (run_queue if mode == "queue" else run_decode)(args[0])
    print(f"libais {mode}: {ok} decoded, {failed} failed")


if __name__ == "__main__":
    main()
