//! `policekg graph` on a real store: every view and format, read back by real tools (Graphviz `dot`,
//! networkx with its defaults, python-igraph, Cytoscape.js in headless node), and the filters.

mod common;
use common::*;
use std::path::{Path, PathBuf};
use std::process::Command;

fn store() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    ok(&["build", s(&articles()), "--store", s(&store), "--quiet"]);
    (dir, store)
}

/// Fails loudly when Graphviz is missing rather than passing without having rendered anything.
fn require_dot() {
    let found = Command::new("dot").arg("-V").output().is_ok_and(|o| o.status.success());
    assert!(found, "Graphviz `dot` is missing: run scripts/test.sh (it installs graphviz and fonts-noto-cjk)");
}

fn graph(store: &Path, args: &[&str]) -> String {
    let mut all = vec!["graph", "--store", s(store)];
    all.extend_from_slice(args);
    stdout(&ok(&all))
}

/// The text of every `<text>` element of an SVG: what a reader sees.
fn svg_texts(svg: &str) -> Vec<String> {
    svg.split("<text")
        .skip(1)
        .filter_map(|t| t.split_once('>').and_then(|(_, rest)| rest.split_once("</text>")).map(|(x, _)| x.to_owned()))
        .collect()
}

/// Runs a Python script with `args`; returns its stdout, insisting on success.
fn python(script: &str, args: &[&str]) -> String {
    let out = Command::new("python3").arg("-c").arg(script).args(args).output().expect("python3 runs");
    assert!(out.status.success(), "python failed:\n{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn hierarchy_rendered_by_real_dot_shows_the_agencies_in_chinese() {
    require_dot();
    let (dir, store) = store();
    let svg_path = dir.path().join("hierarchy.svg");
    ok(&["graph", "--store", s(&store), "--view", "hierarchy", "--render", "svg", "-o", s(&svg_path)]);
    let svg = std::fs::read_to_string(&svg_path).unwrap();
    assert!(svg.contains("<svg"), "an SVG document");
    let texts = svg_texts(&svg);
    for label in ["公安部", "浙江省公安厅", "杭州市公安局", "深圳市公安局"] {
        assert!(texts.iter().any(|t| t == label), "node {label} drawn: {texts:?}");
    }
    assert!(texts.iter().any(|t| t == "浙江省"), "a cluster box per province: {texts:?}");
    assert!(svg.contains("Noto Sans CJK SC"), "the CJK font is asked for");
}

#[test]
fn every_view_renders_to_svg_and_png() {
    require_dot();
    let (dir, store) = store();
    for view in ["hierarchy", "campaigns", "participation", "comention"] {
        let svg = dir.path().join(format!("{view}.svg"));
        ok(&["graph", "--store", s(&store), "--view", view, "--render", "svg", "-o", s(&svg)]);
        let text = std::fs::read_to_string(&svg).unwrap();
        assert!(text.contains("</svg>"), "{view}: a complete SVG");
        let png = dir.path().join(format!("{view}.png"));
        ok(&["graph", "--store", s(&store), "--view", view, "--render", "png", "-o", s(&png)]);
        assert!(std::fs::read(&png).unwrap().starts_with(b"\x89PNG"), "{view}: a PNG");
    }
    // Without -o the image goes to standard output.
    let svg = graph(&store, &["--view", "campaigns", "--render", "svg"]);
    assert!(svg_texts(&svg).iter().any(|t| t.contains("云剑")), "campaign 云剑-2023 drawn: {svg}");
}

#[test]
fn dot_output_is_deterministic_and_styled_by_class() {
    let (_dir, store) = store();
    let a = graph(&store, &["--view", "participation"]);
    let b = graph(&store, &["--view", "participation"]);
    assert_eq!(a, b, "the same store gives the same DOT");
    assert!(a.starts_with("digraph"), "{a}");
    assert!(a.contains("shape=hexagon"), "campaigns are hexagons");
    assert!(a.contains("shape=box"), "agencies are boxes");
    assert!(a.contains("fontname=\"Noto Sans CJK SC\""));
    let co = graph(&store, &["--view", "comention"]);
    assert!(co.starts_with("graph") && co.contains(" -- "), "co-mention is undirected: {co}");
}

#[test]
fn graphml_reads_back_with_networkx() {
    require_python("networkx");
    let (dir, store) = store();
    let path = dir.path().join("participation.graphml");
    ok(&["graph", "--store", s(&store), "--view", "participation", "--format", "graphml", "-o", s(&path)]);
    let script = r#"
import sys, json, networkx as nx
g = nx.read_graphml(sys.argv[1])
edges = [[g.nodes[a]["label"], g.nodes[b]["label"], d["weight"], d.get("detail", "")] for a, b, d in g.edges(data=True)]
print(json.dumps({"directed": g.is_directed(), "kinds": sorted({d["kind"] for _, d in g.nodes(data=True)}), "edges": edges}, ensure_ascii=False))
"#;
    let out: serde_json::Value = serde_json::from_str(&python(script, &[s(&path)])).unwrap();
    assert_eq!(out["directed"], true);
    let kinds = out["kinds"].as_array().unwrap();
    assert!(kinds.contains(&"Agency".into()) && kinds.contains(&"Campaign".into()), "{kinds:?}");
    let edges = out["edges"].as_array().unwrap();
    let hz = edges
        .iter()
        .find(|e| e[0] == "杭州市公安局" && e[3].as_str().unwrap_or("").contains("cases_solved"))
        .unwrap_or_else(|| panic!("杭州市公安局 achieved results under a campaign: {edges:?}"));
    assert!(hz[2].as_f64().unwrap() >= 1.0, "weighted by its outcome facts: {hz:?}");
    assert!(hz[3].as_str().unwrap().contains("cases_solved 356"), "totals per metric: {hz:?}");

    let co = dir.path().join("comention.graphml");
    ok(&["graph", "--store", s(&store), "--view", "comention", "--format", "graphml", "-o", s(&co)]);
    let script = r#"
import sys, networkx as nx
g = nx.read_graphml(sys.argv[1])
print(g.is_directed(), g.number_of_nodes(), g.number_of_edges())
"#;
    let out = python(script, &[s(&co)]);
    let parts: Vec<&str> = out.split_whitespace().collect();
    assert_eq!(parts[0], "False", "co-mention is undirected");
    assert!(parts[2].parse::<u32>().unwrap() >= 1, "{out}");
}

#[test]
fn json_node_link_reads_back_with_networkx_defaults() {
    require_python("networkx");
    let (dir, store) = store();
    let path = dir.path().join("hierarchy.json");
    ok(&["graph", "--store", s(&store), "--view", "hierarchy", "--format", "json", "-o", s(&path)]);
    // `node_link_graph(data)` as a user types it: no keyword arguments, whatever the networkx version (3.6
    // reads "edges"; before 3.4 "links"; both keys are written), and the d3 variant ("links") too.
    let script = r#"
import sys, json, networkx as nx
data = json.load(open(sys.argv[1], encoding="utf-8"))
g = nx.node_link_graph(data)
label = {n: d["label"] for n, d in g.nodes(data=True)}
hz = next(n for n in g if label[n] == "杭州市公安局")
try:
    links = nx.node_link_graph(data, edges="links")
except TypeError:
    links = nx.node_link_graph(data, link="links")
print(json.dumps({"parents": [label[p] for p in g.successors(hz)], "edges": g.number_of_edges(),
                  "links": links.number_of_edges(), "directed": g.is_directed(), "version": nx.__version__},
                 ensure_ascii=False))
"#;
    let out: serde_json::Value = serde_json::from_str(&python(script, &[s(&path)])).unwrap();
    assert_eq!(out["parents"], serde_json::json!(["浙江省公安厅"]), "杭州市公安局 hangs under 浙江省公安厅: {out}");
    let ours: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let n_edges = ours["edges"].as_array().unwrap().len();
    assert!(n_edges > 3, "{out}");
    assert_eq!(out["edges"], n_edges, "{out}");
    assert_eq!(out["links"], n_edges, "{out}");
    assert_eq!(out["directed"], true);
}

#[test]
fn igraph_reads_the_graphml_and_the_node_link_json() {
    require_python("igraph");
    require_python("networkx");
    let (dir, store) = store();
    let graphml = dir.path().join("p.graphml");
    let json = dir.path().join("p.json");
    ok(&["graph", "--store", s(&store), "--view", "participation", "--format", "graphml", "-o", s(&graphml)]);
    ok(&["graph", "--store", s(&store), "--view", "participation", "--format", "json", "-o", s(&json)]);
    let script = r#"
import sys, json, igraph, networkx as nx
a = igraph.Graph.Read_GraphML(sys.argv[1])
b = igraph.Graph.from_networkx(nx.node_link_graph(json.load(open(sys.argv[2], encoding="utf-8"))))
print(json.dumps({"a": [a.vcount(), a.ecount(), sorted(a.vs["label"])], "b": [b.vcount(), b.ecount(), sorted(b.vs["label"])],
                  "weights": sorted(a.es["weight"]) == sorted(b.es["weight"]), "directed": a.is_directed()}, ensure_ascii=False))
"#;
    let out: serde_json::Value = serde_json::from_str(&python(script, &[s(&graphml), s(&json)])).unwrap();
    assert_eq!(out["a"], out["b"], "the same graph from both formats");
    assert!(out["a"][0].as_u64().unwrap() > 3 && out["a"][1].as_u64().unwrap() > 2, "{out}");
    assert!(out["a"][2].as_array().unwrap().iter().any(|l| l == "杭州市公安局"), "{out}");
    assert_eq!(out["weights"], true, "{out}");
    assert_eq!(out["directed"], true);
}

/// The folder holding the npm package `cytoscape` (scripts/deps.sh installs it into target/test-tools).
fn cytoscape_modules() -> PathBuf {
    let dir = std::env::var_os("POLICEKG_NODE_MODULES")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target/test-tools/node_modules"));
    assert!(
        dir.join("cytoscape/package.json").is_file(),
        "the npm package cytoscape is missing from {}: run scripts/deps.sh test (it installs it)",
        dir.display()
    );
    dir
}

#[test]
fn cytoscape_js_loads_the_elements_as_they_are() {
    let modules = cytoscape_modules();
    let (dir, store) = store();
    let path = dir.path().join("campaigns.cyjs");
    ok(&["graph", "--store", s(&store), "--view", "campaigns", "--format", "cytoscape", "-o", s(&path)]);
    let script = r#"
const fs = require("fs");
const cytoscape = require("cytoscape");
const doc = JSON.parse(fs.readFileSync(process.argv[process.argv.length - 1], "utf8"));
const cy = cytoscape({ headless: true, elements: doc.elements });
const labels = cy.nodes().map(n => n.data("label")).sort();
const dangling = cy.edges().filter(e => e.source().empty() || e.target().empty()).length;
console.log(JSON.stringify({ nodes: cy.nodes().length, edges: cy.edges().length, labels, dangling,
  partOf: cy.edges('[kind = "partOf"]').length }));
"#;
    let out = Command::new("node")
        .arg("-e")
        .arg(script)
        .arg(&path)
        .env("NODE_PATH", &modules)
        .output()
        .expect("node runs (apt-get install nodejs)");
    assert!(out.status.success(), "node failed:\n{}", String::from_utf8_lossy(&out.stderr));
    let got: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let ours: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(got["nodes"], ours["elements"]["nodes"].as_array().unwrap().len(), "{got}");
    assert_eq!(got["edges"], ours["elements"]["edges"].as_array().unwrap().len(), "{got}");
    assert!(got["nodes"].as_u64().unwrap() >= 3 && got["partOf"].as_u64().unwrap() >= 1, "{got}");
    assert_eq!(got["dangling"], 0, "every edge joins two loaded nodes");
    assert!(got["labels"].as_array().unwrap().iter().any(|l| l == "春季攻势"), "{got}");
}

#[test]
fn participation_weights_are_exact_decimal_totals_whatever_the_row_order() {
    let (_dir, store) = store();
    let a = graph(&store, &["--view", "participation", "--format", "json"]);
    for _ in 0..3 {
        assert_eq!(graph(&store, &["--view", "participation", "--format", "json"]), a, "deterministic");
    }
    let long_fraction = regex_like_long_fraction(&a);
    assert!(long_fraction.is_none(), "a floating-point sum leaked: {long_fraction:?}");
    let dot = graph(&store, &["--view", "participation", "--metric", "funds_stopped"]);
    assert!(regex_like_long_fraction(&dot).is_none(), "{dot}");
}

/// A number with ten or more fraction digits (104.30000000000001), if the text holds one.
fn regex_like_long_fraction(text: &str) -> Option<String> {
    let b = text.as_bytes();
    (0..b.len()).find_map(|i| {
        if b[i] != b'.' || i == 0 || !b[i - 1].is_ascii_digit() {
            return None;
        }
        let digits = b[i + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
        (digits >= 10).then(|| String::from_utf8_lossy(&b[i.saturating_sub(8)..i + 1 + digits]).into_owned())
    })
}

#[test]
fn filters_by_province_agency_campaign_dates_and_weight() {
    let (_dir, store) = store();
    let zj = graph(&store, &["--view", "hierarchy", "--province", "浙江"]);
    assert!(zj.contains("\"杭州市公安局\"") && !zj.contains("\"深圳市公安局\""), "{zj}");

    let sz = graph(&store, &["--view", "hierarchy", "--agency", "深圳市公安局"]);
    assert!(sz.contains("\"深圳市公安局\"") && sz.contains("宝安区分局"), "the agency and its subtree: {sz}");
    assert!(!sz.contains("\"广东省公安厅\"") && !sz.contains("\"公安部\""), "nothing above it: {sz}");

    let y2023 = graph(&store, &["--view", "hierarchy", "--from", "2023", "--to", "2023-12-31"]);
    assert!(y2023.contains("\"杭州市公安局\""), "{y2023}");
    assert!(!y2023.contains("\"深圳市公安局\"") && !y2023.contains("\"成都市公安局\""), "only 2023 documents: {y2023}");

    let yj = graph(&store, &["--view", "participation", "--campaign", "云剑-2023"]);
    assert!(yj.contains("\"杭州市公安局\"") && !yj.contains("\"深圳市公安局\""), "{yj}");

    let heavy = graph(&store, &["--view", "comention", "--min-weight", "1000"]);
    assert!(!heavy.contains(" -- "), "no edge that heavy: {heavy}");

    let bad = policekg(&["graph", "--store", s(&store), "--from", "2023/01/01"]);
    assert!(!bad.status.success() && stderr(&bad).contains("YYYY-MM-DD"), "{}", stderr(&bad));
    let unknown = policekg(&["graph", "--store", s(&store), "--campaign", "没有这个行动"]);
    assert!(!unknown.status.success() && stderr(&unknown).contains("no campaign"), "{}", stderr(&unknown));
}

#[test]
fn render_without_graphviz_says_how_to_install_it() {
    let (dir, store) = store();
    let empty_path = dir.path().join("no-tools");
    std::fs::create_dir(&empty_path).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_policekg"))
        .args(["graph", "--store", s(&store), "--render", "svg", "-o", s(&dir.path().join("x.svg"))])
        .env("PATH", &empty_path)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("apt-get install graphviz"), "{err}");
}
