//! policekg: Chinese police news articles in, a linked-data knowledge graph out.
//!
//! The pipeline runs one way, one module per stage:
//!
//! ```text
//! ingest -> extract            (crate policekg-extract: articles in, typed facts with evidence out)
//!        -> model              (facts -> RDF quads with deterministic IRIs, one named graph per document)
//!        -> store              (the Oxigraph on-disk store, one transaction per batch of documents)
//!        -> query | export     (SPARQL, named queries; RDF files in six formats)
//! ```
//!
//! [`pipeline`] ties the first stages together for `policekg build`; the CLI (`src/main.rs`) is a thin
//! layer over this library.

pub mod dedup;
pub mod evaluate;
pub mod export;
pub mod facts;
pub mod graph;
pub mod model;
pub mod ontology;
pub mod pipeline;
pub mod query;
pub mod rollup;
pub mod selection;
pub mod serve;
pub mod store;
pub mod validate;
pub mod views;
pub mod vocab;

pub use policekg_extract as extract;
