#!/usr/bin/env python3
"""make_corpus.py - seed corpora for the fuzz targets from the real AIS logs in
shared/data/ais (only the permissively licensed sources: BSD, MIT, Apache).

    python3 fuzz/make_corpus.py SHARED_DATA_AIS OUT_DIR

writes OUT_DIR/fuzz_sentence (single lines of every kind), OUT_DIR/fuzz_stream
(small chunks of consecutive lines, including whole multi-sentence messages, tag
blocks, $PGHP headers and receiver trailers) and OUT_DIR/fuzz_decode (the bits of
real messages of every type and variant, in fuzz_decode's format: one byte of
unused trailing bits, then the bits MSB first). The seeds are then fuzzed and
minimised with -merge=1 into fuzz/corpus/ (docs/fuzzing.md)."""
import hashlib
import os
import random
import re
import sys

SOURCES = ["gpsd", "libais", "pyais", "aisparser-bcl", "dma-aislib", "gfw-ais-tools", "aduvenhage"]
LOG_EXT = re.compile(r"\.(log|nmea|aivdm|ais|txt)$|ais_test_messages$")
SENTENCE = re.compile(r"[!$][A-Z]{2}VD[MO],(\d),(\d),(\d?),([^,]*),([^,]*),(\d?)\*[0-9A-Fa-f]{2}")


def log_files(root):
    for src in SOURCES:
        for dirpath, _, names in os.walk(os.path.join(root, src)):
            for n in sorted(names):
                if LOG_EXT.search(n) and not n.endswith(".chk"):
                    yield os.path.join(dirpath, n)


def read_lines(path):
    """Lines with their original terminators."""
    with open(path, "rb") as f:
        return f.read().splitlines(keepends=True)


def write(outdir, data, seen):
    h = hashlib.sha1(data).hexdigest()
    if h in seen:
        return
    seen.add(h)
    with open(os.path.join(outdir, h), "wb") as f:
        f.write(data)


def shape(line):
    """A coarse kind of line, so the seeds cover every kind, not the commonest."""
    s = line.rstrip(b"\r\n").decode("latin-1")
    kind = []
    if s.startswith("\\"):
        kind.append("tag" + ("alone" if s.endswith("\\") else ""))
        for k in ("g:", "c:", "s:"):
            if k in s.split("\\")[1] if s.count("\\") >= 2 else False:
                kind.append(k)
    if s.startswith("#"):
        kind.append("comment")
    if "PGHP" in s:
        kind.append("pghp")
    m = SENTENCE.search(s)
    if m:
        kind.append("vdo" if s[m.start() + 5] == "O" else "vdm")
        kind.append("multi%s%s" % (m.group(1), m.group(2)) if m.group(1) != "1" else "single")
        kind.append("ch" + m.group(4))
        kind.append("fill" + m.group(6))
        rest = s[m.end():]
        if rest.startswith(",r"):
            kind.append("uscg")
        elif rest.startswith(","):
            kind.append("trailer")
        kind.append("type%d" % (ord(m.group(5)[0]) - 48 if m.group(5) else -1))
        kind.append("len%d" % (len(m.group(5)) // 20))
    elif s.startswith("$") and "PGHP" not in s:
        kind.append("othernmea")
    return tuple(kind)


def sentence_seeds(root, outdir, rng, budget=300):
    seen, per_shape = set(), {}
    for path in log_files(root):
        for line in read_lines(path):
            key = shape(line)
            per_shape.setdefault(key, []).append(line.rstrip(b"\r\n"))
    special = ("tag", "tagalone", "pghp", "uscg", "trailer", "vdo", "comment", "othernmea")
    keys = sorted(per_shape)
    first = [k for k in keys if any(s in k for s in special)]
    rest = [k for k in keys if k not in first]
    chosen = first[:budget // 2]
    chosen += rng.sample(rest, min(budget - len(chosen), len(rest)))
    for key in chosen:
        lines = per_shape[key]
        for line in rng.sample(lines, min(4 if key in first else 1, len(lines))):
            write(outdir, line, seen)
    return len(seen)


def stream_seeds(root, outdir, rng, budget=260):
    seen = set()
    files = list(log_files(root))
    chunks = []
    for path in files:
        lines = read_lines(path)
        if not lines:
            continue
        # Whole small files, and for every file a few chunks at random places and at
        # the start of multi-sentence messages.
        if sum(map(len, lines)) <= 2048:
            chunks.append(b"".join(lines))
        starts = [i for i, l in enumerate(lines) if re.search(rb"VD[MO],[2-9],1,", l)]
        picks = rng.sample(starts, min(3, len(starts))) + [rng.randrange(len(lines)) for _ in range(3)]
        for i in picks:
            n = rng.choice([1, 2, 3, 4, 6, 8, 12])
            chunk = b"".join(lines[i:i + n])
            if rng.random() < 0.2:
                chunk = chunk.rstrip(b"\r\n")  # a last line without terminator
            if 0 < len(chunk) <= 4096:
                chunks.append(chunk)
    rng.shuffle(chunks)
    for c in chunks[:budget]:
        write(outdir, c, seen)
    return len(seen)


def armour_bits(payload):
    bits = []
    for ch in payload:
        v = ord(ch) - 48
        if v > 40:
            v -= 8
        if not 0 <= v < 64:
            return None
        bits.extend((v >> (5 - k)) & 1 for k in range(6))
    return bits


def messages(root):
    """(bits) of every complete message, reassembling consecutive fragments."""
    for path in log_files(root):
        parts = {}
        for line in read_lines(path):
            m = SENTENCE.search(line.decode("latin-1"))
            if not m:
                continue
            total, num, seq, ch, payload, fill = m.groups()
            key = (seq, ch)
            if num == "1":
                parts[key] = []
            if key not in parts:
                continue
            parts[key].append(payload)
            if num == total:
                bits = armour_bits("".join(parts.pop(key)))
                if bits is None:
                    continue
                f = int(fill or 0)
                yield bits[:len(bits) - f] if f else bits


def variant(bits):
    """Type plus whatever chooses the layout (24 part, 22 addressed, 25/26 flags, 6/8 DAC/FI)."""
    def u(pos, width):
        return int("".join(map(str, bits[pos:pos + width])) or "0", 2)
    t = u(0, 6)
    if t == 24:
        return (t, u(38, 2), u(8, 30) // 10000000 == 98)
    if t == 22:
        return (t, u(139, 1))
    if t in (25, 26):
        return (t, u(38, 2))
    if t == 6:
        return (t, u(72, 10), u(82, 6))
    if t == 8:
        return (t, u(40, 10), u(50, 6))
    return (t,)


def decode_seeds(root, outdir, rng):
    seen, by_variant = set(), {}
    for bits in messages(root):
        if len(bits) < 6:
            continue
        by_variant.setdefault(variant(bits), {}).setdefault(len(bits), bits)
    for key in sorted(by_variant):
        lengths = sorted(by_variant[key])
        # Each variant's shortest, longest and a few lengths between.
        pick = {lengths[0], lengths[-1]} | set(rng.sample(lengths, min(4, len(lengths))))
        for n in sorted(pick):
            bits = by_variant[key][n]
            unused = (8 - n % 8) % 8
            padded = bits + [0] * unused
            body = bytes(int("".join(map(str, padded[i:i + 8])), 2) for i in range(0, len(padded), 8))
            write(outdir, bytes([unused]) + body, seen)
    types = sorted({k[0] for k in by_variant})
    return len(seen), types


def main():
    root, out = sys.argv[1], sys.argv[2]
    rng = random.Random(20261129)
    for t in ("fuzz_sentence", "fuzz_stream", "fuzz_decode"):
        os.makedirs(os.path.join(out, t), exist_ok=True)
    print("fuzz_sentence", sentence_seeds(root, os.path.join(out, "fuzz_sentence"), rng))
    print("fuzz_stream", stream_seeds(root, os.path.join(out, "fuzz_stream"), rng))
    n, types = decode_seeds(root, os.path.join(out, "fuzz_decode"), rng)
    print("fuzz_decode", n, "types", types)


if __name__ == "__main__":
    main()
