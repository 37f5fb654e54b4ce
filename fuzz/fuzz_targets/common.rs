//! The invariants of the ingest and extract stages, in one place for both fuzzers: the cargo-fuzz targets
//! beside this file and the deterministic run in tests/fuzz.rs include it with `#[path]`.
//!
//! Invariants: nothing panics; a rejected input is an error naming its origin (and line, for JSONL); the
//! Simplified text is aligned char for char with the body; evidence offsets lie in the body and the
//! evidence text is the body between them.
#![allow(dead_code)] // each includer uses part of it

use policekg_extract::ingest::{self, jsonl::JsonlReader, InputKind};
use policekg_extract::{Article, Extraction};
use std::io::{BufReader, Cursor};

/// The origin every fuzzed document is read under; errors must name it.
pub const ORIGIN: &str = "fuzz/input";

/// Ingests `bytes` as one document of `kind`: the article (checked), or `None` when it is rejected with
/// an error that names the input.
pub fn ingest(kind: InputKind, bytes: &[u8]) -> Option<Article> {
    match ingest::parse_document("fuzz-doc", ORIGIN, kind, bytes) {
        Ok(article) => {
            check_article(&article, ORIGIN);
            Some(article)
        }
        Err(e) => {
            assert!(e.to_string().contains(ORIGIN), "an ingest error names its input: {e}");
            None
        }
    }
}

/// Ingest, then extraction, with every check.
pub fn ingest_and_extract(kind: InputKind, bytes: &[u8]) {
    if let Some(article) = ingest(kind, bytes) {
        check_extraction(&article);
    }
}

/// What ingest promises of any article it returns.
pub fn check_article(article: &Article, origin: &str) {
    assert!(!article.body.trim().is_empty(), "an article has body text");
    assert_eq!(article.origin, origin, "an article names where it came from");
    assert_eq!(
        article.simplified.chars().count(),
        article.body.chars().count(),
        "simplified text aligned char for char"
    );
}

/// Extracts, checking that every piece of evidence is verbatim and inside the body.
pub fn check_extraction(article: &Article) -> Extraction {
    let body: Vec<char> = article.body.chars().collect();
    let x = policekg_extract::extract(article);
    let evidence = x
        .agencies
        .iter()
        .flat_map(|a| &a.evidence)
        .chain(x.units.iter().flat_map(|u| &u.evidence))
        .chain(x.campaigns.iter().flat_map(|c| &c.evidence))
        .chain(x.operations.iter().map(|o| &o.evidence))
        .chain(x.outcomes.iter().map(|o| &o.evidence));
    for e in evidence {
        assert!(
            e.start <= e.end && e.end <= body.len(),
            "evidence {}..{} outside a body of {} chars",
            e.start,
            e.end,
            body.len()
        );
        let verbatim: String = body[e.start..e.end].iter().collect();
        assert_eq!(e.text, verbatim, "evidence text is the body between its offsets");
    }
    x
}

/// Reads `bytes` as a JSONL stream of many lines, through a small read buffer (so lines straddle reads)
/// with lines capped at `max_line` bytes: every result names `ORIGIN:line`, lines count up and stay within
/// the stream, a bad line does not stop the lines after it, and each article passes extraction. Returns
/// how many results the stream gave.
pub fn jsonl_stream(bytes: &[u8], max_line: usize) -> usize {
    let lines = bytes.split(|&b| b == b'\n').count();
    let reader = BufReader::with_capacity(61, Cursor::new(bytes.to_vec()));
    let mut last_line = 0;
    let mut results = 0;
    for result in JsonlReader::with_max_line(reader, ORIGIN, max_line) {
        results += 1;
        assert!(results <= lines + 1, "more results ({results}) than lines ({lines})");
        let origin = match &result {
            Ok(article) => article.origin.clone(),
            Err(e) => e.origin().to_string(),
        };
        let line = origin.strip_prefix(ORIGIN).unwrap_or_else(|| panic!("a JSONL result names the stream: {origin}"));
        if let Some(n) = line.strip_prefix(':') {
            let n: usize = n.parse().unwrap_or_else(|_| panic!("a JSONL result names its line: {origin}"));
            assert!(n > last_line && n <= lines, "line {n} after line {last_line}, of {lines} lines");
            last_line = n;
        } else {
            assert!(result.is_err() && results == 1, "only an error about the whole stream names no line: {origin}");
        }
        match result {
            Ok(article) => {
                check_article(&article, &origin);
                check_extraction(&article);
            }
            Err(e) => assert!(e.to_string().starts_with(&origin), "a JSONL error starts with its origin: {e}"),
        }
    }
    assert!(results >= 1, "a stream gives at least one result (an empty one is an error)");
    results
}
