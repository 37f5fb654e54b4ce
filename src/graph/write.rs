//! Writing a [`Network`]: Graphviz DOT, GraphML, JSON node-link, Cytoscape.js elements; rendering with `dot`.

use super::{Edge, EdgeKind, GraphError, Network, Node, NodeKind, View, CJK_FONT};
use petgraph::graph::NodeIndex;
use petgraph::visit::EdgeRef;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write;
use std::path::Path;

/// A number without a needless fraction: 356, 12000000, 31.4.
fn number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

/// How the DOT output groups nodes into boxes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Cluster {
    /// One box per province (organisations); campaigns stay outside.
    #[default]
    Province,
    /// One box per agency with its units.
    Agency,
    /// No boxes.
    None,
}

/// Fill colours by class and agency level; borders darker.
fn node_style(n: &Node) -> (&'static str, &'static str, &'static str) {
    match (n.kind, n.level.as_deref()) {
        (NodeKind::Campaign, _) => ("hexagon", "#fdd49e", "#d7301f"),
        (NodeKind::Unit, _) => ("ellipse", "#e5f5e0", "#41ab5d"),
        (NodeKind::Agency, Some("National")) => ("box", "#08306b", "#08306b"),
        (NodeKind::Agency, Some("Provincial")) => ("box", "#4292c6", "#2171b5"),
        (NodeKind::Agency, Some("Prefectural")) => ("box", "#9ecae1", "#2171b5"),
        (NodeKind::Agency, _) => ("box", "#deebf7", "#4292c6"),
    }
}

/// Colours for co-mention nodes by province (neato draws no clusters).
const PROVINCE_PALETTE: [&str; 12] = [
    "#a6cee3", "#b2df8a", "#fb9a99", "#fdbf6f", "#cab2d6", "#ffff99", "#8dd3c7", "#bebada", "#fb8072", "#80b1d3",
    "#fccde5", "#d9d9d9",
];

fn dot_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' | '\r' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Writes the network as Graphviz DOT: shapes and colours by class, clusters, a CJK font.
pub fn write_dot(net: &Network, cluster: Cluster, out: &mut dyn Write) -> std::io::Result<()> {
    let g = &net.graph;
    let directed = net.view.is_directed();
    let (kw, arrow) = if directed { ("digraph", "->") } else { ("graph", "--") };
    let font = dot_string(CJK_FONT);
    let mut s = String::new();
    let _ = writeln!(s, "{kw} {} {{", dot_string(&format!("policekg {}", net.view.name())));
    let layout = match net.view {
        View::CoMention => "layout=neato, overlap=false, sep=\"+6\", splines=true, outputorder=edgesfirst",
        View::Hierarchy => "layout=dot, rankdir=LR, ranksep=0.5, nodesep=0.08, newrank=true, splines=true",
        _ => "layout=dot, rankdir=LR, ranksep=1.2, nodesep=0.1, newrank=true, splines=true",
    };
    let _ = writeln!(
        s,
        "  graph [{layout}, fontname={font}, fontsize=14, label={}, labelloc=t, labeljust=l, bgcolor=white, pad=0.3];",
        dot_string(&format!("{} — {} nodes, {} edges", net.title, g.node_count(), g.edge_count()))
    );
    let _ = writeln!(
        s,
        "  node [fontname={font}, fontsize=10, style=filled, penwidth=0.8, height=0.3, margin=\"0.08,0.03\"];"
    );
    let _ = writeln!(s, "  edge [fontname={font}, fontsize=8, color=\"#7f7f7f\", arrowsize=0.5, penwidth=0.8];");

    let mut provinces: Vec<&str> = g.node_weights().filter_map(|n| n.province.as_deref()).collect();
    provinces.sort_unstable();
    provinces.dedup();
    let max_weight = g.edge_weights().map(|e| e.weight).fold(0.0_f64, f64::max);

    let node_line = |s: &mut String, i: NodeIndex, indent: &str| {
        let n = &g[i];
        let (shape, fill, border) = node_style(n);
        let fill = if net.view == View::CoMention {
            n.province
                .as_deref()
                .and_then(|p| provinces.iter().position(|q| *q == p))
                .map(|k| PROVINCE_PALETTE[k % PROVINCE_PALETTE.len()])
                .unwrap_or("#f0f0f0")
        } else {
            fill
        };
        let font_colour =
            if matches!(n.level.as_deref(), Some("National" | "Provincial")) && net.view != View::CoMention {
                "white"
            } else {
                "black"
            };
        let style = if n.kind == NodeKind::Agency { "\"filled,rounded\"" } else { "filled" };
        let _ = writeln!(
            s,
            "{indent}n{} [label={}, shape={shape}, style={style}, fillcolor=\"{fill}\", color=\"{border}\", fontcolor={font_colour}, tooltip={}];",
            i.index(),
            dot_string(&n.label),
            dot_string(&n.iri)
        );
    };

    // Clusters: province or agency boxes (dot draws them; neato ignores them, so co-mention uses colours).
    let key = |n: &Node| -> Option<String> {
        match cluster {
            Cluster::Province => n.province.clone(),
            Cluster::Agency => n.agency.clone(),
            Cluster::None => None,
        }
    };
    let mut groups: BTreeMap<String, Vec<NodeIndex>> = BTreeMap::new();
    let mut loose = Vec::new();
    for i in g.node_indices() {
        match (net.view != View::CoMention).then(|| key(&g[i])).flatten() {
            Some(k) => groups.entry(k).or_default().push(i),
            None => loose.push(i),
        }
    }
    for (k, (name, members)) in groups.iter().enumerate() {
        if members.len() < 2 {
            loose.extend(members);
            continue;
        }
        let _ = writeln!(s, "  subgraph cluster_{k} {{");
        let _ = writeln!(
            s,
            "    graph [label={}, style=\"rounded,filled\", fillcolor=\"#f7f7f7\", color=\"#bdbdbd\", fontsize=12];",
            dot_string(name)
        );
        for i in members {
            node_line(&mut s, *i, "    ");
        }
        let _ = writeln!(s, "  }}");
    }
    loose.sort();
    for i in loose {
        node_line(&mut s, i, "  ");
    }

    for e in g.edge_references() {
        let w = e.weight();
        let (a, b) = (e.source().index(), e.target().index());
        let attrs = match w.kind {
            // Drawn parent → child with the arrow back at the parent, so the tree reads left to right.
            EdgeKind::SubOrganizationOf => {
                let _ = writeln!(s, "  n{b} {arrow} n{a} [dir=back, arrowtail=normal, tooltip=\"subOrganizationOf\"];");
                continue;
            }
            EdgeKind::PartOf => {
                let _ = writeln!(s, "  n{b} {arrow} n{a} [dir=back, arrowtail=normal, color=\"#d7301f\", style=bold, tooltip=\"partOf\"];");
                continue;
            }
            EdgeKind::OrganizedBy => "color=\"#d7301f\", style=solid, tooltip=\"organizedBy\"".to_owned(),
            EdgeKind::Participant => "color=\"#fd8d3c\", style=dashed, tooltip=\"participant\"".to_owned(),
            EdgeKind::Participation | EdgeKind::CoMention => {
                let width =
                    if max_weight > 0.0 { 0.6 + 4.0 * (1.0 + w.weight).ln() / (1.0 + max_weight).ln() } else { 0.6 };
                let label =
                    if w.weight > 0.0 { format!(", label={}", dot_string(&number(w.weight))) } else { String::new() };
                let tip = if w.detail.is_empty() { number(w.weight) } else { w.detail.clone() };
                let style = if w.weight > 0.0 { "solid" } else { "dashed" };
                format!("penwidth={width:.2}, style={style}{label}, tooltip={}", dot_string(&tip))
            }
        };
        let _ = writeln!(s, "  n{a} {arrow} n{b} [{attrs}];");
    }
    s.push_str("}\n");
    out.write_all(s.as_bytes())
}

/// Escapes text for XML and HTML (drops the control characters XML 1.0 cannot hold).
pub(crate) fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

/// Writes the network as GraphML (Gephi, Cytoscape, networkx): node ids are the IRIs.
pub fn write_graphml(net: &Network, out: &mut dyn Write) -> std::io::Result<()> {
    let g = &net.graph;
    let mut s = String::new();
    s.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    s.push_str("<graphml xmlns=\"http://graphml.graphdrawing.org/xmlns\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:schemaLocation=\"http://graphml.graphdrawing.org/xmlns http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd\">\n");
    for (id, for_, ty) in [
        ("label", "node", "string"),
        ("kind", "node", "string"),
        ("level", "node", "string"),
        ("province", "node", "string"),
        ("agency", "node", "string"),
        ("kind", "edge", "string"),
        ("weight", "edge", "double"),
        ("count", "edge", "long"),
        ("detail", "edge", "string"),
    ] {
        let _ = writeln!(s, "  <key id=\"{for_}_{id}\" for=\"{for_}\" attr.name=\"{id}\" attr.type=\"{ty}\"/>");
    }
    let _ = writeln!(
        s,
        "  <graph id=\"{}\" edgedefault=\"{}\">",
        net.view.name(),
        if net.view.is_directed() { "directed" } else { "undirected" }
    );
    let _ = writeln!(s, "    <desc>{}</desc>", xml_escape(&net.title));
    for n in g.node_weights() {
        let _ = writeln!(s, "    <node id=\"{}\">", xml_escape(&n.iri));
        let _ = writeln!(s, "      <data key=\"node_label\">{}</data>", xml_escape(&n.label));
        let _ = writeln!(s, "      <data key=\"node_kind\">{}</data>", n.kind.name());
        for (key, v) in [("level", &n.level), ("province", &n.province), ("agency", &n.agency)] {
            if let Some(v) = v {
                let _ = writeln!(s, "      <data key=\"node_{key}\">{}</data>", xml_escape(v));
            }
        }
        s.push_str("    </node>\n");
    }
    for e in g.edge_references() {
        let w = e.weight();
        let _ = writeln!(
            s,
            "    <edge source=\"{}\" target=\"{}\">",
            xml_escape(&g[e.source()].iri),
            xml_escape(&g[e.target()].iri)
        );
        let _ = writeln!(s, "      <data key=\"edge_kind\">{}</data>", w.kind.name());
        let _ = writeln!(s, "      <data key=\"edge_weight\">{}</data>", number(w.weight));
        let _ = writeln!(s, "      <data key=\"edge_count\">{}</data>", w.count);
        if !w.detail.is_empty() {
            let _ = writeln!(s, "      <data key=\"edge_detail\">{}</data>", xml_escape(&w.detail));
        }
        s.push_str("    </edge>\n");
    }
    s.push_str("  </graph>\n</graphml>\n");
    out.write_all(s.as_bytes())
}

/// A node's attributes as JSON (shared by the node-link and Cytoscape.js writers).
fn node_json(n: &Node) -> serde_json::Value {
    serde_json::json!({
        "id": n.iri, "label": n.label, "kind": n.kind.name(), "level": n.level,
        "province": n.province, "agency": n.agency,
    })
}

/// An edge's attributes as JSON: `weight` a JSON number (the exact total's nearest double, printed
/// shortest, so `104.3` and never `104.30000000000001`).
fn edge_json(net: &Network, e: petgraph::graph::EdgeReference<'_, Edge>) -> serde_json::Value {
    let g = &net.graph;
    let w = e.weight();
    serde_json::json!({
        "source": g[e.source()].iri, "target": g[e.target()].iri, "kind": w.kind.name(),
        "weight": w.weight, "count": w.count, "detail": w.detail,
    })
}

/// Writes the network as JSON node-link: `nodes` and the edges under both `edges` (networkx 3.4 and
/// later: `networkx.node_link_graph(d)` with its defaults) and `links` (d3, and networkx before 3.4).
pub fn write_json(net: &Network, out: &mut dyn Write) -> std::io::Result<()> {
    let g = &net.graph;
    let nodes: Vec<serde_json::Value> = g.node_weights().map(node_json).collect();
    let edges: Vec<serde_json::Value> = g.edge_references().map(|e| edge_json(net, e)).collect();
    let doc = serde_json::json!({
        "directed": net.view.is_directed(),
        "multigraph": false,
        "graph": { "view": net.view.name(), "title": net.title },
        "nodes": nodes,
        "edges": edges,
        "links": edges,
    });
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    out.write_all(b"\n")
}

/// Writes the network as Cytoscape.js elements, `{"elements": {"nodes": [{"data": ...}], "edges": [...]}}`:
/// `cytoscape({elements: json.elements})` (or `cy.json(json)`) loads it as it is, and Cytoscape desktop
/// imports it (File > Import > Network from File, "Cytoscape.js JSON"). Edge ids are `e0`, `e1`, ...
pub fn write_cytoscape(net: &Network, out: &mut dyn Write) -> std::io::Result<()> {
    let g = &net.graph;
    let nodes: Vec<serde_json::Value> = g.node_weights().map(|n| serde_json::json!({ "data": node_json(n) })).collect();
    let edges: Vec<serde_json::Value> = g
        .edge_references()
        .enumerate()
        .map(|(i, e)| {
            let mut data = edge_json(net, e);
            data["id"] = serde_json::Value::String(format!("e{i}"));
            serde_json::json!({ "data": data })
        })
        .collect();
    let doc = serde_json::json!({
        "data": { "view": net.view.name(), "title": net.title, "directed": net.view.is_directed() },
        "elements": { "nodes": nodes, "edges": edges },
    });
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    out.write_all(b"\n")
}

/// An image format `dot` renders.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RenderFormat {
    Svg,
    Png,
}

/// Whether Graphviz `dot` can be run.
pub fn dot_available() -> bool {
    std::process::Command::new("dot").arg("-V").output().is_ok_and(|o| o.status.success())
}

/// Renders DOT text with the real Graphviz `dot` into `output` (or returns the image bytes if `None`).
pub fn render(dot: &str, format: RenderFormat, output: Option<&Path>) -> Result<Vec<u8>, GraphError> {
    use std::process::{Command, Stdio};
    let mut cmd = Command::new("dot");
    cmd.arg(match format {
        RenderFormat::Svg => "-Tsvg",
        RenderFormat::Png => "-Tpng",
    });
    if let Some(p) = output {
        cmd.arg("-o").arg(p);
    }
    let mut child = match cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn() {
        Ok(c) => c,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(GraphError::DotMissing),
        Err(e) => return Err(GraphError::DotFailed(e.to_string())),
    };
    let mut stdin = child.stdin.take().expect("piped stdin");
    let text = dot.to_owned();
    // Writing on a thread: `dot` may fill its stdout pipe before it has read all its input.
    let writer = std::thread::spawn(move || stdin.write_all(text.as_bytes()));
    let out = child.wait_with_output().map_err(|e| GraphError::DotFailed(e.to_string()))?;
    let _ = writer.join();
    if !out.status.success() {
        return Err(GraphError::DotFailed(String::from_utf8_lossy(&out.stderr).trim().to_owned()));
    }
    Ok(out.stdout)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes() {
        assert_eq!(dot_string("a\"b\\c"), "\"a\\\"b\\\\c\"");
        assert_eq!(xml_escape("<a & 'b'>"), "&lt;a &amp; &apos;b&apos;&gt;");
        assert_eq!(number(356.0), "356");
        assert_eq!(number(31.4), "31.4");
    }
}
