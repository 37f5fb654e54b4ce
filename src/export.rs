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

use crate::model::Iris;
use crate::query::{self, QueryError};
use crate::store::{KgStore, StoreError};
use crate::vocab::{dcterms, pk, prov, qb, rdf, rdfs, xsd, ONTOLOGY_GRAPH, PREFIXES};
use oxigraph::io::{JsonLdProfileSet, RdfFormat, RdfParser, RdfSerializer};
use oxigraph::model::{
    GraphName, GraphNameRef, Literal, NamedNode, NamedNodeRef, NamedOrBlankNode, Quad, Term, Triple,
};
use oxigraph::sparql::QueryResults;
use std::collections::BTreeMap;
use std::io::Write;

/// The published JSON-LD context (`ontology/context.jsonld`).
pub const CONTEXT_JSONLD: &str = include_str!("../ontology/context.jsonld");

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
    Read(String),
    #[error("querying the store: {0}")]
    Query(#[from] QueryError),
    #[error("writing the export: {0}")]
    Io(#[from] std::io::Error),
    #[error("invalid export option: {0}")]
    Option(String),
}

/// Which documents an export covers; all conditions given must hold. Empty: the whole store.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scope {
    /// Document identifiers (`dcterms:identifier`).
    pub documents: Vec<String>,
    /// A campaign label (or alternative label): documents mentioning it or one of its sub-campaigns.
    pub campaign: Option<String>,
    /// First issue date (`YYYY-MM-DD`, inclusive).
    pub from: Option<String>,
    /// Last issue date (`YYYY-MM-DD`, inclusive).
    pub to: Option<String>,
    /// A province by name (浙江省, 浙江) or GB/T 2260 code (330000): documents mentioning a place in it.
    pub province: Option<String>,
}

impl Scope {
    pub fn is_everything(&self) -> bool {
        *self == Scope::default()
    }

    /// A one-line statement of the scope, as recorded in the description (`pk:scope`).
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if !self.documents.is_empty() {
            parts.push(format!("document={}", self.documents.join(",")));
        }
        if let Some(c) = &self.campaign {
            parts.push(format!("campaign={c}"));
        }
        if let Some(d) = &self.from {
            parts.push(format!("from={d}"));
        }
        if let Some(d) = &self.to {
            parts.push(format!("to={d}"));
        }
        if let Some(p) = &self.province {
            parts.push(format!("province={p}"));
        }
        parts.join("; ")
    }
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
            quads.push(q.map_err(|e| ExportError::Read(e.to_string()))?);
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

/// Bytes of union records held in memory before a sorted chunk is written to a temporary file.
const UNION_CHUNK_BYTES: usize = 256 << 20;

/// Sorts and deduplicates the triples of a union with bounded memory: records
/// (`subject \t rank \t predicate \t object` in N-Triples syntax, which escapes tabs and line breaks) are
/// sorted in memory up to a budget, then spilled as sorted chunks and merged.
struct UnionSorter {
    buffer: Vec<String>,
    bytes: usize,
    limit: usize,
    chunks: Vec<std::path::PathBuf>,
}

impl UnionSorter {
    fn new(limit: usize) -> Self {
        Self { buffer: Vec::new(), bytes: 0, limit, chunks: Vec::new() }
    }

    fn push(&mut self, q: &Quad) -> std::io::Result<()> {
        let subject = match &q.subject {
            NamedOrBlankNode::NamedNode(n) => n.as_str().to_owned(),
            other => other.to_string(),
        };
        let rank = if q.predicate.as_ref() == rdf::TYPE {
            0
        } else if q.predicate.as_ref() == rdfs::LABEL {
            1
        } else {
            2
        };
        let record = format!("{subject}\t{rank}\t{}\t{}", q.predicate.as_str(), q.object);
        self.bytes += record.len() + 32;
        self.buffer.push(record);
        if self.bytes > self.limit {
            self.spill()?;
        }
        Ok(())
    }

    fn spill(&mut self) -> std::io::Result<()> {
        self.buffer.sort_unstable();
        self.buffer.dedup();
        let path = std::env::temp_dir().join(format!(
            "policekg-export-{}-{:p}-{}.tmp",
            std::process::id(),
            self as *const Self,
            self.chunks.len()
        ));
        let mut w = std::io::BufWriter::new(std::fs::File::create(&path)?);
        self.chunks.push(path);
        for r in &self.buffer {
            w.write_all(r.as_bytes())?;
            w.write_all(b"\n")?;
        }
        w.flush()?;
        self.buffer.clear();
        self.bytes = 0;
        Ok(())
    }

    /// Calls `f` on every distinct triple, in order.
    fn finish(mut self, mut f: impl FnMut(&Triple) -> std::io::Result<()>) -> Result<(), ExportError> {
        let mut emit =
            |record: &str| -> Result<(), ExportError> { f(&record_triple(record)?).map_err(ExportError::Io) };
        if self.chunks.is_empty() {
            self.buffer.sort_unstable();
            self.buffer.dedup();
            for r in &self.buffer {
                emit(r)?;
            }
            return Ok(());
        }
        self.spill()?;
        use std::io::BufRead;
        let mut readers = Vec::new();
        for path in &self.chunks {
            readers.push(std::io::BufReader::new(std::fs::File::open(path)?).lines());
        }
        let mut heap = std::collections::BinaryHeap::new();
        for (i, r) in readers.iter_mut().enumerate() {
            if let Some(line) = r.next() {
                heap.push(std::cmp::Reverse((line?, i)));
            }
        }
        let mut last: Option<String> = None;
        while let Some(std::cmp::Reverse((line, i))) = heap.pop() {
            if let Some(next) = readers[i].next() {
                heap.push(std::cmp::Reverse((next?, i)));
            }
            if last.as_deref() != Some(line.as_str()) {
                emit(&line)?;
                last = Some(line);
            }
        }
        Ok(())
    }
}

impl Drop for UnionSorter {
    fn drop(&mut self) {
        for path in &self.chunks {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// A union record back to its triple.
fn record_triple(record: &str) -> Result<Triple, ExportError> {
    let bad = || ExportError::Read(format!("bad union record {record:?}"));
    let mut parts = record.splitn(4, '\t');
    let (Some(subject), Some(_rank), Some(predicate), Some(object)) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad());
    };
    let subject_nt = if let Some(id) = subject.strip_prefix("_:") { format!("_:{id}") } else { format!("<{subject}>") };
    let line = format!("{subject_nt} <{predicate}> {object} .\n");
    let mut triples = RdfParser::from_format(RdfFormat::NTriples).for_slice(line.as_bytes());
    match triples.next() {
        Some(Ok(q)) => Ok(Triple::from(q)),
        _ => Err(bad()),
    }
}

/// Serializes quads (already in the order wanted) with the contract's prefixes.
pub fn write_quads<'a>(
    quads: impl Iterator<Item = &'a Quad>,
    format: ExportFormat,
    out: &mut dyn Write,
) -> Result<usize, ExportError> {
    if format == ExportFormat::JsonLd {
        let quads: Vec<Quad> = quads.cloned().collect();
        let mut by_graph: BTreeMap<String, Vec<Quad>> = BTreeMap::new();
        for q in quads {
            by_graph.entry(graph_key(&q.graph_name)).or_default().push(q);
        }
        let mut writer = QuadWriter::new(format, out)?;
        for (_, g) in by_graph {
            writer.write_graph(&sorted(g))?;
        }
        return writer.finish();
    }
    let mut serializer = RdfSerializer::from_format(format.rdf_format());
    if !matches!(format, ExportFormat::NQuads | ExportFormat::NTriples) {
        for (prefix, ns) in PREFIXES.iter().chain(EXTRA_PREFIXES) {
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

fn graph_key(g: &GraphName) -> String {
    match g {
        GraphName::DefaultGraph => String::new(),
        other => other.to_string(),
    }
}

/// Writes graph after graph: Oxigraph's serializers for N-Quads and TriG, our own JSON-LD writer.
enum QuadWriter<'w> {
    Rdf(oxigraph::io::WriterQuadSerializer<&'w mut dyn Write>, usize),
    JsonLd(JsonLdWriter<'w>),
}

impl<'w> QuadWriter<'w> {
    fn new(format: ExportFormat, out: &'w mut dyn Write) -> Result<Self, ExportError> {
        if format == ExportFormat::JsonLd {
            return Ok(QuadWriter::JsonLd(JsonLdWriter::new(out)?));
        }
        let mut serializer = RdfSerializer::from_format(format.rdf_format());
        if format != ExportFormat::NQuads {
            for (prefix, ns) in PREFIXES.iter().chain(EXTRA_PREFIXES) {
                serializer = serializer.with_prefix(*prefix, *ns).expect("valid prefixes");
            }
        }
        Ok(QuadWriter::Rdf(serializer.for_writer(out), 0))
    }

    /// Writes the quads of one graph, sorted.
    fn write_graph(&mut self, quads: &[Quad]) -> Result<(), ExportError> {
        match self {
            QuadWriter::Rdf(w, n) => {
                for q in quads {
                    w.serialize_quad(q)?;
                    *n += 1;
                }
                Ok(())
            }
            QuadWriter::JsonLd(w) => w.write_graph(quads),
        }
    }

    fn finish(self) -> Result<usize, ExportError> {
        match self {
            QuadWriter::Rdf(w, n) => {
                w.finish()?;
                Ok(n)
            }
            QuadWriter::JsonLd(w) => w.finish(),
        }
    }
}

/// Sort order of exports: graph, subject, then `rdf:type`, `rdfs:label`, other predicates, then object.
fn sorted(mut quads: Vec<Quad>) -> Vec<Quad> {
    fn rank(p: &NamedNode) -> u8 {
        if p.as_ref() == rdf::TYPE {
            0
        } else if p.as_ref() == rdfs::LABEL {
            1
        } else {
            2
        }
    }
    fn subject_key(s: &NamedOrBlankNode) -> String {
        match s {
            NamedOrBlankNode::NamedNode(n) => n.as_str().to_owned(),
            other => other.to_string(),
        }
    }
    quads.sort_by_cached_key(|q| {
        (
            graph_key(&q.graph_name),
            subject_key(&q.subject),
            rank(&q.predicate),
            q.predicate.as_str().to_owned(),
            q.object.to_string(),
        )
    });
    quads.dedup();
    quads
}

// ----------------------------------------------------------------------------------------------------------
// Scope
// ----------------------------------------------------------------------------------------------------------

/// The description of the shared entities (the entities graph, see `Iris::entities_graph`) that the
/// documents in scope need: all of it for a whole export; else the entities those documents name, with
/// the chains of parents, parent campaigns and enclosing places above them.
pub fn entity_quads(
    store: &KgStore,
    graphs: &[NamedNode],
    scope: &Scope,
    iris: &Iris,
) -> Result<Vec<Quad>, ExportError> {
    let entities = iris.entities_graph();
    let mut all = Vec::new();
    for q in store.oxigraph().quads_for_pattern(None, None, None, Some(GraphNameRef::NamedNode(entities.as_ref()))) {
        all.push(q.map_err(|e| ExportError::Read(e.to_string()))?);
    }
    if scope.is_everything() {
        return Ok(sorted(all));
    }
    let mut wanted: std::collections::HashSet<Term> = std::collections::HashSet::new();
    for g in graphs {
        for q in store.oxigraph().quads_for_pattern(None, None, None, Some(GraphNameRef::NamedNode(g.as_ref()))) {
            let q = q.map_err(|e| ExportError::Read(e.to_string()))?;
            wanted.insert(q.subject.clone().into());
            wanted.insert(q.object);
        }
    }
    let mut kept = vec![false; all.len()];
    loop {
        let mut grew = false;
        for (i, q) in all.iter().enumerate() {
            if !kept[i] && wanted.contains(&Term::from(q.subject.clone())) {
                kept[i] = true;
                grew |= wanted.insert(q.object.clone());
            }
        }
        if !grew {
            break;
        }
    }
    Ok(sorted(all.into_iter().zip(kept).filter_map(|(q, k)| k.then_some(q)).collect()))
}

/// The document graphs an export covers, sorted.
pub fn documents_in_scope(store: &KgStore, scope: &Scope, iris: &Iris) -> Result<Vec<NamedNode>, ExportError> {
    let all: Vec<NamedNode> = store
        .document_graphs()?
        .into_iter()
        .filter_map(|g| match g {
            NamedOrBlankNode::NamedNode(n) => Some(n),
            _ => None,
        })
        .collect();
    if scope.is_everything() {
        return Ok(all);
    }
    let mut conditions = Vec::new();
    if !scope.documents.is_empty() {
        let ids: Vec<String> = scope.documents.iter().map(|id| iris.document(id).to_string()).collect();
        conditions.push(format!("VALUES ?g {{ {} }}", ids.join(" ")));
    }
    if let Some(c) = &scope.campaign {
        let label = literal(c);
        let key = literal(&crate::model::campaign_key(c));
        conditions.push(format!(
            "{{ SELECT DISTINCT ?g WHERE {{ ?top rdfs:label|skos:altLabel ?l . FILTER (STR(?l) = {label} || STR(?l) = {key}) \
             ?c pk:partOf* ?top . GRAPH ?g {{ ?c pk:mentionedIn ?g }} }} }}"
        ));
    }
    for (bound, op) in [(&scope.from, ">="), (&scope.to, "<=")] {
        if let Some(d) = bound {
            check_date(d)?;
            conditions.push(format!(
                "GRAPH ?g {{ ?g dcterms:issued ?issued }} FILTER (SUBSTR(STR(?issued), 1, 10) {op} {})",
                literal(d)
            ));
        }
    }
    if let Some(p) = &scope.province {
        let p = p.trim();
        let prefix = if p.len() >= 2 && p.chars().all(|c| c.is_ascii_digit()) {
            p[..2].to_owned()
        } else {
            province_prefix(store, p)?.ok_or_else(|| {
                ExportError::Option(format!("no province {p:?} in the store (give its name or its GB/T 2260 code)"))
            })?
        };
        conditions.push(format!(
            "{{ SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?place pk:mentionedIn ?g }} ?place pk:adcode ?code . FILTER STRSTARTS(STR(?code), {}) }} }}",
            literal(&prefix)
        ));
    }
    let sparql = format!(
        "SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?g a pk:Document }} {} }} ORDER BY STR(?g)",
        conditions.join(" ")
    );
    let mut graphs: Vec<NamedNode> = select_iris(store, &sparql, "g")?;
    graphs.retain(|g| all.contains(g));
    graphs.sort_by(|a, b| a.as_str().cmp(b.as_str()));
    Ok(graphs)
}

/// The two-digit GB/T 2260 prefix of a province named `name` (with or without 省/市/自治区).
fn province_prefix(store: &KgStore, name: &str) -> Result<Option<String>, ExportError> {
    let sparql = format!(
        "SELECT ?code WHERE {{ ?p a pk:Place ; pk:adcode ?code ; rdfs:label|skos:altLabel ?l . \
         FILTER (STRENDS(STR(?code), \"0000\") && STRSTARTS(STR(?l), {})) }} ORDER BY ?code LIMIT 1",
        literal(name)
    );
    let codes = select_strings(store, &sparql, "code")?;
    Ok(codes.first().map(|c| c.chars().take(2).collect()))
}

fn check_date(d: &str) -> Result<(), ExportError> {
    let b = d.as_bytes();
    let ok = b.len() == 10 && b[4] == b'-' && b[7] == b'-' && d.chars().filter(|c| c.is_ascii_digit()).count() == 8;
    if ok {
        Ok(())
    } else {
        Err(ExportError::Option(format!("{d:?} is not a date YYYY-MM-DD")))
    }
}

fn literal(s: &str) -> String {
    Literal::new_simple_literal(s).to_string()
}

fn select_iris(store: &KgStore, sparql: &str, var: &str) -> Result<Vec<NamedNode>, ExportError> {
    let mut out = Vec::new();
    if let QueryResults::Solutions(rows) = query::evaluate(store, sparql)? {
        for row in rows {
            let row = row.map_err(|e| QueryError::Evaluation(e.to_string()))?;
            if let Some(Term::NamedNode(n)) = row.get(var) {
                out.push(n.clone());
            }
        }
    }
    Ok(out)
}

fn select_strings(store: &KgStore, sparql: &str, var: &str) -> Result<Vec<String>, ExportError> {
    let mut out = Vec::new();
    if let QueryResults::Solutions(rows) = query::evaluate(store, sparql)? {
        for row in rows {
            let row = row.map_err(|e| QueryError::Evaluation(e.to_string()))?;
            if let Some(t) = row.get(var) {
                out.push(match t {
                    Term::Literal(l) => l.value().to_owned(),
                    Term::NamedNode(n) => n.as_str().to_owned(),
                    other => other.to_string(),
                });
            }
        }
    }
    Ok(out)
}

/// `FROM NAMED`-like restriction: a VALUES block over the graphs in scope (all document graphs when the
/// scope is everything, expressed as "not the ontology graph" to keep the query short).
fn graph_filter(graphs: &[NamedNode], everything: bool) -> String {
    if everything {
        format!("FILTER (?g != <{ONTOLOGY_GRAPH}>)")
    } else if graphs.is_empty() {
        "FILTER (false)".to_owned()
    } else {
        let list: Vec<String> = graphs.iter().map(|g| g.to_string()).collect();
        format!("VALUES ?g {{ {} }}", list.join(" "))
    }
}

// ----------------------------------------------------------------------------------------------------------
// The dataset description (VoID, DCAT, PROV, Data Cube)
// ----------------------------------------------------------------------------------------------------------

/// The IRI of the dataset an export describes.
pub fn dataset_iri(iris: &Iris) -> NamedNode {
    NamedNode::new_unchecked(format!("{}dataset", iris.base()))
}

/// The description of an export of `graphs`, in the default graph.
pub fn describe(store: &KgStore, graphs: &[NamedNode], options: &ExportOptions) -> Result<Vec<Quad>, ExportError> {
    let everything = options.scope.is_everything();
    let filter = graph_filter(graphs, everything);
    let ds = dataset_iri(&options.iris);
    let n = |s: &str| NamedNode::new_unchecked(s);
    let void = |l: &str| n(&format!("{VOID}{l}"));
    let dcat = |l: &str| n(&format!("{DCAT}{l}"));
    let mut out = Vec::new();
    let mut add = |s: &NamedNode, p: NamedNodeRef<'_>, o: Term| {
        out.push(Quad::new(s.clone(), p, o, GraphName::DefaultGraph));
    };
    let int = |i: usize| Term::from(Literal::new_typed_literal(i.to_string(), xsd::INTEGER));
    let version = env!("CARGO_PKG_VERSION");
    let tool = n(&format!("https://w3id.org/policekg/tool/{version}"));
    let activity = n(&format!("{}/export", ds.as_str()));
    let date = match &options.date {
        Some(d) => {
            check_date(d)?;
            d.clone()
        }
        None => build_date(),
    };

    add(&ds, rdf::TYPE, void("Dataset").into());
    add(&ds, rdf::TYPE, dcat("Dataset").into());
    add(&ds, rdf::TYPE, NamedNode::new_unchecked("http://www.w3.org/ns/prov#Entity").into());
    add(&ds, dcterms::TITLE, Literal::new_language_tagged_literal_unchecked("policekg knowledge graph", "en").into());
    add(&ds, dcterms::TITLE, Literal::new_language_tagged_literal_unchecked("policekg 公安新闻知识图谱", "zh").into());
    add(
        &ds,
        NamedNodeRef::new_unchecked("http://purl.org/dc/terms/description"),
        Literal::new_language_tagged_literal_unchecked(
            "Agencies, units, campaigns, operations and outcomes extracted from Chinese police news articles, each fact with its source document and evidence.",
            "en",
        )
        .into(),
    );
    add(&ds, dcterms::MODIFIED, Literal::new_typed_literal(&date, xsd::DATE).into());
    add(&ds, dcterms::ISSUED, Literal::new_typed_literal(&date, xsd::DATE).into());
    if let Some(l) = &options.license {
        let l = NamedNode::new(l.trim()).map_err(|e| ExportError::Option(format!("--license {l:?}: {e}")))?;
        add(&ds, NamedNodeRef::new_unchecked("http://purl.org/dc/terms/license"), l.into());
    }
    if let Some(e) = &options.endpoint {
        let e = NamedNode::new(e.trim()).map_err(|err| ExportError::Option(format!("--endpoint {e:?}: {err}")))?;
        add(&ds, void("sparqlEndpoint").as_ref(), e.clone().into());
        let service = n(&format!("{}/sparql-service", ds.as_str()));
        add(&ds, dcat("accessService").as_ref(), service.clone().into());
        add(&service, rdf::TYPE, dcat("DataService").into());
        add(&service, dcat("endpointURL").as_ref(), e.into());
        add(&service, dcat("servesDataset").as_ref(), ds.clone().into());
        add(
            &service,
            NamedNodeRef::new_unchecked("http://purl.org/dc/terms/conformsTo"),
            n("https://www.w3.org/TR/sparql11-protocol/").into(),
        );
    }
    add(&ds, void("uriSpace").as_ref(), Literal::new_simple_literal(options.iris.base()).into());
    for ns in [
        pk::NS,
        "http://www.w3.org/ns/org#",
        "http://www.w3.org/ns/prov#",
        "http://purl.org/linked-data/cube#",
        "http://www.w3.org/2004/02/skos/core#",
        "http://purl.org/dc/terms/",
    ] {
        add(&ds, void("vocabulary").as_ref(), n(ns).into());
    }
    add(&ds, NamedNodeRef::new_unchecked("http://purl.org/dc/terms/conformsTo"), n(ONTOLOGY_GRAPH).into());
    if !everything {
        add(
            &ds,
            NamedNodeRef::new_unchecked("https://w3id.org/policekg/ns#scope"),
            Literal::new_simple_literal(options.scope.describe()).into(),
        );
    }

    // Provenance: the tool, its version, the export activity, the documents.
    add(&ds, prov::WAS_GENERATED_BY, activity.clone().into());
    add(&activity, rdf::TYPE, prov::ACTIVITY.into());
    add(&activity, prov::WAS_ASSOCIATED_WITH, tool.clone().into());
    add(&activity, rdfs::LABEL, Literal::new_simple_literal(format!("policekg export ({version})")).into());
    add(&tool, rdf::TYPE, prov::SOFTWARE_AGENT.into());
    add(&tool, rdf::TYPE, n(&format!("{SCHEMA}SoftwareApplication")).into());
    add(&tool, rdfs::LABEL, Literal::new_simple_literal(format!("policekg {version}")).into());
    add(&tool, n(&format!("{SCHEMA}softwareVersion")).as_ref(), Literal::new_simple_literal(version).into());
    add(&tool, n(&format!("{SCHEMA}license")).as_ref(), Literal::new_simple_literal("MIT OR Apache-2.0").into());
    add(&ds, dcterms::CREATOR, tool.clone().into());
    for g in graphs {
        add(&ds, prov::WAS_DERIVED_FROM, g.clone().into());
    }
    add(&ds, void("documents").as_ref(), int(graphs.len()));

    // Statistics.
    let count = |sparql: String| -> Result<usize, ExportError> {
        Ok(select_strings(store, &sparql, "n")?.first().and_then(|v| v.parse().ok()).unwrap_or(0))
    };
    add(
        &ds,
        void("triples").as_ref(),
        int(count(format!("SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }} {filter} }}"))?),
    );
    add(
        &ds,
        void("entities").as_ref(),
        int(count(format!("SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ GRAPH ?g {{ ?s a ?c }} {filter} }}"))?),
    );
    let classes = format!(
        "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE {{ GRAPH ?g {{ ?s a ?c }} {filter} FILTER STRSTARTS(STR(?c), {}) }} GROUP BY ?c ORDER BY ?c",
        literal(pk::NS)
    );
    if let QueryResults::Solutions(rows) = query::evaluate(store, &classes)? {
        for row in rows {
            let row = row.map_err(|e| QueryError::Evaluation(e.to_string()))?;
            let (Some(Term::NamedNode(c)), Some(Term::Literal(k))) = (row.get("c"), row.get("n")) else { continue };
            let local = c.as_str().strip_prefix(pk::NS).unwrap_or(c.as_str());
            let part = n(&format!("{}/class/{local}", ds.as_str()));
            add(&ds, void("classPartition").as_ref(), part.clone().into());
            add(&part, void("class").as_ref(), c.clone().into());
            add(&part, void("entities").as_ref(), int(k.value().parse().unwrap_or(0)));
        }
    }

    // The outcomes as a Data Cube dataset.
    let cube = n(&format!("{}/outcomes", ds.as_str()));
    add(&cube, rdf::TYPE, qb::DATA_SET.into());
    add(
        &cube,
        NamedNodeRef::new_unchecked("http://purl.org/linked-data/cube#structure"),
        n(&format!("{}OutcomeStructure", pk::NS)).into(),
    );
    add(&cube, rdfs::LABEL, Literal::new_language_tagged_literal_unchecked("policekg outcomes", "en").into());
    add(&cube, rdfs::LABEL, Literal::new_language_tagged_literal_unchecked("战果数据集", "zh").into());
    add(&cube, NamedNodeRef::new_unchecked("http://purl.org/dc/terms/isPartOf"), ds.clone().into());
    Ok(out)
}

/// `<outcome> qb:dataSet <…/dataset/outcomes>` for the outcomes among a document's quads (default graph),
/// written after each document so that the description never holds every outcome in memory.
fn cube_links(quads: &[Quad], iris: &Iris) -> Vec<Quad> {
    let cube = NamedNode::new_unchecked(format!("{}/outcomes", dataset_iri(iris).as_str()));
    let links = quads
        .iter()
        .filter(|q| q.predicate.as_ref() == rdf::TYPE && q.object == Term::NamedNode(pk::OUTCOME.into_owned()))
        .map(|q| Quad::new(q.subject.clone(), qb::DATA_SET_PROP, cube.clone(), GraphName::DefaultGraph))
        .collect();
    sorted(links)
}

/// Today's date (UTC), or the date of `SOURCE_DATE_EPOCH` (reproducible builds), as `YYYY-MM-DD`.
pub fn build_date() -> String {
    let secs =
        std::env::var("SOURCE_DATE_EPOCH").ok().and_then(|s| s.trim().parse::<i64>().ok()).unwrap_or_else(|| {
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
        });
    civil_date(secs.div_euclid(86_400))
}

/// Days since 1970-01-01 to `YYYY-MM-DD` (H. Hinnant's algorithm).
fn civil_date(days: i64) -> String {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    format!("{:04}-{:02}-{:02}", if m <= 2 { y + 1 } else { y }, m, d)
}

// ----------------------------------------------------------------------------------------------------------
// JSON-LD with the published context
// ----------------------------------------------------------------------------------------------------------

/// How a context term wants its values.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Coercion {
    None,
    Id,
    Datatype(String),
}

struct TermDef {
    key: String,
    coercion: Coercion,
    set: bool,
}

/// The context's term definitions by IRI, and its prefixes.
struct Context {
    terms: BTreeMap<String, TermDef>,
    classes: BTreeMap<String, String>,
    prefixes: Vec<(String, String)>,
}

impl Context {
    fn parse() -> Self {
        let json: serde_json::Value = serde_json::from_str(CONTEXT_JSONLD).expect("ontology/context.jsonld is JSON");
        let ctx = json["@context"].as_object().expect("a @context object");
        let mut prefixes = Vec::new();
        for (k, v) in ctx {
            if let Some(s) = v.as_str() {
                if s.ends_with('#') || s.ends_with('/') {
                    prefixes.push((k.clone(), s.to_owned()));
                }
            }
        }
        prefixes.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then(a.0.cmp(&b.0)));
        let expand = |s: &str| -> String {
            if let Some((p, local)) = s.split_once(':') {
                if let Some((_, ns)) = prefixes.iter().find(|(k, _)| k == p) {
                    return format!("{ns}{local}");
                }
            }
            s.to_owned()
        };
        let mut terms = BTreeMap::new();
        let mut classes = BTreeMap::new();
        for (k, v) in ctx {
            if k.starts_with('@') {
                continue;
            }
            match v {
                serde_json::Value::String(s) if !s.starts_with('@') && !(s.ends_with('#') || s.ends_with('/')) => {
                    let iri = expand(s);
                    if k.chars().next().is_some_and(|c| c.is_uppercase()) {
                        classes.insert(iri, k.clone());
                    } else {
                        terms.insert(iri, TermDef { key: k.clone(), coercion: Coercion::None, set: false });
                    }
                }
                serde_json::Value::Object(o) => {
                    let iri = expand(o.get("@id").and_then(|v| v.as_str()).unwrap_or_default());
                    let coercion = match o.get("@type").and_then(|v| v.as_str()) {
                        Some("@id") => Coercion::Id,
                        Some(t) => Coercion::Datatype(expand(t)),
                        None => Coercion::None,
                    };
                    let set = o.get("@container").and_then(|v| v.as_str()) == Some("@set");
                    terms.insert(iri, TermDef { key: k.clone(), coercion, set });
                }
                _ => {}
            }
        }
        Context { terms, classes, prefixes }
    }

    /// An IRI as a compact IRI when a prefix fits (and the rest cannot be mistaken for an absolute IRI).
    fn compact(&self, iri: &str) -> String {
        for (p, ns) in &self.prefixes {
            if let Some(local) = iri.strip_prefix(ns.as_str()) {
                if !local.starts_with("//") && !local.is_empty() {
                    return format!("{p}:{local}");
                }
            }
        }
        iri.to_owned()
    }

    fn node_id(&self, s: &NamedOrBlankNode) -> String {
        match s {
            NamedOrBlankNode::NamedNode(n) => self.compact(n.as_str()),
            NamedOrBlankNode::BlankNode(b) => format!("_:{}", b.as_str()),
        }
    }

    /// The JSON value of one object under a property with the given term definition.
    fn value(&self, o: &Term, def: Option<&TermDef>) -> serde_json::Value {
        use serde_json::{json, Value};
        let coercion = def.map(|d| &d.coercion).unwrap_or(&Coercion::None);
        match o {
            Term::NamedNode(n) => {
                let id = self.compact(n.as_str());
                if *coercion == Coercion::Id {
                    Value::String(id)
                } else {
                    json!({ "@id": id })
                }
            }
            Term::BlankNode(b) => {
                let id = format!("_:{}", b.as_str());
                if *coercion == Coercion::Id {
                    Value::String(id)
                } else {
                    json!({ "@id": id })
                }
            }
            Term::Literal(l) => {
                if let Some(lang) = l.language() {
                    return json!({ "@value": l.value(), "@language": lang });
                }
                let dt = l.datatype();
                if dt == xsd::STRING {
                    return if *coercion == Coercion::None {
                        Value::String(l.value().to_owned())
                    } else {
                        json!({ "@value": l.value() })
                    };
                }
                if let Coercion::Datatype(d) = coercion {
                    if d == dt.as_str() {
                        return Value::String(l.value().to_owned());
                    }
                }
                if *coercion == Coercion::None {
                    if dt == xsd::INTEGER && canonical_integer(l.value()) {
                        if let Ok(i) = l.value().parse::<i64>() {
                            return json!(i);
                        }
                    }
                    if dt == xsd::BOOLEAN && (l.value() == "true" || l.value() == "false") {
                        return Value::Bool(l.value() == "true");
                    }
                }
                json!({ "@value": l.value(), "@type": self.compact(dt.as_str()) })
            }
            #[allow(unreachable_patterns)]
            other => json!({ "@id": other.to_string() }),
        }
    }
}

fn canonical_integer(v: &str) -> bool {
    let digits = v.strip_prefix('-').unwrap_or(v);
    !digits.is_empty()
        && digits.len() <= 15
        && digits.bytes().all(|b| b.is_ascii_digit())
        && (digits == "0" || !digits.starts_with('0'))
        && v != "-0"
}

/// Writes `{"@context": ..., "@graph": [ default-graph nodes..., {"@id": G, "@graph": [...]}, ... ]}` one
/// graph at a time.
struct JsonLdWriter<'w> {
    out: &'w mut dyn Write,
    context: Context,
    first: bool,
    n: usize,
}

impl<'w> JsonLdWriter<'w> {
    fn new(out: &'w mut dyn Write) -> Result<Self, ExportError> {
        let json: serde_json::Value = serde_json::from_str(CONTEXT_JSONLD).expect("context is JSON");
        let ctx = serde_json::to_string_pretty(&json["@context"]).expect("serializable");
        write!(out, "{{\n  \"@context\": {},\n  \"@graph\": [", indent(&ctx, 2))?;
        Ok(Self { out, context: Context::parse(), first: true, n: 0 })
    }

    /// Node objects of sorted quads of one graph: `id`, `type`, then the properties by key.
    fn nodes(&self, quads: &[Quad]) -> Vec<Vec<(String, serde_json::Value)>> {
        let mut nodes = Vec::new();
        let mut i = 0;
        while i < quads.len() {
            let subject = &quads[i].subject;
            let mut j = i;
            while j < quads.len() && &quads[j].subject == subject {
                j += 1;
            }
            let mut node: Vec<(String, serde_json::Value)> = Vec::new();
            node.push(("id".into(), serde_json::Value::String(self.context.node_id(subject))));
            let mut types = Vec::new();
            let mut props: Vec<(String, bool, Vec<serde_json::Value>)> = Vec::new();
            for q in &quads[i..j] {
                if q.predicate.as_ref() == rdf::TYPE {
                    if let Term::NamedNode(c) = &q.object {
                        let t = match self.context.classes.get(c.as_str()) {
                            Some(k) => k.clone(),
                            None => self.context.compact(c.as_str()),
                        };
                        types.push(serde_json::Value::String(t));
                        continue;
                    }
                }
                let def = self.context.terms.get(q.predicate.as_str());
                let key = match def {
                    Some(d) => d.key.clone(),
                    None => self.context.compact(q.predicate.as_str()),
                };
                let value = self.context.value(&q.object, def);
                match props.iter().position(|(k, _, _)| *k == key) {
                    Some(i) => props[i].2.push(value),
                    None => props.push((key, def.is_some_and(|d| d.set), vec![value])),
                }
            }
            if !types.is_empty() {
                node.push((
                    "type".into(),
                    if types.len() == 1 { types.pop().expect("one") } else { serde_json::Value::Array(types) },
                ));
            }
            props.sort_by(|a, b| a.0.cmp(&b.0));
            for (key, set, mut values) in props {
                let v = if values.len() == 1 && !set {
                    values.pop().expect("one")
                } else {
                    serde_json::Value::Array(values)
                };
                node.push((key, v));
            }
            nodes.push(node);
            i = j;
        }
        nodes
    }

    fn write_graph(&mut self, quads: &[Quad]) -> Result<(), ExportError> {
        if quads.is_empty() {
            return Ok(());
        }
        self.n += quads.len();
        let nodes = self.nodes(quads);
        let json = |v: &serde_json::Value| serde_json::to_string(v).expect("serializable");
        let node_text = |node: &[(String, serde_json::Value)], pad: &str| -> String {
            let fields: Vec<String> =
                node.iter().map(|(k, v)| format!("{pad}  {}: {}", json(&k.as_str().into()), json(v))).collect();
            format!("{pad}{{\n{}\n{pad}}}", fields.join(",\n"))
        };
        let mut items = Vec::new();
        match &quads[0].graph_name {
            GraphName::DefaultGraph => items.extend(nodes.iter().map(|n| node_text(n, "    "))),
            named => {
                let id = match named {
                    GraphName::NamedNode(g) => self.context.compact(g.as_str()),
                    other => other.to_string(),
                };
                let inner: Vec<String> = nodes.iter().map(|n| node_text(n, "        ")).collect();
                items.push(format!(
                    "    {{\n      \"id\": {},\n      \"@graph\": [\n{}\n      ]\n    }}",
                    json(&id.into()),
                    inner.join(",\n")
                ));
            }
        }
        for item in items {
            write!(self.out, "{}\n{item}", if self.first { "" } else { "," })?;
            self.first = false;
        }
        Ok(())
    }

    fn finish(self) -> Result<usize, ExportError> {
        writeln!(self.out, "\n  ]\n}}")?;
        Ok(self.n)
    }
}

fn indent(text: &str, by: usize) -> String {
    let pad = " ".repeat(by);
    text.lines().enumerate().map(|(i, l)| if i == 0 { l.to_owned() } else { format!("\n{pad}{l}") }).collect()
}

// ----------------------------------------------------------------------------------------------------------
// Tidy tables
// ----------------------------------------------------------------------------------------------------------

impl Table {
    /// The SPARQL that makes the table (one row per fact). `{filter}` restricts `?g` to the document
    /// graphs in scope; `{scope}` keeps the agencies and campaigns mentioned in them (all of them when the
    /// whole store is exported). Facts are read in their document's graph; labels, levels and parents of
    /// shared entities in the union (they live in the entities graph).
    fn sparql(self, filter: &str, scope: &str) -> String {
        let body = match self {
            Table::Outcomes => {
                r##"
SELECT ?outcome ?document_id ?document ?document_date ?metric_code ?metric ?metric_label ?value ?unit ?unit_text
       ?approximate ?agency ?agency_label ?campaign ?campaign_label ?operation ?crime_type ?crime_type_label
       ?period_start ?period_end ?direction ?comparison ?evidence_text ?evidence_start ?evidence_end
WHERE {
  GRAPH ?g {
    ?outcome a pk:Outcome ; prov:wasDerivedFrom ?document .
    ?document dcterms:identifier ?document_id .
    OPTIONAL { ?document dcterms:issued ?document_date }
    OPTIONAL { ?outcome pk:value ?value }
    OPTIONAL { ?outcome pk:unit ?unit }
    OPTIONAL { ?outcome pk:unitText ?unit_text }
    OPTIONAL { ?outcome pk:approximate ?approximate }
    OPTIONAL { ?outcome pk:operation ?operation }
    OPTIONAL { ?outcome pk:periodStart ?period_start }
    OPTIONAL { ?outcome pk:periodEnd ?period_end }
    OPTIONAL { ?outcome pk:direction ?direction }
    OPTIONAL { ?outcome pk:comparison ?comparison }
    OPTIONAL { ?outcome pk:evidence ?e . ?e pk:text ?evidence_text ; pk:start ?evidence_start ; pk:end ?evidence_end }
  }
  FILTER
  OPTIONAL { GRAPH ?g { ?outcome pk:metric ?metric } OPTIONAL { ?metric skos:notation ?metric_code }
             OPTIONAL { GRAPH <ONTOLOGY> { ?metric skos:prefLabel ?metric_label FILTER (LANG(?metric_label) = "zh") } } }
  OPTIONAL { GRAPH ?g { ?outcome pk:attributedTo ?agency } OPTIONAL { ?agency rdfs:label ?agency_label } }
  OPTIONAL { GRAPH ?g { ?outcome pk:campaign ?campaign } OPTIONAL { ?campaign rdfs:label ?campaign_label } }
  OPTIONAL { GRAPH ?g { ?outcome pk:crimeType ?crime_type } OPTIONAL { ?crime_type skos:prefLabel ?crime_type_label } }
}
ORDER BY ?document_id ?outcome"##
            }
            Table::Agencies => {
                r##"
SELECT ?agency ?label ?level ?parent ?parent_label ?jurisdiction ?jurisdiction_label ?adcode
       (GROUP_CONCAT(DISTINCT ?alt; SEPARATOR="|") AS ?alt_labels)
       (COUNT(DISTINCT ?document_id) AS ?documents) (GROUP_CONCAT(DISTINCT ?document_id; SEPARATOR="|") AS ?document_ids)
WHERE {
  ?agency a pk:Agency .
  SCOPE
  OPTIONAL { GRAPH ?g { ?agency pk:mentionedIn ?g } FILTER ?g dcterms:identifier ?document_id }
  OPTIONAL { ?agency rdfs:label ?label }
  OPTIONAL { ?agency pk:level ?level_iri BIND (STRAFTER(STR(?level_iri), "#") AS ?level) }
  OPTIONAL { ?agency org:subOrganizationOf ?parent . OPTIONAL { ?parent rdfs:label ?parent_label } }
  OPTIONAL { ?agency pk:jurisdiction ?jurisdiction . OPTIONAL { ?jurisdiction rdfs:label ?jurisdiction_label }
             OPTIONAL { ?jurisdiction pk:adcode ?adcode } }
  OPTIONAL { ?agency skos:altLabel ?alt }
}
GROUP BY ?agency ?label ?level ?parent ?parent_label ?jurisdiction ?jurisdiction_label ?adcode
ORDER BY ?agency"##
            }
            Table::Campaigns => {
                r##"
SELECT ?campaign ?label ?parent ?parent_label
       (GROUP_CONCAT(DISTINCT ?organizer_label; SEPARATOR="|") AS ?organizers)
       (GROUP_CONCAT(DISTINCT ?participant_label; SEPARATOR="|") AS ?participants)
       (MIN(?start) AS ?period_start) (MAX(?end) AS ?period_end)
       (COUNT(DISTINCT ?document_id) AS ?documents) (GROUP_CONCAT(DISTINCT ?document_id; SEPARATOR="|") AS ?document_ids)
WHERE {
  ?campaign a pk:Campaign .
  SCOPE
  OPTIONAL { GRAPH ?g { ?campaign pk:mentionedIn ?g } FILTER ?g dcterms:identifier ?document_id }
  OPTIONAL { ?campaign rdfs:label ?label }
  OPTIONAL { ?campaign pk:partOf ?parent . OPTIONAL { ?parent rdfs:label ?parent_label } }
  OPTIONAL { ?campaign pk:organizedBy/rdfs:label ?organizer_label }
  OPTIONAL { ?campaign pk:participant/rdfs:label ?participant_label }
  OPTIONAL { ?campaign pk:periodStart ?start }
  OPTIONAL { ?campaign pk:periodEnd ?end }
}
GROUP BY ?campaign ?label ?parent ?parent_label
ORDER BY ?campaign"##
            }
            Table::Operations => {
                r##"
SELECT ?operation ?label ?date ?document_id ?document
       (GROUP_CONCAT(DISTINCT STR(?by); SEPARATOR="|") AS ?conducted_by)
       (GROUP_CONCAT(DISTINCT ?by_label; SEPARATOR="|") AS ?conducted_by_labels)
       ?campaign ?campaign_label ?location ?location_label ?evidence_text ?evidence_start ?evidence_end
WHERE {
  GRAPH ?g {
    ?operation a pk:Operation ; prov:wasDerivedFrom ?document .
    ?document dcterms:identifier ?document_id .
    OPTIONAL { ?operation rdfs:label ?label }
    OPTIONAL { ?operation pk:date ?date }
    OPTIONAL { ?operation pk:evidence ?e . ?e pk:text ?evidence_text ; pk:start ?evidence_start ; pk:end ?evidence_end }
  }
  FILTER
  OPTIONAL { GRAPH ?g { ?operation pk:conductedBy ?by } OPTIONAL { ?by rdfs:label ?by_label } }
  OPTIONAL { GRAPH ?g { ?operation pk:partOf ?campaign } OPTIONAL { ?campaign rdfs:label ?campaign_label } }
  OPTIONAL { GRAPH ?g { ?operation pk:location ?location } OPTIONAL { ?location rdfs:label ?location_label } }
}
GROUP BY ?operation ?label ?date ?document_id ?document ?campaign ?campaign_label ?location ?location_label
         ?evidence_text ?evidence_start ?evidence_end
ORDER BY ?document_id ?operation"##
            }
        };
        body.replace("FILTER\n", &format!("{filter}\n"))
            .replace("} FILTER ?g", &format!("}} {filter} ?g"))
            .replace("SCOPE\n", &format!("{scope}\n"))
            .replace("<ONTOLOGY>", &format!("<{ONTOLOGY_GRAPH}>"))
    }
}

/// Writes a tidy table: a header row, one row per fact, IRIs and labels side by side; CSV quoted per
/// RFC 4180 (CRLF line ends), TSV with tabs and line breaks in values replaced by spaces. UTF-8, no BOM.
/// Returns the number of rows.
pub fn export_table(
    store: &KgStore,
    table: Table,
    scope: &Scope,
    iris: &Iris,
    tsv: bool,
    out: &mut dyn Write,
) -> Result<usize, ExportError> {
    let graphs = documents_in_scope(store, scope, iris)?;
    let everything = scope.is_everything();
    let in_scope = if everything {
        String::new()
    } else {
        let subject = match table {
            Table::Agencies => "?agency",
            _ => "?campaign",
        };
        format!(
            "FILTER EXISTS {{ GRAPH ?g0 {{ {subject} pk:mentionedIn ?g0 }} {} }}",
            graph_filter(&graphs, false).replace("?g ", "?g0 ")
        )
    };
    // Outcomes and operations live in document graphs: one query per document, in document order, so
    // memory stays bounded by one document. Agencies and campaigns are grouped over the whole scope.
    let queries: Vec<String> = match table {
        Table::Outcomes | Table::Operations => {
            graphs.iter().map(|g| table.sparql(&format!("VALUES ?g {{ {g} }}"), "")).collect()
        }
        Table::Agencies | Table::Campaigns => vec![table.sparql(&graph_filter(&graphs, everything), &in_scope)],
    };
    let end = if tsv { "\n" } else { "\r\n" };
    let cell = |s: &str| -> String {
        if tsv {
            s.replace(['\t', '\n', '\r'], " ")
        } else if s.contains([',', '"', '\n', '\r']) || s.starts_with(' ') || s.ends_with(' ') {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s.to_owned()
        }
    };
    let sep = if tsv { "\t" } else { "," };
    // The header, from the query's variables (also when there are no documents).
    let header_query = table.sparql("FILTER (false)", "FILTER (false)");
    let QueryResults::Solutions(empty) = query::evaluate(store, &header_query)? else {
        return Err(ExportError::Read("the table query returned no solutions".into()));
    };
    let variables: Vec<String> = empty.variables().iter().map(|v| v.as_str().to_owned()).collect();
    write!(out, "{}{end}", variables.iter().map(|v| cell(v)).collect::<Vec<_>>().join(sep))?;
    let mut n = 0;
    for sparql in &queries {
        let QueryResults::Solutions(rows) = query::evaluate(store, sparql)? else {
            return Err(ExportError::Read("the table query returned no solutions".into()));
        };
        for row in rows {
            let row = row.map_err(|e| QueryError::Evaluation(e.to_string()))?;
            let cells: Vec<String> = variables
                .iter()
                .map(|v| match row.get(v.as_str()) {
                    Some(Term::NamedNode(n)) => cell(n.as_str()),
                    Some(Term::Literal(l)) => cell(l.value()),
                    Some(other) => cell(&other.to_string()),
                    None => String::new(),
                })
                .collect();
            write!(out, "{}{end}", cells.join(sep))?;
            n += 1;
        }
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates() {
        assert_eq!(civil_date(0), "1970-01-01");
        assert_eq!(civil_date(19_000), "2022-01-08");
        assert_eq!(civil_date(11_016), "2000-02-29");
    }

    #[test]
    fn the_context_parses_and_knows_the_core_terms() {
        let c = Context::parse();
        assert_eq!(c.terms[&format!("{}value", pk::NS)].coercion, Coercion::Datatype(xsd::DECIMAL.as_str().into()));
        assert_eq!(c.terms[&format!("{}metric", pk::NS)].coercion, Coercion::Id);
        assert_eq!(c.classes[&format!("{}Outcome", pk::NS)], "Outcome");
        assert_eq!(c.compact(&format!("{}metric_rate", pk::NS)), "pk:metric_rate");
    }

    #[test]
    fn the_union_sorter_spills_merges_and_deduplicates() {
        let node = |s: &str| NamedNode::new_unchecked(format!("http://e/{s}"));
        let mut quads = Vec::new();
        for i in 0..300 {
            let g = GraphName::NamedNode(node(&format!("g{}", i % 3)));
            let object: Term = if i % 2 == 0 {
                Literal::new_simple_literal(format!("v\t{}\n\"x\"", i % 50)).into()
            } else {
                node(&format!("o{}", i % 7)).into()
            };
            quads.push(Quad::new(node(&format!("s{}", i % 11)), node("p"), object, g));
        }
        quads.push(Quad::new(node("s1"), rdf::TYPE, node("C"), GraphName::DefaultGraph));
        let run = |limit: usize| {
            let mut sorter = UnionSorter::new(limit);
            for q in &quads {
                sorter.push(q).unwrap();
            }
            let spilled = !sorter.chunks.is_empty() || limit < 1000;
            let mut out = Vec::new();
            sorter
                .finish(|t| {
                    out.push(t.clone());
                    Ok(())
                })
                .unwrap();
            (out, spilled)
        };
        let (in_memory, _) = run(usize::MAX);
        let (spilled, _) = run(200);
        assert_eq!(in_memory, spilled);
        let distinct: std::collections::HashSet<Triple> = quads.iter().map(|q| Triple::from(q.clone())).collect();
        assert_eq!(in_memory.len(), distinct.len());
        // Grouped by subject, rdf:type first.
        let s1: Vec<&Triple> = in_memory.iter().filter(|t| t.subject == node("s1").into()).collect();
        assert_eq!(s1[0].predicate.as_ref(), rdf::TYPE);
    }

    #[test]
    fn integers_are_native_only_when_canonical() {
        assert!(canonical_integer("0") && canonical_integer("12") && canonical_integer("-3"));
        assert!(
            !canonical_integer("012") && !canonical_integer("+1") && !canonical_integer("-0") && !canonical_integer("")
        );
    }
}
