//! Point lookups in the store for the views' rows, over the union of all graphs (as the named queries
//! read them), with labels cached: many rows name the same agency or campaign. After a build into a blank
//! store, what it described of shared entities is read from memory instead ([`Descriptions`]): each
//! lookup in the store costs a RocksDB read per term it returns.

use crate::model::DocumentGraph;
use crate::store::{KgStore, StoreError};
use crate::vocab::{dcterms, org, pk, prov, rdf, rdfs};
use oxigraph::model::{GraphName, NamedNode, NamedNodeRef, NamedOrBlankNode, NamedOrBlankNodeRef, Term, TermRef};
use std::collections::{HashMap, HashSet};

/// The metric of year-over-year's rows (its code, as in `pk:metric_rate_change`).
pub const RATE_CHANGE: &str = "rate_change";

/// What a build into a blank store wrote that the views read: the shared descriptions (types, labels,
/// levels and parents of agencies, units, campaigns and places) and the rate-change outcomes with their
/// evidence and documents. It is then the whole of what the store says of them.
#[derive(Debug, Default)]
pub struct Descriptions {
    objects: HashMap<(NamedNode, NamedNode), Vec<Term>>,
    /// `(p, o)` -> subjects, for the two links the views read backwards (a fact's outcomes, a parent's
    /// children).
    subjects: HashMap<(NamedNode, NamedNode), Vec<NamedNode>>,
    terms: usize,
}

/// How many terms the descriptions may hold (about 100 MB) before the views read the store instead.
const MAX_TERMS: usize = 2_000_000;

impl Descriptions {
    /// The predicates described here; any other (a metric's notation in the ontology) is read from the store.
    fn covers(p: NamedNodeRef<'_>) -> bool {
        [
            rdf::TYPE,
            rdfs::LABEL,
            pk::LEVEL,
            org::SUB_ORGANIZATION_OF,
            pk::FACT_PROP,
            pk::METRIC_PROP,
            pk::VALUE,
            pk::DIRECTION,
            pk::COMPARISON,
            pk::ATTRIBUTED_TO,
            pk::PERIOD_START,
            pk::PERIOD_END,
            pk::EVIDENCE_PROP,
            pk::TEXT,
            prov::WAS_DERIVED_FROM,
            dcterms::IDENTIFIER,
        ]
        .contains(&p)
    }

    fn read_backwards(p: NamedNodeRef<'_>) -> bool {
        p == org::SUB_ORGANIZATION_OF || p == pk::FACT_PROP
    }

    pub fn is_too_large(&self) -> bool {
        self.terms > MAX_TERMS
    }

    /// Keeps what the views read of a document: its shared descriptions, its rate-change outcomes and
    /// their evidence, and its identifier.
    pub fn add_document(&mut self, doc: &DocumentGraph, shared: &GraphName) {
        let rates: HashSet<&NamedNode> =
            doc.identity.outcomes.iter().filter(|o| o.metric == RATE_CHANGE).map(|o| &o.node).collect();
        let mut evidence = HashSet::new();
        for q in &doc.quads {
            let NamedOrBlankNode::NamedNode(s) = &q.subject else { continue };
            if &q.graph_name == shared || rates.contains(s) || (s == &doc.graph && q.predicate == dcterms::IDENTIFIER) {
                self.add(s, q.predicate.as_ref(), &q.object);
                if rates.contains(s) && q.predicate == pk::EVIDENCE_PROP {
                    evidence.insert(q.object.clone());
                }
            }
        }
        for q in
            doc.quads.iter().filter(|q| q.predicate == pk::TEXT && evidence.contains(&Term::from(q.subject.clone())))
        {
            if let NamedOrBlankNode::NamedNode(s) = &q.subject {
                self.add(s, q.predicate.as_ref(), &q.object);
            }
        }
    }

    fn add(&mut self, s: &NamedNode, p: NamedNodeRef<'_>, o: &Term) {
        if !Self::covers(p) {
            return;
        }
        let objects = self.objects.entry((s.clone(), p.into_owned())).or_default();
        if objects.contains(o) {
            return;
        }
        objects.push(o.clone());
        self.terms += 1;
        if let (true, Term::NamedNode(target)) = (Self::read_backwards(p), o) {
            self.subjects.entry((p.into_owned(), target.clone())).or_default().push(s.clone());
        }
    }
}

pub struct Lookup<'a> {
    kg: &'a KgStore,
    described: Option<&'a Descriptions>,
    cached: HashMap<(NamedNode, NamedNode), Vec<Term>>,
}

impl<'a> Lookup<'a> {
    pub fn new(kg: &'a KgStore, described: Option<&'a Descriptions>) -> Self {
        Self { kg, described, cached: HashMap::new() }
    }

    /// The distinct objects of `s p ?o` in any graph.
    pub fn objects(&self, s: &NamedNode, p: NamedNodeRef<'_>) -> Result<Vec<Term>, StoreError> {
        if let Some(d) = self.described.filter(|_| Descriptions::covers(p)) {
            return Ok(d.objects.get(&(s.clone(), p.into_owned())).cloned().unwrap_or_default());
        }
        let subject = NamedOrBlankNodeRef::NamedNode(s.as_ref());
        let mut out: Vec<Term> = Vec::new();
        for q in self.kg.oxigraph().quads_for_pattern(Some(subject), Some(p), None, None) {
            let o = q.map_err(|e| self.kg.storage_error(e))?.object;
            if !out.contains(&o) {
                out.push(o);
            }
        }
        Ok(out)
    }

    /// The distinct subjects of `?s p o` in any graph that are IRIs.
    pub fn subjects(&self, p: NamedNodeRef<'_>, o: TermRef<'_>) -> Result<Vec<NamedNode>, StoreError> {
        if let (Some(d), true, TermRef::NamedNode(target)) = (self.described, Descriptions::read_backwards(p), o) {
            return Ok(d.subjects.get(&(p.into_owned(), target.into_owned())).cloned().unwrap_or_default());
        }
        let mut out: Vec<NamedNode> = Vec::new();
        for q in self.kg.oxigraph().quads_for_pattern(None, Some(p), Some(o), None) {
            if let oxigraph::model::NamedOrBlankNode::NamedNode(s) = q.map_err(|e| self.kg.storage_error(e))?.subject {
                if !out.contains(&s) {
                    out.push(s);
                }
            }
        }
        Ok(out)
    }

    /// The IRI objects of `s p ?o`.
    pub fn nodes(&self, s: &NamedNode, p: NamedNodeRef<'_>) -> Result<Vec<NamedNode>, StoreError> {
        Ok(self
            .objects(s, p)?
            .into_iter()
            .filter_map(|t| match t {
                Term::NamedNode(n) => Some(n),
                _ => None,
            })
            .collect())
    }

    pub fn has(&self, s: &NamedNode, p: NamedNodeRef<'_>, o: NamedNodeRef<'_>) -> Result<bool, StoreError> {
        if self.described.is_some() && Descriptions::covers(p) {
            return Ok(self.objects(s, p)?.iter().any(|t| matches!(t, Term::NamedNode(n) if n.as_ref() == o)));
        }
        let subject = NamedOrBlankNodeRef::NamedNode(s.as_ref());
        match self.kg.oxigraph().quads_for_pattern(Some(subject), Some(p), Some(o.into()), None).next() {
            Some(q) => q.map(|_| true).map_err(|e| self.kg.storage_error(e)),
            None => Ok(false),
        }
    }

    /// `s rdfs:label ?l`, cached.
    pub fn labels(&mut self, s: &NamedNode) -> Result<Vec<Term>, StoreError> {
        self.shared_objects(s, rdfs::LABEL)
    }

    /// The labels of the IRI objects of `s p ?o` (the path `p/rdfs:label`).
    pub fn labels_of(&mut self, s: &NamedNode, p: NamedNodeRef<'_>) -> Result<Vec<Term>, StoreError> {
        let mut out = Vec::new();
        for n in self.nodes(s, p)? {
            out.extend(self.labels(&n)?);
        }
        Ok(out)
    }

    /// `s p ?o` for terms that many rows share (a label, a metric's notation), cached.
    pub fn shared_objects(&mut self, s: &NamedNode, p: NamedNodeRef<'_>) -> Result<Vec<Term>, StoreError> {
        let key = (s.clone(), p.into_owned());
        if let Some(v) = self.cached.get(&key) {
            return Ok(v.clone());
        }
        let v = self.objects(s, p)?;
        self.cached.insert(key, v.clone());
        Ok(v)
    }
}

/// An OPTIONAL's values: the terms found, or one unbound cell when there are none.
pub fn or_unbound(terms: Vec<Term>) -> Vec<Option<Term>> {
    if terms.is_empty() {
        vec![None]
    } else {
        terms.into_iter().map(Some).collect()
    }
}

/// A required pattern's values.
pub fn bound(terms: Vec<Term>) -> Vec<Option<Term>> {
    terms.into_iter().map(Some).collect()
}

/// Every combination of one value from each column: the solutions of patterns that share no variable.
pub fn product(columns: Vec<Vec<Option<Term>>>) -> Vec<Vec<Option<Term>>> {
    columns.into_iter().fold(vec![Vec::new()], |rows, column| {
        rows.iter()
            .flat_map(|row| {
                column.iter().map(move |cell| {
                    let mut r = row.clone();
                    r.push(cell.clone());
                    r
                })
            })
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use oxigraph::model::Literal;

    #[test]
    fn product_is_the_cross_join_and_an_empty_required_column_gives_no_row() {
        let a = vec![Some(Literal::from(1).into()), Some(Literal::from(2).into())];
        let rows = product(vec![a.clone(), or_unbound(Vec::new())]);
        assert_eq!(rows, vec![vec![a[0].clone(), None], vec![a[1].clone(), None]]);
        assert!(product(vec![a, bound(Vec::new())]).is_empty());
    }
}
