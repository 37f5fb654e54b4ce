//! Facts, not mentions (docs/facts.md): re-posts are linked, an outcome reported by several documents is
//! one fact with every source, totals count each fact once, and build and remove keep it all in step.

mod common;
use common::*;
use oxigraph::model::Term;
use oxigraph::sparql::QueryResults;
use policekg::store::KgStore;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn reposts() -> PathBuf {
    fixtures().join("reposts")
}

fn fixture(name: &str) -> PathBuf {
    reposts().join(name)
}

/// Rows of a SELECT over the store, each variable's value as text ("" when unbound).
fn select(store: &Path, sparql: &str) -> Vec<Vec<String>> {
    let kg = KgStore::open_read_only(store).unwrap();
    let QueryResults::Solutions(solutions) = policekg::query::evaluate(&kg, sparql).unwrap() else {
        panic!("a SELECT")
    };
    let vars: Vec<_> = solutions.variables().to_vec();
    let mut rows: Vec<Vec<String>> = solutions
        .map(|s| {
            let s = s.unwrap();
            vars.iter()
                .map(|v| match s.get(v) {
                    Some(Term::Literal(l)) => l.value().to_owned(),
                    Some(t) => t.to_string(),
                    None => String::new(),
                })
                .collect()
        })
        .collect();
    rows.sort();
    rows
}

/// For each value reported under 清风-2024: (value, facts, outcomes linked to them).
fn facts_of_value(store: &Path, value: &str) -> (usize, usize) {
    let rows = select(
        store,
        &format!(
            "SELECT ?o ?f WHERE {{ ?o a pk:Outcome ; pk:value ?v ; pk:fact ?f ; pk:metric pk:metric_cases_solved FILTER(?v = {value}) }}"
        ),
    );
    let facts: std::collections::BTreeSet<&String> = rows.iter().map(|r| &r[1]).collect();
    (facts.len(), rows.len())
}

/// The totals of `outcomes-by-agency-campaign`: (agency, campaign, metric, unit) -> (total, facts, documents).
fn totals(store: &Path) -> BTreeMap<Vec<String>, Vec<String>> {
    let out = ok(&["query", "--store", s(store), "outcomes-by-agency-campaign", "--format", "csv"]);
    let text = stdout(&out);
    let mut lines = text.lines();
    assert_eq!(lines.next().unwrap().trim(), "agency,campaign,metric,unit,total,facts,documents");
    lines
        .map(|l| {
            let cells: Vec<String> = l.trim_end_matches('\r').split(',').map(str::to_owned).collect();
            (cells[..4].to_vec(), cells[4..].to_vec())
        })
        .collect()
}

/// The totals the outcomes view keeps equal the totals computed from the document graphs.
fn assert_rollups_consistent(store: &Path) {
    let kg = KgStore::open_read_only(store).unwrap();
    let kept = policekg::views::outcome_measures(&kg).unwrap().expect("every write left the views current");
    let computed = policekg::rollup::compute_by_key(&kg).unwrap();
    assert_eq!(kept, computed, "totals kept incrementally = totals recomputed from the documents");
}

const YY: &str = "岳阳市公安局";

#[test]
fn a_traditional_re_post_and_one_with_a_source_line_are_one_fact_with_every_source() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    for name in ["yy_2024_report.txt", "yy_2024_report_traditional.txt", "yy_2024_report_source_line.txt"] {
        ok(&["build", s(&fixture(name)), "--store", s(&store), "--quiet"]);
    }
    assert_eq!(facts_of_value(&store, "312"), (1, 3), "one fact, reported by three documents");
    let links = select(&store, "SELECT ?d ?r WHERE { ?d pk:duplicateOf ?r }");
    let id = |iri: &str| iri.rsplit('/').next().unwrap().trim_end_matches('>').to_owned();
    let links: Vec<(String, String)> = links.iter().map(|r| (id(&r[0]), id(&r[1]))).collect();
    assert_eq!(
        links,
        [
            ("yy_2024_report_source_line".to_owned(), "yy_2024_report".to_owned()),
            ("yy_2024_report_traditional".to_owned(), "yy_2024_report".to_owned())
        ]
    );
    // Every source keeps its own evidence: the Traditional one in its own script.
    let evidence = select(
        &store,
        "SELECT ?id ?text WHERE { GRAPH ?d { ?o pk:value ?v ; pk:evidence/pk:text ?text FILTER(?v = 312) } ?d dcterms:identifier ?id }",
    );
    assert_eq!(evidence.len(), 3);
    assert!(evidence.iter().any(|r| r[1].contains("破獲")), "{evidence:?}");
    let t = totals(&store);
    let key = |m: &str, u: &str| vec![YY.to_owned(), "清风-2024".to_owned(), m.to_owned(), u.to_owned()];
    assert_eq!(t[&key("cases_solved", "case")], ["312", "1", "3"], "the total counts the fact once");
    assert_eq!(t[&key("funds_stopped", "CNY")], ["8600000", "1", "3"]);
    assert_rollups_consistent(&store);
}

#[test]
fn the_same_figure_for_two_periods_stays_two_facts() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    for name in ["yy_2024_two_quarters.txt", "yy_2024_second_quarter.txt"] {
        ok(&["build", s(&fixture(name)), "--store", s(&store), "--quiet"]);
    }
    assert_eq!(facts_of_value(&store, "56"), (2, 2), "the first and the second quarter");
    let periods = select(
        &store,
        "SELECT ?start ?end WHERE { ?o pk:value ?v ; pk:periodStart ?start ; pk:periodEnd ?end FILTER(?v = 56) }",
    );
    assert_eq!(periods, [["2024-01-01", "2024-03-31"], ["2024-04-01", "2024-06-30"]]);
    assert_rollups_consistent(&store);
}

#[test]
fn removing_one_source_keeps_the_fact_and_removing_all_removes_it() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    ok(&["build", s(&reposts()), "--store", s(&store), "--quiet"]);
    assert_eq!(facts_of_value(&store, "312"), (1, 3));
    assert_rollups_consistent(&store);

    ok(&["remove", "--store", s(&store), "yy_2024_report_traditional"]);
    assert_eq!(facts_of_value(&store, "312"), (1, 2), "the fact keeps its other sources");
    assert_rollups_consistent(&store);
    let key = vec![YY.to_owned(), "清风-2024".to_owned(), "cases_solved".to_owned(), "case".to_owned()];
    assert_eq!(totals(&store)[&key], ["312", "1", "2"]);

    // The root goes: the re-post left is linked to nothing, and still reports the fact.
    ok(&["remove", "--store", s(&store), "yy_2024_report"]);
    assert_eq!(facts_of_value(&store, "312"), (1, 1));
    assert!(select(&store, "SELECT ?d WHERE { ?d pk:duplicateOf ?r }").is_empty());
    assert_rollups_consistent(&store);

    ok(&["remove", "--store", s(&store), "yy_2024_report_source_line"]);
    assert_eq!(facts_of_value(&store, "312"), (0, 0), "no source left: no fact");
    assert!(!totals(&store).contains_key(&key), "and no total");
    assert_rollups_consistent(&store);

    // Building them again restores the same totals.
    ok(&["build", s(&reposts()), "--store", s(&store), "--quiet"]);
    assert_eq!(totals(&store)[&key], ["312", "1", "3"]);
    assert_rollups_consistent(&store);
}

#[test]
fn a_changed_document_moves_its_facts_and_the_totals_follow() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    std::fs::create_dir(&input).unwrap();
    for f in ["yy_2024_report.txt", "yy_2024_report_source_line.txt"] {
        std::fs::copy(fixture(f), input.join(f)).unwrap();
    }
    let store = dir.path().join("store");
    ok(&["build", s(&input), "--store", s(&store), "--quiet"]);
    let path = input.join("yy_2024_report_source_line.txt");
    let edited = std::fs::read_to_string(&path).unwrap().replace("312起", "313起");
    std::fs::write(&path, edited).unwrap();
    ok(&["build", s(&input), "--store", s(&store), "--quiet"]);
    assert_eq!(facts_of_value(&store, "312"), (1, 1));
    assert_eq!(facts_of_value(&store, "313"), (1, 1), "another figure is another fact");
    let key = vec![YY.to_owned(), "清风-2024".to_owned(), "cases_solved".to_owned(), "case".to_owned()];
    assert_eq!(totals(&store)[&key], ["625", "2", "2"]);
    assert_rollups_consistent(&store);
}

#[test]
fn explain_names_the_article_a_re_post_repeats() {
    let out = ok(&["explain", s(&fixture("yy_2024_report.txt")), s(&fixture("yy_2024_report_traditional.txt"))]);
    let text = stdout(&out);
    assert!(text.contains("## Re-post"), "{text}");
    assert!(text.contains("repeats yy_2024_report "), "{text}");
}

/// Re-posts of a generated corpus (scripts/repost.py: another id, url and title, a source and an editor
/// line, a day later, a third in Traditional script) change no total of `outcomes-by-agency-campaign`.
#[test]
fn re_posting_a_generated_corpus_changes_no_total() {
    let dir = tempfile::tempdir().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let corpus = dir.path().join("corpus.jsonl");
    let with_reposts = dir.path().join("with-reposts.jsonl");
    let run = |args: &[&str]| {
        let out = std::process::Command::new("python3").args(args).current_dir(root).output().expect("python3 runs");
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    };
    run(&["scripts/gen_corpus.py", "300", "--seed", "5", "-o", s(&corpus)]);
    run(&["scripts/repost.py", s(&corpus), "--share", "0.3", "--seed", "3", "-o", s(&with_reposts)]);
    let (plain, reposted) = (dir.path().join("plain"), dir.path().join("reposted"));
    ok(&["build", s(&corpus), "--store", s(&plain), "--quiet"]);
    // Small batches and commits: re-posts whose original an earlier commit stored are linked to its facts.
    let small = ["--batch-size", "10", "--commit-every", "40"];
    ok(&[&["build", s(&with_reposts), "--store", s(&reposted), "--quiet"][..], &small].concat());
    let links = select(&reposted, "SELECT ?d ?r WHERE { ?d pk:duplicateOf ?r }");
    assert_eq!(links.len(), 90, "every re-post is linked");
    assert!(links.iter().all(|r| r[0].replace("-rp>", ">") == r[1]), "each to its original");
    let sums = |t: BTreeMap<Vec<String>, Vec<String>>| -> BTreeMap<Vec<String>, String> {
        t.into_iter().map(|(k, v)| (k, v[0].clone())).collect()
    };
    let (a, b) = (sums(totals(&plain)), sums(totals(&reposted)));
    let differing: Vec<_> = a.iter().filter(|(k, v)| b.get(*k) != Some(v)).take(5).collect();
    assert!(differing.is_empty() && a.len() == b.len(), "{} vs {} totals; differing: {differing:?}", a.len(), b.len());
    assert_rollups_consistent(&reposted);
}
