//! The store stage: the Oxigraph on-disk (RocksDB) store, written one document graph at a time.
//!
//! Every document's quads live in the document's named graph, and every write is atomic: a bulk load's
//! commit adds whole new documents, a transaction replaces a stored document's graph whole (see
//! [`DocumentWriter`]). A crash or Ctrl-C leaves each document either fully old or fully new, and
//! re-building the same input changes nothing.
//!
//! Many readers or one writer, across processes. RocksDB lets one process open a store read-write, and
//! opening it read-only while another process writes it is undefined, so every policekg process first
//! takes an advisory lock on `DIR/policekg.lock`: shared to read (`query`, `export`, `graph`, `validate`,
//! a read-only `serve`, any number at once), exclusive to write (`build`, `remove`, `serve --writable`).
//! Whoever finds the lock taken stops with [`StoreError::Busy`] after at most `LOCK_PATIENCE`, never
//! waits longer and never reads a half-written store.

use crate::model::{DocumentGraph, Iris};
use crate::vocab::{pk, ONTOLOGY_GRAPH};
use oxigraph::io::RdfFormat;
use oxigraph::model::{GraphName, GraphNameRef, NamedNode, NamedNodeRef, NamedOrBlankNode, Quad, Term};
use oxigraph::store::{BulkLoader, StorageError, Store};
use std::collections::HashSet;
use std::fs::{File, OpenOptions, TryLockError};
use std::hash::{BuildHasher, RandomState};
use std::path::{Path, PathBuf};

/// The advisory lock file in a store directory (see the module documentation).
pub const LOCK_FILE: &str = "policekg.lock";

/// The ontology, compiled in so that every store carries the terms its data uses.
pub const ONTOLOGY_TTL: &str = include_str!("../ontology/policekg.ttl");

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    #[error("store {path}: another policekg process {holder}; wait for it to finish, or stop it, and try again")]
    Busy { path: PathBuf, holder: &'static str },
    #[error("store {path}: cannot open: {source}")]
    Open {
        path: PathBuf,
        #[source]
        source: StorageError,
    },
    #[error("store {path}: {source}")]
    Storage {
        path: PathBuf,
        #[source]
        source: StorageError,
    },
    #[error("store {path}: cannot load the ontology: {reason}")]
    Ontology { path: PathBuf, reason: String },
    #[error("the {0} stopped unexpectedly (a bug: please report it)")]
    Panicked(&'static str),
    #[error("view {path}: {source}")]
    Views {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// A policekg knowledge graph on disk.
pub struct KgStore {
    store: Store,
    path: PathBuf,
    /// The advisory lock held while the store is open (none in memory, or on a read-only medium).
    _lock: Option<File>,
}

/// What a process wants to do with a store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Access {
    Read,
    Write,
}

/// Who holds the store, as far as a refused opener can tell.
const HELD_BY_A_WRITER: &str = "is writing it (a build, a remove or a writable server)";
const HELD_BY_ANYONE: &str = "has it open (a build, or a query, export or server reading it)";

/// Takes the advisory lock of the store in `dir`, shared to read or exclusive to write.
fn lock(dir: &Path, access: Access) -> Result<Option<File>, StoreError> {
    let open_error = |e: std::io::Error| StoreError::Open { path: dir.to_owned(), source: StorageError::Io(e) };
    let file = match OpenOptions::new().create(true).truncate(false).write(true).open(dir.join(LOCK_FILE)) {
        Ok(file) => file,
        // A store on a read-only medium or in someone else's directory: no process can write it through
        // this path, so a reader needs no lock.
        Err(e)
            if access == Access::Read
                && matches!(
                    e.kind(),
                    std::io::ErrorKind::PermissionDenied | std::io::ErrorKind::ReadOnlyFilesystem
                ) =>
        {
            return Ok(None)
        }
        Err(e) => return Err(open_error(e)),
    };
    // A lock can outlive its holder by a moment: a process that forks shares the lock with the child until
    // the child execs. So a taken lock is tried again for a short, bounded while before giving up.
    let give_up = std::time::Instant::now() + LOCK_PATIENCE;
    loop {
        let taken = match access {
            Access::Read => file.try_lock_shared(),
            Access::Write => file.try_lock(),
        };
        match taken {
            Ok(()) => return Ok(Some(file)),
            Err(TryLockError::WouldBlock) if std::time::Instant::now() < give_up => {
                std::thread::sleep(std::time::Duration::from_millis(25))
            }
            Err(TryLockError::WouldBlock) => {
                return Err(StoreError::Busy {
                    path: dir.to_owned(),
                    holder: if access == Access::Read { HELD_BY_A_WRITER } else { HELD_BY_ANYONE },
                })
            }
            Err(TryLockError::Error(e)) => return Err(open_error(e)),
        }
    }
}

/// How long a taken store lock is tried again before the opener is told the store is busy.
const LOCK_PATIENCE: std::time::Duration = std::time::Duration::from_secs(1);

/// Removes the temporary files of a bulk load that a killed build left behind (Oxigraph writes them as
/// `bulk-*.sst` in the store directory and deletes them once RocksDB has ingested them, or on failure).
/// Only called by the exclusive writer, so no bulk load is running.
fn remove_stale_bulk_files(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with("bulk-") && name.ends_with(".sst") {
            // Best effort: a leftover only costs disk space.
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Whether a named graph is a document's: not the ontology's, nor a shared graph.
fn is_document_graph(graph: &NamedOrBlankNode) -> bool {
    !matches!(graph, NamedOrBlankNode::NamedNode(n) if n.as_str() == ONTOLOGY_GRAPH || is_derived_graph(n.as_str()))
}

/// The graphs every document shares: entities, re-post versions, the views' stamp (`Iris::*_graph`, any base).
fn is_derived_graph(iri: &str) -> bool {
    ["/graph/entities", "/graph/versions", "/graph/views"].iter().any(|g| iri.ends_with(g))
}

/// What is recorded of a document already in the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFingerprint {
    pub content_hash: String,
    pub extractor_version: String,
}

impl KgStore {
    /// Opens (creating if needed) the store in `dir` for reading and writing; the one writer.
    pub fn open(dir: &Path) -> Result<Self, StoreError> {
        let open_error = |source| StoreError::Open { path: dir.to_owned(), source };
        if dir.exists() && !dir.is_dir() {
            return Err(open_error(StorageError::Other("exists and is not a directory".into())));
        }
        std::fs::create_dir_all(dir).map_err(|e| open_error(StorageError::Io(e)))?;
        let lock = lock(dir, Access::Write)?;
        remove_stale_bulk_files(dir);
        let store = Store::open(dir).map_err(|source| {
            let text = source.to_string();
            // Held by a process that does not take our lock (another Oxigraph program).
            if text.contains("LOCK") || text.contains("lock") {
                StoreError::Busy { path: dir.to_owned(), holder: HELD_BY_ANYONE }
            } else {
                open_error(source)
            }
        })?;
        Ok(Self { store, path: dir.to_owned(), _lock: lock })
    }

    /// Opens an existing store to write it; a missing directory is an error rather than a new empty store.
    pub fn open_existing(dir: &Path) -> Result<Self, StoreError> {
        Self::must_exist(dir)?;
        Self::open(dir)
    }

    /// Opens an existing store to read it, beside any number of other readers.
    pub fn open_read_only(dir: &Path) -> Result<Self, StoreError> {
        Self::must_exist(dir)?;
        let lock = lock(dir, Access::Read)?;
        let store = Store::open_read_only(dir).map_err(|source| StoreError::Open { path: dir.to_owned(), source })?;
        Ok(Self { store, path: dir.to_owned(), _lock: lock })
    }

    fn must_exist(dir: &Path) -> Result<(), StoreError> {
        if dir.join("CURRENT").exists() {
            return Ok(());
        }
        Err(StoreError::Open {
            path: dir.to_owned(),
            source: StorageError::Other("no policekg store here (run `policekg build ... --store DIR` first)".into()),
        })
    }

    /// A store in memory, for tests and for one-shot extraction.
    pub fn in_memory() -> Result<Self, StoreError> {
        let path = PathBuf::from("(memory)");
        let store = Store::new().map_err(|source| StoreError::Open { path: path.clone(), source })?;
        Ok(Self { store, path, _lock: None })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether the store is a directory on disk (not in memory).
    pub fn is_on_disk(&self) -> bool {
        self.path.is_dir()
    }

    /// The Oxigraph store, for querying and dumping.
    pub fn oxigraph(&self) -> &Store {
        &self.store
    }

    pub(crate) fn storage_error(&self, source: StorageError) -> StoreError {
        StoreError::Storage { path: self.path.clone(), source }
    }

    /// Replaces the ontology graph with the compiled-in ontology, unless it is already identical.
    pub fn install_ontology(&self) -> Result<(), StoreError> {
        let graph = NamedNodeRef::new_unchecked(ONTOLOGY_GRAPH);
        let parsed: Vec<_> = oxigraph::io::RdfParser::from_format(RdfFormat::Turtle)
            .with_default_graph(graph)
            .for_slice(ONTOLOGY_TTL.as_bytes())
            .collect::<Result<_, _>>()
            .map_err(|e| StoreError::Ontology { path: self.path.clone(), reason: e.to_string() })?;
        let stored = self.store.quads_for_pattern(None, None, None, Some(graph.into())).count();
        if stored == parsed.len() && parsed.iter().all(|q| self.store.contains(q).unwrap_or(false)) {
            return Ok(());
        }
        let mut t = self.store.start_transaction().map_err(|e| self.storage_error(e))?;
        t.remove_named_graph(graph).map_err(|e| self.storage_error(e))?;
        t.extend(&parsed);
        t.commit().map_err(|e| self.storage_error(e))
    }

    /// The content hash and extractor version recorded for a document, if it is in the store.
    pub fn fingerprint(&self, iris: &Iris, id: &str) -> Result<Option<StoredFingerprint>, StoreError> {
        let doc = iris.document(id);
        let graph = GraphNameRef::NamedNode(doc.as_ref());
        let value = |p: NamedNodeRef<'_>| -> Result<Option<String>, StoreError> {
            match self.store.quads_for_pattern(Some(doc.as_ref().into()), Some(p), None, Some(graph)).next() {
                Some(Ok(q)) => Ok(match q.object {
                    Term::Literal(l) => Some(l.value().to_owned()),
                    _ => None,
                }),
                Some(Err(e)) => Err(self.storage_error(e)),
                None => Ok(None),
            }
        };
        match (value(pk::CONTENT_HASH)?, value(pk::EXTRACTOR_VERSION)?) {
            (Some(content_hash), Some(extractor_version)) => {
                Ok(Some(StoredFingerprint { content_hash, extractor_version }))
            }
            _ => Ok(None),
        }
    }

    /// Whether any document graph is stored (any named graph besides the ontology's).
    pub fn has_documents(&self) -> Result<bool, StoreError> {
        for g in self.store.named_graphs() {
            if is_document_graph(&g.map_err(|e| self.storage_error(e))?) {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// A writer of document graphs: see [`DocumentWriter`]. `shared` is the graph of the shared entity
    /// descriptions, `bulk_commit_docs` how many new documents a bulk load gathers before it commits.
    pub fn document_writer(&self, shared: GraphName, bulk: bool, bulk_commit_docs: usize) -> DocumentWriter<'_> {
        DocumentWriter {
            kg: self,
            shared,
            bulk,
            bulk_commit_docs: bulk_commit_docs.max(1),
            loader: None,
            pending: HashSet::new(),
            shared_written: SharedQuadsWritten::default(),
            shared_pending: HashSet::new(),
            pending_quads: 0,
        }
    }

    /// Writes a batch of documents in one transaction: each document's graph is replaced whole.
    pub fn replace_documents(&self, docs: &[DocumentGraph]) -> Result<(), StoreError> {
        let mut t = self.store.start_transaction().map_err(|e| self.storage_error(e))?;
        for doc in docs {
            t.remove_named_graph(doc.graph.as_ref()).map_err(|e| self.storage_error(e))?;
            for q in &doc.retract {
                t.remove(q);
            }
            t.extend(&doc.quads);
        }
        t.commit().map_err(|e| self.storage_error(e))
    }

    /// Number of quads in the store.
    pub fn len(&self) -> Result<usize, StoreError> {
        self.store.len().map_err(|e| self.storage_error(e))
    }

    pub fn is_empty(&self) -> Result<bool, StoreError> {
        self.store.is_empty().map_err(|e| self.storage_error(e))
    }

    /// The named graphs of documents (every graph but the ontology's), sorted.
    pub fn document_graphs(&self) -> Result<Vec<NamedOrBlankNode>, StoreError> {
        let mut graphs = Vec::new();
        for g in self.store.named_graphs() {
            let g = g.map_err(|e| self.storage_error(e))?;
            if is_document_graph(&g) {
                graphs.push(g);
            }
        }
        graphs.sort_by_key(|a| a.to_string());
        Ok(graphs)
    }

    /// Merges the store's files (a full RocksDB compaction). Bulk loads leave many overlapping files that
    /// every index lookup visits until they are merged, and a process that ends right after a load leaves
    /// them unmerged: on a store of 30,000 documents a join over the outcomes took 20 s before and 2.4 s
    /// after. Crash-safe like any RocksDB compaction.
    pub fn compact(&self) -> Result<(), StoreError> {
        self.store.optimize().map_err(|e| self.storage_error(e))
    }

    /// Flushes and checks the store on disk (RocksDB's own consistency checks).
    pub fn validate_storage(&self) -> Result<(), StoreError> {
        self.store.validate().map_err(|e| self.storage_error(e))
    }
}

/// Writes the documents of a build, each whole or not at all, the fastest safe way.
///
/// Documents new to the store go through one Oxigraph bulk load that gathers `bulk_commit_docs` documents
/// (their quads are sorted into files on disk as they come, so memory does not grow) and then commits them
/// all at once, atomically. Few large commits matter at scale: every commit lands in RocksDB as files
/// overlapping the whole key space, which its compaction then merges with everything stored, so the cost
/// of many small commits grows with the size of the store. Documents already stored are replaced in a
/// transaction, after the open bulk load has committed.
///
/// Each document restates the description of the agencies, places and campaigns it mentions (so that each
/// document graph is whole on its own); those quads go to the one shared graph, where the writer writes each
/// only once per build: on a large corpus a fifth of all quads were such repeats.
pub struct DocumentWriter<'a> {
    kg: &'a KgStore,
    shared: GraphName,
    bulk: bool,
    bulk_commit_docs: usize,
    loader: Option<BulkLoader<'a>>,
    /// The document graphs in the open bulk load.
    pending: HashSet<NamedNode>,
    /// Shared quads committed, and those in the open bulk load.
    shared_written: SharedQuadsWritten,
    shared_pending: HashSet<u128>,
    /// Quads in the open bulk load.
    pending_quads: usize,
}

/// What a write made durable.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Committed {
    pub documents: usize,
    pub quads: usize,
}

impl std::ops::AddAssign for Committed {
    fn add_assign(&mut self, other: Self) {
        self.documents += other.documents;
        self.quads += other.quads;
    }
}

impl DocumentWriter<'_> {
    /// Writes a batch of documents (when an id occurs more than once, its last version); returns what is
    /// now committed that was not before (new documents wait in the bulk load until it is full).
    pub fn write(&mut self, docs: Vec<DocumentGraph>) -> Result<Committed, StoreError> {
        let mut committed = Committed::default();
        let mut last = std::collections::HashMap::with_capacity(docs.len());
        for (i, d) in docs.iter().enumerate() {
            last.insert(d.graph.clone(), i);
        }
        // A document already in the open bulk load is written again: commit the load, then replace it.
        if docs.iter().any(|d| self.pending.contains(&d.graph)) {
            committed += self.commit()?;
        }
        let (mut fresh, mut stored) = (Vec::new(), Vec::new());
        for (i, d) in docs.into_iter().enumerate() {
            if last.get(&d.graph) != Some(&i) {
                continue;
            }
            let in_store =
                self.kg.store.contains_named_graph(d.graph.as_ref()).map_err(|e| self.kg.storage_error(e))?;
            if self.bulk && !in_store {
                fresh.push(d);
            } else {
                stored.push(d);
            }
        }
        if !stored.is_empty() {
            // Nothing of a transaction may rest on quads of an uncommitted load.
            committed += self.commit()?;
            let quads = self.drop_shared_written(&mut stored, false);
            self.kg.replace_documents(&stored)?;
            self.shared_written.extend(std::mem::take(&mut self.shared_pending));
            committed += Committed { documents: stored.len(), quads };
        }
        if !fresh.is_empty() {
            let quads = self.drop_shared_written(&mut fresh, true);
            let kg = self.kg;
            let loader = self.loader.get_or_insert_with(|| kg.store.bulk_loader());
            self.pending.extend(fresh.iter().map(|d| d.graph.clone()));
            loader.load_quads(fresh.into_iter().flat_map(|d| d.quads)).map_err(|e| self.kg.storage_error(e))?;
            self.pending_quads += quads;
        }
        if self.pending.len() >= self.bulk_commit_docs {
            committed += self.commit()?;
        }
        Ok(committed)
    }

    /// Documents waiting in the open bulk load (not yet visible in the store).
    pub fn pending_documents(&self) -> usize {
        self.pending.len()
    }

    /// Commits the open bulk load, if any.
    pub fn commit(&mut self) -> Result<Committed, StoreError> {
        let Some(loader) = self.loader.take() else { return Ok(Committed::default()) };
        loader.commit().map_err(|e| self.kg.storage_error(e))?;
        self.shared_written.extend(std::mem::take(&mut self.shared_pending));
        let done = Committed { documents: self.pending.len(), quads: self.pending_quads };
        self.pending.clear();
        self.pending_quads = 0;
        Ok(done)
    }

    /// Removes from `docs` the shared quads already written (or pending in the open load when `to_load`)
    /// and the repeats among `docs`; the ones left are pending until committed. Returns the quads left.
    fn drop_shared_written(&mut self, docs: &mut [DocumentGraph], to_load: bool) -> usize {
        let (written, pending, shared) = (&self.shared_written, &mut self.shared_pending, &self.shared);
        debug_assert!(to_load || pending.is_empty(), "a transaction never follows an uncommitted load");
        let mut quads = 0;
        for d in docs.iter_mut() {
            d.quads.retain(|q| {
                if &q.graph_name != shared {
                    return true;
                }
                let f = written.fingerprint(q);
                !written.seen.contains(&f) && pending.insert(f)
            });
            quads += d.quads.len();
        }
        quads
    }
}

/// Fingerprints of the shared quads a build has committed.
#[derive(Debug, Default)]
struct SharedQuadsWritten {
    /// 128-bit fingerprints (two independently keyed SipHashes): a false match, which would drop a quad,
    /// has a probability near 2^-128 per pair.
    seen: HashSet<u128>,
    keys: (RandomState, RandomState),
}

impl SharedQuadsWritten {
    /// Fingerprints kept at most (~16 bytes each); past it the set starts afresh, which only costs repeats.
    const CAPACITY: usize = 4_000_000;

    fn fingerprint(&self, quad: &Quad) -> u128 {
        (u128::from(self.keys.0.hash_one(quad)) << 64) | u128::from(self.keys.1.hash_one(quad))
    }

    fn extend(&mut self, committed: HashSet<u128>) {
        if self.seen.len() + committed.len() > Self::CAPACITY {
            self.seen.clear();
        }
        self.seen.extend(committed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use oxigraph::model::QuadRef;

    fn n(s: &str) -> NamedNode {
        NamedNode::new_unchecked(format!("http://e/{s}"))
    }

    fn shared() -> GraphName {
        GraphName::NamedNode(n("entities"))
    }

    /// A document stating `o` of each subject in its own graph, and restating it in the shared graph.
    fn doc(id: &str, subjects: &[&str]) -> DocumentGraph {
        let own = GraphName::NamedNode(n(id));
        let quads = subjects
            .iter()
            .flat_map(|s| [Quad::new(n(s), n("p"), n("o"), shared()), Quad::new(n(s), n("p"), n("o"), own.clone())])
            .collect();
        DocumentGraph { id: id.into(), graph: n(id), quads, identity: Default::default(), retract: Vec::new() }
    }

    fn subjects_in(kg: &KgStore, graph: &str) -> Vec<String> {
        let g = n(graph);
        let mut found: Vec<String> = kg
            .store
            .quads_for_pattern(None, None, None, Some(GraphNameRef::NamedNode(g.as_ref())))
            .map(|q| q.unwrap().subject.to_string().replace("http://e/", ""))
            .collect();
        found.sort();
        found
    }

    #[test]
    fn new_documents_wait_in_the_bulk_load_and_commit_together() {
        let kg = KgStore::in_memory().unwrap();
        let mut w = kg.document_writer(shared(), true, 3);
        assert_eq!(w.write(vec![doc("d1", &["a", "b"]), doc("d2", &["b", "c"])]).unwrap(), Committed::default());
        assert!(kg.is_empty().unwrap(), "nothing is visible before the commit");
        // The third document fills the load: all three commit at once. The shared b is written once.
        let done = w.write(vec![doc("d3", &["a"])]).unwrap();
        assert_eq!(done, Committed { documents: 3, quads: 4 + 3 + 1 });
        assert_eq!(subjects_in(&kg, "entities"), ["<a>", "<b>", "<c>"]);
        assert_eq!(subjects_in(&kg, "d2"), ["<b>", "<c>"], "a document's own quads are all written");
        assert_eq!(w.commit().unwrap(), Committed::default(), "nothing left to commit");
    }

    #[test]
    fn a_document_written_again_is_replaced_whole_even_while_its_load_is_open() {
        let kg = KgStore::in_memory().unwrap();
        let mut w = kg.document_writer(shared(), true, 100);
        w.write(vec![doc("d1", &["a", "b"])]).unwrap();
        // d1 again, while its first version waits in the load: the load commits, then d1 is replaced.
        let done = w.write(vec![doc("d1", &["c"]), doc("d2", &["d"])]).unwrap();
        assert_eq!(done.documents, 2, "the first d1 and the new d1; d2 still waits");
        assert_eq!(subjects_in(&kg, "d1"), ["<c>"]);
        assert!(subjects_in(&kg, "d2").is_empty());
        w.commit().unwrap();
        assert_eq!(subjects_in(&kg, "d2"), ["<d>"]);
        // Shared descriptions stay: other documents may state them.
        assert_eq!(subjects_in(&kg, "entities"), ["<a>", "<b>", "<c>", "<d>"]);
        assert!(kg
            .store
            .contains(QuadRef::new(&n("d"), &n("p"), &n("o"), GraphNameRef::NamedNode(n("d2").as_ref())))
            .unwrap());
    }

    #[test]
    fn without_bulk_loading_every_batch_commits_at_once() {
        let kg = KgStore::in_memory().unwrap();
        let mut w = kg.document_writer(shared(), false, 100);
        let done = w.write(vec![doc("d1", &["a"]), doc("d2", &["a"])]).unwrap();
        assert_eq!(done, Committed { documents: 2, quads: 3 });
        assert_eq!(subjects_in(&kg, "d2"), ["<a>"]);
    }
}
