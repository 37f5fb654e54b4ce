//! `policekg serve` attacked as issue 14 found it: requests that used to end the server (deep nesting,
//! long chains), unbounded work (cross joins, sorts), oversized heads and bodies, idle connections and
//! crowds. Every test runs the real binary on 127.0.0.1, bounded in count; none asserts a time. The
//! longer run with its figures is scripts/attack.py (docs/endpoint-hardening.md).

mod common;
mod endpoint;
use common::*;
use endpoint::*;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::time::Duration;

fn store() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    ok(&["build", s(&articles()), "--store", s(&store), "--quiet"]);
    (dir, store)
}

/// The server answers a one-triple query: it is alive and serving.
fn assert_serving(ep: &mut Endpoint) {
    assert!(ep.alive(), "the server process ended");
    let (status, text) = get_query(ep.addr(), "ASK { ?s ?p ?o }");
    assert_eq!(status, Some(200), "{text}");
    assert!(text.contains("true"), "{text}");
}

fn repeat(open: &str, middle: &str, close: &str, n: usize) -> String {
    format!("{}{middle}{}", open.repeat(n), close.repeat(n))
}

/// The queries that ended the server before (a stack overflow), each at several sizes up to 1 MB.
fn nesting_attacks() -> Vec<(String, String)> {
    let mut attacks = Vec::new();
    // Past the budget: brackets deeper than 64, chains of more than 1,000 operators.
    for (n, chain) in [(65, 1_001), (500, 1_200), (1_000, 5_000), (5_000, 20_000), (100_000, 100_000)] {
        attacks.push((format!("{n} nested STR("), format!("SELECT ({} AS ?x) {{}}", repeat("STR(", "1", ")", n))));
        attacks.push((format!("{n} parentheses"), format!("SELECT ({} AS ?x) {{}}", repeat("(", "1", ")", n))));
        attacks.push((format!("{n} braces"), format!("SELECT * {}", repeat("{", "?s ?p ?o", "}", n))));
        attacks.push((format!("{n} brackets"), format!("SELECT * {{ ?s ?p {} }}", repeat("[ ?p ", "?o", " ]", n))));
        let n = chain;
        attacks
            .push((format!("{n} UNIONs"), format!("SELECT * {{ {} }}", vec!["{ ?s ?p ?o }"; n + 1].join(" UNION "))));
        attacks.push((format!("{n} &&"), format!("ASK {{ FILTER({}) }}", vec!["true"; n + 1].join(" && "))));
        attacks.push((format!("{n} ||"), format!("ASK {{ FILTER({}) }}", vec!["false"; n + 1].join(" || "))));
        attacks.push((format!("{n} +"), format!("SELECT ({} AS ?x) {{}}", vec!["1"; n + 1].join(" + "))));
        attacks.push((
            format!("{n} OPTIONALs"),
            format!("SELECT * {{ ?s ?p ?o {} }}", "OPTIONAL { ?s ?p ?o } ".repeat(n)),
        ));
        attacks
            .push((format!("{n} path steps"), format!("SELECT * {{ ?s {} ?o }}", vec!["rdfs:label"; n + 1].join("/"))));
    }
    // A megabyte of nesting.
    attacks.push(("1 MB of parentheses".into(), format!("ASK {{ FILTER({}) }}", repeat("(", "true", ")", 500_000))));
    attacks.retain(|(_, q)| q.len() <= 1 << 20);
    attacks
}

#[test]
fn deep_nesting_and_long_chains_are_refused_with_400_and_the_server_lives() {
    let (_dir, store) = store();
    let mut ep = Endpoint::start(&store, &["--threads", "2"]);
    let attacks = nesting_attacks();
    assert!(attacks.len() >= 45, "{}", attacks.len());
    for (i, (what, query)) in attacks.iter().enumerate() {
        // By POST and, where the URL fits the head limit, by GET too.
        let (status, text) =
            if i % 2 == 0 || query.len() > 20_000 { post_query(ep.addr(), query) } else { get_query(ep.addr(), query) };
        let status = status.unwrap_or_else(|| panic!("{what}: no answer: {text}"));
        assert!((400..500).contains(&status), "{what}: {status}: {}", &text[..text.len().min(500)]);
    }
    // The message names the limit.
    let (_, text) = post_query(ep.addr(), &attacks[0].1);
    assert!(text.contains("nesting limit is 64"), "{text}");
    let (_, text) = post_query(ep.addr(), &format!("ASK {{ FILTER({}) }}", vec!["true"; 5_001].join(" && ")));
    assert!(text.contains("operators") && text.contains("1000"), "{text}");
    assert_serving(&mut ep);
}

/// Malformed queries from a fixed-seed generator: fragments of SPARQL cut, shuffled and spliced.
fn malformed_queries(n: usize) -> Vec<String> {
    const PIECES: &[&str] = &[
        "SELECT",
        "*",
        "WHERE",
        "{",
        "}",
        "(",
        ")",
        "?s",
        "?p",
        "?o",
        ".",
        ";",
        ",",
        "FILTER",
        "UNION",
        "OPTIONAL",
        "\"",
        "'",
        "<http://x",
        ">",
        "pk:Agency",
        "rdfs:label",
        "COUNT(",
        "GROUP BY",
        "ORDER BY",
        "LIMIT",
        "-1",
        "BIND(",
        "AS",
        "VALUES",
        "[",
        "]",
        "^^",
        "@zh",
        "#",
        "\n",
        "SERVICE",
        "GRAPH",
        "!",
        "&&",
        "||",
        "/",
        "*",
        "\u{8346}\u{95e8}",
        "\\u00",
        "PREFIX x:",
        "BASE <",
        "ASK",
        "CONSTRUCT",
        "DESCRIBE",
        "a",
        "1e",
        "\0",
    ];
    let mut state = 0x5eed_u64;
    let mut next = move || {
        // SplitMix64.
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    (0..n)
        .map(|_| {
            let len = 1 + next() % 30;
            (0..len).map(|_| PIECES[(next() % PIECES.len() as u64) as usize]).collect::<Vec<_>>().join(" ")
        })
        .collect()
}

#[test]
fn three_hundred_malformed_queries_are_all_4xx() {
    let (_dir, store) = store();
    let mut ep = Endpoint::start(&store, &["--threads", "2"]);
    let mut refused = 0;
    for (i, query) in malformed_queries(300).iter().enumerate() {
        let (status, text) = if i % 2 == 0 { post_query(ep.addr(), query) } else { get_query(ep.addr(), query) };
        let status = status.unwrap_or_else(|| panic!("{query:?}: no answer"));
        // A spliced fragment may by chance be a valid query: 200 is fine, 5xx is not.
        assert!(status < 500, "{query:?}: {status}: {text}");
        refused += usize::from((400..500).contains(&status));
    }
    assert!(refused > 250, "most of them are not SPARQL: {refused}");
    assert_serving(&mut ep);
}

#[test]
fn client_errors_are_4xx_with_the_evaluator_message() {
    let (_dir, store) = store();
    let mut ep = Endpoint::start(&store, &[]);
    let custom = "SELECT (<http://example.org/fn>(1) AS ?x) {}";
    let (status, text) = post_query(ep.addr(), custom);
    assert_eq!(status, Some(400), "{text}");
    assert!(text.contains("custom function"), "{text}");
    let (status, text) = post_query(ep.addr(), "SELECT * { SERVICE ?x { ?s ?p ?o } }");
    assert_eq!(status, Some(400), "{text}");
    assert!(text.contains("SERVICE"), "{text}");
    // /id/...?format=turtle is Turtle, also for a browser.
    let (status, text) = raw(
        ep.addr(),
        b"GET /id/agency/%E6%9D%AD%E5%B7%9E%E5%B8%82%E5%85%AC%E5%AE%89%E5%B1%80?format=turtle HTTP/1.1\r\nAccept: text/html\r\n\r\n",
    );
    assert_eq!(status, Some(200), "{text}");
    assert!(text.to_ascii_lowercase().contains("content-type: text/turtle"), "{text}");
    assert_serving(&mut ep);
}

#[test]
fn a_runaway_join_and_sort_is_ended_at_the_timeout_and_memory_bound() {
    let (_dir, store) = store();
    let mut ep = Endpoint::start(&store, &["--timeout", "2", "--threads", "1"]);
    // Never reads the store once the join is built: only killing the worker ends it.
    let sort = "SELECT * { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?a ?e ?i LIMIT 1";
    let (status, text) = post_query(ep.addr(), sort);
    assert_eq!(status, Some(503), "{text}");
    assert!(text.contains("--timeout") || text.contains("--max-memory"), "{text}");
    assert_serving(&mut ep);
    let path = "SELECT (COUNT(*) AS ?n) { ?s (rdfs:label|!rdfs:label)* ?o }";
    let (status, text) = post_query(ep.addr(), path);
    assert!(matches!(status, Some(200 | 503)), "{text}");
    assert_serving(&mut ep);
    drop(ep);

    // A bound well under what the join needs: the query is ended for memory, not time.
    let mut ep = Endpoint::start(&store, &["--timeout", "120", "--threads", "1", "--max-memory", "300"]);
    let (status, text) = post_query(ep.addr(), sort);
    assert_eq!(status, Some(503), "{text}");
    assert!(text.contains("--max-memory"), "{text}");
    assert_serving(&mut ep);
}

#[test]
fn oversized_heads_and_bodies_are_refused_and_the_server_lives() {
    let (_dir, store) = store();
    let mut ep = Endpoint::start(&store, &[]);
    let addr = ep.addr().to_owned();

    // A 16 MB header: 431 (or the connection closed while the rest is still being sent).
    let big = format!("GET /sparql HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n", "a".repeat(16 << 20));
    let (status, text) = raw(&addr, big.as_bytes());
    assert!(matches!(status, Some(431) | None), "{}", &text[..text.len().min(300)]);
    // Just over the limit, sent at once: 431 is read.
    let over = format!("GET /sparql HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n", "a".repeat(70 * 1024));
    let (status, _) = raw(&addr, over.as_bytes());
    assert!(matches!(status, Some(431) | None));
    // Too many header fields.
    let many: String = (0..150).map(|i| format!("X-H{i}: v\r\n")).collect();
    let (status, _) = raw(&addr, format!("GET / HTTP/1.1\r\nHost: x\r\n{many}\r\n").as_bytes());
    assert!(matches!(status, Some(431) | None));
    // A request line over the limit.
    let line = format!("GET /sparql?query={} HTTP/1.1\r\nHost: x\r\n\r\n", "x".repeat(200_000));
    let (status, _) = raw(&addr, line.as_bytes());
    assert!(matches!(status, Some(414 | 431) | None), "{status:?}");

    // A body declared larger than the limit: 413 before it is read.
    let mut stream = TcpStream::connect(&addr).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    stream
        .write_all(b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\nContent-Length: 104857600\r\n\r\nASK")
        .unwrap();
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    // A chunked body that passes the limit: 413 too.
    let mut chunked = b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
    for _ in 0..40 {
        chunked.extend_from_slice(format!("{:x}\r\n{}\r\n", 100_000, "#".repeat(100_000)).as_bytes());
    }
    chunked.extend_from_slice(b"0\r\n\r\n");
    let (status, _) = raw(&addr, &chunked);
    assert!(matches!(status, Some(413) | None), "{status:?}");
    assert_serving(&mut ep);
}

#[test]
fn idle_connections_are_closed_and_do_not_block_others() {
    let (_dir, store) = store();
    let mut ep = Endpoint::start(&store, &[]);
    let idle: Vec<TcpStream> = (0..300).map(|_| TcpStream::connect(ep.addr()).unwrap()).collect();
    // A half-sent head too (slowloris).
    let mut slow = TcpStream::connect(ep.addr()).unwrap();
    slow.write_all(b"GET /sparql?query=ASK%20%7B%7D HTTP/1.1\r\nHost: x\r\n").unwrap();
    assert_serving(&mut ep);
    // The server closes them (after its head-read timeout): each read ends instead of blocking.
    for mut c in idle.into_iter().take(3).chain([slow]) {
        c.set_read_timeout(Some(Duration::from_secs(120))).unwrap();
        let mut buf = Vec::new();
        let read = c.read_to_end(&mut buf);
        assert!(read.is_ok() || read.is_err_and(|e| e.kind() == std::io::ErrorKind::ConnectionReset), "closed");
    }
    assert_serving(&mut ep);
}
