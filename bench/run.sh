#!/usr/bin/env bash
# bench/run.sh - lookout throughput benchmark against gpsdecode and libais.
#
# Usage: bench/run.sh [--quick] [--runs N] [--no-install]
#
#   --quick       small input (>= 100,000 sentences) and one run each: a sanity run
#   --runs N      timed runs per tool, best one kept (default 3; libais gets 1)
#   --no-install  do not apt-get install missing tools, fail instead
#
# Environment:
#   LOOKOUT=PATH     benchmark this binary instead of building build/release/lookout
#   LIBAIS_MODE=decode|queue
#                    decode (default): Python loop calling ais.decode(payload, fill)
#                    per message, multi-sentence payloads joined;
#                    queue: ais.nmea_queue.NmeaQueue (slower, parses more)
#   LIBAIS_RUNS=N    timed runs for libais (default 1)
#
# Builds the release preset if needed, makes bench/out/input.nmea by repeating
# the AISHub sample until it has >= 1,000,000 AIS sentences, then times on that
# input: wc -l (I/O floor), lookout decode -f none, lookout decode (JSON to
# /dev/null), the same two with --threads 1 when lookout has it, gpsdecode -u -j -s (to /dev/null) and libais, in rounds (each
# tool once per round).  Wall time is the best of the runs, CPU time (user +
# system) that of the best run, peak RSS from /usr/bin/time -f %M (max over the
# runs).  Checks that lookout and gpsdecode produced about as many messages.
# Prints a Markdown table, with lookout's rate against the project targets
# (JSON >= 20x gpsdecode, decode-only >= 50x), and writes it to
# bench/out/results.md.
#
# Runs as root on a fresh Debian 12 machine once the project's build
# dependencies are installed: it apt-get installs gpsd-clients, python3-ais and
# time itself when they are missing.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
out="$here/out"

quick=0
runs=3
runs_set=0
install=1
while [ $# -gt 0 ]; do
    case "$1" in
        --quick) quick=1 ;;
        --runs) shift; runs=${1:?--runs needs a number}; runs_set=1 ;;
        --runs=*) runs=${1#--runs=}; runs_set=1 ;;
        --no-install) install=0 ;;
        -h|--help) sed -n '2,/^set -e/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "run.sh: unknown option $1" >&2; exit 2 ;;
    esac
    shift
done
libais_mode=${LIBAIS_MODE:-decode}
libais_runs=${LIBAIS_RUNS:-1}
if [ "$quick" = 1 ]; then
    want=100000
    [ "$runs_set" = 1 ] || runs=1
    libais_runs=1
else
    want=1000000
fi
case "$libais_mode" in decode|queue) ;; *) echo "run.sh: LIBAIS_MODE must be decode or queue" >&2; exit 2 ;; esac

log() { printf '%s\n' "$*" >&2; }
die() { log "run.sh: $*"; exit 1; }

# ---- tools ---------------------------------------------------------------
pyexe=/usr/bin/python3
missing=()
command -v gpsdecode >/dev/null 2>&1 || missing+=(gpsd-clients)
[ -x /usr/bin/time ] || missing+=(time)
{ [ -x "$pyexe" ] && "$pyexe" -c 'import ais' >/dev/null 2>&1; } || missing+=(python3-ais)
if [ ${#missing[@]} -gt 0 ]; then
    [ "$install" = 1 ] || die "missing packages: ${missing[*]} (rerun without --no-install, as root)"
    [ "$(id -u)" = 0 ] || die "missing packages: ${missing[*]}; install them or run as root"
    log "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
command -v gpsdecode >/dev/null 2>&1 || die "gpsdecode not found"
"$pyexe" -c 'import ais' || die "$pyexe cannot import ais (python3-ais)"

if [ -n "${LOOKOUT:-}" ]; then
    lookout=$LOOKOUT
else
    lookout="$root/build/release/lookout"
    log "building lookout (release preset)"
    (
        cd "$root"
        [ -f build/release/CMakeCache.txt ] || cmake --preset release >/dev/null
        cmake --build --preset release -j"$(nproc)" >/dev/null
    ) || die "release build failed"
fi
[ -x "$lookout" ] || die "no lookout binary at $lookout"

# ---- input ---------------------------------------------------------------
sample="$root/tests/data/aishub-nmea-sample.txt"
[ -f "$sample" ] || sample="$root/../shared/data/ais/aishub-nmea-sample/nmea-sample.txt"
[ -f "$sample" ] || die "AISHub sample not found (tests/data/aishub-nmea-sample.txt)"
sample="$(cd "$(dirname "$sample")" && pwd)/$(basename "$sample")"
mkdir -p "$out"

count_sentences() { grep -cE '^(\\[^\\]*\\)?[!$][A-Z]{2}VD[MO],' "$1" || true; }

per=$(count_sentences "$sample")
[ "$per" -gt 0 ] || die "no AIS sentences in $sample"
copies=$(( (want + per - 1) / per ))
if [ "$quick" = 1 ]; then input="$out/input-quick.nmea"; else input="$out/input.nmea"; fi
stamp="$out/.$(basename "$input").src"
want_stamp="$sample $(wc -c <"$sample") $copies"
if [ ! -f "$input" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want_stamp" ]; then
    log "making $input: $copies copies of $sample"
    tmp="$input.tmp"
    : >"$tmp"
    i=0
    while [ $i -lt $copies ]; do cat "$sample" >>"$tmp"; i=$((i + 1)); done
    mv "$tmp" "$input"
    printf '%s\n' "$want_stamp" >"$stamp"
fi
sentences=$(count_sentences "$input")
lines=$(wc -l <"$input")
bytes=$(wc -c <"$input")
log "input: $lines lines, $sentences AIS sentences, $bytes bytes"

# ---- timing --------------------------------------------------------------
# Each tool is one `sh -c SCRIPT` that execs it, so /usr/bin/time measures the
# tool's own process. Runs are interleaved round by round (every tool once per
# round), so that a burst of background load does not hit one tool only.
# Positional parameters of the scripts: $1 lookout, $2 input, $3 python,
# $4 libais_bench.py, $5 its mode flag (may be empty), $6 libais report file.
libais_flag=""
[ "$libais_mode" = queue ] && libais_flag=--queue
ids=(wc none json gpsd libais)
# A lookout that decodes in several threads by default is also timed with one,
# for the per-core comparison (gpsdecode and libais use one thread).
threaded=0
if "$lookout" decode --help 2>&1 | grep -q -- '--threads'; then
    threaded=1
    ids=(wc none json none1 json1 gpsd libais)
fi
declare -A script nruns label cmd best peak cpu msgs walls
script[wc]='exec wc -l "$2" >/dev/null'
script[none]='exec "$1" decode -f none "$2"'
script[json]='exec "$1" decode "$2" >/dev/null'
script[none1]='exec "$1" decode --threads 1 -f none "$2"'
script[json1]='exec "$1" decode --threads 1 "$2" >/dev/null'
script[gpsd]='exec gpsdecode -u -j -s <"$2" >/dev/null 2>&1'
script[libais]='exec "$3" "$4" $5 "$2" >"$6"'
for id in "${ids[@]}"; do nruns[$id]=$runs; best[$id]=0; peak[$id]=0; cpu[$id]=0; done
nruns[libais]=$libais_runs
libais_ver=$("$pyexe" -c 'import ais; print(ais.__version__)' 2>/dev/null || echo '?')
label[wc]="wc -l (I/O floor)";                  cmd[wc]="wc -l"
# lookout's default: one thread per core, at most 4 (one reads, the others decode)
ncores=$(nproc 2>/dev/null || echo 1)
dthreads=$((ncores > 4 ? 4 : ncores))
label[none]="lookout (decode only, $dthreads threads)"; cmd[none]="lookout decode -f none"
label[json]="lookout (JSON, $dthreads threads)";        cmd[json]="lookout decode > /dev/null"
label[none1]="lookout (decode only, 1 thread)"; cmd[none1]="lookout decode --threads 1 -f none"
label[json1]="lookout (JSON, 1 thread)";        cmd[json1]="lookout decode --threads 1 > /dev/null"
label[gpsd]="gpsdecode (gpsd $(gpsdecode -V 2>&1 | awk '{print $NF; exit}'))"
cmd[gpsd]="gpsdecode -u -j -s < in > /dev/null"
label[libais]="libais $libais_ver ($libais_mode)"
if [ "$libais_mode" = queue ]; then
    cmd[libais]="python3 + ais.nmea_queue.NmeaQueue"
else
    cmd[libais]="python3 loop + ais.decode(payload, fill)"
fi

# Microseconds from bash's clock (no fork of date(1) inside the timed interval).
now_us() { local t=${EPOCHREALTIME:-}; [ -n "$t" ] || t=$(date +%s.%6N); t=${t/,/.}; REPLY=${t/./}; }
time_one() { # ID ROUND
    local id=$1 t0 t1 ns rss u s
    now_us; t0=$REPLY
    /usr/bin/time -f '%M %U %S' -o "$out/.time" sh -c "${script[$id]}" sh \
        "$lookout" "$input" "$pyexe" "$here/libais_bench.py" "$libais_flag" "$out/libais.txt" ||
        die "${label[$id]} failed"
    now_us; t1=$REPLY
    ns=$(((t1 - t0) * 1000))
    walls[$id]+="$ns "
    read -r rss u s < <(tail -n 1 "$out/.time")
    if [ "${best[$id]}" = 0 ] || [ "$ns" -lt "${best[$id]}" ]; then
        best[$id]=$ns
        cpu[$id]=$(awk -v u="$u" -v s="$s" 'BEGIN{printf "%.2f", u + s}')
    fi
    if [ "$rss" -gt "${peak[$id]}" ]; then peak[$id]=$rss; fi
    log "  round $2: ${label[$id]}: $(awk -v n="$ns" 'BEGIN{printf "%.3f", n/1e9}') s wall, $u+$s s CPU, $rss KB"
}

rounds=$runs
[ "$libais_runs" -gt "$rounds" ] && rounds=$libais_runs
log "timing: $rounds round(s); $runs run(s) per tool, libais $libais_runs"
for ((r = 1; r <= rounds; r++)); do
    for id in "${ids[@]}"; do
        [ "$r" -le "${nruns[$id]}" ] && time_one "$id" "$r"
    done
done

# Message counts: lookout's own --stats, output lines for the JSON writers,
# libais_bench.py's report; from separate untimed runs except libais.
msgs[wc]="-"
msgs[none]=$("$lookout" decode -f none --stats "$input" 2>&1 | awk '$1 == "decoded" {print $2}')
msgs[json]=$("$lookout" decode "$input" | wc -l)
if [ "$threaded" = 1 ]; then
    msgs[none1]=$("$lookout" decode --threads 1 -f none --stats "$input" 2>&1 | awk '$1 == "decoded" {print $2}')
    msgs[json1]=$("$lookout" decode --threads 1 "$input" | wc -l)
    [ "${msgs[json1]}" = "${msgs[json]}" ] || log "WARNING: lookout with 1 thread wrote ${msgs[json1]} messages, with the default ${msgs[json]}"
fi
msgs[gpsd]=$(gpsdecode -u -j -s <"$input" 2>/dev/null | wc -l)
msgs[libais]=$(awk '{for (i = 1; i <= NF; i++) if ($i == "decoded,") print $(i - 1)}' "$out/libais.txt")
gpsd_s=$(awk -v n="${best[gpsd]}" 'BEGIN{printf "%.4f", n/1e9}')
# Median wall time of each tool (ns): on a shared or virtual machine the best
# run and the typical one can differ a lot, and both are reported.
declare -A median
for id in "${ids[@]}"; do
    median[$id]=$(printf '%s\n' ${walls[$id]} | sort -n | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : int((v[NR / 2] + v[NR / 2 + 1]) / 2)}')
done
gpsd_med=$(awk -v n="${median[gpsd]}" 'BEGIN{printf "%.4f", n/1e9}')

# ---- report --------------------------------------------------------------
results="$out/results.md"
{
    cpu=$(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -n 1)
    echo "Machine: ${cpu:-unknown CPU}, $(nproc) CPU(s), Linux $(uname -r), $(gcc --version 2>/dev/null | head -n 1 || echo 'gcc ?'); $(date -u '+%Y-%m-%d %H:%M UTC')."
    if [ -n "${LOOKOUT:-}" ]; then
        echo "lookout: \`$lookout\` (given by LOOKOUT)."
    else
        echo "lookout: \`$lookout\`, release preset, built from $(cd "$root" && git describe --always --dirty 2>/dev/null | sed 's/^/commit /' || echo 'this tree')."
    fi
    echo "Input: \`$(basename "$input")\`, $copies x \`$(basename "$sample")\`: $lines lines, $sentences AIS sentences, $(awk -v b="$bytes" 'BEGIN{printf "%.1f", b/1048576}') MiB."
    echo "Wall time is the best of $runs run(s) (libais: $libais_runs), and the median of them, runs interleaved round by round; CPU is user+system of the best run; peak RSS is the largest \`/usr/bin/time -f %M\` over the runs. Sentences/s counts input sentences, messages/s the messages the tool itself produced."
    echo
    echo "| Tool | Command | Wall (s) | Median wall (s) | CPU (s) | Sentences/s | Messages/s | Messages out | Peak RSS (MiB) | vs gpsdecode (wall) | vs gpsdecode (median wall) | vs gpsdecode (CPU) |"
    echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    for id in "${ids[@]}"; do
        awk -v name="${label[$id]}" -v cmd="${cmd[$id]}" -v ns="${best[$id]}" -v c="${cpu[$id]}" \
            -v med="${median[$id]}" -v gm="$gpsd_med" \
            -v kb="${peak[$id]}" -v m="${msgs[$id]}" -v s="$sentences" -v g="$gpsd_s" -v gc="${cpu[gpsd]}" '
        function group(x,   str, out) {
            str = sprintf("%.0f", x); out = ""
            while (length(str) > 3) { out = "," substr(str, length(str) - 2) out; str = substr(str, 1, length(str) - 3) }
            return str out
        }
        BEGIN {
            w = ns / 1e9
            mps = (m == "-" || m == "") ? "-" : group(m / w)
            mo = (m == "-" || m == "") ? "-" : group(m)
            cr = (c > 0) ? sprintf("%.1fx", gc / c) : "-"
            printf "| %s | `%s` | %.3f | %.3f | %.2f | %s | %s | %s | %.1f | %.2fx | %.2fx | %s |\n", name, cmd, w, med / 1e9, c, group(s / w), mps, mo, kb / 1024, g / w, gm / (med / 1e9), cr
        }'
    done
    if [ "$threaded" = 1 ]; then
        echo
        echo "lookout decodes in one thread per CPU by default, at most 4 (here $dthreads: one reads, frames and checks the sentences; the others decode the fields and, with JSON or CSV, write them out, each batch in its turn, while the first decodes and writes whole batches itself whenever the others fall behind): its CPU time can exceed its wall time, and the \"1 thread\" rows (\`--threads 1\`) give the per-core comparison. gpsdecode and libais use one thread. The targets are judged on the default command's wall time."
    fi
    echo
    awk -v a="${msgs[gpsd]}" -v b="${msgs[json]}" -v c="${msgs[none]}" -v d="${msgs[libais]}" 'BEGIN {
        printf "Messages produced: lookout JSON %d, lookout decode-only %d, gpsdecode %d (lookout/gpsdecode = %.4f, difference %+d), libais %d.\n", b, c, a, b / a, b - a, d
    }'
    echo
    for t in "JSON:20:json:json1" "decode-only:50:none:none1"; do
        IFS=: read -r what target id id1 <<<"$t"
        awk -v what="$what" -v t="$target" -v ns="${best[$id]}" -v c="${cpu[$id]}" -v g="$gpsd_s" -v gc="${cpu[gpsd]}" \
            -v med="${median[$id]}" -v gm="$gpsd_med" \
            -v ns1="${best[$id1]:-0}" -v threaded="$threaded" 'BEGIN {
            r = g / (ns / 1e9)
            rm = gm / (med / 1e9)
            printf "- Target lookout %s >= %dx gpsdecode: %.2fx by best wall time - %s; %.2fx by median wall time - %s", what, t, r, (r >= t ? "MET" : "NOT MET"), rm, (rm >= t ? "MET" : "NOT MET")
            if (threaded && ns1 > 0) printf " (with --threads 1: %.2fx)", g / (ns1 / 1e9)
            else if (c > 0) printf " (%.1fx by CPU time)", gc / c
            printf "\n"
        }'
    done
    # A busy machine stretches wall time past CPU time: say so.
    n1=none; j1=json
    [ "$threaded" = 1 ] && { n1=none1; j1=json1; }
    awk -v a="${best[$n1]}" -v b="${cpu[$n1]}" -v c="${best[$j1]}" -v d="${cpu[$j1]}" -v e="${best[gpsd]}" -v f="${cpu[gpsd]}" 'BEGIN {
        worst = 0
        # CPU times come in 10 ms steps: judge only runs of 0.3 s or more.
        if (b >= 0.3 && a / 1e9 / b > worst) worst = a / 1e9 / b
        if (d >= 0.3 && c / 1e9 / d > worst) worst = c / 1e9 / d
        if (f >= 0.3 && e / 1e9 / f > worst) worst = e / 1e9 / f
        if (worst > 1.25)
            printf "\nWARNING: wall time was up to %.1fx the CPU time: the machine was busy during the runs, so wall times are inflated; the CPU-time ratios are the steadier ones. Rerun on an idle machine.\n", worst
    }'
} >"$results.tmp"
mv "$results.tmp" "$results"

# Comparable outputs: lookout and gpsdecode should emit about the same number
# of messages (they differ only on malformed input); warn past 1%.
awk -v a="${msgs[gpsd]}" -v b="${msgs[json]}" 'BEGIN { d = (a > b ? a - b : b - a); exit !(a > 0 && d / a <= 0.01) }' ||
    log "WARNING: lookout (${msgs[json]}) and gpsdecode (${msgs[gpsd]}) message counts differ by more than 1%"

cat "$results"
