#![no_main]
//! Arbitrary text as an article body (both scripts' fields set as ingest would): extraction never
//! panics and its evidence is verbatim and inside the body.
use libfuzzer_sys::fuzz_target;
use policekg_extract::Article;

#[path = "common.rs"]
mod common;

fuzz_target!(|text: &str| {
    let article = Article {
        id: "fuzz".into(),
        body: text.to_owned(),
        simplified: policekg_extract::ingest::script::to_simplified_aligned(text),
        origin: "fuzz".into(),
        ..Article::default()
    };
    common::check_extraction(&article);
});
