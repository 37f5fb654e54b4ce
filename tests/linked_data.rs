//! Linked-data exports (issue 6): external parsers read every format back to the same dataset; pySHACL and
//! `policekg validate` agree; pandas reads every table; exports are byte-identical; the ontology declares
//! every `pk:` term an export uses. The Python tools are required (run scripts/test.sh to install them).

mod common;
use common::*;
use oxigraph::io::{RdfFormat, RdfParser};
use oxigraph::model::{NamedNode, Quad, Term};
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::{Path, PathBuf};
use std::process::Command;

const PK: &str = "https://w3id.org/policekg/ns#";

const RDF_FORMATS: [(&str, &str, bool); 6] = [
    // (policekg format, rdflib format, keeps named graphs)
    ("nquads", "nquads", true),
    ("trig", "trig", true),
    ("jsonld", "json-ld", true),
    ("turtle", "turtle", false),
    ("ntriples", "nt", false),
    ("rdfxml", "xml", false),
];

fn store_with_fixtures() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    ok(&["build", s(&articles()), "--store", s(&store), "--quiet"]);
    (dir, store)
}

fn shapes_fixtures() -> PathBuf {
    fixtures().join("shapes")
}

/// Runs a Python program with arguments; insists on success and returns its standard output.
fn python(program: &str, args: &[&str]) -> String {
    let out = Command::new("python3").arg("-c").arg(program).args(args).output().expect("python3 runs");
    assert!(
        out.status.success(),
        "python3 failed ({}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Compares a file with a reference N-Quads file, with rdflib (isomorphism, graph by graph, blank nodes
/// included) and with pyoxigraph (quad sets). Prints "same" or what differs.
const ROUND_TRIP: &str = r##"
import sys, rdflib, pyoxigraph
from rdflib.compare import isomorphic
path, rdflib_format, keeps_graphs, reference = sys.argv[1], sys.argv[2], sys.argv[3] == "true", sys.argv[4]
problems = []

def rdflib_dataset(p, f):
    ds = rdflib.Dataset()
    ds.parse(p, format=f)
    graphs = {}
    for g in ds.graphs():
        name = "" if g.identifier == rdflib.graph.DATASET_DEFAULT_GRAPH_ID else str(g.identifier)
        if len(g):
            graphs[name] = g
    return graphs

ref = rdflib_dataset(reference, "nquads")
if keeps_graphs:
    got = rdflib_dataset(path, rdflib_format)
    if sorted(got) != sorted(ref):
        problems.append("rdflib: graph names differ: %s" % sorted(set(got) ^ set(ref))[:5])
    for name in ref:
        if name in got and not isomorphic(ref[name], got[name]):
            problems.append("rdflib: graph <%s> differs (%d vs %d triples)" % (name, len(ref[name]), len(got[name])))
else:
    union = rdflib.Graph()
    for g in ref.values():
        for t in g:
            union.add(t)
    got = rdflib.Graph()
    got.parse(path, format=rdflib_format)
    if not isomorphic(union, got):
        problems.append("rdflib: union differs (%d vs %d triples)" % (len(union), len(got)))

fmt = {"nquads": pyoxigraph.RdfFormat.N_QUADS, "trig": pyoxigraph.RdfFormat.TRIG, "json-ld": pyoxigraph.RdfFormat.JSON_LD,
       "turtle": pyoxigraph.RdfFormat.TURTLE, "nt": pyoxigraph.RdfFormat.N_TRIPLES, "xml": pyoxigraph.RdfFormat.RDF_XML}[rdflib_format]
def quads(p, f, graphs):
    out = set()
    for q in pyoxigraph.parse(path=p, format=f):
        out.add((str(q.subject), str(q.predicate), str(q.object), str(q.graph_name) if graphs else ""))
    return out
a, b = quads(reference, pyoxigraph.RdfFormat.N_QUADS, keeps_graphs), quads(path, fmt, keeps_graphs)
if a != b:
    problems.append("pyoxigraph: %d quads only in the reference, %d only in the export; e.g. %s" % (len(a - b), len(b - a), sorted(a ^ b)[:2]))
print("same" if not problems else "\n".join(problems))
"##;

#[test]
fn every_format_reads_back_with_rdflib_and_pyoxigraph() {
    require_python("rdflib");
    require_python("pyoxigraph");
    let (dir, store) = store_with_fixtures();
    let reference = dir.path().join("reference.nq");
    ok(&["export", "--store", s(&store), "--format", "nquads", "-o", s(&reference)]);
    for (name, rdflib_format, graphs) in RDF_FORMATS {
        let file = dir.path().join(format!("out.{name}"));
        ok(&["export", "--store", s(&store), "--format", name, "-o", s(&file)]);
        let verdict =
            python(ROUND_TRIP, &[s(&file), rdflib_format, if graphs { "true" } else { "false" }, s(&reference)]);
        assert_eq!(verdict.trim(), "same", "{name}");
    }
}

#[test]
fn jsonld_uses_the_published_context_and_compact_keys() {
    require_python("rdflib");
    let (_dir, store) = store_with_fixtures();
    let out = ok(&["export", "--store", s(&store), "--format", "jsonld"]).stdout;
    let json: serde_json::Value = serde_json::from_slice(&out).expect("JSON");
    let published: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("ontology/context.jsonld")).unwrap(),
    )
    .unwrap();
    assert_eq!(json["@context"], published["@context"], "the export inlines the published context");
    // Outcomes read as plain JSON: short keys, native booleans and integers, decimals as strings.
    let mut outcomes = 0;
    for graph in json["@graph"].as_array().unwrap() {
        for node in graph["@graph"].as_array().into_iter().flatten() {
            let types: Vec<&str> = match &node["type"] {
                serde_json::Value::String(t) => vec![t.as_str()],
                serde_json::Value::Array(a) => a.iter().filter_map(|t| t.as_str()).collect(),
                _ => vec![],
            };
            for key in node.as_object().unwrap().keys() {
                assert!(!key.starts_with("http"), "a full IRI as a key: {key}");
            }
            if types.contains(&"Outcome") {
                outcomes += 1;
                assert!(node["value"].is_string(), "{node}");
                assert!(node["metric"].as_str().unwrap().starts_with("pk:metric_"), "{node}");
                assert!(node["unit"].is_string());
                assert!(node["approximate"].is_boolean());
                assert!(node["wasDerivedFrom"].is_string());
            }
            if types.contains(&"Evidence") {
                assert!(node["start"].is_u64() && node["end"].is_u64(), "{node}");
            }
        }
    }
    assert!(outcomes > 3, "{outcomes} outcomes in the JSON-LD");
}

/// PyLD in `json-ld-1.0` processing mode (a JSON-LD 1.0 processor, as Apache Jena's reader is) turns the
/// JSON-LD export into the same quads as the N-Quads export, and rdflib's JSON-LD parser agrees.
#[test]
fn a_json_ld_1_0_processor_reads_the_export() {
    require_python("pyld");
    require_python("pyoxigraph");
    let (dir, store) = store_with_fixtures();
    let jsonld = dir.path().join("kg.jsonld");
    let nquads = dir.path().join("kg.nq");
    let date = ["--date", "2024-01-01"];
    ok(&[&["export", "--store", s(&store), "--format", "jsonld", "-o", s(&jsonld)][..], &date].concat());
    ok(&[&["export", "--store", s(&store), "--format", "nquads", "-o", s(&nquads)][..], &date].concat());
    let text = std::fs::read_to_string(&jsonld).unwrap();
    assert!(!text.contains("@version"), "no JSON-LD 1.1 declaration");
    let script = r#"
import sys, json, pyoxigraph
from pyld import jsonld
doc = json.load(open(sys.argv[1], encoding="utf-8"))
nq = jsonld.to_rdf(doc, {"processingMode": "json-ld-1.0", "format": "application/n-quads"})
ours = set(str(q) for q in pyoxigraph.parse(path=sys.argv[2], format=pyoxigraph.RdfFormat.N_QUADS))
theirs = set(str(q) for q in pyoxigraph.parse(nq.encode("utf-8"), format=pyoxigraph.RdfFormat.N_QUADS))
print(json.dumps({"ours": len(ours), "theirs": len(theirs), "missing": sorted(ours - theirs)[:3],
                  "extra": sorted(theirs - ours)[:3]}, ensure_ascii=False))
"#;
    let out: serde_json::Value = serde_json::from_str(&python(script, &[s(&jsonld), s(&nquads)])).unwrap();
    assert!(out["ours"].as_u64().unwrap() > 100, "{out}");
    assert_eq!(out["missing"], serde_json::json!([]), "{out}");
    assert_eq!(out["extra"], serde_json::json!([]), "{out}");
    assert_eq!(out["ours"], out["theirs"], "{out}");
}

/// `policekg ontology --format ...`: every RDF format holds the same triples as the Turtle (rdflib), and
/// owlready2 (which reads RDF/XML, not Turtle) loads the classes and properties.
#[test]
fn the_ontology_in_every_format_and_owlready2_reads_the_rdf_xml() {
    require_python("rdflib");
    require_python("owlready2");
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for (format, rdflib_format) in
        [("turtle", "turtle"), ("ntriples", "nt"), ("rdfxml", "xml"), ("nquads", "nquads"), ("jsonld", "json-ld")]
    {
        let path = dir.path().join(format!("policekg.{format}"));
        ok(&["ontology", "--format", format, "-o", s(&path)]);
        files.push((path, rdflib_format));
    }
    let script = r#"
import sys, rdflib
from rdflib.compare import isomorphic
graphs = []
for path, fmt in zip(sys.argv[1::2], sys.argv[2::2]):
    ds = rdflib.Dataset()
    ds.parse(path, format=fmt)
    g = rdflib.Graph()
    for s, p, o, _ in ds.quads((None, None, None, None)):
        g.add((s, p, o))
    graphs.append(g)
print(len(graphs[0]), all(isomorphic(graphs[0], g) for g in graphs[1:]))
"#;
    let args: Vec<&str> = files.iter().flat_map(|(p, f)| [s(p), *f]).collect();
    let out = python(script, &args);
    let (n, same) = out.trim().split_once(' ').unwrap();
    assert!(n.parse::<usize>().unwrap() > 200, "{out}");
    assert_eq!(same, "True", "every format holds the Turtle's triples");

    let rdfxml = &files[2].0;
    let owl = r#"
import sys, owlready2
onto = owlready2.get_ontology("file://" + sys.argv[1]).load()
classes = sorted(c.name for c in onto.classes())
props = sorted(p.name for p in onto.properties())
print(" ".join(classes)); print(" ".join(props))
"#;
    let out = python(owl, &[s(rdfxml)]);
    let mut lines = out.lines();
    let classes = lines.next().unwrap_or_default();
    let properties = lines.next().unwrap_or_default();
    for c in ["Agency", "Campaign", "Outcome", "Operation", "Document"] {
        assert!(classes.split(' ').any(|x| x == c), "owlready2 sees class {c}: {classes}");
    }
    for p in ["attributedTo", "metric", "value", "mentionedIn"] {
        assert!(properties.split(' ').any(|x| x == p), "owlready2 sees property {p}: {properties}");
    }
}

#[test]
fn two_exports_are_byte_identical_in_every_format_and_table() {
    let (_dir, store) = store_with_fixtures();
    let mut runs: Vec<Vec<&str>> = RDF_FORMATS.iter().map(|(f, _, _)| vec!["--format", *f]).collect();
    for table in ["outcomes", "agencies", "campaigns", "operations"] {
        runs.push(vec!["--format", "csv", "--table", table]);
        runs.push(vec!["--format", "tsv", "--table", table]);
    }
    runs.push(vec!["--format", "trig", "--document", "zj_hz_2023_spring"]);
    for extra in runs {
        let mut args = vec!["export", "--store", s(&store)];
        args.extend(&extra);
        let a = ok(&args).stdout;
        let b = ok(&args).stdout;
        assert!(!a.is_empty(), "{extra:?}");
        assert!(a == b, "{extra:?}: two exports differ");
    }
}

#[test]
fn turtle_is_grouped_by_subject_with_the_contract_prefixes() {
    let (_dir, store) = store_with_fixtures();
    let ttl = stdout(&ok(&["export", "--store", s(&store), "--format", "turtle"]));
    for p in ["pk", "org", "prov", "qb", "skos", "dcterms", "schema", "rdfs", "xsd"] {
        assert!(ttl.contains(&format!("@prefix {p}: ")), "prefix {p}");
    }
    // Each subject starts one block: no subject IRI begins two statements.
    let mut seen = BTreeSet::new();
    for line in ttl.lines().filter(|l| l.starts_with('<')) {
        let subject = line.split_whitespace().next().unwrap();
        assert!(seen.insert(subject.to_owned()), "{subject} is written in two blocks");
    }
}

/// Reads an N-Quads export.
fn quads(bytes: &[u8]) -> HashSet<Quad> {
    RdfParser::from_format(RdfFormat::NQuads).for_slice(bytes).collect::<Result<_, _>>().unwrap()
}

#[test]
fn every_export_describes_itself_with_void_dcat_and_provenance() {
    let (_dir, store) = store_with_fixtures();
    let nq = ok(&[
        "export",
        "--store",
        s(&store),
        "--license",
        "https://creativecommons.org/licenses/by/4.0/",
        "--endpoint",
        "http://localhost:7878/query",
        "--date",
        "2026-01-02",
    ])
    .stdout;
    let text = String::from_utf8(nq.clone()).unwrap();
    let dataset = "<https://w3id.org/policekg/id/dataset>";
    for needle in [
        format!("{dataset} <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://rdfs.org/ns/void#Dataset> ."),
        format!("{dataset} <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://www.w3.org/ns/dcat#Dataset> ."),
        format!("{dataset} <http://purl.org/dc/terms/license> <https://creativecommons.org/licenses/by/4.0/> ."),
        format!("{dataset} <http://rdfs.org/ns/void#sparqlEndpoint> <http://localhost:7878/query> ."),
        format!(
            "{dataset} <http://purl.org/dc/terms/modified> \"2026-01-02\"^^<http://www.w3.org/2001/XMLSchema#date> ."
        ),
        format!("{dataset} <http://rdfs.org/ns/void#documents> \"4\"^^<http://www.w3.org/2001/XMLSchema#integer> ."),
        format!("<https://schema.org/softwareVersion> \"{}\"", env!("CARGO_PKG_VERSION")),
        "<http://rdfs.org/ns/void#class> <https://w3id.org/policekg/ns#Outcome>".to_owned(),
        "<http://purl.org/linked-data/cube#dataSet> <https://w3id.org/policekg/id/dataset/outcomes>".to_owned(),
    ] {
        assert!(text.contains(&needle), "missing: {needle}");
    }
    // prov:wasDerivedFrom names exactly the document graphs.
    let all = quads(&nq);
    let derived: BTreeSet<String> = all
        .iter()
        .filter(|q| {
            q.subject.to_string() == dataset && q.predicate.as_str() == "http://www.w3.org/ns/prov#wasDerivedFrom"
        })
        .map(|q| q.object.to_string())
        .collect();
    let graphs: BTreeSet<String> = all
        .iter()
        .filter(|q| {
            q.predicate.as_str() == "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
                && q.object.to_string() == format!("<{PK}Document>")
        })
        .map(|q| q.graph_name.to_string())
        .collect();
    assert_eq!(derived, graphs);
    assert_eq!(derived.len(), 4);
    // Every outcome is in the Data Cube dataset.
    let outcomes = all
        .iter()
        .filter(|q| q.predicate.as_str().ends_with("#type") && q.object.to_string() == format!("<{PK}Outcome>"))
        .count();
    let in_cube = all.iter().filter(|q| q.predicate.as_str() == "http://purl.org/linked-data/cube#dataSet").count();
    assert!(outcomes > 0);
    assert_eq!(outcomes, in_cube);
}

#[test]
fn scoped_exports_hold_only_their_documents() {
    let (_dir, store) = store_with_fixtures();
    let graphs_of = |extra: &[&str]| -> BTreeSet<String> {
        let mut args = vec!["export", "--store", s(&store), "--no-ontology"];
        args.extend(extra);
        quads(&ok(&args).stdout)
            .into_iter()
            .filter_map(|q| match q.graph_name {
                // Document graphs only (not the shared entities graph).
                oxigraph::model::GraphName::NamedNode(n) if n.as_str().contains("/doc/") => {
                    Some(n.as_str().rsplit('/').next().unwrap().to_owned())
                }
                _ => None,
            })
            .collect()
    };
    let one = |id: &str| BTreeSet::from([id.to_owned()]);
    assert_eq!(graphs_of(&["--document", "zj_hz_2023_spring"]), one("zj_hz_2023_spring"));
    assert_eq!(graphs_of(&["--province", "330000"]), one("zj_hz_2023_spring"));
    assert_eq!(graphs_of(&["--campaign", "云剑-2023"]), one("zj_hz_2023_spring"));
    assert_eq!(graphs_of(&["--from", "2023-01-01", "--to", "2023-12-31"]), one("zj_hz_2023_spring"));
    assert_eq!(graphs_of(&["--from", "2030-01-01"]), BTreeSet::new());
    assert_eq!(graphs_of(&[]).len(), 4);
    // The scope is stated, and provenance names the one document.
    let text = stdout(&ok(&["export", "--store", s(&store), "--document", "zj_hz_2023_spring"]));
    assert!(text.contains("<https://w3id.org/policekg/ns#scope> \"document=zj_hz_2023_spring\""));
    let dataset_derived = "<https://w3id.org/policekg/id/dataset> <http://www.w3.org/ns/prov#wasDerivedFrom> ";
    assert_eq!(text.lines().filter(|l| l.starts_with(dataset_derived)).count(), 1, "{text}");
    // Bad options are clear errors.
    let bad = policekg(&["export", "--store", s(&store), "--from", "yesterday"]);
    assert!(!bad.status.success() && stderr(&bad).contains("YYYY-MM-DD"), "{}", stderr(&bad));
    let bad = policekg(&["export", "--store", s(&store), "--format", "csv"]);
    assert!(!bad.status.success() && stderr(&bad).contains("--table"), "{}", stderr(&bad));
}

const PANDAS: &str = r##"
import sys, json, pandas as pd
path, sep = sys.argv[1], sys.argv[2]
df = pd.read_csv(path) if sep == "csv" else pd.read_table(path)
print(json.dumps({"columns": list(df.columns), "rows": len(df),
                  "dtypes": {c: str(t) for c, t in df.dtypes.items()},
                  "first": json.loads(df.head(50).to_json(orient="records", force_ascii=False))}, ensure_ascii=False))
"##;

#[test]
fn pandas_reads_every_table_with_no_options() {
    require_python("pandas");
    let (dir, store) = store_with_fixtures();
    // The number of outcomes, operations... in the RDF, to compare with the rows.
    let nq = quads(&ok(&["export", "--store", s(&store), "--no-description"]).stdout);
    let count = |class: &str| {
        nq.iter()
            .filter(|q| q.predicate.as_str().ends_with("#type") && q.object.to_string() == format!("<{PK}{class}>"))
            .map(|q| q.subject.to_string())
            .collect::<BTreeSet<_>>()
            .len()
    };
    for (table, class, key) in [
        ("outcomes", "Outcome", "outcome"),
        ("agencies", "Agency", "agency"),
        ("campaigns", "Campaign", "campaign"),
        ("operations", "Operation", "operation"),
    ] {
        for sep in ["csv", "tsv"] {
            let file = dir.path().join(format!("{table}.{sep}"));
            ok(&["export", "--store", s(&store), "--format", sep, "--table", table, "-o", s(&file)]);
            let bytes = std::fs::read(&file).unwrap();
            assert!(!bytes.starts_with(&[0xEF, 0xBB, 0xBF]), "no BOM");
            let r: serde_json::Value = serde_json::from_str(&python(PANDAS, &[s(&file), sep])).unwrap();
            assert_eq!(r["columns"][0], key, "{table}.{sep}: the first column is the IRI");
            assert_eq!(r["rows"].as_u64().unwrap() as usize, count(class), "{table}.{sep}: one row per {class}");
            if table == "outcomes" {
                let dtypes = &r["dtypes"];
                assert!(matches!(dtypes["value"].as_str(), Some("float64" | "int64")), "{dtypes}");
                assert!(matches!(dtypes["evidence_start"].as_str(), Some("int64")), "{dtypes}");
                assert_eq!(dtypes["approximate"], "bool", "{dtypes}");
                for row in r["first"].as_array().unwrap() {
                    assert!(row["outcome"].as_str().unwrap().starts_with("https://w3id.org/policekg/id/doc/"));
                    assert!(row["metric"].as_str().unwrap().starts_with(PK));
                    assert!(row["document_id"].is_string() && row["evidence_text"].is_string());
                    let len = row["evidence_text"].as_str().unwrap().chars().count() as i64;
                    assert_eq!(
                        row["evidence_end"].as_i64().unwrap() - row["evidence_start"].as_i64().unwrap(),
                        len,
                        "{row}"
                    );
                }
            }
            if table == "agencies" {
                for row in r["first"].as_array().unwrap() {
                    assert!(row["label"].is_string(), "{row}");
                    assert!(
                        ["National", "Provincial", "Prefectural", "County"]
                            .contains(&row["level"].as_str().unwrap_or("")),
                        "{row}"
                    );
                }
            }
        }
    }
}

#[test]
fn csv_quotes_per_rfc_4180() {
    require_python("pandas");
    let (dir, store) = store_with_fixtures();
    let csv = stdout(&ok(&["export", "--store", s(&store), "--format", "csv", "--table", "outcomes"]));
    assert!(csv.contains("\r\n"), "CRLF line ends");
    // Evidence clauses hold commas (，is not a comma, but some fixtures have ASCII ones): a Python csv reader agrees
    // with pandas on every cell.
    let file = dir.path().join("o.csv");
    std::fs::write(&file, &csv).unwrap();
    let check = r#"
import csv, sys, pandas as pd
rows = list(csv.reader(open(sys.argv[1], newline="", encoding="utf-8")))
df = pd.read_csv(sys.argv[1], dtype=str, keep_default_na=False)
assert [list(df.columns)] + df.values.tolist() == rows, "csv module and pandas disagree"
assert all(len(r) == len(rows[0]) for r in rows)
print("ok")
"#;
    assert_eq!(python(check, &[s(&file)]).trim(), "ok");
}

// ---------------------------------------------------------------------------------------------------------
// SHACL: policekg validate and pySHACL agree
// ---------------------------------------------------------------------------------------------------------

const PYSHACL: &str = r##"
import sys, json, rdflib, pyshacl
from rdflib.namespace import SH
ontology, shapes, files = sys.argv[1], sys.argv[2], sys.argv[3:]
union = rdflib.Graph()
union.parse(ontology, format="turtle")
for f in files:
    if f.endswith((".nq", ".trig")):
        ds = rdflib.Dataset()
        ds.parse(f)
        for s, p, o, _ in ds.quads((None, None, None, None)):
            union.add((s, p, o))
    else:
        union.parse(f)
conforms, report, _ = pyshacl.validate(union, shacl_graph=rdflib.Graph().parse(shapes, format="turtle"))
results = set()
for r in report.subjects(rdflib.RDF.type, SH.ValidationResult):
    path = report.value(r, SH.resultPath)
    results.add((str(report.value(r, SH.focusNode)), str(path) if path is not None else None,
                 "sh:" + str(report.value(r, SH.sourceConstraintComponent)).split("#")[1]))
print(json.dumps({"conforms": conforms, "results": sorted(results, key=str)}))
"##;

type Finding = (String, Option<String>, String);

fn pyshacl(files: &[&Path]) -> (bool, BTreeSet<Finding>) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut args =
        vec![s(&root.join("ontology/policekg.ttl")).to_owned(), s(&root.join("ontology/shapes.ttl")).to_owned()];
    args.extend(files.iter().map(|f| s(f).to_owned()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let v: serde_json::Value = serde_json::from_str(&python(PYSHACL, &args)).unwrap();
    let results = v["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (r[0].as_str().unwrap().to_owned(), r[1].as_str().map(str::to_owned), r[2].as_str().unwrap().to_owned())
        })
        .collect();
    (v["conforms"].as_bool().unwrap(), results)
}

fn ours(args: &[&str]) -> (bool, BTreeSet<Finding>, String) {
    let mut all = vec!["validate", "--format", "json"];
    all.extend(args);
    let out = policekg(&all);
    let code = out.status.code();
    assert!(matches!(code, Some(0 | 1)), "validate failed: {}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let conforms = v["conforms"].as_bool().unwrap();
    assert_eq!(conforms, code == Some(0), "exit status 0 exactly when the data conforms");
    let results = v["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["focus"].as_str().unwrap().to_owned(),
                r["path"].as_str().map(str::to_owned),
                r["constraint"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    (conforms, results, stdout(&out))
}

#[test]
fn pyshacl_and_policekg_validate_agree_on_the_shape_fixtures() {
    require_python("pyshacl");
    let expected: BTreeMap<&str, &[&str]> = BTreeMap::from([
        ("conforming.ttl", &[][..]),
        ("outcome_cardinality.ttl", &["sh:MaxCountConstraintComponent", "sh:MinCountConstraintComponent"][..]),
        (
            "outcome_values.ttl",
            &[
                "sh:DatatypeConstraintComponent",
                "sh:InConstraintComponent",
                "sh:ClassConstraintComponent",
                "sh:LessThanOrEqualsConstraintComponent",
                "sh:HasValueConstraintComponent",
                "sh:PatternConstraintComponent",
            ][..],
        ),
        (
            "agency.ttl",
            &[
                "sh:MaxCountConstraintComponent",
                "sh:MinCountConstraintComponent",
                "sh:InConstraintComponent",
                "sh:ClassConstraintComponent",
                "sh:PatternConstraintComponent",
            ][..],
        ),
        (
            "evidence.ttl",
            &[
                "sh:SPARQLConstraintComponent",
                "sh:LessThanOrEqualsConstraintComponent",
                "sh:MinInclusiveConstraintComponent",
                "sh:MinCountConstraintComponent",
                "sh:DatatypeConstraintComponent",
            ][..],
        ),
        (
            "document.ttl",
            &["sh:MinCountConstraintComponent", "sh:MaxCountConstraintComponent", "sh:ClassConstraintComponent"][..],
        ),
    ]);
    for (file, components) in expected {
        let path = shapes_fixtures().join(file);
        let (py_conforms, py) = pyshacl(&[&path]);
        let (our_conforms, our, text) = ours(&["--data", s(&path)]);
        assert_eq!(py_conforms, components.is_empty(), "{file}: pySHACL's verdict");
        assert_eq!(our_conforms, py_conforms, "{file}: verdicts differ");
        assert_eq!(our, py, "{file}: violations differ\nours: {our:#?}\npySHACL: {py:#?}");
        for c in components {
            assert!(our.iter().any(|(_, _, k)| k == c), "{file}: expected a {c} violation\n{text}");
        }
    }
}

#[test]
fn pyshacl_and_policekg_validate_agree_on_a_built_store() {
    require_python("pyshacl");
    let (dir, store) = store_with_fixtures();
    let nq = dir.path().join("all.nq");
    ok(&["export", "--store", s(&store), "--no-ontology", "-o", s(&nq)]);
    let (py_conforms, py) = pyshacl(&[&nq]);
    let (our_conforms, our, _) = ours(&["--store", s(&store)]);
    assert_eq!(our_conforms, py_conforms);
    assert_eq!(our, py);
    // The text report names the focus node, path, constraint and message of each violation.
    let text = policekg(&["validate", "--data", s(&shapes_fixtures().join("evidence.ttl"))]);
    assert_eq!(text.status.code(), Some(1));
    let text = stdout(&text);
    assert!(text.starts_with("conforms: no"), "{text}");
    for needle in ["focus:", "path:       pk:start", "constraint: sh:LessThanOrEqualsConstraintComponent", "message:"] {
        assert!(text.contains(needle), "{needle} in\n{text}");
    }
    let good = policekg(&["validate", "--data", s(&shapes_fixtures().join("conforming.ttl"))]);
    assert_eq!(good.status.code(), Some(0), "{}", stdout(&good));
    assert!(stdout(&good).starts_with("conforms: yes"));
}

// ---------------------------------------------------------------------------------------------------------
// The ontology
// ---------------------------------------------------------------------------------------------------------

/// Every pk: IRI in a set of quads (subjects, predicates, objects, datatypes).
fn pk_terms(quads: &HashSet<Quad>) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut add = |iri: &str| {
        // The namespace itself (void:vocabulary) is no term.
        if iri.starts_with(PK) && iri != PK {
            out.insert(iri.to_owned());
        }
    };
    for q in quads {
        if let oxigraph::model::NamedOrBlankNode::NamedNode(n) = &q.subject {
            add(n.as_str());
        }
        add(q.predicate.as_str());
        match &q.object {
            Term::NamedNode(n) => add(n.as_str()),
            Term::Literal(l) => add(l.datatype().as_str()),
            _ => {}
        }
    }
    out
}

#[test]
fn the_ontology_declares_every_pk_term_an_export_uses() {
    let (_dir, store) = store_with_fixtures();
    let ontology: HashSet<Quad> = RdfParser::from_format(RdfFormat::Turtle)
        .for_slice(policekg::store::ONTOLOGY_TTL.as_bytes())
        .collect::<Result<_, _>>()
        .unwrap();
    let mut used = pk_terms(&quads(&ok(&["export", "--store", s(&store)]).stdout));
    used.extend(pk_terms(&ontology));
    // The shapes name terms too.
    let shapes: HashSet<Quad> = RdfParser::from_format(RdfFormat::Turtle)
        .for_slice(policekg::validate::SHAPES_TTL.as_bytes())
        .collect::<Result<_, _>>()
        .unwrap();
    used.extend(pk_terms(&shapes));
    assert!(used.len() > 60, "{}", used.len());
    let label = NamedNode::new_unchecked("http://www.w3.org/2000/01/rdf-schema#label");
    let comment = NamedNode::new_unchecked("http://www.w3.org/2000/01/rdf-schema#comment");
    let typ = NamedNode::new_unchecked("http://www.w3.org/1999/02/22-rdf-syntax-ns#type");
    let mut missing = Vec::new();
    for term in &used {
        let about: Vec<&Quad> = ontology.iter().filter(|q| q.subject.to_string() == format!("<{term}>")).collect();
        let has = |p: &NamedNode, lang: &str| {
            about
                .iter()
                .any(|q| &q.predicate == p && matches!(&q.object, Term::Literal(l) if l.language() == Some(lang)))
        };
        let typed = about.iter().any(|q| q.predicate == typ);
        if !(typed && has(&label, "en") && has(&label, "zh") && has(&comment, "en") && has(&comment, "zh")) {
            missing.push(term.clone());
        }
    }
    assert!(missing.is_empty(), "not declared with a type, rdfs:label @en @zh and rdfs:comment @en @zh: {missing:#?}");
}

#[test]
fn the_ontology_is_a_publication() {
    let ttl = ok(&["ontology"]).stdout;
    assert_eq!(ttl, policekg::store::ONTOLOGY_TTL.as_bytes());
    let text = String::from_utf8(ttl).unwrap();
    for needle in [
        "owl:Ontology",
        "owl:versionInfo",
        "dcterms:license",
        "dcterms:creator",
        "vann:preferredNamespacePrefix \"pk\"",
        "rdfs:subClassOf org:FormalOrganization",
        "rdfs:subClassOf org:OrganizationalUnit",
        "rdfs:subClassOf prov:Activity",
        "rdfs:subClassOf qb:Observation",
        "a qb:DataStructureDefinition",
    ] {
        assert!(text.contains(needle), "{needle}");
    }
    let md = stdout(&ok(&["ontology", "--doc"]));
    let html = stdout(&ok(&["ontology", "--doc", "--format", "html"]));
    for code in ["cases_solved", "funds_stopped", "rate_change", "other"] {
        assert!(md.contains(&format!("`{code}`")), "{code} in the Markdown reference");
        assert!(html.contains(&format!("<code>{code}</code>")), "{code} in the HTML reference");
    }
    for term in ["pk:Outcome", "pk:attributedTo", "pk:Provincial", "pk:MetricScheme"] {
        assert!(md.contains(&format!("`{term}`")), "{term} in the reference");
    }
    assert!(html.starts_with("<!DOCTYPE html>"));
}
