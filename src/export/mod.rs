//! The export stage: the store as a linked-data publication, or as tidy tables.
//!
//! - RDF in six formats. Dataset formats (N-Quads, TriG, JSON-LD) keep one named graph per document plus
//!   the ontology graph; triple formats (Turtle, N-Triples, RDF/XML) write the union of all graphs, each
//!   triple once.
//! - Every RDF export carries, in its default graph, a VoID + DCAT description of itself
//!   ([`describe`]): triples, entities per class, documents, the tool and its version, the build date, the
//!   licence when given, the SPARQL endpoint when given, the scope, `prov:wasDerivedFrom` every document, and
//!   the outcomes as a Data Cube dataset (`qb:dataSet` links, structure `pk:OutcomeStructure`).
//! - Output is sorted (graph, then subject, then `rdf:type` and labels first, then predicate and object), so
//!   two exports of the same store are byte-identical and Turtle/TriG come out grouped by subject. Dataset
//!   formats are written one document graph at a time (memory bounded by the largest document); triple
//!   formats (the union, each triple once) go through sorted chunks spilled to temporary files.
//! - JSON-LD is written with the published context (`ontology/context.jsonld`, inlined) so keys are short
//!   names (`label`, `value`, `attributedTo`) and numbers and booleans are native JSON.
//! - [`export_table`] writes tidy CSV/TSV tables (outcomes, agencies, campaigns, operations).
//! - A [`Scope`] restricts an export to some documents: by id, campaign, date range or province.

//!
//! The module is cut by job: [`rdf`] (sorted writers, the union sorter), [`jsonld`] (JSON-LD with the
//! context), [`describe`] (the VoID/DCAT/PROV description), [`scope`] (which documents), [`tables`] (CSV/TSV
//! from the `.rq` files in `src/export/tables/`).

mod describe;
mod jsonld;
mod rdf;
mod scope;
mod tables;

use crate::model::Iris;
use crate::query::QueryError;
use crate::store::{KgStore, StoreError};
use crate::vocab::{ONTOLOGY_GRAPH, PREFIXES};
use oxigraph::io::{JsonLdProfileSet, RdfFormat, RdfSerializer};
use oxigraph::model::{GraphNameRef, NamedNode, Quad};
use std::io::Write;

use describe::cube_links;
pub use describe::{build_date, dataset_iri, describe};
pub use rdf::write_quads;
use rdf::{sorted, QuadWriter, UnionSorter, UNION_CHUNK_BYTES};
pub use scope::{documents_in_scope, entity_quads, Scope};
pub use tables::export_table;

/// The published JSON-LD context (`ontology/context.jsonld`).
pub const CONTEXT_JSONLD: &str = include_str!("../../ontology/context.jsonld");

/// Extra prefixes used by the dataset description, declared after the contract's.
const EXTRA_PREFIXES: &[(&str, &str)] = &[
    ("void", "http://rdfs.org/ns/void#"),
    ("dcat", "http://www.w3.org/ns/dcat#"),
    ("vann", "http://purl.org/vocab/vann/"),
];
const VOID: &str = "http://rdfs.org/ns/void#";
const DCAT: &str = "http://www.w3.org/ns/dcat#";
const SCHEMA: &str = "https://schema.org/";

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

/// The tidy tables of `--format csv|tsv --table ...`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Table {
    Outcomes,
    Agencies,
    Campaigns,
    Operations,
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ExportError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("reading the store: {0}")]
    Read(#[from] oxigraph::store::StorageError),
    #[error("the export's temporary sort file holds a bad record: {0:?}")]
    UnionRecord(String),
    #[error("querying the store: {0}")]
    Query(#[from] QueryError),
    #[error("writing the export: {0}")]
    Io(#[from] std::io::Error),
    #[error("invalid export option: {0}")]
    Option(String),
    #[error(transparent)]
    Selection(#[from] crate::selection::SelectionError),
}

/// Everything an export can be told.
#[derive(Debug, Clone)]
pub struct ExportOptions {
    pub format: ExportFormat,
    pub scope: Scope,
    /// Base of instance IRIs (to find documents by id and to name the dataset).
    pub iris: Iris,
    /// Add the VoID/DCAT description (default true).
    pub description: bool,
    /// Include the ontology graph (default true).
    pub ontology: bool,
    /// The licence IRI to state (left unset by default: the data's licence is the publisher's to choose).
    pub license: Option<String>,
    /// A SPARQL endpoint serving this data.
    pub endpoint: Option<String>,
    /// The build date (`YYYY-MM-DD`); default: `SOURCE_DATE_EPOCH` if set, else today (UTC).
    pub date: Option<String>,
}

impl ExportOptions {
    pub fn new(format: ExportFormat) -> Self {
        Self {
            format,
            scope: Scope::default(),
            iris: Iris::default(),
            description: true,
            ontology: true,
            license: None,
            endpoint: None,
            date: None,
        }
    }
}

/// Writes the whole store in `format`, with its description; returns the number of quads written.
pub fn export(store: &KgStore, format: ExportFormat, out: &mut dyn Write) -> Result<usize, ExportError> {
    export_with(store, &ExportOptions::new(format), out)
}

/// Writes the store (or the documents in scope) in the options' format; returns the number of quads
/// (or triples) written.
pub fn export_with(store: &KgStore, options: &ExportOptions, out: &mut dyn Write) -> Result<usize, ExportError> {
    let graphs = documents_in_scope(store, &options.scope, &options.iris)?;
    let mut sections: Vec<Vec<Quad>> = Vec::new();
    if options.description {
        sections.push(sorted(describe(store, &graphs, options)?));
    }
    let graph_quads = |g: &NamedNode| -> Result<Vec<Quad>, ExportError> {
        let mut quads = Vec::new();
        for q in store.oxigraph().quads_for_pattern(None, None, None, Some(GraphNameRef::NamedNode(g.as_ref()))) {
            quads.push(q?);
        }
        Ok(sorted(quads))
    };
    let ontology = NamedNode::new_unchecked(ONTOLOGY_GRAPH);
    let format = options.format;
    if format.keeps_graphs() {
        let mut writer = QuadWriter::new(format, out)?;
        for section in &sections {
            writer.write_graph(section)?;
        }
        if options.ontology {
            writer.write_graph(&graph_quads(&ontology)?)?;
        }
        writer.write_graph(&entity_quads(store, &graphs, &options.scope, &options.iris)?)?;
        for g in &graphs {
            let quads = graph_quads(g)?;
            writer.write_graph(&quads)?;
            if options.description {
                writer.write_graph(&cube_links(&quads, &options.iris))?;
            }
        }
        writer.finish()
    } else {
        // The union: every triple once, sorted, through sorted chunks on disk when it is large.
        let mut union = UnionSorter::new(UNION_CHUNK_BYTES);
        for q in sections.iter().flatten() {
            union.push(q)?;
        }
        if options.ontology {
            for q in graph_quads(&ontology)? {
                union.push(&q)?;
            }
        }
        for q in entity_quads(store, &graphs, &options.scope, &options.iris)? {
            union.push(&q)?;
        }
        for g in &graphs {
            let quads = graph_quads(g)?;
            if options.description {
                for q in cube_links(&quads, &options.iris) {
                    union.push(&q)?;
                }
            }
            for q in &quads {
                union.push(q)?;
            }
        }
        let mut serializer = RdfSerializer::from_format(format.rdf_format());
        if format != ExportFormat::NTriples {
            for (prefix, ns) in PREFIXES.iter().chain(EXTRA_PREFIXES) {
                serializer = serializer.with_prefix(*prefix, *ns).expect("valid prefixes");
            }
        }
        let mut writer = serializer.for_writer(out);
        let mut n = 0;
        union.finish(|t| {
            n += 1;
            writer.serialize_triple(t)
        })?;
        writer.finish()?;
        Ok(n)
    }
}
