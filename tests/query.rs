//! `policekg query`: named queries, files, expressions and output formats on a real store.

mod common;
use common::*;

fn store() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    ok(&["build", s(&articles()), "--store", s(&store), "--quiet"]);
    (dir, store)
}

#[test]
fn list_shows_every_named_query_with_its_question() {
    let out = stdout(&ok(&["query", "--list"]));
    for name in ["outcomes-by-agency-campaign", "agency-hierarchy", "campaigns", "document-facts", "year-over-year"] {
        let line = out.lines().find(|l| l.starts_with(name)).unwrap_or_else(|| panic!("{name} listed: {out}"));
        assert!(line.contains('?'), "{name} says what question it answers: {line}");
    }
}

#[test]
fn outcomes_by_agency_and_campaign() {
    let (_d, store) = store();
    let csv = stdout(&ok(&["query", "--store", s(&store), "outcomes-by-agency-campaign", "--format", "csv"]));
    assert!(csv.starts_with("agency,campaign,metric,unit,total,facts"), "{csv}");
    assert!(
        csv.lines().any(|l| l.starts_with("杭州市公安局,") && l.contains("cases_solved,case,356,")),
        "Hangzhou's 356 cases under its campaign: {csv}"
    );
}

#[test]
fn agency_hierarchy_reaches_the_ministry() {
    let (_d, store) = store();
    let csv = stdout(&ok(&["query", "--store", s(&store), "agency-hierarchy", "--format", "csv"]));
    assert!(csv.lines().any(|l| l.starts_with("杭州市公安局,agency,Prefectural,浙江省公安厅")), "{csv}");
    assert!(csv.lines().any(|l| l.starts_with("浙江省公安厅,agency,Provincial,公安部")), "{csv}");
}

#[test]
fn year_over_year_changes_with_direction() {
    let (_d, store) = store();
    let csv = stdout(&ok(&["query", "--store", s(&store), "year-over-year", "--format", "csv"]));
    assert!(csv.lines().any(|l| l.contains("decrease,31.4,year-over-year")), "{csv}");
}

#[test]
fn document_facts_carry_verbatim_evidence() {
    let (_d, store) = store();
    let tsv = stdout(&ok(&["query", "--store", s(&store), "document-facts", "--format", "tsv"]));
    let row = tsv.lines().find(|l| l.contains("cases_solved") && l.contains("356")).expect("a row for 356 cases");
    assert!(row.contains("侦破各类刑事案件356起"), "{row}");
}

#[test]
fn expressions_files_formats_and_errors() {
    let (dir, store) = store();
    let ask = stdout(&ok(&["query", "--store", s(&store), "-e", "ASK { ?a a pk:Agency }", "--format", "json"]));
    assert!(ask.contains("\"boolean\":true"), "{ask}");
    let rq = dir.path().join("count.rq");
    std::fs::write(&rq, "# How many documents?\nSELECT (COUNT(*) AS ?n) WHERE { ?d a pk:Document }").unwrap();
    let table = stdout(&ok(&["query", "--store", s(&store), s(&rq), "--format", "table"]));
    assert!(table.lines().any(|l| l.trim() == "4"), "{table}");
    let bad = policekg(&["query", "--store", s(&store), "-e", "SELECT WHERE {"]);
    assert!(!bad.status.success());
    assert!(stderr(&bad).contains("not valid SPARQL"), "{}", stderr(&bad));
    let missing = policekg(&["query", "--store", s(&store), "no-such-query"]);
    assert!(stderr(&missing).contains("named queries:"), "{}", stderr(&missing));
}
