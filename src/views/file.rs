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
use rayon::slice::ParallelSliceMut;
use rustc_hash::FxHashMap;
use std::borrow::Cow;
use std::cmp::Ordering;
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Seek, SeekFrom, Write};
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

/// One row as a view keeps it, in memory as in its file: its cells encoded and separated by tabs. A row of
/// terms takes ten times the memory, and a view at 100,000 documents has over a million rows.
pub type Line = String;

/// The lines of a view by key, as read from its file or being refreshed (in no order: the file's is the
/// lines' own, see [`write_unsealed`]).
pub type KeyedLines = FxHashMap<String, Vec<Line>>;

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

/// Every line of a view file by key. A line that does not parse is an error: the file is not ours.
pub fn read_keyed(path: &Path) -> std::io::Result<KeyedLines> {
    let mut lines = KeyedLines::default();
    for line in BufReader::new(File::open(path)?).lines().skip(1) {
        let line = line?;
        let (key, rest) = line.split_once('\t').ok_or_else(|| invalid(path, "a row without a key"))?;
        parse_row(rest).ok_or_else(|| invalid(path, "a cell that is not an RDF term"))?;
        match lines.get_mut(key) {
            Some(rows) => rows.push(rest.to_owned()),
            None => _ = lines.insert(key.to_owned(), vec![rest.to_owned()]),
        }
    }
    Ok(lines)
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

/// The cells of a row, encoded: the one line of the product of one-valued columns.
#[cfg(test)]
fn encode_row(row: &Row) -> Line {
    let columns: Vec<Vec<Option<Term>>> = row.iter().map(|cell| vec![cell.clone()]).collect();
    encode_product(&columns).remove(0)
}

/// The rows of every combination of one value from each column, encoded: each value is encoded once, and a
/// column of one value (most are) is appended to every line in place.
pub fn encode_product(columns: &[Vec<Option<Term>>]) -> Vec<Line> {
    let mut lines = vec![String::with_capacity(96)];
    for (i, column) in columns.iter().enumerate() {
        let separator = if i == 0 { "" } else { "\t" };
        let encoded: Vec<String> = column
            .iter()
            .map(|cell| {
                let mut text = String::new();
                if let Some(term) = cell {
                    encode_cell(term, &mut text);
                }
                text
            })
            .collect();
        if let [only] = encoded.as_slice() {
            for line in &mut lines {
                line.push_str(separator);
                line.push_str(only);
            }
        } else {
            lines = lines
                .iter()
                .flat_map(|line| encoded.iter().map(move |cell| format!("{line}{separator}{cell}")))
                .collect();
        }
    }
    lines
}

/// The term in `column` of an encoded row (`None` when it is unbound or does not parse).
pub fn decode_cell_at(line: &str, column: usize) -> Option<Term> {
    line.split('\t').nth(column).filter(|c| !c.is_empty()).and_then(decode_cell)
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

/// Writes a view's lines in the named query's order to a temporary beside `path`, under `header`, handing
/// each line (key, cells and newline, as written) to `each_line`; returns the temporary for [`seal`].
pub fn write_unsealed(
    path: &Path,
    header: &Header,
    spec: &Spec,
    lines: &KeyedLines,
    mut each_line: impl FnMut(&str),
) -> std::io::Result<PathBuf> {
    let mut keyed: Vec<(&str, &str)> =
        lines.iter().flat_map(|(k, ls)| ls.iter().map(move |l| (k.as_str(), l.as_str()))).collect();
    keyed.par_sort_unstable_by(|a, b| compare_lines(spec, a.1, b.1).then_with(|| a.0.cmp(b.0)));
    let tmp = path.with_extension("partial");
    let mut out = BufWriter::new(File::create(&tmp)?);
    writeln!(out, "{}", header.line())?;
    let mut written = String::with_capacity(256);
    for (key, cells) in keyed {
        written.clear();
        written.push_str(key);
        written.push('\t');
        written.push_str(cells);
        written.push('\n');
        each_line(&written);
        out.write_all(written.as_bytes())?;
    }
    out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
    Ok(tmp)
}

/// Gives a file from [`write_unsealed`] its final header (of the same length: only the stamp differs) and
/// puts it in place of `path`, whole.
pub fn seal(unsealed: &Path, path: &Path, header: &Header) -> std::io::Result<()> {
    let line = header.line();
    let mut file = std::fs::OpenOptions::new().read(true).write(true).open(unsealed)?;
    let mut first = String::new();
    BufReader::new(&mut file).read_line(&mut first)?;
    if first.trim_end().len() != line.len() {
        return Err(invalid(unsealed, "a header of another length than its stamp needs"));
    }
    file.seek(SeekFrom::Start(0))?;
    file.write_all(line.as_bytes())?;
    file.sync_all()?;
    std::fs::rename(unsealed, path)
}

/// Writes `lines` under `header` in place of `path` at once (a view whose stamp is known beforehand).
#[cfg(test)]
pub fn write(path: &Path, header: &Header, spec: &Spec, lines: &KeyedLines) -> std::io::Result<()> {
    let unsealed = write_unsealed(path, header, spec, lines, |_| {})?;
    seal(&unsealed, path, header)
}

/// [`compare_rows`] on encoded rows, without decoding them (only a cell of the `r` tag is parsed).
pub fn compare_lines(spec: &Spec, a: &str, b: &str) -> Ordering {
    fn cell(line: &str, i: usize) -> Option<&str> {
        line.split('\t').nth(i)
    }
    let columns = line_cells(a).min(line_cells(b));
    spec.order
        .iter()
        .copied()
        .chain(0..columns)
        .map(|i| compare_encoded(cell(a, i).unwrap_or(""), cell(b, i).unwrap_or("")))
        .find(|o| o.is_ne())
        .unwrap_or(Ordering::Equal)
}

fn line_cells(line: &str) -> usize {
    line.bytes().filter(|b| *b == b'\t').count() + 1
}

fn compare_encoded(a: &str, b: &str) -> Ordering {
    let rank = |cell: &str| match cell.as_bytes() {
        [] => 0,
        [b'r', b'_', b':', ..] => 1,
        [b'n', ..] => 2,
        _ => 3,
    };
    rank(a).cmp(&rank(b)).then_with(|| encoded_lexical(a).cmp(&encoded_lexical(b)))
}

/// The lexical form [`lexical`] gives of an encoded cell's term.
fn encoded_lexical(cell: &str) -> Cow<'_, str> {
    match cell.split_at_checked(1) {
        None => Cow::Borrowed(""),
        Some(("r", nt)) => {
            Cow::Owned(Term::from_str(nt).map_or_else(|_| String::new(), |t| lexical(Some(&t)).to_owned()))
        }
        Some((_, text)) if !text.contains('\\') => Cow::Borrowed(text),
        Some((_, text)) => Cow::Owned(unescape(text).unwrap_or_default()),
    }
}

/// SPARQL's ORDER BY on the view's order columns (unbound first, then by lexical form), then every column,
/// so equal rows are adjacent (SELECT DISTINCT drops them) and the order does not depend on the keys. The
/// files are sorted by [`compare_lines`], which must agree with it.
#[cfg(test)]
fn compare_rows(spec: &Spec, a: &Row, b: &Row) -> Ordering {
    spec.order
        .iter()
        .copied()
        .chain(0..a.len().min(b.len()))
        .map(|i| compare_cells(a.get(i).and_then(Option::as_ref), b.get(i).and_then(Option::as_ref)))
        .find(|o| o.is_ne())
        .unwrap_or(Ordering::Equal)
}

#[cfg(test)]
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
    use oxigraph::model::BlankNode;

    const SPEC: Spec = Spec { name: "test-view", variables: &["a", "b"], order: &[1], distinct: false };

    fn keyed(rows: Vec<(&str, Vec<Row>)>) -> KeyedLines {
        rows.into_iter().map(|(k, rs)| (k.to_owned(), rs.iter().map(encode_row).collect())).collect()
    }

    #[test]
    fn rows_round_trip_with_control_characters_and_unbound_cells() {
        let dir = tempfile::tempdir().unwrap();
        let path = path(dir.path(), &SPEC);
        let tricky = Literal::new_simple_literal("一\t二\n\"三\"\\");
        let iri = NamedNode::new("https://example.org/x").unwrap();
        let dated = Literal::new_typed_literal("2024-01-01", xsd::DATE);
        let tagged = Literal::new_language_tagged_literal_unchecked("a\tb", "zh");
        let decimal = Literal::new_typed_literal("-1.5", xsd::DECIMAL);
        let lines = keyed(vec![
            ("k1", vec![vec![Some(tricky.clone().into()), None]]),
            ("k2", vec![vec![Some(iri.into()), Some(Literal::from(3).into())]]),
            ("k3", vec![vec![Some(decimal.into()), None], vec![Some(dated.into()), Some(tagged.into())]]),
        ]);
        let header = Header { name: SPEC.name.into(), ontology: "o".into(), stamp: "s".into() };
        write(&path, &header, &SPEC, &lines).unwrap();
        assert_eq!(read_header(&path).unwrap(), Some(header));
        assert_eq!(read_keyed(&path).unwrap(), lines);
        assert_eq!(decode_cell_at(&lines["k2"][0], 1), Some(Literal::from(3).into()));
        assert_eq!(decode_cell_at(&lines["k1"][0], 1), None);
        // Unbound sorts first on the order column, then rows by their cells' lexical forms.
        let streamed: Vec<Row> = stream_rows(&path).unwrap().map(Result::unwrap).collect();
        assert_eq!(streamed.len(), 4);
        assert_eq!(streamed[1], vec![Some(tricky.into()), None]);
    }

    #[test]
    fn encoded_rows_sort_as_their_terms_do() {
        let terms: Vec<Option<Term>> = vec![
            None,
            Some(BlankNode::new_unchecked("b1").into()),
            Some(NamedNode::new_unchecked("https://example.org/a").into()),
            Some(NamedNode::new_unchecked("https://example.org/a\\b").into()),
            Some(Literal::new_simple_literal("公安局").into()),
            Some(Literal::new_simple_literal("a\\b").into()),
            Some(Literal::new_simple_literal("a\tb").into()),
            Some(Literal::new_simple_literal("a]").into()),
            Some(Literal::new_simple_literal("").into()),
            Some(Literal::new_typed_literal("10.5", xsd::DECIMAL).into()),
            Some(Literal::new_typed_literal("9", xsd::INTEGER).into()),
            Some(Literal::new_typed_literal("2024-01-01", xsd::DATE).into()),
            Some(Literal::new_language_tagged_literal_unchecked("a\\c", "zh").into()),
        ];
        let rows: Vec<Row> = terms.iter().flat_map(|a| terms.iter().map(move |b| vec![a.clone(), b.clone()])).collect();
        for a in &rows {
            for b in &rows {
                let expected = compare_rows(&SPEC, a, b);
                assert_eq!(compare_lines(&SPEC, &encode_row(a), &encode_row(b)), expected, "{a:?} {b:?}");
            }
        }
    }

    #[test]
    fn the_product_is_the_cross_join_and_an_empty_required_column_gives_no_row() {
        let one = Some(Term::from(Literal::from(1)));
        let two = Some(Term::from(Literal::new_simple_literal("二")));
        let row = |cells: &[&Option<Term>]| encode_row(&cells.iter().map(|c| (*c).clone()).collect());
        let lines = encode_product(&[vec![one.clone(), two.clone()], vec![None], vec![two.clone(), one.clone()]]);
        let expected: Vec<Line> = [[&one, &None, &two], [&one, &None, &one], [&two, &None, &two], [&two, &None, &one]]
            .iter()
            .map(|cells| row(cells))
            .collect();
        assert_eq!(lines, expected);
        assert!(encode_product(&[vec![one], Vec::new(), vec![two]]).is_empty());
    }

    #[test]
    fn an_unsealed_file_is_not_in_place_until_sealed_with_its_stamp() {
        let dir = tempfile::tempdir().unwrap();
        let path = path(dir.path(), &SPEC);
        let lines = keyed(vec![("k", vec![vec![Some(Literal::from(1).into()), None]])]);
        let blank = Header { name: SPEC.name.into(), ontology: "o".into(), stamp: "0000".into() };
        let mut digested = String::new();
        let unsealed = write_unsealed(&path, &blank, &SPEC, &lines, |l| digested.push_str(l)).unwrap();
        assert_eq!(digested, "k\ti1\t\n");
        assert_eq!(read_header(&path).unwrap(), None);
        let longer = Header { stamp: "12345".into(), ..blank.clone() };
        assert!(seal(&unsealed, &path, &longer).is_err());
        let stamped = Header { stamp: "abcd".into(), ..blank };
        seal(&unsealed, &path, &stamped).unwrap();
        assert_eq!(read_header(&path).unwrap(), Some(stamped));
        assert_eq!(read_keyed(&path).unwrap(), lines);
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
