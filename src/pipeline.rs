//! The build pipeline: ingest -> extract -> model -> store, in bounded batches, two stages overlapped.
//!
//! ```text
//!  input stream --batches of B--> rayon: read, extract, quads --bounded queue (Q batches)--> writer thread
//!  (lazy iterator)                 (this thread + the pool)                                    (store::Document-
//!                                                                                               Writer)
//! ```
//!
//! Inputs are streamed: a batch of work (single-article files, or articles read from a JSONL stream) is
//! read, extracted and turned into quads in parallel (rayon), then handed to the writer thread over a
//! bounded channel, and the next batch is extracted while the previous one is written. At most
//! `B * (Q + 2)` documents are held at any time (one batch being extracted, `Q` queued, one being
//! written; a bulk load gathering many batches keeps them in sorted files on disk, not in memory), whatever
//! the corpus size: a JSONL stream of any length is built in constant memory.

use crate::facts::{self, Linker};
use crate::model::{content_hash, document_graph, DocumentGraph, Iris};
use crate::store::{Committed, DocumentWriter, KgStore, StoreError};
use crate::views;
use oxigraph::model::GraphName;
use policekg_extract::ingest::{self, Article, IngestError, InputKind};
use policekg_extract::{extract::EXTRACTOR_VERSION, Extractor};
use rayon::prelude::*;
use std::path::PathBuf;
use std::sync::mpsc::sync_channel;
use std::time::{Duration, Instant};

/// Batches extracted ahead of the writer (the bounded queue between the two stages).
pub const WRITE_QUEUE_BATCHES: usize = 1;

/// Where articles come from.
pub enum Source {
    /// Files and folders (walked recursively).
    Paths(Vec<PathBuf>),
    /// A JSONL stream, e.g. stdin; `origin` names it in messages.
    Jsonl { reader: Box<dyn std::io::BufRead + Send>, origin: String },
}

/// How to build.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    /// Re-extract documents whose content and extractor version are unchanged.
    pub force: bool,
    /// Documents read and extracted in parallel, then handed to the writer, at a time.
    pub batch_size: usize,
    /// Write documents new to the store with Oxigraph's bulk loader rather than in transactions;
    /// documents already stored are replaced in a transaction either way.
    pub bulk: bool,
    /// New documents a bulk load gathers before it commits them, atomically (see
    /// [`crate::store::DocumentWriter`]): fewer, larger commits cost less, as each is merged with
    /// everything stored; a build killed mid-way loses at most this many documents, which a re-run writes.
    pub bulk_commit_docs: usize,
    /// Compact the store at the end of a build that wrote documents (see [`KgStore::compact`]).
    pub compact: bool,
}

impl Default for BuildOptions {
    fn default() -> Self {
        Self { force: false, batch_size: 1000, bulk: true, bulk_commit_docs: 25_000, compact: true }
    }
}

/// What a build did.
#[derive(Debug, Clone, Default)]
pub struct BuildSummary {
    /// Articles read and extracted into the store.
    pub built: usize,
    /// Articles skipped because the store already holds them, unchanged.
    pub unchanged: usize,
    /// Inputs that could not be read, with the reason (each names its file).
    pub errors: Vec<String>,
    /// Quads written by this build.
    pub quads_written: usize,
    pub elapsed: Duration,
    /// Wall time of the reading and extraction stage (reading, fingerprint checks, extraction, quads).
    pub extracting: Duration,
    /// Wall time the writer spent writing and committing (it overlaps with `extracting`).
    pub writing: Duration,
    /// Wall time of the compaction that ends the build.
    pub compacting: Duration,
    /// Wall time of the views' refresh (it overlaps with `compacting`).
    pub refreshing: Duration,
}

/// Observer of a build's progress (the CLI draws a progress bar with it).
pub trait Progress: Sync {
    fn inputs_found(&self, _files: usize) {}
    /// Whether [`Progress::documents_expected`] is wanted: counting the documents of JSONL inputs costs
    /// one quick read of them before the build.
    fn wants_total(&self) -> bool {
        false
    }
    /// The number of documents the inputs hold (single-article files, plus non-blank JSONL lines), when
    /// it is known before the build: progress can then show a percentage and an estimated time left.
    fn documents_expected(&self, _documents: u64) {}
    /// `articles` more articles were extracted (they are written shortly after); `summary` counts what
    /// is known so far (`built` lags behind by the batches queued for the writer).
    fn batch_done(&self, _articles: usize, _summary: &BuildSummary) {}
    fn error(&self, _message: &str) {}
}

/// No progress reporting.
pub struct Silent;
impl Progress for Silent {}

enum Work {
    File(PathBuf, InputKind),
    Article(Result<Article, IngestError>),
}

enum Done {
    Built(DocumentGraph),
    Unchanged,
    Failed(String),
}

/// Builds `source` into `store`. Unreadable inputs are reported and skipped; only a store failure stops
/// the build (what was committed before it stays).
pub fn build(
    store: &KgStore,
    iris: &Iris,
    source: Source,
    options: &BuildOptions,
    progress: &dyn Progress,
) -> Result<BuildSummary, StoreError> {
    let started = Instant::now();
    store.install_ontology()?;
    let extractor = Extractor::builtin();
    // In a store without documents nothing can be unchanged: skip the per-document fingerprint lookups.
    let check_fingerprints = !options.force && store.has_documents()?;

    let work: Box<dyn Iterator<Item = Work>> = match source {
        Source::Paths(paths) => {
            let inputs = ingest::collect_inputs(&paths);
            progress.inputs_found(inputs.len());
            if progress.wants_total() {
                progress.documents_expected(count_documents(&inputs));
            }
            Box::new(inputs.into_iter().flat_map(|input| -> Box<dyn Iterator<Item = Work>> {
                match input {
                    Err(e) => Box::new(std::iter::once(Work::Article(Err(e)))),
                    // A JSONL file is streamed here, line by line; other files are read in parallel.
                    Ok((path, InputKind::Jsonl)) => {
                        Box::new(ingest::read_file(&path, InputKind::Jsonl).map(Work::Article))
                    }
                    Ok((path, kind)) => Box::new(std::iter::once(Work::File(path, kind))),
                }
            }))
        }
        Source::Jsonl { reader, origin } => Box::new(ingest::read_jsonl(reader, &origin).map(Work::Article)),
    };

    let mut writer =
        store.document_writer(GraphName::NamedNode(iris.entities_graph()), options.bulk, options.bulk_commit_docs);
    let mut linker = Linker::new(store, iris)?;
    let mut summary = BuildSummary::default();
    let written = overlapped(
        batches(work, options.batch_size),
        WRITE_QUEUE_BATCHES,
        |batch: Vec<Work>| {
            let t = Instant::now();
            let done: Vec<Done> = batch
                .into_par_iter()
                .flat_map_iter(|w| -> Vec<Result<Article, IngestError>> {
                    match w {
                        Work::File(path, kind) => ingest::read_file(&path, kind).collect(),
                        Work::Article(a) => vec![a],
                    }
                })
                .map(|article| match article {
                    Err(e) => Done::Failed(e.to_string()),
                    Ok(article) => process(store, iris, extractor, &article, check_fingerprints),
                })
                .collect();
            let n = done.len();
            let mut graphs = Vec::new();
            for d in done {
                match d {
                    Done::Built(g) => graphs.push(g),
                    Done::Unchanged => summary.unchanged += 1,
                    Done::Failed(message) => {
                        progress.error(&message);
                        summary.errors.push(message);
                    }
                }
            }
            summary.extracting += t.elapsed();
            progress.batch_done(n, &summary);
            graphs
        },
        |mut graphs: Vec<DocumentGraph>, w: &mut Written| {
            if graphs.is_empty() {
                return Ok(());
            }
            let t = Instant::now();
            // Links to facts and re-posts, made as the writer leaves the store (see crate::facts::Linker).
            linker.link(&mut graphs)?;
            let committed = writer.write(graphs)?;
            if committed.documents > 0 && writer.pending_documents() == 0 {
                linker.flush();
            }
            w.writing += t.elapsed();
            w.built += committed.documents;
            w.quads += committed.quads;
            Ok(())
        },
    );
    // Whatever the writer committed before a failure stays; the summary counts it either way.
    let (mut w, mut result) = written;
    let mut views = None;
    if result.is_ok() {
        let t = Instant::now();
        match finish_writing(&mut writer, linker) {
            Ok((last, pending)) => {
                w.built += last.documents;
                w.quads += last.quads;
                views = Some(pending);
            }
            Err(e) => result = Err(e),
        }
        w.writing += t.elapsed();
    }
    if let (Ok(()), Some(pending)) = (&result, views) {
        let compact = options.compact && w.built > 0;
        // The views' lookups run beside the compaction: one waits on the store, the other mostly on the disk.
        let (compacted, refreshed) = std::thread::scope(|s| {
            let compaction = s.spawn(|| {
                let t = Instant::now();
                (if compact { store.compact() } else { Ok(()) }, t.elapsed())
            });
            let t = Instant::now();
            let refreshed = pending.run(store, iris);
            summary.refreshing = t.elapsed();
            let (compacted, took) =
                compaction.join().unwrap_or_else(|_| (Err(StoreError::Panicked("compaction")), Duration::ZERO));
            summary.compacting = took;
            (compacted, refreshed)
        });
        result = compacted.and(refreshed);
    }
    summary.built = w.built;
    summary.quads_written = w.quads;
    summary.writing = w.writing;
    summary.elapsed = started.elapsed();
    result.map(|()| summary)
}

/// Commits what the writer holds and ends the linker's work; returns the last commit and the views' refresh.
fn finish_writing(
    writer: &mut DocumentWriter<'_>,
    linker: Linker<'_>,
) -> Result<(Committed, views::Pending), StoreError> {
    let last = writer.commit()?;
    Ok((last, linker.finish()))
}

/// What the writer stage has committed.
#[derive(Debug, Default)]
struct Written {
    built: usize,
    quads: usize,
    writing: Duration,
}

fn process(store: &KgStore, iris: &Iris, extractor: &Extractor, article: &Article, check: bool) -> Done {
    if check {
        match store.fingerprint(iris, &article.id) {
            Ok(Some(f)) if f.extractor_version == EXTRACTOR_VERSION && f.content_hash == content_hash(article) => {
                return Done::Unchanged
            }
            Ok(_) => {}
            Err(e) => return Done::Failed(format!("{}: {e}", article.origin)),
        }
    }
    let extraction = extractor.extract(article);
    Done::Built(document_graph(iris, article, &extraction, EXTRACTOR_VERSION))
}

/// The documents the inputs hold: one per single-article file, one per non-blank line of a JSONL file
/// (an unreadable input counts one, as it is reported once).
fn count_documents(inputs: &[Result<(PathBuf, InputKind), IngestError>]) -> u64 {
    inputs
        .iter()
        .map(|input| match input {
            Ok((path, InputKind::Jsonl)) => {
                std::fs::File::open(path).and_then(|f| count_jsonl_lines(std::io::BufReader::new(f))).unwrap_or(1)
            }
            _ => 1,
        })
        .sum()
}

/// Non-blank lines of a JSONL stream, read in large chunks without decoding.
pub fn count_jsonl_lines(mut reader: impl std::io::BufRead) -> std::io::Result<u64> {
    let (mut lines, mut blank) = (0u64, true);
    loop {
        let chunk = reader.fill_buf()?;
        if chunk.is_empty() {
            break;
        }
        for &b in chunk {
            if b == b'\n' {
                lines += u64::from(!blank);
                blank = true;
            } else if !b.is_ascii_whitespace() {
                blank = false;
            }
        }
        let n = chunk.len();
        reader.consume(n);
    }
    Ok(lines + u64::from(!blank))
}

/// Extracts articles to quads without a store (the stateless `policekg extract` map step).
pub fn extract_quads(iris: &Iris, article: &Article) -> DocumentGraph {
    let extraction = Extractor::builtin().extract(article);
    let mut graph = document_graph(iris, article, &extraction, EXTRACTOR_VERSION);
    facts::link_alone(iris, &mut graph);
    graph
}

/// Groups a stream into batches of at most `size` (at least 1) items, pulling only one batch at a time.
pub fn batches<T>(items: impl Iterator<Item = T>, size: usize) -> impl Iterator<Item = Vec<T>> {
    let size = size.max(1);
    let mut items = items.peekable();
    std::iter::from_fn(move || {
        items.peek()?;
        Some(items.by_ref().take(size).collect())
    })
}

/// Runs `produce` on each input on this thread and `consume` on its output on a second thread, with at
/// most `queue` outputs waiting in between: the two stages overlap, and memory holds at most `queue + 2`
/// outputs (one being produced, `queue` waiting, one being consumed).
///
/// The first error of `consume` stops both stages (the inputs not yet produced are never pulled) and is
/// returned with the consumer's state as it was then.
fn overlapped<I, O, S, E>(
    inputs: impl Iterator<Item = I>,
    queue: usize,
    mut produce: impl FnMut(I) -> O,
    mut consume: impl FnMut(O, &mut S) -> Result<(), E> + Send,
) -> (S, Result<(), E>)
where
    O: Send,
    S: Default + Send,
    E: Send,
{
    std::thread::scope(|scope| {
        let (tx, rx) = sync_channel::<O>(queue);
        let consumer = scope.spawn(move || {
            let mut state = S::default();
            for output in rx {
                if let Err(e) = consume(output, &mut state) {
                    return (state, Err(e));
                }
            }
            (state, Ok(()))
        });
        for input in inputs {
            if tx.send(produce(input)).is_err() {
                break; // the consumer stopped on an error
            }
        }
        drop(tx);
        match consumer.join() {
            Ok(r) => r,
            Err(panic) => std::panic::resume_unwind(panic),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn jsonl_lines_are_counted_without_blank_ones() {
        let count = |s: &str| count_jsonl_lines(s.as_bytes()).unwrap();
        assert_eq!(count(""), 0);
        assert_eq!(count("\n \n"), 0);
        assert_eq!(count("{}\n{}"), 2);
        assert_eq!(count("{}\n\r\n{}\n"), 2);
    }

    #[test]
    fn batches_are_bounded_and_cover_the_stream_in_order() {
        let got: Vec<Vec<u32>> = batches(0..10u32, 4).collect();
        assert_eq!(got, vec![vec![0, 1, 2, 3], vec![4, 5, 6, 7], vec![8, 9]]);
        assert_eq!(batches(0..3u32, 0).count(), 3, "a zero batch size means one item per batch");
        assert_eq!(batches(std::iter::empty::<u32>(), 4).count(), 0);
    }

    #[test]
    fn batches_pull_lazily_from_an_endless_stream() {
        let pulled = AtomicUsize::new(0);
        let endless = (0..).inspect(|_| {
            pulled.fetch_add(1, Ordering::SeqCst);
        });
        let first_two: Vec<Vec<u64>> = batches(endless, 100).take(2).collect();
        assert_eq!(first_two.len(), 2);
        // The second batch, plus the one item peeked to know a batch follows.
        assert!(pulled.load(Ordering::SeqCst) <= 201, "pulled {}", pulled.load(Ordering::SeqCst));
    }

    /// The constant-memory property: however long the stream, no more than `queue + 2` batches are
    /// alive at once (read but not yet written).
    #[test]
    fn the_pipeline_holds_a_bounded_number_of_batches_on_a_long_stream() {
        let produced = AtomicUsize::new(0);
        let consumed = AtomicUsize::new(0);
        let max_alive = AtomicUsize::new(0);
        let batch = 16;
        let stream = (0..100_000u32).map(|i| i.to_string());
        let (state, result) = overlapped(
            batches(stream, batch),
            WRITE_QUEUE_BATCHES,
            |b: Vec<String>| {
                let p = produced.fetch_add(1, Ordering::SeqCst) + 1;
                let alive = p - consumed.load(Ordering::SeqCst);
                max_alive.fetch_max(alive, Ordering::SeqCst);
                b.len()
            },
            |n: usize, total: &mut usize| {
                *total += n;
                if (*total).is_multiple_of(batch * 97) {
                    std::thread::yield_now(); // a slow writer now and then
                }
                consumed.fetch_add(1, Ordering::SeqCst);
                Ok::<(), ()>(())
            },
        );
        assert_eq!(result, Ok(()));
        assert_eq!(state, 100_000, "every item reached the writer");
        let max = max_alive.load(Ordering::SeqCst);
        assert!(max <= WRITE_QUEUE_BATCHES + 2, "{max} batches alive at once");
    }

    #[test]
    fn a_writer_error_stops_reading() {
        let produced = AtomicUsize::new(0);
        let (state, result) = overlapped(
            batches(0..1_000_000u32, 10),
            WRITE_QUEUE_BATCHES,
            |b: Vec<u32>| {
                produced.fetch_add(1, Ordering::SeqCst);
                b
            },
            |b: Vec<u32>, seen: &mut usize| {
                if b[0] >= 50 {
                    return Err("disk full");
                }
                *seen += b.len();
                Ok(())
            },
        );
        assert_eq!(result, Err("disk full"));
        assert_eq!(state, 50, "what was written before the error is reported");
        assert!(produced.load(Ordering::SeqCst) <= 5 + 1 + WRITE_QUEUE_BATCHES + 1, "reading stopped");
    }
}
