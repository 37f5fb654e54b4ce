//! Scale and reliability on generated corpora (`scripts/gen_corpus.py`): sharded extraction equals one
//! build, a build killed at random points leaves every document whole or absent and can be completed,
//! and a query during a build gets an answer or a clear "busy" message, never a hang.
//!
//! Corpora are small (CI runs the suite in debug on two cores); `docs/benchmarks.md` has the big runs.

mod common;
use common::*;
use oxigraph::io::{RdfFormat, RdfParser};
use oxigraph::model::{GraphName, NamedNode, Quad};
use oxigraph::store::Store;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const ONTOLOGY_GRAPH: &str = "https://w3id.org/policekg/ns";

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_policekg")
}

fn write_jsonl(path: &Path, lines: &[String]) {
    let mut text = lines.join("\n");
    text.push('\n');
    std::fs::write(path, text).unwrap();
}

/// The store's quads grouped by named graph: graph IRI -> sorted N-Quads lines. Read with Oxigraph
/// directly (opening the store is part of what is checked); the default graph, which holds no document
/// facts, is left out.
fn graphs_of(store: &Path) -> BTreeMap<String, Vec<String>> {
    let store = Store::open(store).unwrap_or_else(|e| panic!("{}: the store does not open: {e}", store.display()));
    group_by_graph(store.iter().map(|q| q.expect("the store reads")))
}

fn group_by_graph(quads: impl IntoIterator<Item = Quad>) -> BTreeMap<String, Vec<String>> {
    let mut graphs: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for q in quads {
        if let GraphName::NamedNode(g) = &q.graph_name {
            graphs.entry(g.as_str().to_owned()).or_default().push(q.to_string());
        }
    }
    for quads in graphs.values_mut() {
        quads.sort();
    }
    graphs
}

fn without_ontology(mut graphs: BTreeMap<String, Vec<String>>) -> BTreeMap<String, Vec<String>> {
    graphs.remove(ONTOLOGY_GRAPH);
    graphs
}

/// Without the graphs a build derives from all documents (the views' stamp, re-post links): `policekg extract`
/// is stateless and writes only document graphs and the entities graph.
fn without_derived(mut graphs: BTreeMap<String, Vec<String>>) -> BTreeMap<String, Vec<String>> {
    graphs.retain(|g, _| !g.ends_with("/graph/views") && !g.ends_with("/graph/versions"));
    graphs
}

/// `policekg extract` on `lines` (JSONL on stdin), the N-Quads it writes.
fn extract(lines: &[String]) -> String {
    let mut child = Command::new(bin())
        .arg("extract")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let input = lines.join("\n") + "\n";
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()).unwrap());
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    assert!(out.status.success(), "policekg extract failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn extracting_in_shards_and_bulk_loading_gives_the_same_dataset_as_one_build() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = generated_lines(45, 11);
    let jsonl = dir.path().join("corpus.jsonl");
    write_jsonl(&jsonl, &corpus);

    let built = dir.path().join("built");
    ok(&["build", s(&jsonl), "--store", s(&built), "--quiet"]);
    let reference = without_ontology(graphs_of(&built));
    assert_eq!(reference.keys().filter(|g| is_document_graph(g)).count(), 45, "one graph per document");

    // The map step, as a distributed engine would run it: three shards, extracted separately, in any order.
    let shards: Vec<String> = corpus.chunks(16).map(extract).collect();
    assert_eq!(extract(&corpus[..16]), shards[0], "extract is deterministic");
    let shard_files: Vec<PathBuf> = shards
        .iter()
        .enumerate()
        .map(|(i, nq)| {
            let f = dir.path().join(format!("part-{i:05}.nq"));
            std::fs::write(&f, nq).unwrap();
            f
        })
        .collect();

    // The load step: Oxigraph's own bulk loader, shards in reverse order.
    let loaded = dir.path().join("loaded");
    {
        let store = Store::open(&loaded).unwrap();
        let mut loader = store.bulk_loader();
        for f in shard_files.iter().rev() {
            loader.load_from_reader(RdfFormat::NQuads, std::fs::File::open(f).unwrap()).unwrap();
        }
        // The ontology graph, which `build` installs, from the same compiled-in Turtle.
        let ontology =
            RdfParser::from_format(RdfFormat::Turtle).with_default_graph(NamedNode::new(ONTOLOGY_GRAPH).unwrap());
        loader.load_from_reader(ontology, policekg::store::ONTOLOGY_TTL.as_bytes()).unwrap();
        loader.commit().unwrap();
    }
    assert_eq!(without_ontology(graphs_of(&loaded)), without_derived(reference), "bulk-loaded shards == one build");
    assert_eq!(
        graphs_of(&loaded),
        without_derived(graphs_of(&built)),
        "the whole dataset too, ontology graph included"
    );
    // A bulk-loaded store is a policekg store: building the same corpus into it finds nothing to do but
    // computing the views it lacks.
    let out = ok(&["build", s(&jsonl), "--store", s(&loaded)]);
    assert!(stderr(&out).contains("built 0 document(s), 45 unchanged"), "{}", stderr(&out));
    assert_eq!(graphs_of(&loaded), graphs_of(&built), "the views' stamp included");

    // Or `policekg build` reading the shards' articles in separate runs into one store.
    let incremental = dir.path().join("incremental");
    for (i, part) in corpus.chunks(16).enumerate() {
        let f = dir.path().join(format!("in-{i}.jsonl"));
        write_jsonl(&f, part);
        ok(&["build", s(&f), "--store", s(&incremental), "--quiet"]);
    }
    assert_eq!(graphs_of(&incremental), graphs_of(&built), "builds of the shards == one build");
}

/// Documents per bulk-load commit in the crash test: small, so that kills land between commits too.
const COMMIT_EVERY: &str = "7";

fn spawn_build(input: &Path, store: &Path, batch: &str) -> Child {
    Command::new(bin())
        .args([
            "build",
            s(input),
            "--store",
            s(store),
            "--quiet",
            "--batch-size",
            batch,
            "--commit-every",
            COMMIT_EVERY,
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Checks a store left by a killed build: it opens, passes Oxigraph's own consistency check and
/// `policekg validate`, and each document graph in it is exactly the graph of a clean build. Returns how many documents it holds.
fn check_killed_store(store: &Path, reference: &BTreeMap<String, Vec<String>>, what: &str) -> usize {
    if !store.join("CURRENT").exists() {
        return 0; // killed before RocksDB created the store
    }
    let graphs = {
        let opened = Store::open(store).unwrap_or_else(|e| panic!("{what}: the store does not open: {e}"));
        opened.validate().unwrap_or_else(|e| panic!("{what}: the store is inconsistent: {e}"));
        group_by_graph(opened.iter().map(|q| q.expect("the store reads")))
    };
    // And `policekg validate`: the SHACL shapes hold on whatever the killed build left.
    let out = ok(&["validate", "--store", s(store)]);
    assert!(
        String::from_utf8_lossy(&out.stdout).starts_with("conforms: yes"),
        "{what}: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    // The totals: not current (the next build computes the views whole), or exactly what the stored documents
    // give.
    {
        let kg = policekg::store::KgStore::open_read_only(store).unwrap();
        if let Some(kept) = policekg::views::outcome_measures(&kg).unwrap() {
            assert_eq!(kept, policekg::rollup::compute_by_key(&kg).unwrap(), "{what}: totals");
        }
    }
    for (graph, quads) in &graphs {
        if graph.ends_with("/graph/views") {
            continue; // the stamp: checked above
        }
        let expected = reference.get(graph).unwrap_or_else(|| panic!("{what}: unexpected graph {graph}"));
        if is_document_graph(graph) || graph == ONTOLOGY_GRAPH {
            assert_eq!(quads, expected, "{what}: graph {graph} is partial or wrong");
        } else {
            // A graph shared by documents holds what the documents written so far contributed.
            let missing: Vec<_> = quads.iter().filter(|q| expected.binary_search(q).is_err()).collect();
            assert!(missing.is_empty(), "{what}: graph {graph} holds quads no clean build has: {missing:?}");
        }
    }
    graphs.keys().filter(|g| is_document_graph(g)).count()
}

fn is_document_graph(graph: &str) -> bool {
    graph.starts_with("https://w3id.org/policekg/id/doc/")
}

#[test]
fn a_build_killed_at_random_points_leaves_whole_documents_and_can_be_completed() {
    let dir = tempfile::tempdir().unwrap();
    let n_docs = 48;
    let jsonl = dir.path().join("corpus.jsonl");
    write_jsonl(&jsonl, &generated_lines(n_docs, 23));
    let batch = "3"; // many small writes: many chances to die in the middle of one

    let clean = dir.path().join("clean");
    let started = Instant::now();
    ok(&["build", s(&jsonl), "--store", s(&clean), "--quiet", "--batch-size", batch, "--commit-every", COMMIT_EVERY]);
    // Kill points are drawn over the length of a clean build (plus start-up), not asserted against it.
    let span = (started.elapsed().as_micros() as u64).max(20_000);
    let reference = graphs_of(&clean);
    assert_eq!(reference.keys().filter(|g| is_document_graph(g)).count(), n_docs);

    let kill_points = std::env::var("POLICEKG_KILL_POINTS").ok().and_then(|v| v.parse().ok()).unwrap_or(24usize);
    let per_store = 2;
    let mut rng = SplitMix(0x5EED_0FC0_FFEE);
    let (mut tried, mut killed_mid_build, mut partial_stores) = (0, 0, 0);
    let mut store_no = 0;
    while tried < kill_points {
        // A fresh store, killed `per_store` times in a row (the restart resumes the first), then completed.
        let store = dir.path().join(format!("killed-{store_no}"));
        store_no += 1;
        for _ in 0..per_store.min(kill_points - tried) {
            let mut child = spawn_build(&jsonl, &store, batch);
            std::thread::sleep(Duration::from_micros(rng.below(span as usize) as u64));
            let finished = child.try_wait().unwrap().is_some();
            child.kill().ok(); // SIGKILL
            child.wait().unwrap();
            tried += 1;
            if !finished {
                killed_mid_build += 1;
            }
            let docs = check_killed_store(&store, &reference, &format!("kill point {tried}"));
            if docs > 0 && docs < n_docs {
                partial_stores += 1;
            }
        }
        ok(&["build", s(&jsonl), "--store", s(&store), "--quiet", "--batch-size", batch]);
        assert_eq!(graphs_of(&store), reference, "store {store_no}: re-running the build completes it");
    }
    // Reported, not asserted: where the kills land depends on the machine's speed.
    eprintln!(
        "{tried} kill points: {killed_mid_build} killed a running build, {partial_stores} left a partial store; \
         every document whole or absent, every store completed"
    );
}

#[test]
fn a_query_during_a_build_answers_or_says_the_store_is_busy_and_never_hangs() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = generated_lines(24, 5);
    let store = dir.path().join("store");

    // A build reading JSONL from a pipe that we keep open: it is certainly running while we query.
    let mut build = Command::new(bin())
        .args(["build", "-", "--store", s(&store), "--quiet", "--batch-size", "4"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = build.stdin.take().unwrap();
    stdin.write_all((corpus[..12].join("\n") + "\n").as_bytes()).unwrap();
    stdin.flush().unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    while !store.join("CURRENT").exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }

    for args in [
        vec!["query", "--store", s(&store), "-e", "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }", "--format", "csv"],
        vec!["export", "--store", s(&store), "--format", "nquads"],
        vec!["remove", "--store", s(&store), "gen-0000001"],
        vec!["build", s(&dir.path().join("nothing.jsonl")), "--store", s(&store)],
    ] {
        let out = run_with_deadline(&args, Duration::from_secs(120));
        let err = stderr(&out);
        assert!(!out.status.success(), "{args:?} during a build: the build holds the store, got {err}");
        assert!(
            err.contains("another policekg process") && err.contains("try again"),
            "{args:?}: a clear busy message saying what to do, got: {err}"
        );
    }

    stdin.write_all((corpus[12..].join("\n") + "\n").as_bytes()).unwrap();
    drop(stdin);
    let status = build.wait().unwrap();
    assert!(status.success(), "the build was not disturbed");
    let clean = dir.path().join("clean");
    let jsonl = dir.path().join("corpus.jsonl");
    write_jsonl(&jsonl, &corpus);
    assert_eq!(graphs_of(&store), build_and_graphs(&jsonl, &clean), "nothing corrupted or lost");
    let out = ok(&["query", "--store", s(&store), "-e", "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }", "--format", "csv"]);
    assert!(stdout(&out).lines().count() == 2, "after the build, queries work: {}", stdout(&out));
}

fn build_and_graphs(jsonl: &Path, store: &Path) -> BTreeMap<String, Vec<String>> {
    ok(&["build", s(jsonl), "--store", s(store), "--quiet"]);
    graphs_of(store)
}

/// Runs policekg; a run that outlives `limit` is killed and fails the test as a hang.
fn run_with_deadline(args: &[&str], limit: Duration) -> std::process::Output {
    let mut child = Command::new(bin()).args(args).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let deadline = Instant::now() + limit;
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            child.kill().ok();
            panic!("policekg {args:?} hung while a build held the store");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}
