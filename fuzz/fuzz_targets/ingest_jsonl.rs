#![no_main]
//! Arbitrary bytes as one JSONL line (one JSON object, as `parse_document` reads it): ingest, then
//! extract. No panic; errors name the input.
use libfuzzer_sys::fuzz_target;
use policekg_extract::ingest::InputKind;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| common::ingest_and_extract(InputKind::Jsonl, data));
