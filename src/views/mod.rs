//! Materialized views: the rows of the named queries that read the whole store (`outcomes-by-agency-campaign`,
//! `year-over-year`, `agency-hierarchy`, `totals-up-the-hierarchy`), kept at build and remove time in files
//! beside the store (`STORE/views/NAME.rows`), so that `policekg query NAME` reads its answer instead of
//! joining it.
//!
//! Why not the store: every IRI and every string of more than 16 bytes (a Chinese label of six characters)
//! that a query returns, or that a join goes through, costs Oxigraph a RocksDB lookup, about 10 µs on
//! this machine. At 20,000 documents `outcomes-by-agency-campaign` returns 187,000 rows with two labels
//! each: no join order brings that under a second (docs/benchmarks.md gives the probes).
//!
//! Each view is a map from a key to the rows it gives: a rollup cell (its measures are kept nowhere else:
//! see [`crate::rollup`]), a fact, an organisation. A write records the keys it touched ([`Touched`]) and
//! the cells' changes; after it has committed, [`refresh`] computes those keys' rows again by point lookups
//! ([`lookup`]) and rewrites the files. The SPARQL in `queries/` stays the
//! definition: `policekg query NAME --no-views` evaluates it, and tests/views.rs checks that both give
//! the same rows in the same order after builds, re-builds and removals.
//!
//! Consistency: the store holds a stamp (`pk:viewsStamp`, in the views graph) and each view file the
//! same stamp in its header. Every write removes the stamp from the store first; a refresh writes the
//! files with a new stamp, then stores it. So a view is read only when it describes the store as it is,
//! and a write that stopped half way, or a store loaded by another tool, leaves the named queries
//! evaluating their SPARQL until the next build rebuilds the views in full.

mod changes;
mod file;
mod hierarchy;
mod lookup;
mod outcomes;
mod totals;

use crate::facts::Cell;
use crate::model::{DocumentGraph, Iris};
use crate::rollup::{self, Measures};
use crate::store::{KgStore, StoreError};
use crate::vocab::{org, pk, rdf, rdfs};
use lookup::Lookup;
use oxigraph::model::{GraphName, Literal, NamedNode, NamedOrBlankNode, Quad, Term};
use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// One row of a view: a term per variable of the named query, `None` where it is unbound.
pub type Row = Vec<Option<Term>>;

/// Rows given as the values of each column, one row per combination (the solutions of patterns that
/// share no variable: a label per agency label, an unbound cell for an OPTIONAL that matched nothing).
/// Encoded by [`file::encode_product`] without building a row of terms each.
pub type Columns = Vec<Vec<Option<Term>>>;

/// What a view answers: the named query's name, its variables, and its ORDER BY and DISTINCT.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Spec {
    pub name: &'static str,
    pub variables: &'static [&'static str],
    /// The columns of ORDER BY, in order.
    pub order: &'static [usize],
    pub distinct: bool,
}

/// Every view, by the named query it answers. The totals up the hierarchy come last: they are derived from
/// the outcomes view's cells.
pub const VIEWS: [Spec; 4] = [outcomes::SPEC, changes::SPEC, hierarchy::SPEC, totals::SPEC];

/// The keys a write touched, whose rows must be computed again.
#[derive(Debug, Default)]
pub struct Touched {
    /// What the write stated of shared entities, kept when the store held nothing before: then it is all
    /// the store says of them, and the rows are computed without a lookup.
    described: Option<lookup::Descriptions>,
    /// Rollup cells with how the write changed their measures.
    cells: FxHashMap<Cell, Measures>,
    /// Facts reported as percentages (rate changes among them).
    facts: FxHashSet<NamedNode>,
    /// Subjects of descriptions written to the entities graph (agencies and units among them).
    organisations: FxHashSet<NamedNode>,
}

impl Touched {
    /// Keys for a write into `before`: a write into a blank store also keeps what it describes.
    pub fn new(before: &Before) -> Self {
        Self { described: before.blank.then(lookup::Descriptions::default), ..Self::default() }
    }

    /// Reads the store for every row: what the build wrote is no longer all the store says.
    pub fn forget_written(&mut self) {
        self.described = None;
    }

    pub fn cells(&mut self, changes: impl IntoIterator<Item = (Cell, Measures)>) {
        for (cell, change) in changes {
            *self.cells.entry(cell).or_default() += change;
        }
    }

    pub fn facts(&mut self, facts: impl IntoIterator<Item = NamedNode>) {
        self.facts.extend(facts);
    }

    /// What a document written by the build touches: the subjects of its shared descriptions (types,
    /// labels, levels, parents); in a blank store, also what the views read of it, kept in memory.
    pub fn document(&mut self, doc: &DocumentGraph, shared: &GraphName) {
        let describes = [rdf::TYPE, rdfs::LABEL, pk::LEVEL, org::SUB_ORGANIZATION_OF];
        for q in doc.quads.iter().filter(|q| &q.graph_name == shared && describes.contains(&q.predicate.as_ref())) {
            if let NamedOrBlankNode::NamedNode(s) = &q.subject {
                if !self.organisations.contains(s) {
                    self.organisations.insert(s.clone());
                }
            }
        }
        if let Some(written) = &mut self.described {
            written.add_document(doc, shared);
            if written.is_too_large() {
                // Memory stays bounded: past the cap, the rows are read from the store.
                self.described = None;
            }
        }
    }
}

/// The views' state before a write: read it before the write removes the stamp.
#[derive(Debug, Clone)]
pub struct Before {
    stamp: Option<String>,
    /// The store held no graph but the ontology's: the views start empty.
    blank: bool,
    /// Every view file describes the store as it is.
    current: bool,
}

impl Before {
    pub fn read(kg: &KgStore) -> Result<Self, StoreError> {
        let mut blank = true;
        for g in kg.oxigraph().named_graphs() {
            let g = g.map_err(|e| kg.storage_error(e))?;
            if !matches!(&g, NamedOrBlankNode::NamedNode(n) if n.as_str() == crate::vocab::ONTOLOGY_GRAPH) {
                blank = false;
                break;
            }
        }
        let stamp = stored_stamp(kg)?.map(|(_, s)| s);
        let mut current = stamp.is_some() && views_dir(kg).is_some();
        if let (Some(dir), Some(stamp)) = (views_dir(kg), &stamp) {
            let digest = definition_digest();
            for spec in VIEWS {
                current &= describes(&dir, &spec, &digest, stamp)?;
            }
        }
        Ok(Self { stamp, blank, current })
    }

    /// Whether the views, as they were, can be brought up to date by the write's changes alone.
    pub fn describes_store(&self) -> bool {
        self.blank || self.current
    }
}

/// Whether the file of `spec` in `dir` was written for this build's definitions and the store's `stamp`.
fn describes(dir: &Path, spec: &Spec, digest: &str, stamp: &str) -> Result<bool, StoreError> {
    let path = file::path(dir, spec);
    let header = file::read_header(&path).map_err(io_error(&path))?;
    Ok(header.is_some_and(|h| h.name == spec.name && h.ontology == digest && h.stamp == stamp))
}

/// The stamp quads to remove in a write's first transaction: from then on, no view is read.
pub fn invalidation(kg: &KgStore) -> Result<Vec<Quad>, StoreError> {
    Ok(stored_stamp(kg)?.map(|(q, _)| q).into_iter().collect())
}

/// Removes the stamp in a transaction of its own, before a write begins.
pub fn invalidate(kg: &KgStore) -> Result<(), StoreError> {
    let stamp = invalidation(kg)?;
    if stamp.is_empty() {
        return Ok(());
    }
    let err = |e| kg.storage_error(e);
    let mut t = kg.oxigraph().start_transaction().map_err(err)?;
    for q in &stamp {
        t.remove(q);
    }
    t.commit().map_err(err)
}

/// Whether every view describes the store as it is.
pub fn all_current(kg: &KgStore) -> Result<bool, StoreError> {
    for spec in VIEWS {
        if current(kg, spec.name)?.is_none() {
            return Ok(false);
        }
    }
    Ok(views_dir(kg).is_some())
}

fn stored_stamp(kg: &KgStore) -> Result<Option<(Quad, String)>, StoreError> {
    match kg.oxigraph().quads_for_pattern(None, Some(pk::VIEWS_STAMP), None, None).next() {
        None => Ok(None),
        Some(q) => {
            let q = q.map_err(|e| kg.storage_error(e))?;
            let stamp = match &q.object {
                Term::Literal(l) => l.value().to_owned(),
                other => other.to_string(),
            };
            Ok(Some((q, stamp)))
        }
    }
}

/// What a view file must say to be read with this build of policekg: the ontology and the queries the
/// rows were computed for.
fn definition_digest() -> String {
    let mut h = Sha256::new();
    h.update(crate::store::ONTOLOGY_TTL.as_bytes());
    for spec in VIEWS {
        h.update(crate::query::named_query(spec.name).map_or("", |q| q.text).as_bytes());
    }
    crate::model::hex(&h.finalize()[..8])
}

fn views_dir(kg: &KgStore) -> Option<PathBuf> {
    kg.is_on_disk().then(|| kg.path().join("views"))
}

fn io_error(path: &Path) -> impl Fn(std::io::Error) -> StoreError + '_ {
    move |source| StoreError::Views { path: path.to_owned(), source }
}

/// A write's refresh of the views, to run once its changes are committed.
#[derive(Debug)]
pub struct Pending {
    pub before: Before,
    pub touched: Touched,
    /// Compute every key's rows (the write kept no ledger of its changes).
    pub full: bool,
    /// The write changed the store (else current views are left as they are).
    pub wrote: bool,
}

impl Pending {
    pub fn run(self, kg: &KgStore, iris: &Iris) -> Result<(), StoreError> {
        if !self.wrote && all_current(kg)? {
            return Ok(());
        }
        refresh(kg, iris, &self.before, &self.touched, self.full)
    }
}

/// Computes the touched keys' rows again (every key's when `full`, or when the files do not describe the
/// store as it was before the write), writes the files, and stores their new stamp.
///
/// One view is in memory at a time (with the outcomes view's lines, which the totals are derived from):
/// each is written unsealed as soon as it is computed, and all are sealed with the stamp at the end.
pub fn refresh(kg: &KgStore, iris: &Iris, before: &Before, touched: &Touched, full: bool) -> Result<(), StoreError> {
    let Some(dir) = views_dir(kg) else { return Ok(()) };
    std::fs::create_dir_all(&dir).map_err(io_error(&dir))?;
    let refresh = Refresh { kg, before, touched, full, dir, digest: definition_digest() };
    // The stamp is a digest of what the views say: the same store gives the same stamp, whatever wrote it.
    let mut hasher = Sha256::new();
    hasher.update(refresh.digest.as_bytes());
    let blank_stamp = crate::model::hex(&[0; STAMP_BYTES]);
    let mut unsealed = Vec::new();
    let mut outcome_lines = None;
    for spec in VIEWS {
        let lines = refresh.lines(&spec, outcome_lines.as_ref())?;
        let path = file::path(&refresh.dir, &spec);
        let header =
            file::Header { name: spec.name.to_owned(), ontology: refresh.digest.clone(), stamp: blank_stamp.clone() };
        hasher.update(spec.name.as_bytes());
        let partial = file::write_unsealed(&path, &header, &spec, &lines, |l| hasher.update(l.as_bytes()))
            .map_err(io_error(&path))?;
        unsealed.push((partial, path, header));
        if spec == outcomes::SPEC {
            outcome_lines = Some(lines);
        }
    }
    drop(outcome_lines);
    let stamp = crate::model::hex(&hasher.finalize()[..STAMP_BYTES]);
    for (partial, path, header) in unsealed {
        file::seal(&partial, &path, &file::Header { stamp: stamp.clone(), ..header }).map_err(io_error(&path))?;
    }
    let err = |e| kg.storage_error(e);
    let mut t = kg.oxigraph().start_transaction().map_err(err)?;
    for q in invalidation(kg)? {
        t.remove(&q);
    }
    let graph = iris.views_graph();
    t.insert(&Quad::new(graph.clone(), pk::VIEWS_STAMP, Literal::new_simple_literal(stamp), graph));
    t.commit().map_err(err)
}

/// Bytes of the stamp's digest (written in hexadecimal).
const STAMP_BYTES: usize = 16;

/// What one refresh computes the views from.
struct Refresh<'a> {
    kg: &'a KgStore,
    before: &'a Before,
    touched: &'a Touched,
    full: bool,
    dir: PathBuf,
    digest: String,
}

impl Refresh<'_> {
    /// The lines of `spec` after the write. The totals are derived from `outcomes`, the outcomes view's.
    fn lines(&self, spec: &Spec, outcomes: Option<&file::KeyedLines>) -> Result<file::KeyedLines, StoreError> {
        if *spec == totals::SPEC {
            let described = if self.full { None } else { self.touched.described.as_ref() };
            return totals::derive(self.kg, described, outcomes.unwrap_or(&file::KeyedLines::default()));
        }
        let current = match &self.before.stamp {
            Some(stamp) => describes(&self.dir, spec, &self.digest, stamp)?,
            None => false,
        };
        // Only rows that described the store before the write are brought up to date key by key; any
        // other view is computed whole, touched keys included.
        if self.full || !(self.before.blank || current) {
            return all_lines(self.kg, spec);
        }
        let path = file::path(&self.dir, spec);
        let mut lines = if self.before.blank {
            file::KeyedLines::default()
        } else {
            file::read_keyed(&path).map_err(io_error(&path))?
        };
        update(self.kg, spec, self.touched, &mut lines)?;
        Ok(lines)
    }
}

/// Sets the lines of `key`: none removes the key.
fn set(lines: &mut file::KeyedLines, key: &str, new: Vec<file::Line>) {
    if new.is_empty() {
        lines.remove(key);
    } else {
        lines.insert(key.to_owned(), new);
    }
}

/// `f` of each key, computed in parallel (each thread with its own lookup cache): the lookups wait on the
/// store more than they compute.
fn rows_of<K: Sync, T: Send>(
    kg: &KgStore,
    described: Option<&lookup::Descriptions>,
    keys: &[K],
    f: impl Fn(&mut Lookup<'_>, &K) -> Result<T, StoreError> + Sync,
) -> Result<Vec<T>, StoreError> {
    keys.par_iter().map_init(|| Lookup::new(kg, described), |lookup, key| f(lookup, key)).collect()
}

/// The rows `f` gives of each key, encoded as they are computed (so no key's rows are held as terms).
fn lines_of<K: Sync>(
    kg: &KgStore,
    described: Option<&lookup::Descriptions>,
    keys: &[K],
    f: impl Fn(&mut Lookup<'_>, &K) -> Result<Vec<Columns>, StoreError> + Sync,
) -> Result<Vec<Vec<file::Line>>, StoreError> {
    rows_of(kg, described, keys, |lookup, key| {
        Ok(f(lookup, key)?.iter().flat_map(|c| file::encode_product(c)).collect())
    })
}

/// Sets the lines of every key (`key` names it in the file).
fn set_all<K>(out: &mut file::KeyedLines, keys: &[K], key: impl Fn(&K) -> String, lines: Vec<Vec<file::Line>>) {
    for (k, l) in keys.iter().zip(lines) {
        set(out, &key(k), l);
    }
}

fn update(kg: &KgStore, spec: &Spec, touched: &Touched, out: &mut file::KeyedLines) -> Result<(), StoreError> {
    let described = touched.described.as_ref();
    match spec.name {
        n if n == outcomes::SPEC.name => {
            // Each cell's measures: what its rows said before the write, changed by the write.
            let cells: Vec<(String, &Cell, Measures)> = touched
                .cells
                .iter()
                .map(|(cell, change)| {
                    let key = cell.key();
                    let mut m = out.get(&key).and_then(|lines| outcomes::measures(lines)).unwrap_or_default();
                    m += *change;
                    (key, cell, m)
                })
                .collect();
            let lines = lines_of(kg, described, &cells, |lookup, (_, cell, m)| match m.facts > 0 {
                true => outcomes::rows(lookup, cell, m),
                false => Ok(Vec::new()),
            })?;
            set_all(out, &cells, |(key, _, _)| key.clone(), lines);
        }
        n if n == changes::SPEC.name => {
            let facts: Vec<&NamedNode> = touched.facts.iter().collect();
            let lines = lines_of(kg, described, &facts, |lookup, fact| changes::rows(lookup, fact))?;
            set_all(out, &facts, |f| f.as_str().to_owned(), lines);
        }
        _ => {
            let subjects: Vec<&NamedNode> = touched.organisations.iter().collect();
            let dependants = rows_of(kg, described, &subjects, |lookup, o| hierarchy::dependants(lookup, o))?;
            let organisations: Vec<NamedNode> =
                dependants.into_iter().flatten().collect::<HashSet<_>>().into_iter().collect();
            let lines = lines_of(kg, described, &organisations, hierarchy::rows)?;
            set_all(out, &organisations, |o| o.as_str().to_owned(), lines);
        }
    }
    Ok(())
}

/// Every key's lines, computed from the store.
fn all_lines(kg: &KgStore, spec: &Spec) -> Result<file::KeyedLines, StoreError> {
    let mut out = file::KeyedLines::default();
    let lookup = Lookup::new(kg, None);
    match spec.name {
        n if n == outcomes::SPEC.name => {
            let cells: Vec<(Cell, Measures)> = rollup::compute_from_documents(kg)?.into_iter().collect();
            let lines = lines_of(kg, None, &cells, |lookup, (cell, m)| outcomes::rows(lookup, cell, m))?;
            set_all(&mut out, &cells, |(cell, _)| cell.key(), lines);
        }
        n if n == changes::SPEC.name => {
            let facts = changes::all_keys(&lookup)?;
            let lines = lines_of(kg, None, &facts, changes::rows)?;
            set_all(&mut out, &facts, |f| f.as_str().to_owned(), lines);
        }
        _ => {
            let organisations = hierarchy::all_keys(&lookup)?;
            let lines = lines_of(kg, None, &organisations, hierarchy::rows)?;
            set_all(&mut out, &organisations, |o| o.as_str().to_owned(), lines);
        }
    }
    Ok(out)
}

/// The measures of every rollup cell, by the cell's IRI, as the outcomes view holds them (`None` when it
/// does not describe the store).
pub fn outcome_measures(kg: &KgStore) -> Result<Option<BTreeMap<String, Measures>>, StoreError> {
    let Some((_, path)) = current(kg, outcomes::SPEC.name)? else { return Ok(None) };
    let lines = file::read_keyed(&path).map_err(io_error(&path))?;
    Ok(Some(lines.iter().filter_map(|(key, lines)| Some((key.clone(), outcomes::measures(lines)?))).collect()))
}

/// The view answering the named query `name`, when it describes the store as it is.
pub fn current(kg: &KgStore, name: &str) -> Result<Option<(Spec, PathBuf)>, StoreError> {
    let (Some(spec), Some(dir)) = (VIEWS.into_iter().find(|s| s.name == name), views_dir(kg)) else {
        return Ok(None);
    };
    let Some((_, stamp)) = stored_stamp(kg)? else { return Ok(None) };
    let fits = describes(&dir, &spec, &definition_digest(), &stamp)?;
    Ok(fits.then_some((spec, file::path(&dir, &spec))))
}

/// The rows of a view file in the query's order (without repeats for SELECT DISTINCT), read as they
/// are written out.
pub fn read_rows(spec: &Spec, path: &Path) -> Result<impl Iterator<Item = Result<Row, StoreError>>, StoreError> {
    let owned = path.to_owned();
    let mut previous: Option<Row> = None;
    let distinct = spec.distinct;
    let rows = file::stream_rows(path).map_err(io_error(path))?;
    Ok(rows.filter_map(move |row| match row {
        Err(source) => Some(Err(StoreError::Views { path: owned.clone(), source })),
        Ok(row) if distinct && previous.as_ref() == Some(&row) => None,
        Ok(row) => {
            if distinct {
                previous = Some(row.clone());
            }
            Some(Ok(row))
        }
    }))
}
