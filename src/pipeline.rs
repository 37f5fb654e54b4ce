//! The build pipeline: ingest -> extract -> model -> store, in bounded batches.
//!
//! Inputs are streamed: a batch of work (single-article files, or articles read from a JSONL stream) is
//! read, extracted and turned into quads in parallel (rayon), then written in one transaction, and only
//! then is the next batch read. Memory is bounded by the batch size, whatever the corpus size.

use crate::model::{content_hash, document_graph, DocumentGraph, Iris};
use crate::store::{KgStore, StoreError};
use policekg_extract::ingest::{self, Article, IngestError, InputKind};
use policekg_extract::{extract::EXTRACTOR_VERSION, Extractor};
use rayon::prelude::*;
use std::path::PathBuf;
use std::time::{Duration, Instant};

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
    /// Documents per transaction (and per parallel batch).
    pub batch_size: usize,
}

impl Default for BuildOptions {
    fn default() -> Self {
        Self { force: false, batch_size: 256 }
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
}

/// Observer of a build's progress (the CLI draws a progress bar with it).
pub trait Progress: Sync {
    fn inputs_found(&self, _files: usize) {}
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
    let mut summary = BuildSummary::default();
    let batch_size = options.batch_size.max(1);

    let work: Box<dyn Iterator<Item = Work>> = match source {
        Source::Paths(paths) => {
            let inputs = ingest::collect_inputs(&paths);
            progress.inputs_found(inputs.len());
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

    let mut work = work.peekable();
    while work.peek().is_some() {
        let batch: Vec<Work> = work.by_ref().take(batch_size).collect();
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
                Ok(article) => process(store, iris, extractor, &article, options.force),
            })
            .collect();
        let mut graphs = Vec::new();
        let n = done.len();
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
        if !graphs.is_empty() {
            store.replace_documents(&graphs)?;
            summary.built += graphs.len();
            summary.quads_written += graphs.iter().map(|g| g.quads.len()).sum::<usize>();
        }
        progress.batch_done(n, &summary);
    }
    summary.elapsed = started.elapsed();
    Ok(summary)
}

fn process(store: &KgStore, iris: &Iris, extractor: &Extractor, article: &Article, force: bool) -> Done {
    if !force {
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

/// Extracts articles to quads without a store (the stateless `policekg extract` map step).
pub fn extract_quads(iris: &Iris, article: &Article) -> DocumentGraph {
    let extraction = Extractor::builtin().extract(article);
    document_graph(iris, article, &extraction, EXTRACTOR_VERSION)
}
