//! Ingest and information extraction for policekg.
//!
//! The first two stages of the pipeline, free of any RDF or store concern:
//!
//! * [`ingest`] turns bytes (text, Markdown, HTML, JSONL; UTF-8, GB18030/GBK, Big5) into [`Article`]s;
//! * [`extract`] turns one [`Article`] into an [`Extraction`]: typed facts, each with its evidence.
//!
//! Entities in an [`Extraction`] refer to each other by canonical label (the contract's section 4), which
//! the model stage turns into deterministic IRIs.

pub mod extract;
pub mod facts;
pub mod ingest;

pub use extract::{extract, Extractor};
pub use facts::*;
pub use ingest::{Article, IngestError};
