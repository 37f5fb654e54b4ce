#!/usr/bin/env bash
# Figures for `policekg graph` and `policekg serve` on a store built from N synthetic documents:
#   - the time to produce each graph view (DOT, best of 3 runs, wall clock);
#   - the queries per second `policekg serve` holds on 127.0.0.1 for a named query, with 1 and 16
#     concurrent clients (wrk, 10 s each; `apt-get install wrk`; a Python client is used without it).
#
#   scripts/bench_graph.sh [N=10000] [QUERY=campaigns]
#
# SERVE_STORE=DIR measures the endpoint on another store (e.g. one built from data/samples/): on the
# 10,000-document store the named queries do not finish within the server's timeout (see README).
#
# The corpus comes from scripts/gen_corpus.py with a fixed seed, so two runs measure the same store.
# Work files go to target/bench-graph/ (the store is reused when it exists). Loopback only.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-10000}
query=${2:-campaigns}
work=${WORK:-target/bench-graph}   # WORK=DIR and POLICEKG=BINARY override the defaults
mkdir -p "$work"
if [ -z "${POLICEKG:-}" ]; then cargo build --release --quiet; fi
bin=${POLICEKG:-target/release/policekg}
store=$work/store-$n

if [ ! -d "$store" ]; then
  python3 scripts/gen_corpus.py "$n" --seed 7 -o "$work/corpus-$n.jsonl"
  "$bin" build "$work/corpus-$n.jsonl" --store "$store" --quiet
fi
echo "store: $store ($n documents); machine: $(nproc) CPU(s)"

best_of_3() { # prints the best wall time in seconds of three runs of "$@"
  local best=""
  for _ in 1 2 3; do
    local t0 t1 dt
    t0=$(date +%s.%N); "$@" >/dev/null; t1=$(date +%s.%N)
    dt=$(echo "$t1 - $t0" | bc -l)
    if [ -z "$best" ] || [ "$(echo "$dt < $best" | bc -l)" = 1 ]; then best=$dt; fi
  done
  printf '%.2f' "$best"
}

echo
echo "| view | nodes | edges | time (s, best of 3) |"
echo "|---|---|---|---|"
for view in hierarchy campaigns participation comention; do
  t=$(best_of_3 "$bin" graph --store "$store" --view "$view" -o "$work/$view.dot")
  nodes=$(grep -cE '^ *n[0-9]+ \[label=' "$work/$view.dot" || true)
  edges=$(grep -cE '^ *n[0-9]+ -[->] n[0-9]+' "$work/$view.dot" || true)
  echo "| $view | $nodes | $edges | $t |"
done

# The endpoint: one server, a named query by GET, 1 then 16 concurrent clients.
log=$work/serve.log
serve_store=${SERVE_STORE:-$store}
echo; echo "endpoint store: $serve_store"
"$bin" serve --store "$serve_store" --bind 127.0.0.1:0 --threads 16 >"$work/serve.out" 2>"$log" &
pid=$!
trap 'kill -INT $pid 2>/dev/null || true; wait $pid 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do grep -q "listening on" "$work/serve.out" 2>/dev/null && break; sleep 0.1; done
base=$(grep -o 'http://[0-9.:]*' "$work/serve.out" | head -1)
text=$(python3 - "$query" <<'PY'
import sys, urllib.parse, pathlib
print(urllib.parse.quote(pathlib.Path("queries", sys.argv[1] + ".rq").read_text(encoding="utf-8")))
PY
)
url="$base/sparql?query=$text"
status=$(curl -s -o /dev/null -w '%{http_code}' "$url")
[ "$status" = 200 ] || { echo "the endpoint answered $status to the named query $query" >&2; exit 1; }

echo
echo "| named query | clients | queries/s | mean latency |"
echo "|---|---|---|---|"
for clients in 1 16; do
  if command -v wrk >/dev/null; then
    threads=$(( clients < 2 ? 1 : 2 ))
    out=$(wrk -t "$threads" -c "$clients" -d 10s --latency "$url")
    qps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
    lat=$(echo "$out" | awk '/^ +Latency/ {print $2; exit}')
    non2xx=$(echo "$out" | awk '/Non-2xx/ {print $4}')
    [ -z "$non2xx" ] || { echo "wrk saw $non2xx non-2xx answers" >&2; exit 1; }
  else
    echo "(wrk is not installed: apt-get install wrk; using the Python client)" >&2
    read -r qps lat < <(python3 - "$url" "$clients" <<'PY'
import sys, time, http.client, urllib.parse
from multiprocessing import Pool
url, clients = sys.argv[1], int(sys.argv[2])
u = urllib.parse.urlsplit(url)
def client(_):
    c = http.client.HTTPConnection(u.hostname, u.port)
    n, end = 0, time.time() + 10
    while time.time() < end and n < 1_000_000:
        c.request("GET", u.path + "?" + u.query); r = c.getresponse(); r.read()
        assert r.status == 200, r.status
        n += 1
    return n
t0 = time.time()
with Pool(clients) as p: total = sum(p.map(client, range(clients)))
dt = time.time() - t0
print(f"{total/dt:.1f} {1000*dt*clients/total:.2f}ms")
PY
)
  fi
  echo "| $query | $clients | $qps | $lat |"
done
