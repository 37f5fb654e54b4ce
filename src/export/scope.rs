//! Which documents an export covers ([`Scope`]), and the shared entities they need.

use super::rdf::sorted;
use super::ExportError;
use crate::model::Iris;
use crate::query;
use crate::selection::{Province, Selection, SelectionError};
use crate::store::KgStore;
use crate::vocab::ONTOLOGY_GRAPH;
use oxigraph::model::{GraphNameRef, NamedNode, NamedOrBlankNode, Quad, Term};
use std::collections::HashSet;

/// Which documents an export covers: the [`Selection`] `graph` takes too; all conditions given must hold.
/// Empty: the whole store.
pub type Scope = Selection;

/// The description of the shared entities (the entities graph, see `Iris::entities_graph`) that the
/// documents in scope need: all of it for a whole export; else the entities those documents name, with
/// the chains of parents, parent campaigns and enclosing places above them.
pub fn entity_quads(
    store: &KgStore,
    graphs: &[NamedNode],
    scope: &Scope,
    iris: &Iris,
) -> Result<Vec<Quad>, ExportError> {
    let entities = iris.entities_graph();
    let mut all = Vec::new();
    for q in store.oxigraph().quads_for_pattern(None, None, None, Some(GraphNameRef::NamedNode(entities.as_ref()))) {
        all.push(q?);
    }
    if scope.is_everything() {
        return Ok(sorted(all));
    }
    let mut wanted: std::collections::HashSet<Term> = std::collections::HashSet::new();
    for g in graphs {
        for q in store.oxigraph().quads_for_pattern(None, None, None, Some(GraphNameRef::NamedNode(g.as_ref()))) {
            let q = q?;
            wanted.insert(q.subject.clone().into());
            wanted.insert(q.object);
        }
    }
    let mut kept = vec![false; all.len()];
    loop {
        let mut grew = false;
        for (i, q) in all.iter().enumerate() {
            if !kept[i] && wanted.contains(&Term::from(q.subject.clone())) {
                kept[i] = true;
                grew |= wanted.insert(q.object.clone());
            }
        }
        if !grew {
            break;
        }
    }
    Ok(sorted(all.into_iter().zip(kept).filter_map(|(q, k)| k.then_some(q)).collect()))
}

/// The document graphs an export covers, sorted: those passing the identifier and date conditions that
/// mention the campaign (or a sub-campaign), the agency (or one under it) and a place of the province.
/// Mentions are read in one scan of `pk:mentionedIn` and filtered here.
pub fn documents_in_scope(store: &KgStore, scope: &Scope, _iris: &Iris) -> Result<Vec<NamedNode>, ExportError> {
    let all: Vec<NamedNode> = store
        .document_graphs()?
        .into_iter()
        .filter_map(|g| match g {
            NamedOrBlankNode::NamedNode(n) => Some(n),
            _ => None,
        })
        .collect();
    if scope.is_everything() {
        return Ok(all);
    }
    let resolved = scope.resolve(store)?;
    let prefix = match &resolved.province {
        Some(Province { code_prefix: Some(p), .. }) => Some(p.clone()),
        Some(Province { name, .. }) => return Err(SelectionError::UnknownProvince(name.clone()).into()),
        None => None,
    };
    // Per document: does it mention the campaign, the agency, a place of the province?
    let mut campaign_docs: HashSet<String> = HashSet::new();
    let mut agency_docs: HashSet<String> = HashSet::new();
    let mut province_docs: HashSet<String> = HashSet::new();
    if resolved.campaigns.is_some() || resolved.agencies.is_some() || prefix.is_some() {
        let in_province: HashSet<String> = match &prefix {
            Some(p) => query::select_text(store, "SELECT ?p ?code WHERE { ?p pk:adcode ?code }")?
                .into_iter()
                .filter_map(|mut r| {
                    let code = r.get_mut(1)?.take()?;
                    code.starts_with(p.as_str()).then(|| r.first_mut()?.take()).flatten()
                })
                .collect(),
            None => HashSet::new(),
        };
        for row in query::select_text(store, "SELECT ?s ?g WHERE { GRAPH ?g { ?s pk:mentionedIn ?g } }")? {
            let [Some(entity), Some(doc)]: [Option<String>; 2] = row.try_into().unwrap_or_default() else { continue };
            if resolved.campaigns.as_ref().is_some_and(|c| c.contains(&entity)) {
                campaign_docs.insert(doc.clone());
            }
            if resolved.agencies.as_ref().is_some_and(|a| a.contains(&entity)) {
                agency_docs.insert(doc.clone());
            }
            if in_province.contains(&entity) {
                province_docs.insert(doc);
            }
        }
    }
    let keep = |g: &NamedNode| {
        let g = g.as_str();
        resolved.documents.as_ref().is_none_or(|d| d.contains(g))
            && (resolved.campaigns.is_none() || campaign_docs.contains(g))
            && (resolved.agencies.is_none() || agency_docs.contains(g))
            && (prefix.is_none() || province_docs.contains(g))
    };
    let mut graphs: Vec<NamedNode> = all.into_iter().filter(keep).collect();
    graphs.sort_by(|a, b| a.as_str().cmp(b.as_str()));
    Ok(graphs)
}

/// Checks a `YYYY-MM-DD` date (the description's build date).
pub(super) fn check_date(d: &str) -> Result<(), ExportError> {
    let b = d.as_bytes();
    let ok = b.len() == 10 && b[4] == b'-' && b[7] == b'-' && d.chars().filter(|c| c.is_ascii_digit()).count() == 8;
    if ok {
        Ok(())
    } else {
        Err(ExportError::Option(format!("{d:?} is not a date YYYY-MM-DD")))
    }
}

pub(super) fn literal(s: &str) -> String {
    query::string_literal(s)
}

/// The first column of a SELECT query's rows, as text (IRIs as their string, literals by value).
pub(super) fn select_strings(store: &KgStore, sparql: &str) -> Result<Vec<String>, ExportError> {
    Ok(query::select_text(store, sparql)?.into_iter().filter_map(|mut row| row.first_mut()?.take()).collect())
}

/// `FROM NAMED`-like restriction: a VALUES block over the graphs in scope (all document graphs when the
/// scope is everything, expressed as "not the ontology graph" to keep the query short).
pub(super) fn graph_filter(graphs: &[NamedNode], everything: bool) -> String {
    if everything {
        format!("FILTER (?g != <{ONTOLOGY_GRAPH}>)")
    } else if graphs.is_empty() {
        "FILTER (false)".to_owned()
    } else {
        let list: Vec<String> = graphs.iter().map(|g| g.to_string()).collect();
        format!("VALUES ?g {{ {} }}", list.join(" "))
    }
}
