#!/usr/bin/env bash
# The scale benchmark: builds generated corpora of each size and reports documents/s, triples/s, peak
# memory, store size, the time of each named query, and the ratio of `policekg build` time to the time
# Oxigraph's own bulk loader takes to load the N-Quads that the build produced.
#
#   scripts/bench.sh [N...]          (default: 10000 100000)
#
# Environment: BENCH_DIR (scratch space, default /tmp/policekg-bench; stores and corpora are left there),
# SEED (generator seed, default 7), BATCH (build --batch-size, default the CLI's), QUERY_TIMEOUT (seconds per
# named query, default 300), VALIDATE_TIMEOUT (seconds for `policekg validate`, default 900), TABLE_LIMIT (the
# largest size whose table exports are timed against its N-Quads export, default 20000: that export sorts the
# store in memory), BASELINE_BIN (another build of policekg, e.g. of an older commit: its build of the same
# corpus is timed in the same run, for the ratio of build times).
# Prints a Markdown report on stdout (docs/benchmarks.md holds the last one); the raw figures go to
# $BENCH_DIR/results.tsv. Needs GNU time (/usr/bin/time) for peak memory.
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES=("${@:-10000 100000}")
read -r -a SIZES <<< "${SIZES[*]}"
BENCH_DIR="${BENCH_DIR:-/tmp/policekg-bench}"
SEED="${SEED:-7}"
mkdir -p "$BENCH_DIR"

cargo build --release --quiet --bin policekg --example bulk_load
TARGET="${CARGO_TARGET_DIR:-target}"
PK="$TARGET/release/policekg"
LOADER="$TARGET/release/examples/bulk_load"
BATCH_ARGS=()
if [ -n "${BATCH:-}" ]; then BATCH_ARGS=(--batch-size "$BATCH"); fi

# Runs a command under GNU time; sets SECS (wall) and RSS_MB (peak resident set).
timed() {
  local log="$BENCH_DIR/time.log" status=0
  /usr/bin/time -v -o "$log" "$@" || status=$?
  SECS=$(awk -F': ' '/Elapsed \(wall clock\)/ {n = split($2, t, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + t[i]; print s}' "$log")
  RSS_MB=$(awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2 / 1024}' "$log")
  CPU=$(awk -F': ' '/User time|System time/ {s += $2} END {printf "%.1f", s}' "$log")
  return $status
}

: > "$BENCH_DIR/exports.tsv"
: > "$BENCH_DIR/baseline.tsv"
echo -e "n\tbuild_s\tdocs_per_s\tquads\tquads_per_s\tbuild_rss_mb\tbuild_cpu_s\tstore_mb\textract_s\twrite_s\tcompact_s\texport_s\texport_rss_mb\tbulk_s\tbulk_rss_mb\tbulk_cpu_s\tratio\tcpu_ratio" > "$BENCH_DIR/results.tsv"
: > "$BENCH_DIR/queries.tsv"
for N in "${SIZES[@]}"; do
  corpus="$BENCH_DIR/corpus-$N.jsonl"
  [ -s "$corpus" ] || python3 scripts/gen_corpus.py "$N" --seed "$SEED" -o "$corpus"
  store="$BENCH_DIR/store-$N"
  rm -rf "$store" "$BENCH_DIR/bulk-$N"
  echo "== $N documents: build" >&2
  timed "$PK" build "$corpus" --store "$store" "${BATCH_ARGS[@]}" 2> "$BENCH_DIR/build-$N.log"
  build_s=$SECS build_rss=$RSS_MB build_cpu=$CPU
  cat "$BENCH_DIR/build-$N.log" >&2
  summary=$(grep '^built ' "$BENCH_DIR/build-$N.log")
  quads=$(sed -E 's/.* ([0-9]+) quads written.*/\1/' <<< "$summary")
  extract_s=$(sed -nE 's/.*extracting ([0-9.]+)s.*/\1/p' <<< "$summary")
  write_s=$(sed -nE 's/.*writing ([0-9.]+)s.*/\1/p' <<< "$summary")
  compact_s=$(sed -nE 's/.*compacting (and views )?([0-9.]+)s.*/\2/p' <<< "$summary")
  store_mb=$(du -sm "$store" | cut -f1)
  echo -e "$N\tbuild\t${build_s}s\tpeak RSS ${build_rss} MB\tstore ${store_mb} MB\t$summary" >> "$BENCH_DIR/builds.log"

  echo "== $N documents: named queries" >&2
  timed "$PK" query --store "$store" -e 'ASK { }' --format csv > /dev/null
  echo -e "$N\t(start-up: open the store, ASK {})\t$SECS" >> "$BENCH_DIR/queries.tsv"
  if timed timeout "${VALIDATE_TIMEOUT:-900}" "$PK" validate --store "$store" > "$BENCH_DIR/validate-$N.txt"; then
    echo -e "$N\t(policekg validate: $(head -1 "$BENCH_DIR/validate-$N.txt" | cut -d' ' -f1-2))\t$SECS" >> "$BENCH_DIR/queries.tsv"
  else
    echo -e "$N\t(policekg validate: failed or over ${VALIDATE_TIMEOUT:-900}s)\t$SECS" >> "$BENCH_DIR/queries.tsv"
  fi
  for q in $("$PK" query --list | awk '{print $1}'); do
    if timed timeout "${QUERY_TIMEOUT:-300}" "$PK" query --store "$store" "$q" --format csv > "$BENCH_DIR/query-$N-$q.csv"; then
      rows=$(($(wc -l < "$BENCH_DIR/query-$N-$q.csv") - 1))
      echo -e "$N\t$q ($rows rows)\t$SECS" >> "$BENCH_DIR/queries.tsv"
    else
      echo -e "$N\t$q (failed or over ${QUERY_TIMEOUT:-300}s)\t$SECS" >> "$BENCH_DIR/queries.tsv"
    fi
  done

  if [ "$N" -le "${TABLE_LIMIT:-20000}" ]; then
    echo "== $N documents: table exports against the N-Quads export" >&2
    timed "$PK" export --store "$store" --format nquads -o "$BENCH_DIR/export-$N.nq"
    echo -e "$N\tN-Quads (the yardstick)\t$SECS" >> "$BENCH_DIR/exports.tsv"
    for table in outcomes agencies campaigns operations; do  # `policekg export --help`, --table
      if timed timeout 1800 "$PK" export --store "$store" --format csv --table "$table" -o "$BENCH_DIR/table-$N-$table.csv"; then
        echo -e "$N\t--table $table\t$SECS" >> "$BENCH_DIR/exports.tsv"
      fi
    done
    rm -f "$BENCH_DIR"/export-$N.nq "$BENCH_DIR"/table-$N-*.csv
  fi
  if [ -n "${BASELINE_BIN:-}" ]; then
    echo "== $N documents: build by $BASELINE_BIN" >&2
    rm -rf "$BENCH_DIR/baseline-$N"
    timed "$BASELINE_BIN" build "$corpus" --store "$BENCH_DIR/baseline-$N" -q
    echo -e "$N\t$SECS" >> "$BENCH_DIR/baseline.tsv"
    rm -rf "$BENCH_DIR/baseline-$N"
  fi

  echo "== $N documents: N-Quads of the build, and Oxigraph's bulk load of them" >&2
  # The N-Quads of exactly the document graphs the build wrote (tests/scale.rs checks they are equal) come
  # from `policekg extract`, which streams; `policekg export` sorts the whole store in memory, too much at
  # 100,000 documents.
  timed sh -c '"$1" extract < "$2" > "$3"' sh "$PK" "$corpus" "$BENCH_DIR/build-$N.nq"
  export_s=$SECS export_rss=$RSS_MB
  timed "$LOADER" "$BENCH_DIR/bulk-$N" "$BENCH_DIR/build-$N.nq" >&2
  bulk_s=$SECS bulk_rss=$RSS_MB bulk_cpu=$CPU
  python3 - "$N" "$build_s" "$quads" "$build_rss" "$build_cpu" "$store_mb" "$extract_s" "$write_s" "$compact_s" "$export_s" "$export_rss" "$bulk_s" "$bulk_rss" "$bulk_cpu" >> "$BENCH_DIR/results.tsv" <<'EOF'
import sys
n, build, quads, rss, cpu, store, ex, wr, co, exp, exprss, bulk, bulkrss, bulkcpu = sys.argv[1:]
b = float(build)
print("\t".join([n, build, f"{int(n) / b:.0f}", quads, f"{int(quads) / b:.0f}", rss, cpu, store, ex, wr, co or "0", exp,
                 exprss, bulk, bulkrss, bulkcpu, f"{b / float(bulk):.2f}", f"{float(cpu) / float(bulkcpu):.2f}"]))
EOF
  rm -rf "$BENCH_DIR/build-$N.nq" "$BENCH_DIR/bulk-$N"
done

python3 - "$BENCH_DIR" <<'EOF'
import csv, sys, os, datetime, platform, subprocess
d = sys.argv[1]
rows = list(csv.DictReader(open(os.path.join(d, "results.tsv")), delimiter="\t"))
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
print(f"Run {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC on {os.cpu_count()} CPUs ({cpu}), "
      f"commit {subprocess.run(['git', 'rev-parse', '--short', 'HEAD'], capture_output=True, text=True).stdout.strip()}.\n")
print("| documents | build (s) | docs/s | quads written | quads/s | build CPU (s) | peak RSS build (MB) | store on disk (MB) "
      "| extract stage (s) | write stage (s) | compaction (s) | Oxigraph bulk load (s) | build / bulk load (wall) | (CPU) |")
print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for r in rows:
    print(f"| {int(r['n']):,} | {r['build_s']} | {r['docs_per_s']} | {int(r['quads']):,} | {r['quads_per_s']} | {r['build_cpu_s']} "
          f"| {r['build_rss_mb']} | {r['store_mb']} | {r['extract_s']} | {r['write_s']} | {r['compact_s']} | {r['bulk_s']} "
          f"| {r['ratio']} | {r['cpu_ratio']} |")
print()
print("The yardstick: `policekg extract` (one thread) writing the N-Quads of the document graphs, and Oxigraph's "
      "bulk loader (`examples/bulk_load.rs`) loading them into a new store:\n")
print("| documents | extract to N-Quads (s) | extract peak RSS (MB) | bulk load (s) | bulk load CPU (s) | bulk load peak RSS (MB) |")
print("|---:|---:|---:|---:|---:|---:|")
for r in rows:
    print(f"| {int(r['n']):,} | {r['export_s']} | {r['export_rss_mb']} | {r['bulk_s']} | {r['bulk_cpu_s']} | {r['bulk_rss_mb']} |")
if len(rows) >= 2:
    a, b = rows[0], rows[-1]
    k = int(b["n"]) / int(a["n"])
    t = float(b["build_s"]) / float(a["build_s"])
    c = float(b["build_cpu_s"]) / float(a["build_cpu_s"])
    l = float(b["bulk_s"]) / float(a["bulk_s"])
    print(f"\nGrowth {int(a['n']):,} -> {int(b['n']):,} documents (x{k:g}): build wall time x{t:.2f} ({t / k:.2f} of linear), "
          f"build CPU time x{c:.2f} ({c / k:.2f} of linear); Oxigraph's bulk load x{l:.2f} ({l / k:.2f} of linear); "
          f"peak memory x{float(b['build_rss_mb']) / float(a['build_rss_mb']):.2f}.")
ex = [l.rstrip("\n").split("\t") for l in open(os.path.join(d, "exports.tsv"))]
if ex:
    print("\nTable exports (wall time of `policekg export --format csv --table T -o FILE`) against the N-Quads export of the "
          "same store:\n")
    print("| documents | export | seconds | / N-Quads export |")
    print("|---:|---|---:|---:|")
    for n in sorted({int(e[0]) for e in ex}):
        base = next((float(e[2]) for e in ex if int(e[0]) == n and e[1].startswith("N-Quads")), None)
        for e in (e for e in ex if int(e[0]) == n):
            print(f"| {n:,} | {e[1]} | {e[2]} | {float(e[2]) / base:.2f} |" if base else f"| {n:,} | {e[1]} | {e[2]} | |")
bl = [l.rstrip("\n").split("\t") for l in open(os.path.join(d, "baseline.tsv"))]
if bl:
    print("\nBuild time against a baseline build of policekg (BASELINE_BIN), on the same corpus in the same run:\n")
    print("| documents | baseline build (s) | baseline / bulk load | this build (s) | this / bulk load | this / baseline |")
    print("|---:|---:|---:|---:|---:|---:|")
    for b in bl:
        r = next(r for r in rows if r["n"] == b[0])
        bulk, this = float(r["bulk_s"]), float(r["build_s"])
        print(f"| {int(b[0]):,} | {b[1]} | {float(b[1]) / bulk:.2f} | {this} | {this / bulk:.2f} | {this / float(b[1]):.2f} |")
print("\nNamed queries (wall time of `policekg query --store DIR NAME --format csv`, process start-up included):\n")
qs = [l.rstrip("\n").split("\t") for l in open(os.path.join(d, "queries.tsv"))]
sizes = sorted({int(q[0]) for q in qs})
names = list(dict.fromkeys(q[1].split(" (")[0] if q[1][0] != "(" else q[1] for q in qs))
print("| query | " + " | ".join(f"{s:,} docs (s)" for s in sizes) + " |")
print("|---|" + "---:|" * len(sizes))
for name in names:
    cells = []
    for s in sizes:
        hit = [q for q in qs if int(q[0]) == s and (q[1] == name or q[1].startswith(name + " ("))]
        cells.append(f"{hit[0][2]} {hit[0][1][len(name):].strip()}" if hit else "")
    print(f"| {name} | " + " | ".join(cells) + " |")
EOF
