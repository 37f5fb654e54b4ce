//! A view file: a header line, then one line per row, `key TAB cell TAB cell …` (an empty cell is an
//! unbound variable), the rows in the named query's ORDER BY order. A cell is a tag and a text: `s` a
//! plain string, `d` an xsd:decimal, `i` an xsd:integer, `n` an IRI, `r` any other term in N-Triples
//! syntax; tabs, line breaks and backslashes in the text are escaped. The tags spare the reader an IRI
//! parse per typed literal, which was most of the time of reading a view.
//!
//! ```text
//! policekg-view 1 <view name> <ontology digest> <stamp>
//! ```
//!
//! Files are replaced whole (written to a temporary, then renamed), so a reader sees the old or the new
//! view, never half of one.

use super::{Row, Spec};
use crate::vocab::xsd;
use oxigraph::model::{Literal, NamedNode, Term};
use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::str::FromStr;

const MAGIC: &str = "policekg-view 1";

/// What a view file's header says: which view, of which ontology, for which state of the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    pub name: String,
    pub ontology: String,
    pub stamp: String,
}

impl Header {
    fn line(&self) -> String {
        format!("{MAGIC} {} {} {}", self.name, self.ontology, self.stamp)
    }

    fn parse(line: &str) -> Option<Self> {
        let mut words = line.strip_prefix(MAGIC)?.split_whitespace();
        let header = Header {
            name: words.next()?.to_owned(),
            ontology: words.next()?.to_owned(),
            stamp: words.next()?.to_owned(),
        };
        words.next().is_none().then_some(header)
    }
}

/// The rows of a view by key, as read from its file or being refreshed.
pub type KeyedRows = BTreeMap<String, Vec<Row>>;

pub fn path(dir: &Path, spec: &Spec) -> PathBuf {
    dir.join(format!("{}.rows", spec.name))
}

/// The header of a view file, if the file exists and starts with one.
pub fn read_header(path: &Path) -> std::io::Result<Option<Header>> {
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let mut first = String::new();
    BufReader::new(file).read_line(&mut first)?;
    Ok(Header::parse(first.trim_end()))
}

/// Every row of a view file by key. A line that does not parse is an error: the file is not ours.
pub fn read_keyed(path: &Path) -> std::io::Result<KeyedRows> {
    let mut rows = KeyedRows::new();
    for line in BufReader::new(File::open(path)?).lines().skip(1) {
        let line = line?;
        let (key, rest) = line.split_once('\t').ok_or_else(|| invalid(path, "a row without a key"))?;
        let row = parse_row(rest).ok_or_else(|| invalid(path, "a cell that is not an RDF term"))?;
        rows.entry(key.to_owned()).or_default().push(row);
    }
    Ok(rows)
}

/// The rows of a view file in order, each parsed as it is read (the file can be larger than memory allows
/// for parsed rows). `Some(Err)` on a line that does not parse.
pub fn stream_rows(path: &Path) -> std::io::Result<impl Iterator<Item = std::io::Result<Row>>> {
    let owned = path.to_owned();
    let lines = BufReader::new(File::open(path)?).lines().skip(1);
    Ok(lines.map(move |line| {
        let line = line?;
        let rest = line.split_once('\t').map_or("", |(_, rest)| rest);
        parse_row(rest).ok_or_else(|| invalid(&owned, "a cell that is not an RDF term"))
    }))
}

fn invalid(path: &Path, what: &str) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidData, format!("{}: {what}", path.display()))
}

fn parse_row(cells: &str) -> Option<Row> {
    cells.split('\t').map(|c| if c.is_empty() { Some(None) } else { decode_cell(c).map(Some) }).collect()
}

fn encode_cell(term: &Term, out: &mut String) {
    let (tag, text) = match term {
        Term::NamedNode(n) => ('n', n.as_str()),
        Term::Literal(l) if l.language().is_none() && l.datatype() == xsd::STRING => ('s', l.value()),
        Term::Literal(l) if l.datatype() == xsd::DECIMAL => ('d', l.value()),
        Term::Literal(l) if l.datatype() == xsd::INTEGER => ('i', l.value()),
        other => {
            // N-Triples escapes tabs and line breaks itself.
            out.push('r');
            out.push_str(&other.to_string());
            return;
        }
    };
    out.push(tag);
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
}

fn decode_cell(cell: &str) -> Option<Term> {
    let mut chars = cell.chars();
    let tag = chars.next()?;
    let rest = chars.as_str();
    if tag == 'r' {
        return Term::from_str(rest).ok();
    }
    let text = unescape(rest)?;
    Some(match tag {
        'n' => NamedNode::new(text).ok()?.into(),
        's' => Literal::new_simple_literal(text).into(),
        'd' => Literal::new_typed_literal(text, xsd::DECIMAL).into(),
        'i' => Literal::new_typed_literal(text, xsd::INTEGER).into(),
        _ => return None,
    })
}

fn unescape(text: &str) -> Option<String> {
    if !text.contains('\\') {
        return Some(text.to_owned());
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        out.push(match chars.next()? {
            't' => '\t',
            'n' => '\n',
            'r' => '\r',
            '\\' => '\\',
            _ => return None,
        });
    }
    Some(out)
}

/// A view's lines in the order of its file (the named query's ORDER BY), each encoded once for the
/// digest and the file.
pub struct Sorted {
    lines: Vec<String>,
}

impl Sorted {
    pub fn new(spec: &Spec, rows: &KeyedRows) -> Self {
        let mut keyed: Vec<(&str, &Row)> =
            rows.iter().flat_map(|(k, rs)| rs.iter().map(move |r| (k.as_str(), r))).collect();
        keyed.sort_by(|a, b| compare_rows(spec, a.1, b.1).then_with(|| a.0.cmp(b.0)));
        let lines = keyed
            .into_iter()
            .map(|(key, row)| {
                let mut line = String::with_capacity(128);
                line.push_str(key);
                for cell in row.iter() {
                    line.push('\t');
                    if let Some(term) = cell {
                        encode_cell(term, &mut line);
                    }
                }
                line.push('\n');
                line
            })
            .collect();
        Self { lines }
    }

    /// The lines of the file's body, in order, newline included.
    pub fn lines(&self) -> impl Iterator<Item = &str> {
        self.lines.iter().map(String::as_str)
    }
}

/// Writes the rows under `header`; replaces the file whole.
pub fn write(path: &Path, header: &Header, rows: &Sorted) -> std::io::Result<()> {
    let tmp = path.with_extension("partial");
    let mut out = BufWriter::new(File::create(&tmp)?);
    writeln!(out, "{}", header.line())?;
    for line in rows.lines() {
        out.write_all(line.as_bytes())?;
    }
    out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
    std::fs::rename(&tmp, path)
}

/// SPARQL's ORDER BY on the view's order columns (unbound first, then by lexical form), then every column,
/// so equal rows are adjacent (SELECT DISTINCT drops them) and the order does not depend on the keys.
pub fn compare_rows(spec: &Spec, a: &Row, b: &Row) -> Ordering {
    spec.order
        .iter()
        .copied()
        .chain(0..a.len().min(b.len()))
        .map(|i| compare_cells(a.get(i).and_then(Option::as_ref), b.get(i).and_then(Option::as_ref)))
        .find(|o| o.is_ne())
        .unwrap_or(Ordering::Equal)
}

fn compare_cells(a: Option<&Term>, b: Option<&Term>) -> Ordering {
    let rank = |t: Option<&Term>| match t {
        None => 0,
        Some(Term::BlankNode(_)) => 1,
        Some(Term::NamedNode(_)) => 2,
        Some(_) => 3,
    };
    rank(a).cmp(&rank(b)).then_with(|| lexical(a).cmp(lexical(b)))
}

fn lexical(t: Option<&Term>) -> &str {
    match t {
        Some(Term::NamedNode(n)) => n.as_str(),
        Some(Term::BlankNode(b)) => b.as_str(),
        Some(Term::Literal(l)) => l.value(),
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC: Spec = Spec { name: "test-view", variables: &["a", "b"], order: &[1], distinct: false };

    #[test]
    fn rows_round_trip_with_control_characters_and_unbound_cells() {
        let dir = tempfile::tempdir().unwrap();
        let path = path(dir.path(), &SPEC);
        let tricky = Literal::new_simple_literal("一\t二\n\"三\"\\");
        let mut rows = KeyedRows::new();
        rows.insert("k1".into(), vec![vec![Some(tricky.clone().into()), None]]);
        let iri = NamedNode::new("https://example.org/x").unwrap();
        rows.insert("k2".into(), vec![vec![Some(iri.into()), Some(Literal::from(3).into())]]);
        let dated = Literal::new_typed_literal("2024-01-01", xsd::DATE);
        let tagged = Literal::new_language_tagged_literal_unchecked("a\tb", "zh");
        let decimal = Literal::new_typed_literal("-1.5", xsd::DECIMAL);
        // In the order the file keeps: unbound first in the order column.
        rows.insert("k3".into(), vec![vec![Some(decimal.into()), None], vec![Some(dated.into()), Some(tagged.into())]]);
        let header = Header { name: SPEC.name.into(), ontology: "o".into(), stamp: "s".into() };
        write(&path, &header, &Sorted::new(&SPEC, &rows)).unwrap();
        assert_eq!(read_header(&path).unwrap(), Some(header));
        assert_eq!(read_keyed(&path).unwrap(), rows);
        // Unbound sorts first on the order column, then rows by their cells' lexical forms.
        let streamed: Vec<Row> = stream_rows(&path).unwrap().map(Result::unwrap).collect();
        assert_eq!(streamed.len(), 4);
        assert_eq!(streamed[1], vec![Some(tricky.into()), None]);
    }

    #[test]
    fn a_missing_file_has_no_header_and_a_foreign_line_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = path(dir.path(), &SPEC);
        assert_eq!(read_header(&path).unwrap(), None);
        std::fs::write(&path, "policekg-view 1 test-view o s\nk\tnot a term\n").unwrap();
        let err = read_keyed(&path).unwrap_err();
        assert!(err.to_string().contains("test-view.rows"), "{err}");
    }
}
