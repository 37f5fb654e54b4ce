//! Point lookups in the store for the views' rows, over the union of all graphs (as the named queries
//! read them), with labels cached: many rows name the same agency or campaign. After a build into a blank
//! store, what it described of shared entities is read from memory instead ([`Descriptions`]): each
//! lookup in the store costs a RocksDB read per term it returns.

use crate::model::DocumentGraph;
use crate::store::{KgStore, StoreError};
use crate::vocab::{dcterms, org, pk, prov, rdf, rdfs};
use oxigraph::model::{GraphName, NamedNode, NamedNodeRef, NamedOrBlankNode, NamedOrBlankNodeRef, Term, TermRef};
use rustc_hash::FxHashMap;

/// The metric of year-over-year's rows (its code, as in `pk:metric_rate_change`).
pub const RATE_CHANGE: &str = "rate_change";

/// What a build into a blank store wrote that the views read: the shared descriptions (types, labels,
/// levels and parents of agencies, units, campaigns and places) and the rate-change outcomes with their
/// evidence and documents. It is then the whole of what the store says of them.
#[derive(Debug, Default)]
pub struct Descriptions {
    /// Subject -> (predicate, object), the predicate as its index in [`COVERED`].
    objects: FxHashMap<NamedNode, Vec<(u8, Term)>>,
    /// `(p, o)` -> subjects, for the two links the views read backwards (a fact's outcomes, a parent's
    /// children).
    subjects: FxHashMap<(u8, NamedNode), Vec<NamedNode>>,
    terms: usize,
}

/// How many terms the descriptions may hold (about 100 MB) before the views read the store instead.
const MAX_TERMS: usize = 2_000_000;

/// The predicates described here; any other (a metric's notation in the ontology) is read from the store.
const COVERED: [NamedNodeRef<'static>; 16] = [
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
];

fn covered(p: NamedNodeRef<'_>) -> Option<u8> {
    COVERED.iter().position(|c| *c == p).map(|i| i as u8)
}

impl Descriptions {
    fn read_backwards(p: NamedNodeRef<'_>) -> bool {
        p == org::SUB_ORGANIZATION_OF || p == pk::FACT_PROP
    }

    pub fn is_too_large(&self) -> bool {
        self.terms > MAX_TERMS
    }

    /// Keeps what the views read of a document: its shared descriptions, its rate-change outcomes and
    /// their evidence, and its identifier.
    pub fn add_document(&mut self, doc: &DocumentGraph, shared: &GraphName) {
        let rates: Vec<&NamedNode> =
            doc.identity.outcomes.iter().filter(|o| o.metric == RATE_CHANGE).map(|o| &o.node).collect();
        let mut evidence = Vec::new();
        for q in &doc.quads {
            let (Some(p), NamedOrBlankNode::NamedNode(s)) = (covered(q.predicate.as_ref()), &q.subject) else {
                continue;
            };
            let of_rate = !rates.is_empty() && rates.contains(&s);
            if &q.graph_name == shared || of_rate || (s == &doc.graph && q.predicate == dcterms::IDENTIFIER) {
                self.add(s, p, &q.object);
                if of_rate && q.predicate == pk::EVIDENCE_PROP {
                    evidence.push(&q.object);
                }
            }
        }
        if evidence.is_empty() {
            return;
        }
        for q in doc.quads.iter().filter(|q| q.predicate == pk::TEXT) {
            if let NamedOrBlankNode::NamedNode(s) = &q.subject {
                if evidence.iter().any(|e| matches!(e, Term::NamedNode(n) if n == s)) {
                    self.add(s, covered(pk::TEXT).unwrap_or_default(), &q.object);
                }
            }
        }
    }

    fn add(&mut self, s: &NamedNode, p: u8, o: &Term) {
        if !self.objects.contains_key(s) {
            self.objects.insert(s.clone(), Vec::new());
        }
        let Some(objects) = self.objects.get_mut(s) else { return };
        if objects.iter().any(|(q, t)| *q == p && t == o) {
            return;
        }
        objects.push((p, o.clone()));
        self.terms += 1;
        if let (true, Term::NamedNode(target)) = (Self::read_backwards(COVERED[usize::from(p)]), o) {
            self.subjects.entry((p, target.clone())).or_default().push(s.clone());
        }
    }

    /// The objects of `s p ?o`, when `p` is described here.
    fn objects(&self, s: &NamedNode, p: NamedNodeRef<'_>) -> Option<Vec<Term>> {
        let p = covered(p)?;
        let objects = self.objects.get(s).map(|v| v.iter().filter(|(q, _)| *q == p).map(|(_, o)| o.clone()));
        Some(objects.map(Iterator::collect).unwrap_or_default())
    }

    /// The subjects of `?s p o`, when the link is read backwards here.
    fn subjects(&self, p: NamedNodeRef<'_>, o: TermRef<'_>) -> Option<Vec<NamedNode>> {
        let (true, Some(p), TermRef::NamedNode(target)) = (Self::read_backwards(p), covered(p), o) else {
            return None;
        };
        Some(self.subjects.get(&(p, target.into_owned())).cloned().unwrap_or_default())
    }
}

pub struct Lookup<'a> {
    kg: &'a KgStore,
    described: Option<&'a Descriptions>,
    cached: FxHashMap<(NamedNode, NamedNode), Vec<Term>>,
}

impl<'a> Lookup<'a> {
    pub fn new(kg: &'a KgStore, described: Option<&'a Descriptions>) -> Self {
        Self { kg, described, cached: FxHashMap::default() }
    }

    /// The distinct objects of `s p ?o` in any graph.
    pub fn objects(&self, s: &NamedNode, p: NamedNodeRef<'_>) -> Result<Vec<Term>, StoreError> {
        if let Some(objects) = self.described.and_then(|d| d.objects(s, p)) {
            return Ok(objects);
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
        if let Some(subjects) = self.described.and_then(|d| d.subjects(p, o)) {
            return Ok(subjects);
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
        if self.described.is_some() && covered(p).is_some() {
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
