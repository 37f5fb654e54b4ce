//! The accuracy regression gate: the dev set (`../shared/corpus/dev`, gold in `../shared/gold/dev`) is
//! extracted and scored by `policekg evaluate`, and every figure named in `tests/accuracy_bars.json` must
//! reach its bar. Skipped, with a notice, only where `../shared` is not beside the clone.

mod common;

use common::*;
use serde_json::Value;
use std::path::Path;

#[test]
fn the_dev_set_scores_at_least_the_bars() {
    let shared = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared");
    let (corpus, gold) = (shared.join("corpus/dev"), shared.join("gold/dev"));
    if !corpus.is_dir() || !gold.is_dir() {
        eprintln!("NOTICE: {} is absent: the accuracy gate is skipped", shared.display());
        return;
    }
    let bars: Value = serde_json::from_str(include_str!("accuracy_bars.json")).expect("accuracy_bars.json is JSON");
    let out = ok(&["evaluate", "--gold", s(&gold), s(&corpus), "--format", "json", "--per-document"]);
    let report: Value = serde_json::from_slice(&out.stdout).expect("evaluate writes JSON");
    let mut below = Vec::new();
    let mut check = |what: &str, got: &Value, bar: &Value| {
        let bar = bar.as_f64().unwrap_or_else(|| panic!("the bar of {what} is no number"));
        let got = got.as_f64().unwrap_or(0.0);
        eprintln!("{what:28} {got:.4}  (bar {bar:.3})");
        if got < bar {
            below.push(format!("{what}: {got:.4} < {bar:.3}"));
        }
    };
    for (field, bar) in bars["f1"].as_object().expect("f1 bars") {
        let got = &report["fields"][field]["f1"];
        assert!(!got.is_null(), "no field {field} in the report");
        check(&format!("F1 {field}"), got, bar);
    }
    for (line, bar) in bars["accuracy"].as_object().expect("accuracy bars") {
        let got = &report["accuracy"][line]["accuracy"];
        assert!(report["accuracy"].get(line).is_some(), "no accuracy line {line} in the report");
        check(&format!("accuracy {line}"), got, bar);
    }
    assert!(report["documents_missing"].as_array().is_some_and(Vec::is_empty), "every dev document is scored");
    assert!(
        below.is_empty(),
        "accuracy fell below the bars of tests/accuracy_bars.json:\n  {}\n(run `policekg evaluate --gold {} {} \
         --misses` to see what is missed)",
        below.join("\n  "),
        gold.display(),
        corpus.display()
    );
}
