#![no_main]
//! Arbitrary bytes as a .text input: ingest, then extract. No panic; errors name the input.
use libfuzzer_sys::fuzz_target;
use policekg_extract::ingest::InputKind;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| common::ingest_and_extract(InputKind::Text, data));
