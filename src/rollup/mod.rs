//! Rollups: totals per agency, campaign, metric and unit, each fact counted once. They are the rows of the
//! `outcomes-by-agency-campaign` view (src/views), kept at build and remove time beside the store, not in it:
//! eight quads per cell were a sixth of a build's quads, and Oxigraph's load and compaction cost per quad.
//!
//! A build or remove keeps a [`Ledger`] of the facts it touches: how many outcomes linked each fact
//! before (one index lookup, the first time the fact is seen) and how many it adds or removes. A fact that
//! gains its first source adds its value to its cell; one that loses its last source takes it away. The
//! view adds the cells' changes to the measures it held, once everything the ledger counted is committed.
//! When the view did not describe the store before the write (a build stopped half way, a store loaded by
//! another tool), every cell is computed from the document graphs instead ([`compute_from_documents`]).

mod decimal;

pub use decimal::{format_fixed, parse_fixed};

use crate::facts::{Cell, FactLink};
use crate::store::{KgStore, StoreError};
use crate::vocab::pk;
use oxigraph::model::{GraphName, GraphNameRef, NamedNode, NamedOrBlankNode, Term};
use rustc_hash::{FxHashMap, FxHashSet};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::BuildHasher;

/// What a cell holds, or how it changes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Measures {
    /// Sum of the values of the cell's facts, in millionths.
    pub total: i128,
    pub facts: i64,
    pub documents: i64,
}

impl std::ops::AddAssign for Measures {
    fn add_assign(&mut self, o: Self) {
        self.total += o.total;
        self.facts += o.facts;
        self.documents += o.documents;
    }
}

#[derive(Debug)]
struct FactEntry {
    /// Outcomes linking the fact in the store when first seen.
    before: i64,
    /// Outcomes this run added (positive) or removed (negative).
    delta: i64,
    cell: Option<Cell>,
    value: String,
}

/// The facts and cells a build or remove changes, not yet handed to the views.
#[derive(Debug, Default)]
pub struct Ledger {
    facts: FxHashMap<NamedNode, FactEntry>,
    documents: FxHashMap<Cell, i64>,
    /// Facts without a cell (percentages: listed, never summed) that gained or lost a source.
    listed: HashSet<NamedNode>,
    /// When the store held no document before the build: a hash of every fact the build has recorded. A fact
    /// not among them has no link in the store, so its first sight needs no lookup (a collision costs one).
    /// Past the first commit of a large build these lookups, in a store not yet compacted, were most of the
    /// build's time above the bulk load's.
    recorded: Option<FxHashSet<u64>>,
}

impl Ledger {
    /// A ledger for a build into a store that held documents (`had_documents`) or none.
    pub fn new(had_documents: bool) -> Self {
        Self { recorded: (!had_documents).then(FxHashSet::default), ..Self::default() }
    }

    /// Whether links to `fact` may be in the store, as far as this ledger can tell without a lookup.
    fn may_be_stored(&mut self, fact: &NamedNode) -> bool {
        let Some(recorded) = &mut self.recorded else { return true };
        !recorded.insert(rustc_hash::FxBuildHasher.hash_one(fact.as_str()))
    }

    pub fn is_empty(&self) -> bool {
        self.facts.is_empty() && self.documents.is_empty() && self.listed.is_empty()
    }

    /// A document's outcomes gained (`sign` 1) or lost (`sign` -1) their links. `look_up` says whether the
    /// store may already hold links to these facts (not in a fresh store before its first commit).
    pub fn record(&mut self, kg: &KgStore, links: &[FactLink], sign: i64, look_up: bool) -> Result<(), StoreError> {
        let mut cells = HashSet::new();
        for link in links {
            if !self.facts.contains_key(&link.fact) {
                // Every first sight is noted, the lookup only made once a commit may have stored links.
                let maybe_stored = self.may_be_stored(&link.fact);
                let before = if look_up && maybe_stored { stored_links(kg, &link.fact)? } else { 0 };
                let entry = FactEntry { before, delta: 0, cell: link.cell.clone(), value: link.value.clone() };
                self.facts.insert(link.fact.clone(), entry);
            }
            if let Some(entry) = self.facts.get_mut(&link.fact) {
                entry.delta += sign;
            }
            if link.cell.is_none() {
                self.listed.insert(link.fact.clone());
            }
            if let Some(cell) = &link.cell {
                cells.insert(cell.clone());
            }
        }
        for cell in cells {
            *self.documents.entry(cell).or_default() += sign;
        }
        Ok(())
    }

    /// The facts without a cell that gained or lost a source, and forgets them.
    pub fn take_listed(&mut self) -> HashSet<NamedNode> {
        std::mem::take(&mut self.listed)
    }

    /// The change of each cell, and forgets the facts and cells (not the listed facts).
    pub fn take_changes(&mut self) -> HashMap<Cell, Measures> {
        let mut changes: HashMap<Cell, Measures> = HashMap::new();
        for (cell, documents) in self.documents.drain() {
            changes.entry(cell).or_default().documents += documents;
        }
        for (_, f) in self.facts.drain() {
            let (existed, exists) = (f.before > 0, f.before + f.delta > 0);
            let Some(cell) = f.cell else { continue };
            let sign = match (existed, exists) {
                (false, true) => 1,
                (true, false) => -1,
                _ => continue,
            };
            let m = changes.entry(cell).or_default();
            m.facts += sign;
            m.total += sign as i128 * parse_fixed(&f.value).unwrap_or(0);
        }
        changes.retain(|_, m| *m != Measures::default());
        changes
    }
}

/// Outcomes in the store linked to `fact`.
fn stored_links(kg: &KgStore, fact: &NamedNode) -> Result<i64, StoreError> {
    let mut n = 0;
    for q in kg.oxigraph().quads_for_pattern(None, Some(pk::FACT_PROP), Some(fact.as_ref().into()), None) {
        q.map_err(|e| kg.storage_error(e))?;
        n += 1;
    }
    Ok(n)
}

/// Every cell, computed from the document graphs: each fact once, its value and cell read from the first
/// outcome that reports it.
pub fn compute_from_documents(kg: &KgStore) -> Result<BTreeMap<Cell, Measures>, StoreError> {
    let store = kg.oxigraph();
    let err = |e| kg.storage_error(e);
    let mut facts: HashMap<NamedNode, Option<(Cell, String)>> = HashMap::new();
    let mut documents: HashMap<Cell, HashSet<NamedOrBlankNode>> = HashMap::new();
    for q in store.quads_for_pattern(None, Some(pk::FACT_PROP), None, None) {
        let q = q.map_err(err)?;
        let (NamedOrBlankNode::NamedNode(outcome), Term::NamedNode(fact), GraphName::NamedNode(g)) =
            (q.subject, q.object, q.graph_name)
        else {
            continue;
        };
        let known = facts.get(&fact).cloned();
        let cell = match known {
            Some(c) => c,
            None => {
                let c = outcome_cell(kg, &outcome, &g)?;
                facts.insert(fact, c.clone());
                c
            }
        };
        if let Some((cell, _)) = cell {
            documents.entry(cell).or_default().insert(NamedOrBlankNode::NamedNode(g));
        }
    }
    let mut cells: BTreeMap<Cell, Measures> = BTreeMap::new();
    for (cell, value) in facts.into_values().flatten() {
        let m = cells.entry(cell).or_default();
        m.facts += 1;
        m.total += parse_fixed(&value).unwrap_or(0);
    }
    for (cell, docs) in documents {
        cells.entry(cell).or_default().documents = docs.len() as i64;
    }
    Ok(cells)
}

/// [`compute_from_documents`] by each cell's key, as the outcomes view keys them.
pub fn compute_by_key(kg: &KgStore) -> Result<BTreeMap<String, Measures>, StoreError> {
    Ok(compute_from_documents(kg)?.into_iter().map(|(cell, m)| (cell.key(), m)).collect())
}

/// An outcome's cell and value, read from its document graph (`None` for percentages).
pub(crate) fn outcome_cell(kg: &KgStore, o: &NamedNode, g: &NamedNode) -> Result<Option<(Cell, String)>, StoreError> {
    let graph = GraphNameRef::NamedNode(g.as_ref());
    let object = |p| -> Result<Option<Term>, StoreError> {
        match kg.oxigraph().quads_for_pattern(Some(o.as_ref().into()), Some(p), None, Some(graph)).next() {
            Some(q) => Ok(Some(q.map_err(|e| kg.storage_error(e))?.object)),
            None => Ok(None),
        }
    };
    let node = |t: Option<Term>| match t {
        Some(Term::NamedNode(n)) => Some(n),
        _ => None,
    };
    let text = |t: Option<Term>| match t {
        Some(Term::Literal(l)) => Some(l.value().to_owned()),
        _ => None,
    };
    let unit = text(object(pk::UNIT_PROP)?).unwrap_or_default();
    if unit == "percent" {
        return Ok(None);
    }
    let metric = node(object(pk::METRIC_PROP)?)
        .and_then(|m| m.as_str().strip_prefix(&format!("{}metric_", pk::NS)).map(str::to_owned))
        .unwrap_or_default();
    let value = text(object(pk::VALUE)?).unwrap_or_default();
    let cell =
        Cell { agency: node(object(pk::ATTRIBUTED_TO)?), campaign: node(object(pk::CAMPAIGN_PROP)?), metric, unit };
    Ok(Some((cell, value)))
}
