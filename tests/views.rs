//! Materialized views (src/views): `policekg query NAME` read from a view gives the rows the named query's
//! SPARQL gives (`--no-views`), in an order its ORDER BY allows, after builds into a blank store, re-builds,
//! additions, removals, and a build into a store whose views were lost; a view that does not describe the
//! store is never read.

mod common;
use common::*;
use std::path::Path;

/// The named queries answered from views, with the columns of their ORDER BY.
const VIEWS: [(&str, &[usize]); 4] = [
    ("outcomes-by-agency-campaign", &[0, 1, 2, 3]),
    ("year-over-year", &[7, 0]),
    ("agency-hierarchy", &[3, 0]),
    ("totals-up-the-hierarchy", &[0, 1, 2, 3]),
];

/// The rows of a named query as SPARQL TSV cells (terms in N-Triples syntax; tabs inside are escaped).
fn answer(store: &Path, name: &str, extra: &[&str]) -> Vec<Vec<String>> {
    let mut args = vec!["query", "--store", s(store), name, "--format", "tsv"];
    args.extend(extra);
    let text = stdout(&ok(&args));
    text.lines().skip(1).map(|l| l.split('\t').map(str::to_owned).collect()).collect()
}

/// Each view's answer equals its SPARQL's: the same rows, and the same sequence of ORDER BY keys.
fn assert_views_agree(store: &Path, when: &str) {
    for (name, order) in VIEWS {
        let from_view = answer(store, name, &[]);
        let from_sparql = answer(store, name, &["--no-views"]);
        assert!(from_view.iter().all(|r| r.len() == from_sparql.first().map_or(r.len(), Vec::len)));
        let keys = |rows: &[Vec<String>]| -> Vec<Vec<String>> {
            rows.iter().map(|r| order.iter().map(|&i| r[i].clone()).collect()).collect()
        };
        assert_eq!(keys(&from_view), keys(&from_sparql), "{name} {when}: order keys differ");
        let (mut a, mut b) = (from_view.clone(), from_sparql.clone());
        a.sort();
        b.sort();
        assert_eq!(a, b, "{name} {when}: rows differ");
        // Entities outlive their documents: the hierarchy is never empty here.
        assert!(!from_view.is_empty() || name != "agency-hierarchy", "{name} {when}: no rows at all");
    }
}

fn view_file(store: &Path, name: &str) -> std::path::PathBuf {
    store.join("views").join(format!("{name}.rows"))
}

#[test]
fn views_answer_as_the_sparql_does_through_builds_and_removals() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let reposts = fixtures().join("reposts");
    ok(&["build", s(&samples()), s(&reposts.join("yy_2024_report.txt")), "--store", s(&store), "-q"]);
    assert!(view_file(&store, "outcomes-by-agency-campaign").is_file());
    assert_views_agree(&store, "after a build into a blank store");
    for (name, _) in VIEWS {
        assert!(!answer(&store, name, &[]).is_empty(), "{name}: no rows from the samples");
    }

    // Add documents (re-posts of one already there, a document with two periods), then re-build one.
    ok(&["build", s(&reposts), "--store", s(&store), "-q"]);
    assert_views_agree(&store, "after adding re-posts");
    ok(&["build", s(&articles()), s(&reposts.join("yy_2024_two_quarters.txt")), "--store", s(&store), "-q", "--force"]);
    assert_views_agree(&store, "after adding and re-building articles");

    ok(&["remove", "--store", s(&store), "yy_2024_report", "yy_2024_report_traditional"]);
    assert_views_agree(&store, "after removing a report and a re-post");

    // A store whose documents are all gone keeps its entities: the hierarchy still lists them.
    let docs = stdout(&ok(&[
        "query",
        "--store",
        s(&store),
        "-e",
        "SELECT ?id WHERE { ?d a pk:Document ; dcterms:identifier ?id }",
        "--format",
        "tsv",
    ]));
    let ids: Vec<String> = docs.lines().skip(1).map(|l| l.trim_matches('"').to_owned()).collect();
    let mut args = vec!["remove", "--store", s(&store)];
    args.extend(ids.iter().map(String::as_str));
    ok(&args);
    assert_views_agree(&store, "after removing every document");
    ok(&["build", s(&reposts.join("yy_2024_second_quarter.txt")), "--store", s(&store), "-q"]);
    assert_views_agree(&store, "after a build into a store of entities only");
}

#[test]
fn a_view_is_read_only_while_its_stamp_is_the_stores() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    ok(&["build", s(&samples()), "--store", s(&store), "-q"]);
    let path = view_file(&store, "agency-hierarchy");
    let text = std::fs::read_to_string(&path).unwrap();
    let (header, rows) = text.split_once('\n').unwrap();

    // The view is what the query reads: a row added to the file shows.
    let planted = "k\tsPLANTED\tsunit\t\t\n";
    std::fs::write(&path, format!("{header}\n{planted}{rows}")).unwrap();
    let read = answer(&store, "agency-hierarchy", &[]);
    assert!(read.iter().any(|r| r[0] == "\"PLANTED\""), "the view file is not what was read");

    // Another stamp (a write that stopped before its refresh): the SPARQL answers, and the next build
    // rebuilds the view in full.
    let other = header.rsplit_once(' ').unwrap().0.to_owned() + " another-stamp";
    std::fs::write(&path, format!("{other}\n{planted}{rows}")).unwrap();
    let read = answer(&store, "agency-hierarchy", &[]);
    assert!(!read.iter().any(|r| r[0] == "\"PLANTED\""), "a view with another stamp was read");
    ok(&["build", s(&fixtures().join("reposts/yy_2024_report.txt")), "--store", s(&store), "-q"]);
    assert!(!std::fs::read_to_string(&path).unwrap().contains("PLANTED"));
    assert_views_agree(&store, "after a build over a stale view");

    // Views deleted: the SPARQL answers, and a build that changes nothing writes them again.
    std::fs::remove_dir_all(store.join("views")).unwrap();
    assert!(!answer(&store, "agency-hierarchy", &[]).is_empty());
    ok(&["build", s(&samples()), "--store", s(&store), "-q"]);
    assert!(path.is_file());
    assert_views_agree(&store, "after views were deleted and rebuilt");
}

#[test]
fn views_agree_on_a_generated_corpus_built_in_two_parts() {
    let dir = tempfile::tempdir().unwrap();
    let lines = generated_lines(400, 11);
    let (first, second) = lines.split_at(250);
    let store = dir.path().join("store");
    for (i, part) in [first, second].iter().enumerate() {
        let path = dir.path().join(format!("part{i}.jsonl"));
        std::fs::write(&path, part.join("\n") + "\n").unwrap();
        ok(&["build", s(&path), "--store", s(&store), "-q"]);
    }
    assert_views_agree(&store, "after two builds of a generated corpus");
}
