#!/usr/bin/env python3
"""Attacks a running `policekg serve` as issue 14 did, and reports what it answered.

    scripts/attack.py --store DIR [--binary target/release/policekg] [--count 2000] [--timeout 5]
                      [--json OUT.json]

Starts `policekg serve --store DIR --bind 127.0.0.1:0 --timeout T`, then sends COUNT generated requests by
GET and POST from four client threads: deep nesting (parentheses, braces, brackets, nested calls, UNION,
&&, ||, + and path chains, up to 1 MB), random malformed queries (at least 300), ordinary queries, heavy
queries (cross joins with ORDER BY, property paths, chains of blank-node patterns), big headers and
declared bodies over the limit. Then three measured checks: a cross join with ORDER BY (answer time, peak
memory), a 16 MB header, and a normal query while 500 idle connections are open. Memory is the resident
size of the server and its query workers together, read from /proc every 50 ms. Only the standard
library; everything stays on 127.0.0.1 and every loop is bounded.
"""
import argparse
import collections
import json
import os
import random
import socket
import subprocess
import sys
import threading
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))


def tree_rss(pid):
    """Resident bytes of a process and its children (the query workers)."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) * 1024
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    todo.extend(int(c) for c in f.read().split())
        except (FileNotFoundError, ProcessLookupError, ValueError):
            pass
    return total


class Monitor(threading.Thread):
    """Polls the server's memory; `peak` since the last `reset()`."""

    def __init__(self, pid):
        super().__init__(daemon=True)
        self.pid, self.peak, self.overall, self.stop = pid, 0, 0, False

    def run(self):
        while not self.stop:
            rss = tree_rss(self.pid)
            self.peak, self.overall = max(self.peak, rss), max(self.overall, rss)
            time.sleep(0.05)

    def reset(self):
        self.peak = 0


def exchange(addr, data, timeout=60, read=True):
    """Sends raw bytes (stopping if the server closes first) and returns the status code or an error word."""
    host, port = addr
    try:
        s = socket.create_connection((host, port), timeout=timeout)
    except OSError as e:
        return f"connect-error:{e.__class__.__name__}"
    try:
        for i in range(0, len(data), 65536):
            try:
                s.sendall(data[i:i + 65536])
            except OSError:
                break
        if not read:
            return None
        answer = b""
        while len(answer) < 12:
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                return "timeout"
            except OSError:
                break
            if not chunk:
                break
            answer += chunk
        if answer.startswith(b"HTTP/1.1 ") and len(answer) >= 12:
            return int(answer[9:12])
        return "closed"
    finally:
        s.close()


def get(addr, query, headers=""):
    q = urllib.parse.quote(query, safe="")
    return f"GET /sparql?query={q} HTTP/1.1\r\nHost: x\r\n{headers}\r\n".encode()


def post(addr, query):
    body = query.encode()
    head = f"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\nContent-Length: {len(body)}\r\n\r\n"
    return head.encode() + body


def nesting(rng):
    """Past the budget: brackets deeper than 64, chains longer than 1,000 operators, up to 1 MB."""
    kind = rng.choice(["str", "paren", "brace", "bracket", "union", "and", "or", "plus", "path", "megabyte"])
    if kind in ("str", "paren", "brace", "bracket"):
        n = rng.choice([65, 200, 500, 1000, 1200, 5000, 20000, 100000])
    else:
        n = rng.choice([1001, 1200, 5000, 20000, 100000])
    if kind == "str":
        return f"SELECT ({'STR(' * n}1{')' * n} AS ?x) {{}}"
    if kind == "paren":
        return f"SELECT ({'(' * n}1{')' * n} AS ?x) {{}}"
    if kind == "brace":
        return f"SELECT * {'{' * n}?s ?p ?o{'}' * n}"
    if kind == "bracket":
        return f"SELECT * {{ ?s ?p {'[ ?p ' * n}?o{' ]' * n} }}"
    if kind == "union":
        return "SELECT * { " + " UNION ".join(["{ ?s ?p ?o }"] * (n + 1)) + " }"
    if kind == "and":
        return "ASK { FILTER(" + " && ".join(["true"] * (n + 1)) + ") }"
    if kind == "or":
        return "ASK { FILTER(" + " || ".join(["false"] * (n + 1)) + ") }"
    if kind == "plus":
        return "SELECT (" + " + ".join(["1"] * (n + 1)) + " AS ?x) {}"
    if kind == "path":
        return "SELECT * { ?s " + "/".join(["rdfs:label"] * (n + 1)) + " ?o }"
    return "ASK { FILTER(" + "(" * 500_000 + "true" + ")" * 500_000 + ") }"  # 1 MB


PIECES = ["SELECT", "*", "WHERE", "{", "}", "(", ")", "?s", "?p", "?o", ".", ";", ",", "FILTER", "UNION",
          "OPTIONAL", '"', "'", "<http://x", ">", "pk:Agency", "rdfs:label", "COUNT(", "GROUP BY", "ORDER BY",
          "LIMIT", "-1", "BIND(", "AS", "VALUES", "[", "]", "^^", "@zh", "#", "\n", "SERVICE", "GRAPH", "!",
          "&&", "||", "/", "荆门", "\\u00", "PREFIX x:", "BASE <", "ASK", "CONSTRUCT", "DESCRIBE", "a", "1e"]


def malformed(rng):
    return " ".join(rng.choice(PIECES) for _ in range(rng.randint(1, 30)))


NORMAL = [
    "ASK { ?s ?p ?o }",
    "SELECT ?a ?l WHERE { ?a a pk:Agency ; rdfs:label ?l } LIMIT 20",
    "SELECT (COUNT(*) AS ?n) WHERE { ?d a pk:Document }",
    "CONSTRUCT WHERE { ?c a pk:Campaign } LIMIT 50",
    "SELECT ?p (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?p ORDER BY DESC(?n) LIMIT 10",
]

HEAVY = [
    "SELECT * { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?a ?e ?i LIMIT 1",
    "SELECT (COUNT(*) AS ?n) { ?s (rdfs:label|!rdfs:label)* ?o }",
    "SELECT * { " + " . ".join(f"_:b{i} ?p{i} _:b{i + 1}" for i in range(1000)) + " }",
    "SELECT * { ?a ?b ?c . ?d ?e ?f } ORDER BY DESC(STR(?c)) ?f",
]


def requests(count, rng):
    """(category, bytes) pairs: the mix of the run."""
    plan = []
    for i in range(count):
        r = i % 20
        if r < 6:
            q, cat = nesting(rng), "deep nesting"
        elif r < 12:
            q, cat = malformed(rng), "malformed"
        elif r < 18:
            q, cat = rng.choice(NORMAL), "normal"
        elif r == 18 and i % 100 == 18:
            q, cat = rng.choice(HEAVY), "heavy"
        elif r == 18:
            q, cat = rng.choice(NORMAL), "normal"
        else:
            kind = i % 3
            if kind == 0:
                plan.append(("big header", f"GET / HTTP/1.1\r\nHost: x\r\nX-Big: {'a' * rng.choice([70_000, 1_000_000])}\r\n\r\n".encode()))
            elif kind == 1:
                plan.append(("big body", b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\nContent-Length: 104857600\r\n\r\nASK"))
            else:
                plan.append(("many headers", ("GET / HTTP/1.1\r\n" + "".join(f"X-{j}: v\r\n" for j in range(200)) + "\r\n").encode()))
            continue
        use_get = i % 2 == 0 and len(q) < 20_000
        plan.append((cat, get(None, q) if use_get else post(None, q)))
    return plan


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--store", required=True)
    ap.add_argument("--binary", default=os.path.join(HERE, "..", "target", "release", "policekg"))
    ap.add_argument("--count", type=int, default=2000)
    ap.add_argument("--timeout", type=float, default=5)
    ap.add_argument("--seed", type=int, default=14)
    ap.add_argument("--json")
    args = ap.parse_args()

    server = subprocess.Popen([args.binary, "serve", "--store", args.store, "--bind", "127.0.0.1:0",
                               "--timeout", str(args.timeout)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True)
    line = server.stdout.readline()
    url = next(w for w in line.split() if w.startswith("http://")).rstrip("/")
    host, port = url[len("http://"):].split(":")
    addr = (host, int(port))
    errors = []
    threading.Thread(target=lambda: errors.extend(server.stderr), daemon=True).start()
    monitor = Monitor(server.pid)
    monitor.start()
    time.sleep(0.5)
    baseline = tree_rss(server.pid)

    rng = random.Random(args.seed)
    plan = requests(args.count, rng)
    counts = collections.Counter()
    by_category = collections.defaultdict(collections.Counter)
    lock = threading.Lock()
    queue = list(enumerate(plan))
    started = time.time()

    def client():
        while True:
            with lock:
                if not queue:
                    return
                _, (cat, data) = queue.pop()
            status = exchange(addr, data, timeout=max(60, args.timeout * 4))
            with lock:
                counts[status] += 1
                by_category[cat][status] += 1

    threads = [threading.Thread(target=client) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    mix_seconds = time.time() - started
    alive_after_mix = server.poll() is None

    # Must-show 1: a cross join with ORDER BY under --timeout.
    monitor.reset()
    t0 = time.time()
    join_status = exchange(addr, post(None, HEAVY[0]), timeout=120)
    join_seconds = time.time() - t0
    time.sleep(0.2)
    join_peak = monitor.peak

    # Must-show 2: a 16 MB header.
    header_status = exchange(addr, f"GET / HTTP/1.1\r\nHost: x\r\nX-Big: {'a' * (16 << 20)}\r\n\r\n".encode())
    alive_after_header = server.poll() is None

    # Must-show 3: 500 idle connections, then a normal query.
    idle = [socket.create_connection(addr) for _ in range(500)]
    time.sleep(0.5)
    t0 = time.time()
    idle_status = exchange(addr, get(None, NORMAL[1]))
    idle_seconds = time.time() - t0
    for s in idle:
        s.close()

    alive = server.poll() is None
    ok_after = exchange(addr, get(None, "ASK { ?s ?p ?o }"))
    monitor.stop = True
    server.send_signal(2)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
    logged_5xx = sum(1 for e in errors if " -> 5" in e)
    report = {
        "requests": len(plan),
        "mix_seconds": round(mix_seconds, 1),
        "status_counts": {str(k): v for k, v in sorted(counts.items(), key=lambda kv: str(kv[0]))},
        "by_category": {c: {str(k): v for k, v in sorted(s.items(), key=lambda kv: str(kv[0]))}
                        for c, s in sorted(by_category.items())},
        "server_alive_after_mix": alive_after_mix,
        "baseline_rss_mb": round(baseline / 2**20),
        "peak_rss_mb": round(monitor.overall / 2**20),
        "cross_join_order_by": {"status": join_status, "seconds": round(join_seconds, 2),
                                "peak_rss_mb": round(join_peak / 2**20)},
        "header_16mb": {"status": header_status, "server_alive": alive_after_header},
        "idle_500": {"status": idle_status, "seconds": round(idle_seconds, 3)},
        "server_alive_at_end": alive and ok_after == 200,
        "logged_5xx_lines": logged_5xx,
        "exit_code": server.returncode,
    }
    text = json.dumps(report, indent=2, ensure_ascii=False)
    print(text)
    if args.json:
        with open(args.json, "w") as f:
            f.write(text + "\n")
    return 0 if report["server_alive_at_end"] else 1


if __name__ == "__main__":
    sys.exit(main())
