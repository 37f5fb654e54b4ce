#![no_main]
//! Arbitrary bytes as a JSONL stream of many lines (read through a small buffer, lines capped at 4 KiB so
//! the fuzzer reaches the over-long-line path): ingest each line, then extract. No panic; every error
//! names the stream and its line, and the lines after a bad one are still read.
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    common::jsonl_stream(data, 4096);
});
