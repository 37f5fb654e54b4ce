//! The ontology in RDF formats (`policekg ontology --format`), and its reference (`policekg ontology --doc`):
//! generated from `ontology/policekg.ttl` by SPARQL, never written by hand, so it cannot drift from the
//! ontology.

use crate::query::{self, QueryError};
use crate::store::{KgStore, StoreError, ONTOLOGY_TTL};
use crate::vocab::{ONTOLOGY_GRAPH, PREFIXES};
use oxigraph::io::{RdfFormat, RdfParser, RdfSerializer};
use oxigraph::model::{BlankNode, GraphName, NamedNode, NamedOrBlankNode, Term, Triple};
use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::Write;

/// The ontology (`ontology/policekg.ttl`) as triples, blank nodes named by order of appearance
/// (`_:o0`, `_:o1`, ...), so every serialization of it is the same, and the ontology graphs written by
/// several `extract --with-ontology` shards are one graph once loaded.
pub fn triples() -> Vec<Triple> {
    let mut names: HashMap<BlankNode, BlankNode> = HashMap::new();
    let mut rename = |b: &BlankNode| {
        let n = names.len();
        names.entry(b.clone()).or_insert_with(|| BlankNode::new_unchecked(format!("o{n}"))).clone()
    };
    RdfParser::from_format(RdfFormat::Turtle)
        .for_slice(ONTOLOGY_TTL.as_bytes())
        .map(|q| q.expect("ontology/policekg.ttl is valid Turtle (checked by the tests)"))
        .map(|q| {
            let subject = match q.subject {
                NamedOrBlankNode::BlankNode(b) => NamedOrBlankNode::from(rename(&b)),
                other => other,
            };
            let object = match q.object {
                Term::BlankNode(b) => Term::from(rename(&b)),
                other => other,
            };
            Triple::new(subject, q.predicate, object)
        })
        .collect()
}

/// Writes the ontology in an RDF format: Turtle, N-Triples, RDF/XML (owlready2, Protégé), N-Quads in the
/// ontology graph <https://w3id.org/policekg/ns> (what `extract --with-ontology` adds), TriG or JSON-LD.
pub fn write(format: RdfFormat, out: &mut dyn Write) -> std::io::Result<()> {
    if format == RdfFormat::Turtle {
        return out.write_all(ONTOLOGY_TTL.as_bytes());
    }
    let mut serializer = RdfSerializer::from_format(format);
    if !matches!(format, RdfFormat::NTriples | RdfFormat::NQuads) {
        for (prefix, ns) in PREFIXES.iter().chain(&[("owl", "http://www.w3.org/2002/07/owl#")]) {
            serializer = serializer.with_prefix(*prefix, *ns).expect("valid prefixes");
        }
    }
    let mut writer = serializer.for_writer(out);
    let graph = GraphName::NamedNode(NamedNode::new_unchecked(ONTOLOGY_GRAPH));
    for t in triples() {
        if format.supports_datasets() {
            writer.serialize_quad(&t.in_graph(graph.clone()))?;
        } else {
            writer.serialize_triple(&t)?;
        }
    }
    writer.finish()?;
    Ok(())
}

/// Writes the ontology graph as N-Quads (`policekg extract --with-ontology`).
pub fn write_graph(out: &mut dyn Write) -> std::io::Result<()> {
    write(RdfFormat::NQuads, out)
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReferenceError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Query(#[from] QueryError),
}

/// One documented term.
#[derive(Debug, Clone, Default)]
pub struct Entry {
    /// The term as a prefixed name (`pk:Outcome`).
    pub name: String,
    pub label_en: String,
    pub label_zh: String,
    pub comment_en: String,
    pub comment_zh: String,
    /// Further facts as (heading, value): kind, superclass, domain, range, notation...
    pub facts: Vec<(String, String)>,
}

/// Every class, property, individual and metric code of the ontology.
#[derive(Debug, Clone, Default)]
pub struct Reference {
    pub title: String,
    pub version: String,
    pub namespace: String,
    pub license: String,
    pub classes: Vec<Entry>,
    pub properties: Vec<Entry>,
    pub individuals: Vec<Entry>,
    pub metrics: Vec<Entry>,
}

const LABELS: &str = r#"
  OPTIONAL { ?t rdfs:label ?le FILTER (LANG(?le) = "en") }
  OPTIONAL { ?t rdfs:label ?lz FILTER (LANG(?lz) = "zh") }
  OPTIONAL { ?t rdfs:comment ?ce FILTER (LANG(?ce) = "en") }
  OPTIONAL { ?t rdfs:comment ?cz FILTER (LANG(?cz) = "zh") }
"#;

/// Reads the ontology compiled into the binary.
pub fn reference() -> Result<Reference, ReferenceError> {
    let store = KgStore::in_memory()?;
    store.install_ontology()?;
    reference_from(&store)
}

/// Reads the ontology graph of a store.
pub fn reference_from(store: &KgStore) -> Result<Reference, ReferenceError> {
    let g = crate::vocab::ONTOLOGY_GRAPH;
    let meta = rows(
        store,
        &format!(
            "SELECT ?title ?version ?ns (GROUP_CONCAT(STR(?lic); SEPARATOR=\" OR \") AS ?license) WHERE {{ GRAPH <{g}> {{
               ?o a owl:Ontology . OPTIONAL {{ ?o dcterms:title ?title FILTER (LANG(?title) = \"en\") }}
               OPTIONAL {{ ?o owl:versionInfo ?version }} OPTIONAL {{ ?o <http://purl.org/vocab/vann/preferredNamespaceUri> ?ns }}
               OPTIONAL {{ ?o dcterms:license ?lic }} }} }} GROUP BY ?title ?version ?ns"
        ),
        &["title", "version", "ns", "license"],
    )?;
    let meta = meta.into_iter().next().unwrap_or_default();
    let mut r = Reference {
        title: meta.first().cloned().unwrap_or_default(),
        version: meta.get(1).cloned().unwrap_or_default(),
        namespace: meta.get(2).cloned().unwrap_or_default(),
        license: meta.get(3).cloned().unwrap_or_default(),
        ..Default::default()
    };
    r.classes = entries(
        store,
        &format!(
            "SELECT ?t ?le ?lz ?ce ?cz (GROUP_CONCAT(DISTINCT STR(?sup); SEPARATOR=\", \") AS ?superclass) WHERE {{ GRAPH <{g}> {{
               ?t a owl:Class . FILTER STRSTARTS(STR(?t), STR(pk:)) {LABELS}
               OPTIONAL {{ ?t rdfs:subClassOf ?sup }} }} }} GROUP BY ?t ?le ?lz ?ce ?cz ORDER BY ?t"
        ),
        &["superclass"],
    )?;
    r.properties = entries(
        store,
        &format!(
            "SELECT ?t ?le ?lz ?ce ?cz (GROUP_CONCAT(DISTINCT STR(?k); SEPARATOR=\", \") AS ?kind)
                    (GROUP_CONCAT(DISTINCT STR(?d); SEPARATOR=\", \") AS ?domain) (GROUP_CONCAT(DISTINCT STR(?r); SEPARATOR=\", \") AS ?range)
                    (GROUP_CONCAT(DISTINCT STR(?sup); SEPARATOR=\", \") AS ?subPropertyOf) WHERE {{ GRAPH <{g}> {{
               ?t a ?k . VALUES ?k {{ owl:ObjectProperty owl:DatatypeProperty }} FILTER STRSTARTS(STR(?t), STR(pk:)) {LABELS}
               OPTIONAL {{ ?t rdfs:domain ?d }} OPTIONAL {{ ?t rdfs:range ?r }} OPTIONAL {{ ?t rdfs:subPropertyOf ?sup }} }} }}
             GROUP BY ?t ?le ?lz ?ce ?cz ORDER BY ?t"
        ),
        &["kind", "domain", "range", "subPropertyOf"],
    )?;
    r.individuals = entries(
        store,
        &format!(
            "SELECT ?t ?le ?lz ?ce ?cz (GROUP_CONCAT(DISTINCT STR(?k); SEPARATOR=\", \") AS ?type) WHERE {{ GRAPH <{g}> {{
               ?t a ?k . FILTER (STRSTARTS(STR(?t), STR(pk:)) && ?k NOT IN (owl:Class, owl:ObjectProperty, owl:DatatypeProperty,
                 owl:FunctionalProperty, owl:TransitiveProperty, owl:NamedIndividual, qb:DimensionProperty, qb:MeasureProperty,
                 qb:AttributeProperty, pk:Metric))
               FILTER NOT EXISTS {{ ?t skos:inScheme pk:MetricScheme }} {LABELS} }} }}
             GROUP BY ?t ?le ?lz ?ce ?cz ORDER BY ?t"
        ),
        &["type"],
    )?;
    r.metrics = entries(
        store,
        &format!(
            "SELECT ?t ?le ?lz ?ce ?cz ?notation ?definition WHERE {{ GRAPH <{g}> {{
               ?t skos:inScheme pk:MetricScheme ; skos:notation ?notation .
               OPTIONAL {{ ?t skos:prefLabel ?le FILTER (LANG(?le) = \"en\") }}
               OPTIONAL {{ ?t skos:prefLabel ?lz FILTER (LANG(?lz) = \"zh\") }}
               OPTIONAL {{ ?t skos:definition ?ce FILTER (LANG(?ce) = \"en\") }}
               OPTIONAL {{ ?t skos:definition ?cz FILTER (LANG(?cz) = \"zh\") }} }} }} ORDER BY ?t"
        ),
        &["notation"],
    )?;
    Ok(r)
}

fn cell(t: Option<&Term>) -> String {
    match t {
        Some(Term::Literal(l)) => l.value().to_owned(),
        Some(t) => query::compact(t),
        None => String::new(),
    }
}

fn rows(store: &KgStore, sparql: &str, vars: &[&str]) -> Result<Vec<Vec<String>>, ReferenceError> {
    // Every query here selects exactly `vars`, in that order.
    debug_assert!(vars.iter().all(|v| sparql.contains(&format!("?{v}"))));
    Ok(query::select_terms(store, sparql)?.iter().map(|r| r.iter().map(|t| cell(t.as_ref())).collect()).collect())
}

/// Entries from a query binding ?t ?le ?lz ?ce ?cz and the fact variables.
fn entries(store: &KgStore, sparql: &str, facts: &[&str]) -> Result<Vec<Entry>, ReferenceError> {
    let mut vars = vec!["t", "le", "lz", "ce", "cz"];
    vars.extend(facts);
    Ok(rows(store, sparql, &vars)?
        .into_iter()
        .map(|r| {
            let compacted = |s: &str| {
                s.split(", ")
                    .map(|part| {
                        if part.contains("://") {
                            query::compact(&Term::NamedNode(oxigraph::model::NamedNode::new_unchecked(part)))
                        } else {
                            part.to_owned()
                        }
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            Entry {
                name: r[0].clone(),
                label_en: r[1].clone(),
                label_zh: r[2].clone(),
                comment_en: r[3].clone(),
                comment_zh: r[4].clone(),
                facts: facts
                    .iter()
                    .zip(&r[5..])
                    .filter(|(_, v)| !v.is_empty())
                    .map(|(k, v)| ((*k).to_owned(), compacted(v)))
                    .collect(),
            }
        })
        .collect())
}

impl Reference {
    pub fn to_markdown(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "# {} {}\n", self.title, self.version);
        let _ = writeln!(s, "Namespace `{}` (prefix `pk:`). Licence: {}.\n", self.namespace, self.license);
        let _ = writeln!(s, "Generated by `policekg ontology --doc` from `ontology/policekg.ttl`.\n");
        for (title, entries) in [
            ("Classes", &self.classes),
            ("Properties", &self.properties),
            ("Individuals and schemes", &self.individuals),
        ] {
            let _ = writeln!(s, "## {title}\n");
            for e in entries {
                let _ = writeln!(s, "### `{}`: {} / {}\n", e.name, e.label_en, e.label_zh);
                let _ = writeln!(s, "{}\n\n{}\n", e.comment_en, e.comment_zh);
                for (k, v) in &e.facts {
                    let _ = writeln!(s, "- {k}: {v}");
                }
                if !e.facts.is_empty() {
                    s.push('\n');
                }
            }
        }
        let _ = writeln!(s, "## Metric codes (`pk:MetricScheme`)\n");
        let _ = writeln!(s, "| code | concept | English | 中文 | definition |\n|---|---|---|---|---|");
        for m in &self.metrics {
            let notation = m.facts.iter().find(|(k, _)| k == "notation").map(|(_, v)| v.as_str()).unwrap_or("");
            let _ = writeln!(
                s,
                "| `{notation}` | `{}` | {} | {} | {} {} |",
                m.name,
                m.label_en,
                m.label_zh,
                m.comment_en.replace('|', "\\|"),
                m.comment_zh
            );
        }
        s
    }

    pub fn to_html(&self) -> String {
        let esc = |t: &str| t.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;");
        let mut s = String::new();
        let _ = writeln!(
            s,
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\"><title>{t}</title>\n<style>body{{font-family:sans-serif;max-width:60em;margin:auto;padding:1em}}code{{background:#f4f4f4}}table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:.2em .5em;text-align:left}}</style></head>\n<body>\n<h1>{t} {v}</h1>\n<p>Namespace <code>{ns}</code> (prefix <code>pk:</code>). Licence: {l}. Generated by <code>policekg ontology --doc</code>.</p>",
            t = esc(&self.title),
            v = esc(&self.version),
            ns = esc(&self.namespace),
            l = esc(&self.license)
        );
        for (title, entries) in [
            ("Classes", &self.classes),
            ("Properties", &self.properties),
            ("Individuals and schemes", &self.individuals),
        ] {
            let _ = writeln!(s, "<h2>{title}</h2>");
            for e in entries {
                let id = e.name.replace(':', "_");
                let _ = writeln!(
                    s,
                    "<h3 id=\"{}\"><code>{}</code>: {} / <span lang=\"zh\">{}</span></h3>",
                    esc(&id),
                    esc(&e.name),
                    esc(&e.label_en),
                    esc(&e.label_zh)
                );
                let _ = writeln!(s, "<p>{}</p>\n<p lang=\"zh\">{}</p>", esc(&e.comment_en), esc(&e.comment_zh));
                if !e.facts.is_empty() {
                    let _ = writeln!(s, "<ul>");
                    for (k, v) in &e.facts {
                        let _ = writeln!(s, "<li>{}: <code>{}</code></li>", esc(k), esc(v));
                    }
                    let _ = writeln!(s, "</ul>");
                }
            }
        }
        let _ = writeln!(s, "<h2>Metric codes (<code>pk:MetricScheme</code>)</h2>\n<table>\n<tr><th>code</th><th>concept</th><th>English</th><th>中文</th><th>definition</th></tr>");
        for m in &self.metrics {
            let notation = m.facts.iter().find(|(k, _)| k == "notation").map(|(_, v)| v.as_str()).unwrap_or("");
            let _ = writeln!(
                s,
                "<tr><td><code>{}</code></td><td><code>{}</code></td><td>{}</td><td lang=\"zh\">{}</td><td>{} <span lang=\"zh\">{}</span></td></tr>",
                esc(notation), esc(&m.name), esc(&m.label_en), esc(&m.label_zh), esc(&m.comment_en), esc(&m.comment_zh)
            );
        }
        let _ = writeln!(s, "</table>\n</body>\n</html>");
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reference_covers_the_ontology() {
        let r = reference().unwrap();
        assert_eq!(r.metrics.len(), 23);
        assert!(r.classes.iter().any(|c| c.name == "pk:Outcome" && c.label_zh == "战果"));
        assert!(r.properties.iter().any(|p| p.name == "pk:value"));
        assert!(r.individuals.iter().any(|i| i.name == "pk:County"));
        for e in r.classes.iter().chain(&r.properties).chain(&r.individuals).chain(&r.metrics) {
            assert!(
                !e.label_en.is_empty()
                    && !e.label_zh.is_empty()
                    && !e.comment_en.is_empty()
                    && !e.comment_zh.is_empty(),
                "{}",
                e.name
            );
        }
        assert!(r.to_markdown().contains("`cases_solved`"));
        let outcome = r.classes.iter().find(|c| c.name == "pk:Outcome").unwrap();
        assert!(outcome.facts.iter().any(|(k, v)| k == "superclass" && v == "qb:Observation"), "{:?}", outcome.facts);
        let value = r.properties.iter().find(|p| p.name == "pk:value").unwrap();
        assert!(value.facts.iter().any(|(k, v)| k == "range" && v == "xsd:decimal"), "{:?}", value.facts);
        assert!(r.to_html().contains("<code>pk:metric_rate</code>"));
    }
}
