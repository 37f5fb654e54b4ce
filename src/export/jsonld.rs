//! JSON-LD with the published context (`ontology/context.jsonld`, inlined): short keys (`label`, `value`,
//! `attributedTo`), native numbers and booleans, one named graph after another. The context uses JSON-LD 1.0
//! features only and declares no `@version`, so JSON-LD 1.0 processors (Apache Jena's reader, PyLD in
//! `json-ld-1.0` mode) read it as well as 1.1 ones.

use super::{ExportError, CONTEXT_JSONLD};
use crate::vocab::{rdf, xsd};
use oxigraph::model::{GraphName, NamedOrBlankNode, Quad, Term};
use std::collections::BTreeMap;
use std::io::Write;

/// How a context term wants its values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Coercion {
    None,
    Id,
    Datatype(String),
}

pub(super) struct TermDef {
    key: String,
    coercion: Coercion,
    set: bool,
}

/// The context's term definitions by IRI, and its prefixes.
pub(super) struct Context {
    terms: BTreeMap<String, TermDef>,
    classes: BTreeMap<String, String>,
    prefixes: Vec<(String, String)>,
}

impl Context {
    pub(super) fn parse() -> Self {
        let json: serde_json::Value = serde_json::from_str(CONTEXT_JSONLD).expect("ontology/context.jsonld is JSON");
        let ctx = json["@context"].as_object().expect("a @context object");
        let mut prefixes = Vec::new();
        for (k, v) in ctx {
            if let Some(s) = v.as_str() {
                if s.ends_with('#') || s.ends_with('/') {
                    prefixes.push((k.clone(), s.to_owned()));
                }
            }
        }
        prefixes.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then(a.0.cmp(&b.0)));
        let expand = |s: &str| -> String {
            if let Some((p, local)) = s.split_once(':') {
                if let Some((_, ns)) = prefixes.iter().find(|(k, _)| k == p) {
                    return format!("{ns}{local}");
                }
            }
            s.to_owned()
        };
        let mut terms = BTreeMap::new();
        let mut classes = BTreeMap::new();
        for (k, v) in ctx {
            if k.starts_with('@') {
                continue;
            }
            match v {
                serde_json::Value::String(s) if !(s.starts_with('@') || s.ends_with('#') || s.ends_with('/')) => {
                    let iri = expand(s);
                    if k.chars().next().is_some_and(|c| c.is_uppercase()) {
                        classes.insert(iri, k.clone());
                    } else {
                        terms.insert(iri, TermDef { key: k.clone(), coercion: Coercion::None, set: false });
                    }
                }
                serde_json::Value::Object(o) => {
                    let iri = expand(o.get("@id").and_then(|v| v.as_str()).unwrap_or_default());
                    let coercion = match o.get("@type").and_then(|v| v.as_str()) {
                        Some("@id") => Coercion::Id,
                        Some(t) => Coercion::Datatype(expand(t)),
                        None => Coercion::None,
                    };
                    let set = o.get("@container").and_then(|v| v.as_str()) == Some("@set");
                    terms.insert(iri, TermDef { key: k.clone(), coercion, set });
                }
                _ => {}
            }
        }
        Context { terms, classes, prefixes }
    }

    /// An IRI as a compact IRI when a prefix fits (and the rest cannot be mistaken for an absolute IRI).
    pub(super) fn compact(&self, iri: &str) -> String {
        for (p, ns) in &self.prefixes {
            if let Some(local) = iri.strip_prefix(ns.as_str()) {
                if !local.starts_with("//") && !local.is_empty() {
                    return format!("{p}:{local}");
                }
            }
        }
        iri.to_owned()
    }

    pub(super) fn node_id(&self, s: &NamedOrBlankNode) -> String {
        match s {
            NamedOrBlankNode::NamedNode(n) => self.compact(n.as_str()),
            NamedOrBlankNode::BlankNode(b) => format!("_:{}", b.as_str()),
        }
    }

    /// The JSON value of one object under a property with the given term definition.
    pub(super) fn value(&self, o: &Term, def: Option<&TermDef>) -> serde_json::Value {
        use serde_json::{json, Value};
        let coercion = def.map(|d| &d.coercion).unwrap_or(&Coercion::None);
        match o {
            Term::NamedNode(n) => {
                let id = self.compact(n.as_str());
                if *coercion == Coercion::Id {
                    Value::String(id)
                } else {
                    json!({ "@id": id })
                }
            }
            Term::BlankNode(b) => {
                let id = format!("_:{}", b.as_str());
                if *coercion == Coercion::Id {
                    Value::String(id)
                } else {
                    json!({ "@id": id })
                }
            }
            Term::Literal(l) => {
                if let Some(lang) = l.language() {
                    return json!({ "@value": l.value(), "@language": lang });
                }
                let dt = l.datatype();
                if dt == xsd::STRING {
                    return if *coercion == Coercion::None {
                        Value::String(l.value().to_owned())
                    } else {
                        json!({ "@value": l.value() })
                    };
                }
                if let Coercion::Datatype(d) = coercion {
                    if d == dt.as_str() {
                        return Value::String(l.value().to_owned());
                    }
                }
                if *coercion == Coercion::None {
                    if dt == xsd::INTEGER && canonical_integer(l.value()) {
                        if let Ok(i) = l.value().parse::<i64>() {
                            return json!(i);
                        }
                    }
                    if dt == xsd::BOOLEAN && (l.value() == "true" || l.value() == "false") {
                        return Value::Bool(l.value() == "true");
                    }
                }
                json!({ "@value": l.value(), "@type": self.compact(dt.as_str()) })
            }
            #[allow(unreachable_patterns)]
            other => json!({ "@id": other.to_string() }),
        }
    }
}

pub(super) fn canonical_integer(v: &str) -> bool {
    let digits = v.strip_prefix('-').unwrap_or(v);
    !digits.is_empty()
        && digits.len() <= 15
        && digits.bytes().all(|b| b.is_ascii_digit())
        && (digits == "0" || !digits.starts_with('0'))
        && v != "-0"
}

/// Writes `{"@context": ..., "@graph": [ default-graph nodes..., {"@id": G, "@graph": [...]}, ... ]}` one
/// graph at a time.
pub(super) struct JsonLdWriter<'w> {
    out: &'w mut dyn Write,
    context: Context,
    first: bool,
    n: usize,
}

impl<'w> JsonLdWriter<'w> {
    pub(super) fn new(out: &'w mut dyn Write) -> Result<Self, ExportError> {
        let json: serde_json::Value = serde_json::from_str(CONTEXT_JSONLD).expect("context is JSON");
        let ctx = serde_json::to_string_pretty(&json["@context"]).expect("serializable");
        write!(out, "{{\n  \"@context\": {},\n  \"@graph\": [", indent(&ctx, 2))?;
        Ok(Self { out, context: Context::parse(), first: true, n: 0 })
    }

    /// Node objects of sorted quads of one graph: `id`, `type`, then the properties by key.
    pub(super) fn nodes(&self, quads: &[Quad]) -> Vec<Vec<(String, serde_json::Value)>> {
        let mut nodes = Vec::new();
        let mut i = 0;
        while i < quads.len() {
            let subject = &quads[i].subject;
            let mut j = i;
            while j < quads.len() && &quads[j].subject == subject {
                j += 1;
            }
            let mut node: Vec<(String, serde_json::Value)> = Vec::new();
            node.push(("id".into(), serde_json::Value::String(self.context.node_id(subject))));
            let mut types = Vec::new();
            let mut props: Vec<(String, bool, Vec<serde_json::Value>)> = Vec::new();
            for q in &quads[i..j] {
                if q.predicate.as_ref() == rdf::TYPE {
                    if let Term::NamedNode(c) = &q.object {
                        let t = match self.context.classes.get(c.as_str()) {
                            Some(k) => k.clone(),
                            None => self.context.compact(c.as_str()),
                        };
                        types.push(serde_json::Value::String(t));
                        continue;
                    }
                }
                let def = self.context.terms.get(q.predicate.as_str());
                let key = match def {
                    Some(d) => d.key.clone(),
                    None => self.context.compact(q.predicate.as_str()),
                };
                let value = self.context.value(&q.object, def);
                match props.iter().position(|(k, _, _)| *k == key) {
                    Some(i) => props[i].2.push(value),
                    None => props.push((key, def.is_some_and(|d| d.set), vec![value])),
                }
            }
            if !types.is_empty() {
                node.push((
                    "type".into(),
                    if types.len() == 1 { types.pop().expect("one") } else { serde_json::Value::Array(types) },
                ));
            }
            props.sort_by(|a, b| a.0.cmp(&b.0));
            for (key, set, mut values) in props {
                let v = if values.len() == 1 && !set {
                    values.pop().expect("one")
                } else {
                    serde_json::Value::Array(values)
                };
                node.push((key, v));
            }
            nodes.push(node);
            i = j;
        }
        nodes
    }

    pub(super) fn write_graph(&mut self, quads: &[Quad]) -> Result<(), ExportError> {
        if quads.is_empty() {
            return Ok(());
        }
        self.n += quads.len();
        let nodes = self.nodes(quads);
        let json = |v: &serde_json::Value| serde_json::to_string(v).expect("serializable");
        let node_text = |node: &[(String, serde_json::Value)], pad: &str| -> String {
            let fields: Vec<String> =
                node.iter().map(|(k, v)| format!("{pad}  {}: {}", json(&k.as_str().into()), json(v))).collect();
            format!("{pad}{{\n{}\n{pad}}}", fields.join(",\n"))
        };
        let mut items = Vec::new();
        match &quads[0].graph_name {
            GraphName::DefaultGraph => items.extend(nodes.iter().map(|n| node_text(n, "    "))),
            named => {
                let id = match named {
                    GraphName::NamedNode(g) => self.context.compact(g.as_str()),
                    other => other.to_string(),
                };
                let inner: Vec<String> = nodes.iter().map(|n| node_text(n, "        ")).collect();
                items.push(format!(
                    "    {{\n      \"id\": {},\n      \"@graph\": [\n{}\n      ]\n    }}",
                    json(&id.into()),
                    inner.join(",\n")
                ));
            }
        }
        for item in items {
            write!(self.out, "{}\n{item}", if self.first { "" } else { "," })?;
            self.first = false;
        }
        Ok(())
    }

    pub(super) fn finish(self) -> Result<usize, ExportError> {
        writeln!(self.out, "\n  ]\n}}")?;
        Ok(self.n)
    }
}

pub(super) fn indent(text: &str, by: usize) -> String {
    let pad = " ".repeat(by);
    text.lines().enumerate().map(|(i, l)| if i == 0 { l.to_owned() } else { format!("\n{pad}{l}") }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocab::pk;

    #[test]
    fn the_context_parses_and_knows_the_core_terms() {
        let c = Context::parse();
        assert_eq!(c.terms[&format!("{}value", pk::NS)].coercion, Coercion::Datatype(xsd::DECIMAL.as_str().into()));
        assert_eq!(c.terms[&format!("{}metric", pk::NS)].coercion, Coercion::Id);
        assert_eq!(c.classes[&format!("{}Outcome", pk::NS)], "Outcome");
        assert_eq!(c.compact(&format!("{}metric_rate", pk::NS)), "pk:metric_rate");
    }

    #[test]
    fn integers_are_native_only_when_canonical() {
        assert!(canonical_integer("0") && canonical_integer("12") && canonical_integer("-3"));
        assert!(
            !canonical_integer("012") && !canonical_integer("+1") && !canonical_integer("-0") && !canonical_integer("")
        );
    }
}
