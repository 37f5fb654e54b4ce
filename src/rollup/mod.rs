//! Rollups: totals per agency, campaign, metric and unit, each fact counted once, kept at build and
//! remove time in their own graph ([`crate::model::Iris::rollups_graph`]) as Data Cube observations
//! (`pk:Rollup`, a `qb:Observation`): dimensions `pk:rollupAgency`, `pk:rollupCampaign`, `pk:rollupMetric`,
//! `pk:rollupUnit`; measures `pk:total`, `pk:factCount` and `pk:documentCount` (documents reporting any
//! of the cell's facts).
//!
//! A build or remove keeps a [`Ledger`] of the facts it touches: how many outcomes linked each fact
//! before (one index lookup, the first time the fact is seen) and how many it adds or removes. A fact that
//! gains its first source adds its value to its cell; one that loses its last source takes it away. The
//! cells' changes are applied to the stored cells when everything the ledger counted is committed.
//!
//! Crash safety: a build marks the rollups stale (`pk:rollupsStale true`) before it writes, and marks them
//! current (`false`) when it has applied its changes. A build or remove that finds them stale, or missing
//! from a store that holds documents (loaded by another tool), recomputes every cell from the document
//! graphs ([`recompute`]) instead of applying changes to cells that may have missed some.

mod decimal;

pub use decimal::{format_fixed, parse_fixed};

use crate::facts::{Cell, FactLink};
use crate::model::{metric_iri, Iris};
use crate::store::{KgStore, StoreError};
use crate::vocab::{pk, rdf, xsd};
use oxigraph::model::{GraphName, GraphNameRef, Literal, NamedNode, NamedOrBlankNode, Quad, Term};
use std::collections::{BTreeMap, HashMap, HashSet};

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

/// The facts and cells a build or remove changes, not yet applied to the rollups.
#[derive(Debug, Default)]
pub struct Ledger {
    facts: HashMap<NamedNode, FactEntry>,
    documents: HashMap<Cell, i64>,
    /// Facts without a cell (percentages: listed, never summed) that gained or lost a source.
    listed: HashSet<NamedNode>,
}

impl Ledger {
    pub fn is_empty(&self) -> bool {
        self.facts.is_empty() && self.documents.is_empty() && self.listed.is_empty()
    }

    /// A document's outcomes gained (`sign` 1) or lost (`sign` -1) their links. `look_up` says whether the
    /// store may already hold links to these facts (not in a fresh store before its first commit).
    pub fn record(&mut self, kg: &KgStore, links: &[FactLink], sign: i64, look_up: bool) -> Result<(), StoreError> {
        let mut cells = HashSet::new();
        for link in links {
            if !self.facts.contains_key(&link.fact) {
                let before = if look_up { stored_links(kg, &link.fact)? } else { 0 };
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

fn rollups(iris: &Iris) -> GraphName {
    GraphName::NamedNode(iris.rollups_graph())
}

fn state_quad(iris: &Iris, stale: bool) -> Quad {
    Quad::new(iris.rollups_graph(), pk::ROLLUPS_STALE, Literal::from(stale), rollups(iris))
}

/// Whether the rollups can be trusted: `Current` (the last write applied its changes), `Stale` (a build
/// stopped before it applied them), or `Missing` (never computed: a new store, or one loaded by another
/// tool, such as Oxigraph's bulk loader from `policekg extract` output).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Current,
    Stale,
    Missing,
}

pub fn state(kg: &KgStore, iris: &Iris) -> Result<State, StoreError> {
    let has = |stale| kg.oxigraph().contains(&state_quad(iris, stale)).map_err(|e| kg.storage_error(e));
    Ok(if has(true)? {
        State::Stale
    } else if has(false)? {
        State::Current
    } else {
        State::Missing
    })
}

/// Whether the rollups must be recomputed from the documents before they can be kept up to date.
pub fn needs_recompute(kg: &KgStore, iris: &Iris) -> Result<bool, StoreError> {
    Ok(match state(kg, iris)? {
        State::Current => false,
        State::Stale => true,
        State::Missing => kg.has_documents()?,
    })
}

/// Whether a build stopped before it applied its changes to the rollups.
pub fn is_stale(kg: &KgStore, iris: &Iris) -> Result<bool, StoreError> {
    Ok(state(kg, iris)? == State::Stale)
}

/// Marks the rollups stale until [`apply`] or [`recompute`] marks them current.
pub fn mark_stale(kg: &KgStore, iris: &Iris) -> Result<(), StoreError> {
    let err = |e| kg.storage_error(e);
    let mut t = kg.oxigraph().start_transaction().map_err(err)?;
    t.remove(&state_quad(iris, false));
    t.insert(&state_quad(iris, true));
    t.commit().map_err(err)
}

fn mark_current(t: &mut oxigraph::store::Transaction<'_>, iris: &Iris) {
    t.remove(&state_quad(iris, true));
    t.insert(&state_quad(iris, false));
}

/// Whether the store holds any rollup cell.
pub fn has_cells(kg: &KgStore, iris: &Iris) -> Result<bool, StoreError> {
    let g = iris.rollups_graph();
    match kg.oxigraph().quads_for_pattern(None, Some(pk::TOTAL), None, Some(GraphNameRef::NamedNode(g.as_ref()))).next()
    {
        Some(q) => q.map(|_| true).map_err(|e| kg.storage_error(e)),
        None => Ok(false),
    }
}

/// The quads of one cell with its measures.
fn cell_quads(iris: &Iris, cell: &Cell, m: &Measures) -> Vec<Quad> {
    let c = cell.iri(iris);
    let g = rollups(iris);
    let mut q = vec![Quad::new(c.clone(), rdf::TYPE, pk::ROLLUP, g.clone())];
    if let Some(a) = &cell.agency {
        q.push(Quad::new(c.clone(), pk::ROLLUP_AGENCY, a.clone(), g.clone()));
    }
    if let Some(k) = &cell.campaign {
        q.push(Quad::new(c.clone(), pk::ROLLUP_CAMPAIGN, k.clone(), g.clone()));
    }
    q.push(Quad::new(c.clone(), pk::ROLLUP_METRIC, metric_iri(&cell.metric), g.clone()));
    q.push(Quad::new(c.clone(), pk::ROLLUP_UNIT, Literal::new_simple_literal(&cell.unit), g.clone()));
    q.extend(measure_quads(&c, m, &g));
    q
}

fn measure_quads(c: &NamedNode, m: &Measures, g: &GraphName) -> [Quad; 3] {
    [
        Quad::new(c.clone(), pk::TOTAL, Literal::new_typed_literal(format_fixed(m.total), xsd::DECIMAL), g.clone()),
        Quad::new(c.clone(), pk::FACT_COUNT, Literal::new_typed_literal(m.facts.to_string(), xsd::INTEGER), g.clone()),
        Quad::new(
            c.clone(),
            pk::DOCUMENT_COUNT,
            Literal::new_typed_literal(m.documents.to_string(), xsd::INTEGER),
            g.clone(),
        ),
    ]
}

/// The stored measures of a cell, if it is stored.
fn stored_measures(kg: &KgStore, iris: &Iris, cell: &NamedNode) -> Result<Option<Measures>, StoreError> {
    let g = iris.rollups_graph();
    let g = GraphNameRef::NamedNode(g.as_ref());
    let value = |p| -> Result<Option<String>, StoreError> { crate::dedup::literal(kg, cell.as_ref(), p, g) };
    let Some(total) = value(pk::TOTAL)? else { return Ok(None) };
    Ok(Some(Measures {
        total: parse_fixed(&total).unwrap_or(0),
        facts: value(pk::FACT_COUNT)?.and_then(|v| v.parse().ok()).unwrap_or(0),
        documents: value(pk::DOCUMENT_COUNT)?.and_then(|v| v.parse().ok()).unwrap_or(0),
    }))
}

/// What applying a write's changes does to the stored cells.
#[derive(Debug, Default)]
pub struct Plan {
    pub remove: Vec<Quad>,
    pub insert: Vec<Quad>,
    /// Each changed cell with its measures afterwards (`None`: the cell is gone).
    pub cells: Vec<(Cell, Option<Measures>)>,
}

/// What to remove and insert to apply `changes` to the stored cells.
pub fn plan(kg: &KgStore, iris: &Iris, changes: &HashMap<Cell, Measures>) -> Result<Plan, StoreError> {
    let mut plan = Plan::default();
    let look_up = has_cells(kg, iris)?;
    for (cell, change) in changes {
        let c = cell.iri(iris);
        let old = if look_up { stored_measures(kg, iris, &c)? } else { None };
        let mut new = old.unwrap_or_default();
        new += *change;
        match old {
            Some(old) if new.facts <= 0 => plan.remove.extend(cell_quads(iris, cell, &old)),
            Some(old) => {
                plan.remove.extend(measure_quads(&c, &old, &rollups(iris)));
                plan.insert.extend(measure_quads(&c, &new, &rollups(iris)));
            }
            None if new.facts > 0 => plan.insert.extend(cell_quads(iris, cell, &new)),
            None => {}
        }
        plan.cells.push((cell.clone(), (new.facts > 0).then_some(new)));
    }
    Ok(plan)
}

/// Applies a build's changes and marks the rollups current: with the bulk loader into a store without cells,
/// else in one transaction. Returns the changed cells with their new measures.
pub fn apply(
    kg: &KgStore,
    iris: &Iris,
    changes: &HashMap<Cell, Measures>,
) -> Result<Vec<(Cell, Option<Measures>)>, StoreError> {
    let err = |e| kg.storage_error(e);
    let Plan { remove, insert, cells } = plan(kg, iris, changes)?;
    if remove.is_empty() && insert.len() > 100_000 {
        let mut loader = kg.oxigraph().bulk_loader();
        loader.load_quads(insert).map_err(err)?;
        loader.commit().map_err(err)?;
        let mut t = kg.oxigraph().start_transaction().map_err(err)?;
        mark_current(&mut t, iris);
        t.commit().map_err(err)?;
        return Ok(cells);
    }
    let mut t = kg.oxigraph().start_transaction().map_err(err)?;
    for q in &remove {
        t.remove(q);
    }
    t.extend(&insert);
    mark_current(&mut t, iris);
    t.commit().map_err(err)?;
    Ok(cells)
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

/// The cells as stored.
pub fn stored_cells(kg: &KgStore, iris: &Iris) -> Result<BTreeMap<Cell, Measures>, StoreError> {
    let g = iris.rollups_graph();
    let graph = GraphNameRef::NamedNode(g.as_ref());
    let mut cells = BTreeMap::new();
    for q in kg.oxigraph().quads_for_pattern(None, Some(rdf::TYPE), Some(pk::ROLLUP.into()), Some(graph)) {
        let NamedOrBlankNode::NamedNode(c) = q.map_err(|e| kg.storage_error(e))?.subject else { continue };
        let object = |p| -> Result<Option<Term>, StoreError> {
            match kg.oxigraph().quads_for_pattern(Some(c.as_ref().into()), Some(p), None, Some(graph)).next() {
                Some(q) => Ok(Some(q.map_err(|e| kg.storage_error(e))?.object)),
                None => Ok(None),
            }
        };
        let node = |t: Option<Term>| match t {
            Some(Term::NamedNode(n)) => Some(n),
            _ => None,
        };
        let metric = node(object(pk::ROLLUP_METRIC)?)
            .and_then(|m| m.as_str().strip_prefix(&format!("{}metric_", pk::NS)).map(str::to_owned))
            .unwrap_or_default();
        let unit = match object(pk::ROLLUP_UNIT)? {
            Some(Term::Literal(l)) => l.value().to_owned(),
            _ => String::new(),
        };
        let cell = Cell {
            agency: node(object(pk::ROLLUP_AGENCY)?),
            campaign: node(object(pk::ROLLUP_CAMPAIGN)?),
            metric,
            unit,
        };
        if let Some(m) = stored_measures(kg, iris, &c)? {
            cells.insert(cell, m);
        }
    }
    Ok(cells)
}

/// Replaces every cell with cells computed from the document graphs, and marks the rollups current.
pub fn recompute(kg: &KgStore, iris: &Iris) -> Result<(), StoreError> {
    let cells = compute_from_documents(kg)?;
    let err = |e| kg.storage_error(e);
    let g = iris.rollups_graph();
    let mut t = kg.oxigraph().start_transaction().map_err(err)?;
    t.remove_named_graph(g.as_ref()).map_err(err)?;
    for (cell, m) in &cells {
        t.extend(&cell_quads(iris, cell, m));
    }
    mark_current(&mut t, iris);
    t.commit().map_err(err)
}
