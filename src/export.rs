//! The export stage: the store as an RDF file in any of the contract's formats.
//!
//! Quads are written sorted, so two exports of the same store are byte-identical (diff-friendly).
//! Dataset formats (N-Quads, TriG, JSON-LD) keep one named graph per document; triple formats (Turtle,
//! N-Triples, RDF/XML) write the union of all graphs, each triple once.

use crate::store::{KgStore, StoreError};
use crate::vocab::PREFIXES;
use oxigraph::io::{JsonLdProfileSet, RdfFormat, RdfSerializer};
use oxigraph::model::{GraphName, Quad, Triple};
use std::collections::BTreeSet;
use std::io::Write;

/// The contract's export formats (section 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExportFormat {
    NQuads,
    TriG,
    Turtle,
    NTriples,
    JsonLd,
    RdfXml,
}

impl ExportFormat {
    pub const ALL: [ExportFormat; 6] = [
        ExportFormat::NQuads,
        ExportFormat::TriG,
        ExportFormat::Turtle,
        ExportFormat::NTriples,
        ExportFormat::JsonLd,
        ExportFormat::RdfXml,
    ];

    /// The Oxigraph serializer format.
    pub fn rdf_format(self) -> RdfFormat {
        match self {
            ExportFormat::NQuads => RdfFormat::NQuads,
            ExportFormat::TriG => RdfFormat::TriG,
            ExportFormat::Turtle => RdfFormat::Turtle,
            ExportFormat::NTriples => RdfFormat::NTriples,
            ExportFormat::JsonLd => RdfFormat::JsonLd { profile: JsonLdProfileSet::empty() },
            ExportFormat::RdfXml => RdfFormat::RdfXml,
        }
    }

    /// Whether the format keeps named graphs.
    pub fn keeps_graphs(self) -> bool {
        matches!(self, ExportFormat::NQuads | ExportFormat::TriG | ExportFormat::JsonLd)
    }

    /// The usual file extension.
    pub fn extension(self) -> &'static str {
        self.rdf_format().file_extension()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("reading the store: {0}")]
    Read(String),
    #[error("writing the export: {0}")]
    Io(#[from] std::io::Error),
}

/// Writes the whole store in `format`; returns the number of quads (or triples) written.
pub fn export(store: &KgStore, format: ExportFormat, out: &mut dyn Write) -> Result<usize, ExportError> {
    let mut quads = BTreeSet::new();
    for q in store.oxigraph().iter() {
        let q = q.map_err(|e| ExportError::Read(e.to_string()))?;
        quads.insert(if format.keeps_graphs() { q } else { Quad { graph_name: GraphName::DefaultGraph, ..q } });
    }
    write_quads(quads.iter(), format, out)
}

/// Serializes quads (already in the order wanted) with the contract's prefixes.
pub fn write_quads<'a>(
    quads: impl Iterator<Item = &'a Quad>,
    format: ExportFormat,
    out: &mut dyn Write,
) -> Result<usize, ExportError> {
    let mut serializer = RdfSerializer::from_format(format.rdf_format());
    if !matches!(format, ExportFormat::NQuads | ExportFormat::NTriples) {
        for (prefix, ns) in PREFIXES {
            serializer = serializer.with_prefix(*prefix, *ns).expect("the contract's prefixes are valid");
        }
    }
    let mut writer = serializer.for_writer(out);
    let mut n = 0;
    for q in quads {
        if format.keeps_graphs() {
            writer.serialize_quad(q)?;
        } else {
            writer.serialize_triple(&Triple::from(q.clone()))?;
        }
        n += 1;
    }
    writer.finish()?;
    Ok(n)
}
