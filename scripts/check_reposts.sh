#!/usr/bin/env bash
# The re-post check of docs/facts.md: N generated articles (scripts/gen_corpus.py), the same with a share of
# them re-posted (scripts/repost.py: another id, url and title, a source and an editor line, a day later, a
# third in Traditional script); both built; every total of `outcomes-by-agency-campaign` (agency, campaign,
# metric, unit) must be equal. Prints the figures; exit status 1 when a total differs.
#
#   scripts/check_reposts.sh [N] [SHARE]        (default: 3000 0.3; scratch in $CHECK_DIR, default /tmp/policekg-reposts)
#
# POLICEKG names a policekg binary to check instead of building this checkout's.
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-3000}"
SHARE="${2:-0.3}"
DIR="${CHECK_DIR:-/tmp/policekg-reposts}"
mkdir -p "$DIR"
if [ -n "${POLICEKG:-}" ]; then
  PK="$POLICEKG"
else
  cargo build --release --quiet --bin policekg
  PK="${CARGO_TARGET_DIR:-target}/release/policekg"
fi
python3 scripts/gen_corpus.py "$N" --seed 7 -o "$DIR/plain.jsonl"
python3 scripts/repost.py "$DIR/plain.jsonl" --share "$SHARE" --seed 11 -o "$DIR/reposted.jsonl"
for c in plain reposted; do
  rm -rf "$DIR/store-$c"
  "$PK" build "$DIR/$c.jsonl" --store "$DIR/store-$c" --quiet
  "$PK" query --store "$DIR/store-$c" outcomes-by-agency-campaign --format csv > "$DIR/totals-$c.csv"
  "$PK" query --store "$DIR/store-$c" -e 'SELECT (COUNT(*) AS ?n) WHERE { ?d pk:duplicateOf ?r }' --format csv \
    | tail -1 > "$DIR/links-$c.txt"
done
python3 - "$DIR" <<'EOF'
import csv, os, sys
d = sys.argv[1]
def totals(name):
    with open(os.path.join(d, f"totals-{name}.csv"), encoding="utf-8") as f:
        return {(r["agency"], r["campaign"], r["metric"], r["unit"]): r for r in csv.DictReader(f)}
a, b = totals("plain"), totals("reposted")
docs = lambda name: sum(1 for _ in open(os.path.join(d, f"{name}.jsonl"), encoding="utf-8"))
differ = [k for k in a.keys() | b.keys() if (k in a) != (k in b) or a[k]["total"] != b[k]["total"]]
more_docs = sum(1 for k in a.keys() & b.keys() if int(b[k]["documents"]) > int(a[k]["documents"]))
links = open(os.path.join(d, "links-reposted.txt")).read().strip()
print(f"documents: {docs('plain')} without re-posts, {docs('reposted')} with; re-posts linked (pk:duplicateOf): {links}")
print(f"totals of outcomes-by-agency-campaign: {len(a)} without re-posts, {len(b)} with; differing: {len(differ)}")
print(f"totals whose document count grew with the re-posts: {more_docs}")
for k in sorted(differ)[:10]:
    print("  differs:", k, a.get(k, {}).get("total"), b.get(k, {}).get("total"))
sys.exit(1 if differ else 0)
EOF
