//! Accuracy as a feature: scores a graph against hand-made gold annotations, the way the contract's
//! section 6 says (`docs/gold-format.md` documents the gold format and every matching rule).
//!
//! ```text
//! gold files --gold--> GoldSet ----------------.
//!                                               >-- matching (per document) --> Scores --> report (text, JSON)
//! store | corpus --system--> SystemGraph -------'
//! ```
//!
//! The graph is read with SPARQL from a store, or from a corpus extracted into a store in memory by the
//! same pipeline as `policekg build`: either way the evaluation sees exactly what a user of the graph sees.

pub mod gold;
mod matching;
pub mod metrics;
pub mod names;
pub mod report;
pub mod system;

pub use gold::{GoldDocument, GoldError, GoldSet};
pub use metrics::{Accuracy, AccuracyLines, Prf, Scores, Tally};
pub use report::ReportOptions;
pub use system::SystemGraph;

use crate::model::Iris;
use crate::pipeline::{self, BuildOptions, BuildSummary, Silent, Source};
use crate::query::QueryError;
use crate::store::{KgStore, StoreError};
use std::path::PathBuf;

/// What can stop an evaluation.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EvaluateError {
    #[error(transparent)]
    Gold(#[from] GoldError),
    #[error("cannot read the graph")]
    Store(#[from] StoreError),
    #[error("cannot read the graph")]
    Query(#[from] QueryError),
}

/// The outcome of an evaluation: each gold document's scores, their sum, and the gold documents the graph
/// does not hold (scored all the same: every item of theirs is a miss).
#[derive(Debug, Clone, Default)]
pub struct Evaluation {
    /// By document identifier, sorted.
    pub documents: Vec<(String, Scores)>,
    pub total: Scores,
    pub missing_documents: Vec<String>,
}

/// Scores `graph` against every document of `gold`. Documents of the graph without a gold file are not
/// scored.
pub fn evaluate(gold: &GoldSet, graph: &SystemGraph) -> Evaluation {
    let mut e = Evaluation::default();
    for (id, doc) in &gold.documents {
        if !graph.documents.contains(id) {
            e.missing_documents.push(id.clone());
        }
        let scores = matching::score_document(doc, graph);
        e.total += &scores;
        e.documents.push((id.clone(), scores));
    }
    e
}

/// Scores the graph of a store.
pub fn evaluate_store(gold: &GoldSet, store: &KgStore) -> Result<Evaluation, EvaluateError> {
    Ok(evaluate(gold, &SystemGraph::read(store)?))
}

/// Extracts a corpus (files and folders, as `policekg build` reads them) into a store in memory, by the
/// same pipeline as `policekg build`: the evaluation then sees the graph a build would write, and no
/// directory is created or left behind. The summary lists the inputs that could not be read.
pub fn extract_corpus(inputs: &[PathBuf]) -> Result<(KgStore, BuildSummary), StoreError> {
    let store = KgStore::in_memory()?;
    let iris = Iris::new(crate::vocab::DEFAULT_BASE).expect("the default base IRI is valid");
    // Transactions, not the bulk loader: nothing to gain in memory. No compaction: no files.
    let options = BuildOptions { bulk: false, compact: false, ..BuildOptions::default() };
    let summary = pipeline::build(&store, &iris, Source::Paths(inputs.to_vec()), &options, &Silent)?;
    Ok((store, summary))
}
