//! Sorted RDF output: the sort order of exports, a writer that goes graph after graph, and the union of all
//! graphs through sorted chunks on disk.

use super::jsonld::JsonLdWriter;
use super::{ExportError, ExportFormat, EXTRA_PREFIXES};
use crate::vocab::{rdf, rdfs, PREFIXES};
use oxigraph::io::{RdfFormat, RdfParser, RdfSerializer};
use oxigraph::model::{GraphName, NamedNode, NamedOrBlankNode, Quad, Triple};
use std::collections::BTreeMap;
use std::io::Write;
/// Bytes of union records held in memory before a sorted chunk is written to a temporary file.
pub(super) const UNION_CHUNK_BYTES: usize = 256 << 20;

/// Sorts and deduplicates the triples of a union with bounded memory: records
/// (`subject \t rank \t predicate \t object` in N-Triples syntax, which escapes tabs and line breaks) are
/// sorted in memory up to a budget, then spilled as sorted chunks and merged.
pub(super) struct UnionSorter {
    buffer: Vec<String>,
    bytes: usize,
    limit: usize,
    chunks: Vec<std::path::PathBuf>,
}

impl UnionSorter {
    pub(super) fn new(limit: usize) -> Self {
        Self { buffer: Vec::new(), bytes: 0, limit, chunks: Vec::new() }
    }

    pub(super) fn push(&mut self, q: &Quad) -> std::io::Result<()> {
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

    pub(super) fn spill(&mut self) -> std::io::Result<()> {
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
    pub(super) fn finish(mut self, mut f: impl FnMut(&Triple) -> std::io::Result<()>) -> Result<(), ExportError> {
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
pub(super) fn record_triple(record: &str) -> Result<Triple, ExportError> {
    let bad = || ExportError::UnionRecord(record.to_owned());
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

pub(super) fn graph_key(g: &GraphName) -> String {
    match g {
        GraphName::DefaultGraph => String::new(),
        other => other.to_string(),
    }
}

/// Writes graph after graph: Oxigraph's serializers for N-Quads and TriG, our own JSON-LD writer.
pub(super) enum QuadWriter<'w> {
    Rdf(oxigraph::io::WriterQuadSerializer<&'w mut dyn Write>, usize),
    JsonLd(JsonLdWriter<'w>),
}

impl<'w> QuadWriter<'w> {
    pub(super) fn new(format: ExportFormat, out: &'w mut dyn Write) -> Result<Self, ExportError> {
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
    pub(super) fn write_graph(&mut self, quads: &[Quad]) -> Result<(), ExportError> {
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

    pub(super) fn finish(self) -> Result<usize, ExportError> {
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
pub(super) fn sorted(mut quads: Vec<Quad>) -> Vec<Quad> {
    pub(super) fn rank(p: &NamedNode) -> u8 {
        if p.as_ref() == rdf::TYPE {
            0
        } else if p.as_ref() == rdfs::LABEL {
            1
        } else {
            2
        }
    }
    pub(super) fn subject_key(s: &NamedOrBlankNode) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;
    use oxigraph::model::{Literal, Term};

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
}
