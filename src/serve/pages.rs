//! The pages a person reads: the query page and the HTML view of an `/id/` resource. The markup is in
//! `templates/` (HTML, CSS and the page's script); here only the values are filled in.

use super::message::{Request, Response};
use super::negotiate::{accept, negotiate};
use super::resources::{PageFacts, Row};
use super::Server;
/// Markup escaping is shared with the GraphML writer.
use crate::graph::xml_escape as html_escape;
use crate::query::{self, compact};
use oxigraph::model::{NamedNode, NamedOrBlankNode, Term, Triple};
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

const STYLE: &str = include_str!("templates/style.css");
const QUERY_PAGE: &str = include_str!("templates/query_page.html");
const RESOURCE_PAGE: &str = include_str!("templates/resource.html");

/// Fills `{{NAME}}` slots in one pass (a value is never read as a slot); each value is inserted as
/// given, so escape it first.
fn fill(template: &str, slots: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let slot = after.find("}}").and_then(|end| slots.iter().find(|(n, _)| *n == &after[..end]).map(|s| (end, s.1)));
        match slot {
            Some((end, value)) => {
                out.push_str(value);
                rest = &after[end + 2..];
            }
            None => {
                out.push_str("{{");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// A value as a JavaScript literal inside `<script>`, where "</" must not close the element.
fn script_json(value: &impl serde::Serialize) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "null".into()).replace("</", "<\\/")
}

/// Whether a GET with a query comes from a browser that wants the page rather than results: it
/// prefers HTML to SPARQL results (`Accept: text/html,...`), or said `format=html`.
pub(super) fn wants_html(req: &Request, params: &[(String, String)]) -> bool {
    let offers = [("application/sparql-results+json", false), ("text/html", true)];
    negotiate(accept(req, params), &offers).is_some_and(|(_, html)| html)
}

/// The query page: a text box, the named queries as examples, results as a table; `initial` is filled
/// in and run on opening (a shared link). Plain JS, no CDN.
pub(super) fn query_page(server: &Server, initial: Option<&str>) -> Response {
    let examples: Vec<serde_json::Value> = query::named_queries()
        .map(|q| serde_json::json!({ "name": q.name, "description": q.description(), "text": q.text }))
        .collect();
    let html = fill(
        QUERY_PAGE,
        &[
            ("STYLE", STYLE),
            ("EXAMPLES", &script_json(&examples)),
            ("BASE", &script_json(&server.config.base)),
            ("INITIAL", &script_json(&initial)),
        ],
    );
    Response::new(200, "text/html; charset=utf-8", html).with_header("Vary", "Accept")
}

/// A term as HTML: instance IRIs link to their local /id/ page, shown by their label when known.
fn term_html(server: &Server, t: &Term, labels: &HashMap<String, String>) -> String {
    match t {
        Term::NamedNode(n) => {
            let iri = n.as_str();
            let href = match iri.strip_prefix(server.config.base.as_str()) {
                Some(rest) => format!("/id/{rest}"),
                None => iri.to_owned(),
            };
            let (text, title) = match labels.get(iri) {
                Some(label) => (label.clone(), compact(t)),
                None => (compact(t), iri.to_owned()),
            };
            format!("<a href=\"{}\" title=\"{}\">{}</a>", html_escape(&href), html_escape(&title), html_escape(&text))
        }
        Term::Literal(l) => html_escape(l.value()),
        other => html_escape(&other.to_string()),
    }
}

/// The outcome's summary: what was counted, by whom, when, and the clause it was read from.
fn outcome_summary(server: &Server, row: &Row, labels: &HashMap<String, String>) -> String {
    let get = |name: &str| row.get(name).map(|t| term_html(server, t, labels));
    let mut s = String::from("<dl class=\"outcome\">\n");
    let mut item = |name: &str, value: Option<String>| {
        if let Some(v) = value {
            let _ = writeln!(s, "<dt>{name}</dt><dd>{v}</dd>");
        }
    };
    let unit = [get("unit"), get("unitText").map(|u| format!("({u})"))].into_iter().flatten().collect::<Vec<_>>();
    item("value", get("value").map(|v| format!("<span class=\"value\">{v}</span> {}", unit.join(" "))));
    item("metric", get("metric"));
    item("agency", get("agency"));
    item("campaign", get("campaign"));
    let period = match (get("start"), get("end")) {
        (Some(a), Some(b)) => Some(format!("{a} – {b}")),
        (a, b) => a.or(b),
    };
    item("period", period);
    item("evidence", get("evidence").map(|e| format!("<mark class=\"evidence\">{e}</mark>")));
    let document = get("doc").map(|d| {
        let title = get("title").map(|t| format!(" {t}")).unwrap_or_default();
        let source = match row.get("source") {
            Some(Term::NamedNode(u)) => format!(" · <a href=\"{0}\">{0}</a>", html_escape(u.as_str())),
            Some(Term::Literal(u)) => format!(" · <a href=\"{0}\">{0}</a>", html_escape(u.value())),
            _ => String::new(),
        };
        format!("{d}{title}{source}")
    });
    item("document", document);
    s.push_str("</dl>\n");
    s
}

pub(super) fn describe_html(server: &Server, node: &NamedNode, triples: &[Triple], facts: &PageFacts) -> String {
    let labels = &facts.labels;
    let subject_term = Term::NamedNode(node.clone());
    let title = match (labels.get(node.as_str()), &facts.outcome) {
        (Some(label), _) => label.clone(),
        // An outcome has no label: its clause says what it is.
        (None, Some(row)) => match row.get("evidence") {
            Some(Term::Literal(e)) => e.value().to_owned(),
            _ => compact(&subject_term),
        },
        (None, None) => compact(&subject_term),
    };
    let mut out_rows: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut in_rows: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for t in triples {
        let p = term_html(server, &Term::NamedNode(t.predicate.clone()), labels);
        if t.subject.to_string() == node.to_string() {
            out_rows.entry(p).or_default().push(term_html(server, &t.object, labels));
        } else {
            let s: Term = match &t.subject {
                NamedOrBlankNode::NamedNode(n) => Term::NamedNode(n.clone()),
                NamedOrBlankNode::BlankNode(b) => Term::BlankNode(b.clone()),
            };
            in_rows.entry(p).or_default().push(term_html(server, &s, labels));
        }
    }
    let table = |rows: &BTreeMap<String, Vec<String>>| {
        let mut s = String::from("<table>\n");
        for (p, objects) in rows {
            let mut objects = objects.clone();
            objects.sort();
            let _ = writeln!(s, "<tr><th>{p}</th><td>{}</td></tr>", objects.join("<br>"));
        }
        s.push_str("</table>\n");
        s
    };
    let referenced = if in_rows.is_empty() { "<p>nothing</p>\n".to_owned() } else { table(&in_rows) };
    let summary = facts.outcome.as_ref().map(|row| outcome_summary(server, row, labels)).unwrap_or_default();
    fill(
        RESOURCE_PAGE,
        &[
            ("STYLE", STYLE),
            ("TITLE", &html_escape(&title)),
            ("IRI", &html_escape(node.as_str())),
            ("SUMMARY", &summary),
            ("STATEMENTS", &table(&out_rows)),
            ("REFERENCED", &referenced),
        ],
    )
}
