//! `policekg build` end to end: idempotence, determinism, replacement, bad input, stdin.

mod common;
use common::*;
use std::fs;

#[test]
fn rebuilding_the_same_input_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let first = build_and_export(&[&articles()], &store);
    assert!(first.len() > 50, "the fixtures yield a real graph, got {} quads", first.len());
    let out = ok(&["build", s(&articles()), "--store", s(&store)]);
    assert!(stderr(&out).contains("0 document(s)") || stderr(&out).contains("built 0"), "{}", stderr(&out));
    assert_eq!(export_sorted(&store), first, "an unchanged rebuild is a no-op");
    ok(&["build", s(&articles()), "--store", s(&store), "--force", "--quiet"]);
    assert_eq!(export_sorted(&store), first, "a forced rebuild gives the same quads, not duplicates");
}

#[test]
fn two_fresh_stores_from_the_same_input_are_identical() {
    let dir = tempfile::tempdir().unwrap();
    let a = build_and_export(&[&articles()], &dir.path().join("a"));
    let b = build_and_export(&[&articles()], &dir.path().join("b"));
    assert_eq!(a, b);
}

#[test]
fn editing_one_input_replaces_exactly_that_document() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    fs::create_dir(&input).unwrap();
    for f in ["zj_hz_2023_spring.txt", "sc_cd_2024_summer.txt"] {
        fs::copy(articles().join(f), input.join(f)).unwrap();
    }
    let store = dir.path().join("store");
    let before = build_and_export(&[&input], &store);
    let edited = fs::read_to_string(input.join("zj_hz_2023_spring.txt")).unwrap().replace("356起", "357起");
    fs::write(input.join("zj_hz_2023_spring.txt"), edited).unwrap();
    let after = build_and_export(&[&input], &store);

    let graph = |v: &Vec<String>, doc: &str| -> Vec<String> {
        let suffix = format!("/doc/{doc}>");
        v.iter().filter(|l| l.trim_end_matches(" .").ends_with(&suffix)).cloned().collect()
    };
    assert_eq!(graph(&before, "sc_cd_2024_summer"), graph(&after, "sc_cd_2024_summer"), "the other graph is untouched");
    assert_ne!(graph(&before, "zj_hz_2023_spring"), graph(&after, "zj_hz_2023_spring"));
    assert!(after.iter().any(|l| l.contains("\"357\"^^")), "the new value is in");
    assert!(!after.iter().any(|l| l.contains("\"356\"^^")), "the old value is gone");
}

#[test]
fn bad_inputs_are_reported_by_name_and_do_not_stop_the_others() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    fs::create_dir(&input).unwrap();
    fs::copy(articles().join("zj_hz_2023_spring.txt"), input.join("good.txt")).unwrap();
    fs::write(input.join("empty.txt"), b"").unwrap();
    fs::write(input.join("binary.html"), [0u8, 159, 146, 150, 0, 1, 2, 3, 255, 0, 0, 7].repeat(50)).unwrap();
    fs::write(input.join("broken.jsonl"), "{\"id\": \"x1\", \"text\": \"破获案件3起\"}\n{not json\n").unwrap();
    let store = dir.path().join("store");
    let out = policekg(&["build", s(&input), "--store", s(&store)]);
    assert_eq!(out.status.code(), Some(1), "some inputs failed: status 1, after building the others: {}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("3 input(s) could not be read"), "{err}");
    assert!(err.contains("built 2 document(s), 0 unchanged, 3 failed in"), "one summary line: {err}");
    assert!(!err.contains("in the store"), "{err}");
    for name in ["empty.txt", "binary.html", "broken.jsonl:2"] {
        assert!(err.contains(name), "stderr names {name}: {err}");
    }
    let quads = export_sorted(&store);
    assert!(quads.iter().any(|l| l.contains("/doc/good>")), "the good file is in the store");
    assert!(quads.iter().any(|l| l.contains("/doc/x1>")), "the good JSONL line is in the store");

    // A second build of only bad input keeps everything already stored.
    let bad = dir.path().join("bad.txt");
    fs::write(&bad, [0xFFu8, 0xFE, 0x00, 0x00, 0x12].repeat(10)).unwrap();
    let out = policekg(&["build", s(&bad), "--store", s(&store)]);
    assert_eq!(out.status.code(), Some(1), "nothing readable: status 1");
    assert!(stderr(&out).contains("bad.txt"));
    assert_eq!(export_sorted(&store), quads, "nothing already stored is lost");
}

#[test]
fn an_unusable_store_or_argument_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("not-a-dir");
    fs::write(&file, "x").unwrap();
    let out = policekg(&["build", s(&articles()), "--store", s(&file)]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("not-a-dir"), "{}", stderr(&out));

    let out = policekg(&["export", "--store", s(&dir.path().join("missing")), "--format", "nquads"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("no policekg store"), "{}", stderr(&out));

    let out = policekg(&["build", s(&dir.path().join("nope.txt")), "--store", s(&dir.path().join("s"))]);
    assert!(stderr(&out).contains("nope.txt"), "{}", stderr(&out));
}

#[test]
fn jsonl_on_stdin_builds_like_a_file() {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let dir = tempfile::tempdir().unwrap();
    let jsonl = articles().join("gd_sz_2022.jsonl");
    let from_file = build_and_export(&[&jsonl], &dir.path().join("a"));
    let store_b = dir.path().join("b");
    let mut child = Command::new(env!("CARGO_BIN_EXE_policekg"))
        .args(["build", "-", "--store", s(&store_b), "--quiet"])
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&fs::read(&jsonl).unwrap()).unwrap();
    assert!(child.wait().unwrap().success());
    assert_eq!(export_sorted(&store_b), from_file);
}

#[test]
fn removing_a_document_removes_exactly_its_facts() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let jsonl = articles().join("gd_sz_2022.jsonl");
    let both = build_and_export(&[&jsonl], &store);
    ok(&["remove", "--store", s(&store), "gd-sz-2022-1003"]);
    let after = export_sorted(&store);
    assert!(after.len() < both.len());
    assert!(!after.iter().any(|l| l.contains("gd-sz-2022-1003")));
    let kept: Vec<_> = both.iter().filter(|l| !l.trim_end_matches(" .").ends_with("/doc/gd-sz-2022-1003>")).collect();
    assert_eq!(after.iter().collect::<Vec<_>>(), kept, "the other document's graph and the ontology are intact");
    // The agency both documents mention is still described by the remaining one.
    assert!(after.iter().any(|l| l.contains("深圳市公安局") && l.contains("rdf-schema#label")));
}

#[test]
fn a_build_of_readable_inputs_exits_0_with_one_summary_line() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let out = policekg(&["build", s(&articles()), "--store", s(&store)]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let err = stderr(&out);
    let summary: Vec<&str> = err.lines().filter(|l| l.starts_with("built ")).collect();
    assert_eq!(summary.len(), 1, "{err}");
    assert!(summary[0].contains(" 0 failed in ") && summary[0].contains(" documents/s"), "{err}");
    assert!(summary[0].ends_with(" quads written"), "{err}");
}

/// `policekg extract` with `input` on stdin and `args`: (status, stdout, stderr).
fn extract(input: &str, args: &[&str]) -> (Option<i32>, String, String) {
    use std::io::Write;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_policekg"))
        .arg("extract")
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    (out.status.code(), stdout(&out), stderr(&out))
}

#[test]
fn extract_accepts_an_empty_shard_and_fails_on_a_malformed_line_only_with_strict() {
    for empty in ["", "\n\n  \n"] {
        let (code, out, err) = extract(empty, &[]);
        assert_eq!((code, out.as_str()), (Some(0), ""), "an empty shard succeeds: {err}");
    }
    let shard = "{\"id\": \"a1\", \"text\": \"杭州市公安局破获案件3起。\"}\n{not json\n{\"id\": \"a2\", \"text\": \"抓获犯罪嫌疑人5名。\"}\n";
    let (code, out, err) = extract(shard, &[]);
    assert_eq!(code, Some(0), "{err}");
    assert!(err.contains("<stdin>:2") && err.contains("skipped 1 malformed line"), "{err}");
    assert!(out.contains("/doc/a1>") && out.contains("/doc/a2>"), "both good lines are extracted");

    let (code, out, err) = extract(shard, &["--strict"]);
    assert_eq!(code, Some(1), "--strict fails the shard: {err}");
    assert!(err.contains("<stdin>:2"), "{err}");
    assert!(!out.contains("/doc/a2>"), "it stops at the malformed line");
}

#[test]
fn extract_with_ontology_writes_the_ontology_graph_as_build_stores_it() {
    let (code, out, err) = extract("", &["--with-ontology"]);
    assert_eq!(code, Some(0), "{err}");
    let ontology = stdout(&ok(&["ontology", "--format", "nquads"]));
    assert_eq!(out, ontology);
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines.len() > 200 && lines.iter().all(|l| l.ends_with("<https://w3id.org/policekg/ns> .")), "{out}");
    // The same quads as `build` installs in a store.
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    ok(&["build", s(&articles()), "--store", s(&store), "--quiet"]);
    let exported = stdout(&ok(&["export", "--store", s(&store), "--format", "nquads", "--no-description"]));
    let stored: std::collections::BTreeSet<&str> =
        exported.lines().filter(|l| l.ends_with("<https://w3id.org/policekg/ns> .")).collect();
    assert_eq!(stored, lines.iter().copied().collect(), "extract's ontology graph == build's");
}
