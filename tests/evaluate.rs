//! `policekg evaluate` end to end: a hand-written graph and gold files with figures worked out by hand,
//! the exit statuses, and the cross-check with the reference scorer (`../shared/eval/score.py`) on the
//! same export, for the hand-written graph and for the dev set.

mod common;

use common::*;
use oxigraph::io::RdfFormat;
use policekg::store::KgStore;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn fixture() -> PathBuf {
    fixtures().join("evaluate")
}

/// A store on disk holding `graph.trig` (the hand-written graph).
fn hand_written_store(dir: &Path) -> PathBuf {
    let store = dir.join("kg");
    let kg = KgStore::open(&store).unwrap();
    let trig = std::fs::read(fixture().join("graph.trig")).unwrap();
    kg.oxigraph().load_from_slice(RdfFormat::TriG, &trig).unwrap();
    store
}

fn json(out: &std::process::Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", stdout(out)))
}

fn evaluate_json(args: &[&str]) -> Value {
    let mut all = vec!["evaluate", "--format", "json"];
    all.extend(args);
    json(&ok(&all))
}

#[test]
fn the_hand_written_graph_gets_the_figures_worked_out_by_hand() {
    let dir = tempfile::tempdir().unwrap();
    let store = hand_written_store(dir.path());
    let got = evaluate_json(&["--gold", s(&fixture().join("gold")), "--store", s(&store)]);
    let expected: Value = serde_json::from_slice(&std::fs::read(fixture().join("expected.json")).unwrap()).unwrap();
    for (field, counts) in expected["fields"].as_object().unwrap() {
        for k in ["tp", "fp", "fn"] {
            assert_eq!(got["fields"][field][k], counts[k], "{field} {k}");
        }
    }
    for (line, counts) in expected["accuracy"].as_object().unwrap() {
        for k in ["right", "n"] {
            assert_eq!(got["accuracy"][line][k], counts[k], "{line} {k}");
        }
    }
    assert_eq!(got["duplicate_outcomes"], expected["duplicate_outcomes"]);
    assert_eq!(got["documents"], 2);
    // 5 found of 6, 5 of 7 right: F1 = 10/13.
    assert_eq!(got["fields"]["outcomes"]["f1"], 0.7692);
}

#[test]
fn misses_and_per_document_figures_are_listed() {
    let dir = tempfile::tempdir().unwrap();
    let store = hand_written_store(dir.path());
    let gold = fixture().join("gold");
    let out = ok(&["evaluate", "--gold", s(&gold), "--store", s(&store), "--misses", "--per-document"]);
    let text = stdout(&out);
    for line in [
        "MISS units: qd-1: 巡特警支队",
        "SPURIOUS agencies: qd-1: [\"烟台市公安局\"]",
        "SPURIOUS outcomes: qd-1: 126 case cases_solved",
        "MISS outcomes: qd-1: 抓获网上逃犯5名 = 5 person",
        "MISS operations: qd-1: 2024-05-02 巡特警支队",
        "WRONG metric: qd-1: 抓获犯罪嫌疑人12名 (gold suspects_arrested, got suspects_punished)",
        "WRONG approx: qd-2: 侦破案件20起 (gold approx false)",
    ] {
        assert!(text.lines().any(|l| l == line), "no line {line:?} in:\n{text}");
    }
    assert!(text.contains("F1 per document:"), "{text}");
    let per_doc = evaluate_json(&["--gold", s(&gold), "--store", s(&store), "--per-document"]);
    assert_eq!(per_doc["per_document"]["qd-2"]["fields"]["outcomes"]["tp"], 2);
    assert_eq!(per_doc["per_document"]["qd-2"]["fields"]["outcomes_strict"]["tp"], 1);
}

#[test]
fn a_gold_document_missing_from_the_graph_exits_1_and_bad_gold_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let store = hand_written_store(dir.path());
    let gold = dir.path().join("gold");
    std::fs::create_dir(&gold).unwrap();
    for f in ["qd-1.json", "qd-2.json"] {
        std::fs::copy(fixture().join("gold").join(f), gold.join(f)).unwrap();
    }
    std::fs::write(gold.join("qd-3.json"), r#"{"doc": "qd-3", "agencies": [{"name": "即墨区公安局"}]}"#).unwrap();
    let out = policekg(&["evaluate", "--gold", s(&gold), "--store", s(&store), "--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("qd-3"), "{}", stderr(&out));
    let report = json(&out);
    assert_eq!(report["documents_missing"], serde_json::json!(["qd-3"]));
    assert_eq!(report["fields"]["agencies"]["fn"], 1, "its items are misses");

    std::fs::write(gold.join("qd-4.json"), r#"{"doc": "qd-4", "outcomes": [{"value": "many"}]}"#).unwrap();
    let out = policekg(&["evaluate", "--gold", s(&gold), "--store", s(&store)]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("qd-4.json"), "{}", stderr(&out));
}

/// `../shared` (the reference scorer, the dev corpus and its gold files), when it is beside the clone.
fn shared() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared");
    if dir.join("eval/score.py").is_file() {
        Some(dir)
    } else {
        eprintln!("NOTICE: {} is absent: the cross-check with score.py is skipped", dir.display());
        None
    }
}

/// Runs score.py on an RDF file; returns its JSON report.
fn score_py(shared: &Path, gold: &Path, rdf: &Path, dir: &Path) -> Value {
    let out_json = dir.join("score.json");
    let out = Command::new("python3")
        .arg(shared.join("eval/score.py"))
        .args(["--gold", s(gold), "--rdf", s(rdf), "--json", s(&out_json)])
        .output()
        .unwrap();
    assert!(out.status.success(), "score.py failed: {}{}", stdout(&out), stderr(&out));
    serde_json::from_slice(&std::fs::read(&out_json).unwrap()).unwrap()
}

/// Every figure of score.py's report equals ours: counts exactly, ratios to the fourth decimal.
fn assert_same_figures(reference: &Value, ours: &Value) {
    let close = |a: &Value, b: &Value| match (a.as_f64(), b.as_f64()) {
        (Some(a), Some(b)) => (a - b).abs() < 1.5e-4,
        _ => a == b,
    };
    for field in ["agencies", "units", "campaigns", "outcomes", "operations", "outcomes_strict"] {
        let (r, o) = (&reference[field], &ours["fields"][field]);
        assert_eq!(r["tp"], o["tp"], "{field} tp");
        if field != "outcomes_strict" {
            assert_eq!((&r["fp"], &r["fn"]), (&o["fp"], &o["fn"]), "{field} fp, fn");
        }
        for k in ["precision", "recall", "f1"] {
            assert!(close(&r[k], &o[k]), "{field} {k}: score.py {}, evaluate {}", r[k], o[k]);
        }
    }
    for line in ["unit_parent", "campaign_parent", "unit", "metric", "outcome_agency", "outcome_campaign", "approx"] {
        let (r, o) = (&reference[format!("{line}_accuracy")], &ours["accuracy"][line]);
        assert_eq!(r["n"], o["n"], "{line} n");
        assert!(
            close(&r["accuracy"], &o["accuracy"]),
            "{line}: score.py {}, evaluate {}",
            r["accuracy"],
            o["accuracy"]
        );
    }
    assert_eq!(reference["duplicate_outcomes"], ours["duplicate_outcomes"]);
    assert_eq!(reference["documents"], ours["documents"]);
}

#[test]
fn score_py_agrees_on_the_hand_written_graph() {
    let Some(shared) = shared() else { return };
    require_python("pyoxigraph");
    let dir = tempfile::tempdir().unwrap();
    let store = hand_written_store(dir.path());
    let gold = fixture().join("gold");
    let reference = score_py(&shared, &gold, &fixture().join("graph.trig"), dir.path());
    assert_same_figures(&reference, &evaluate_json(&["--gold", s(&gold), "--store", s(&store)]));
}

/// The dev set: a store built from `../shared/corpus/dev`, exported, scored by score.py; scored by
/// `evaluate --store`, and by `evaluate` on the corpus itself (extracted in memory). All three agree.
#[test]
fn score_py_agrees_on_the_dev_set() {
    let Some(shared) = shared() else { return };
    require_python("pyoxigraph");
    let (corpus, gold) = (shared.join("corpus/dev"), shared.join("gold/dev"));
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("kg");
    ok(&["build", s(&corpus), "--store", s(&store), "--quiet"]);
    let export = dir.path().join("dev.nq");
    ok(&["export", "--store", s(&store), "--format", "nquads", "-o", s(&export)]);
    let reference = score_py(&shared, &gold, &export, dir.path());
    let from_store = evaluate_json(&["--gold", s(&gold), "--store", s(&store)]);
    assert_same_figures(&reference, &from_store);
    let from_corpus = evaluate_json(&["--gold", s(&gold), s(&corpus)]);
    assert_eq!(from_corpus, from_store, "a corpus is scored as the store built from it");
}
