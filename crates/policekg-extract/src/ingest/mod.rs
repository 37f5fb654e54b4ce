//! Ingest: files, folders and JSONL streams in, [`Article`]s out.
//!
//! * [`collect_inputs`] walks the command-line paths (folders recursively, sorted);
//! * [`read_file`] reads one file: one article, or one per line for JSONL (streamed);
//! * [`read_jsonl`] reads a JSONL stream such as stdin;
//! * [`parse_document`] turns one document's bytes into an [`Article`].
//!
//! Encodings (UTF-8 with or without BOM, GB18030/GBK, Big5) are detected in [`encoding`]; YAML front
//! matter and dates are read in [`frontmatter`]; HTML (whole pages, or HTML bodies of `.txt`/`.md` files
//! and JSONL `text` fields) in [`html`]; Traditional script is mapped to Simplified char for char in
//! [`script`]. Nothing here panics on input-derived data: every problem is an [`IngestError`] naming the
//! file (and the line, for JSONL).

pub mod encoding;
pub mod frontmatter;
pub mod html;
pub mod jsonl;
pub mod script;
pub mod text;

use std::io::Read;
use std::path::{Path, PathBuf};

/// Largest document (file or JSONL `text`) read, in bytes. Bigger files are reported, not truncated.
pub const MAX_DOCUMENT_BYTES: u64 = 8 * 1024 * 1024;
/// Largest single JSONL line, in bytes; a longer line is reported (and skipped without buffering it).
pub const MAX_JSONL_LINE_BYTES: usize = 16 * 1024 * 1024;

/// One input article, ready for extraction.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Article {
    /// `dcterms:identifier`: the file name without extension, or the JSONL `id`.
    pub id: String,
    pub title: Option<String>,
    /// Publication date as xsd:date (`YYYY-MM-DD`) when known.
    pub date: Option<String>,
    /// URL of the original, when known.
    pub source: Option<String>,
    pub author: Option<String>,
    /// Body text as read (original script, markup removed, entities decoded). Evidence offsets count
    /// Unicode scalar values into this string.
    pub body: String,
    /// The body in Simplified script, with exactly as many chars as `body`, char for char, so offsets
    /// found in it are offsets into `body`. Equal to `body` when the text is already Simplified.
    pub simplified: String,
    /// Where it came from, for messages: `path` or `path:line`.
    pub origin: String,
}

impl Article {
    /// Whether the body was detected as Traditional script (and `simplified` differs from it).
    pub fn is_traditional(&self) -> bool {
        self.simplified != self.body
    }
}

/// Why an input could not be read. Every variant names the file (and line, for JSONL).
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("{path}: cannot read: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{origin}: {reason}")]
    Invalid { origin: String, reason: String },
}

impl IngestError {
    pub(crate) fn invalid(origin: &str, reason: impl Into<String>) -> Self {
        IngestError::Invalid { origin: origin.to_string(), reason: reason.into() }
    }

    pub(crate) fn io(path: &str, source: std::io::Error) -> Self {
        IngestError::Io { path: path.to_string(), source }
    }

    /// The file (or `file:line`) the error is about.
    pub fn origin(&self) -> &str {
        match self {
            IngestError::Io { path, .. } => path,
            IngestError::Invalid { origin, .. } => origin,
        }
    }
}

/// What kind of input a path is, from its extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    Text,
    Markdown,
    Html,
    Jsonl,
}

impl InputKind {
    /// The kind for a path, from its extension (case-insensitive); `-` is JSONL on stdin.
    pub fn from_path(path: &Path) -> Option<InputKind> {
        if path.as_os_str() == "-" {
            return Some(InputKind::Jsonl);
        }
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "txt" | "text" => Some(InputKind::Text),
            "md" | "markdown" => Some(InputKind::Markdown),
            "html" | "htm" | "xhtml" => Some(InputKind::Html),
            "jsonl" | "ndjson" => Some(InputKind::Jsonl),
            _ => None,
        }
    }
}

/// Display form of a path for messages.
pub(crate) fn display(path: &Path) -> String {
    path.display().to_string()
}

/// Every input file under `inputs` (folders walked recursively, sorted, unknown extensions skipped).
///
/// `-` is passed through as `("-", InputKind::Jsonl)`: [`read_file`] reads it from stdin. A file named
/// explicitly with an unknown extension, or a path that does not exist, is an error naming it. Only
/// regular files are read: a FIFO, socket or device (which could block a build forever) is an error
/// naming it, as is a second file that would get the same document id as an earlier one (`a.txt` and
/// `a.md`): it names both, and the second is not read.
pub fn collect_inputs(inputs: &[PathBuf]) -> Vec<Result<(PathBuf, InputKind), IngestError>> {
    let mut out = collect_paths(inputs);
    refuse_same_ids(&mut out);
    out
}

/// The document id a (non-JSONL) file gets: its name without the extension.
pub fn document_id(path: &Path) -> String {
    path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| display(path))
}

/// Turns every file whose document id an earlier file already has into an error naming both.
fn refuse_same_ids(inputs: &mut [Result<(PathBuf, InputKind), IngestError>]) {
    let mut first: std::collections::HashMap<String, PathBuf> = std::collections::HashMap::new();
    for input in inputs.iter_mut() {
        let Ok((path, kind)) = input else { continue };
        if *kind == InputKind::Jsonl {
            continue; // a JSONL file's ids are on its lines
        }
        let id = document_id(path);
        match first.get(&id) {
            Some(earlier) => {
                let reason = format!(
                    "would get the same document id {id:?} as {}: rename one of them (this one is not read)",
                    display(earlier)
                );
                *input = Err(IngestError::invalid(&display(path), reason));
            }
            None => {
                first.insert(id, path.clone());
            }
        }
    }
}

/// Why a path that is neither a folder nor a regular file is not read.
fn not_regular(meta: &std::fs::Metadata) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let t = meta.file_type();
        if t.is_fifo() {
            return "is a FIFO (named pipe), not a regular file: not read";
        }
        if t.is_socket() {
            return "is a socket, not a regular file: not read";
        }
        if t.is_block_device() || t.is_char_device() {
            return "is a device, not a regular file: not read";
        }
    }
    let _ = meta;
    "is not a regular file: not read"
}

fn collect_paths(inputs: &[PathBuf]) -> Vec<Result<(PathBuf, InputKind), IngestError>> {
    let mut out = Vec::new();
    for input in inputs {
        if input.as_os_str() == "-" {
            out.push(Ok((input.clone(), InputKind::Jsonl)));
            continue;
        }
        let meta = match std::fs::metadata(input) {
            Ok(m) => m,
            Err(e) => {
                let reason = if e.kind() == std::io::ErrorKind::NotFound {
                    "no such file or directory".to_string()
                } else {
                    format!("cannot access: {e}")
                };
                out.push(Err(IngestError::invalid(&display(input), reason)));
                continue;
            }
        };
        if meta.is_dir() {
            let mut found = Vec::new();
            let mut visited = std::collections::HashSet::new();
            walk(input, &mut found, &mut visited, 0);
            // Errors are reported in walk order; files sorted by path for determinism.
            let (mut files, errors): (Vec<_>, Vec<_>) = found.into_iter().partition(|r| r.is_ok());
            files.sort_by(|a, b| match (a, b) {
                (Ok((pa, _)), Ok((pb, _))) => pa.cmp(pb),
                _ => std::cmp::Ordering::Equal,
            });
            out.extend(errors);
            out.extend(files);
        } else if !meta.is_file() {
            out.push(Err(IngestError::invalid(&display(input), not_regular(&meta))));
        } else {
            match InputKind::from_path(input) {
                Some(kind) => out.push(Ok((input.clone(), kind))),
                None => out.push(Err(IngestError::invalid(
                    &display(input),
                    "unknown input type (expected .txt, .md, .html, .htm or .jsonl)",
                ))),
            }
        }
    }
    out
}

const MAX_WALK_DEPTH: usize = 64;

fn walk(
    dir: &Path,
    out: &mut Vec<Result<(PathBuf, InputKind), IngestError>>,
    visited: &mut std::collections::HashSet<PathBuf>,
    depth: usize,
) {
    if depth > MAX_WALK_DEPTH {
        out.push(Err(IngestError::invalid(&display(dir), "folders nested too deeply; not walked")));
        return;
    }
    // Guard against symlink loops.
    if let Ok(canon) = std::fs::canonicalize(dir) {
        if !visited.insert(canon) {
            return;
        }
    }
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            out.push(Err(IngestError::io(&display(dir), e)));
            return;
        }
    };
    let mut paths = Vec::new();
    for entry in entries {
        match entry {
            Ok(entry) => paths.push(entry.path()),
            Err(e) => out.push(Err(IngestError::io(&display(dir), e))),
        }
    }
    paths.sort();
    for path in paths {
        // Hidden files and folders (.git, .DS_Store, editor swap files) are not inputs, nor are a folder's
        // own README/LICENSE/CHANGELOG files (a file named explicitly on the command line always is).
        if path.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with('.')) || is_folder_doc(&path) {
            continue;
        }
        match std::fs::metadata(&path) {
            Ok(m) if m.is_dir() => walk(&path, out, visited, depth + 1),
            Ok(m) => {
                if let Some(kind) = InputKind::from_path(&path) {
                    out.push(if m.is_file() {
                        Ok((path, kind))
                    } else {
                        Err(IngestError::invalid(&display(&path), not_regular(&m)))
                    });
                }
            }
            Err(e) => {
                // A dangling symlink or unreadable entry: report only if it looks like an input.
                if InputKind::from_path(&path).is_some() {
                    out.push(Err(IngestError::io(&display(&path), e)));
                }
            }
        }
    }
}

/// Whether a path is a folder's own documentation (`README.md`, `LICENSE.txt`, ...), skipped when walking.
fn is_folder_doc(path: &Path) -> bool {
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("").to_ascii_uppercase();
    matches!(stem.as_str(), "README" | "LICENSE" | "LICENCE" | "CHANGELOG" | "COPYING" | "NOTICE")
}

/// Reads every article of files and folders, one after the other (sequentially and streamed: the build
/// pipeline reads in parallel itself). An unreadable input is an error item, and reading goes on.
pub fn read_inputs(inputs: &[PathBuf]) -> impl Iterator<Item = Result<Article, IngestError>> {
    collect_inputs(inputs).into_iter().flat_map(|input| -> Box<dyn Iterator<Item = _> + Send> {
        match input {
            Ok((path, kind)) => read_file(&path, kind),
            Err(e) => Box::new(std::iter::once(Err(e))),
        }
    })
}

/// Reads one file: one article, or for JSONL one per line (streamed, so memory stays bounded).
///
/// The path `-` with [`InputKind::Jsonl`] reads JSONL from stdin.
pub fn read_file(path: &Path, kind: InputKind) -> Box<dyn Iterator<Item = Result<Article, IngestError>> + Send> {
    let origin = display(path);
    if kind == InputKind::Jsonl {
        if path.as_os_str() == "-" {
            return read_jsonl(std::io::BufReader::new(std::io::stdin()), "<stdin>");
        }
        return match std::fs::File::open(path) {
            Ok(f) => match f.metadata() {
                Ok(m) if m.is_dir() => Box::new(std::iter::once(Err(IngestError::invalid(&origin, "is a directory")))),
                _ => read_jsonl(std::io::BufReader::with_capacity(64 * 1024, f), &origin),
            },
            Err(e) => Box::new(std::iter::once(Err(IngestError::io(&origin, e)))),
        };
    }
    let id = document_id(path);
    let result = read_bytes(path, &origin).and_then(|bytes| parse_document(&id, &origin, kind, &bytes));
    Box::new(std::iter::once(result))
}

/// Reads a whole (non-JSONL) file, refusing directories and files over [`MAX_DOCUMENT_BYTES`].
fn read_bytes(path: &Path, origin: &str) -> Result<Vec<u8>, IngestError> {
    let file = std::fs::File::open(path).map_err(|e| IngestError::io(origin, e))?;
    if let Ok(meta) = file.metadata() {
        if meta.is_dir() {
            return Err(IngestError::invalid(origin, "is a directory"));
        }
        if meta.len() > MAX_DOCUMENT_BYTES {
            return Err(too_big(origin, meta.len()));
        }
    }
    let mut bytes = Vec::new();
    file.take(MAX_DOCUMENT_BYTES + 1).read_to_end(&mut bytes).map_err(|e| IngestError::io(origin, e))?;
    if bytes.len() as u64 > MAX_DOCUMENT_BYTES {
        return Err(too_big(origin, bytes.len() as u64));
    }
    Ok(bytes)
}

fn too_big(origin: &str, len: u64) -> IngestError {
    IngestError::invalid(
        origin,
        format!(
            "file too large ({:.1} MiB; the limit for one document is {} MiB)",
            len as f64 / (1024.0 * 1024.0),
            MAX_DOCUMENT_BYTES / (1024 * 1024)
        ),
    )
}

/// Reads a JSONL stream (e.g. stdin), one article per line.
///
/// Lines are read one at a time (at most [`MAX_JSONL_LINE_BYTES`] each), so memory stays bounded for any
/// size of stream. A bad line yields an `Err` naming `origin:line`; the following lines are still read.
/// Blank lines are skipped; a stream without any article line yields one error.
pub fn read_jsonl<R: std::io::BufRead + Send + 'static>(
    reader: R,
    origin: &str,
) -> Box<dyn Iterator<Item = Result<Article, IngestError>> + Send> {
    Box::new(jsonl::JsonlReader::new(reader, origin))
}

/// Decodes and parses one document's bytes (`id` is the file stem).
///
/// For [`InputKind::Jsonl`] the bytes are one JSON object (one line); see [`jsonl::parse_line`].
pub fn parse_document(id: &str, origin: &str, kind: InputKind, bytes: &[u8]) -> Result<Article, IngestError> {
    if bytes.len() as u64 > MAX_DOCUMENT_BYTES {
        return Err(too_big(origin, bytes.len() as u64));
    }
    if kind == InputKind::Jsonl {
        return jsonl::parse_line(bytes, origin);
    }
    let decoded = encoding::decode(bytes).map_err(|reason| IngestError::invalid(origin, reason))?;
    let mut article = match kind {
        InputKind::Html => {
            let page = html::extract_page(&decoded, false);
            Article {
                title: page.title,
                date: page.date,
                source: page.source,
                author: page.author,
                body: page.body,
                ..Article::default()
            }
        }
        InputKind::Text | InputKind::Markdown | InputKind::Jsonl => {
            let fm = frontmatter::split(&decoded);
            let meta = fm.meta;
            let body_src = fm.body;
            let html::Page { mut title, mut date, source, author, body } =
                page_or_text(body_src, kind == InputKind::Markdown);
            if title.is_none() && kind == InputKind::Markdown && !html::looks_like_html(body_src) {
                title = text::markdown_title(body_src);
            }
            if title.is_none() && kind == InputKind::Text {
                title = text::first_line_title(&body);
            }
            if date.is_none() {
                date = frontmatter::date_near_top(&body);
            }
            Article {
                title: meta.title.or(title),
                date: meta.date.or(date),
                source: meta.source.or(source),
                author: meta.author.or(author),
                body,
                ..Article::default()
            }
        }
    };
    finish(&mut article, id, origin)?;
    Ok(article)
}

/// A body that may be an HTML page or text (a JSONL field, a file under its front matter): the page's
/// metadata and main text, or the text decoded (entities; Markdown when `markdown`) and normalised.
fn page_or_text(src: &str, markdown: bool) -> html::Page {
    if html::looks_like_html(src) {
        return html::extract_page(src, html::keep_source_newlines(src));
    }
    let plain = text::decode_entities(src);
    let plain = if markdown { text::strip_markdown(&plain) } else { plain };
    html::Page { body: text::normalize(&plain), ..html::Page::default() }
}

/// Whether `s` is an absolute http(s) URL (what `source` may hold: a publisher's name or a relative link is
/// not the URL of the original).
pub fn is_web_url(s: &str) -> bool {
    let lower = s.get(..8).unwrap_or(s).to_ascii_lowercase();
    (lower.starts_with("http://") || lower.starts_with("https://"))
        && s.len() > 10
        && !s.chars().any(|c| {
            c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | '"' | '{' | '}' | '|' | '\\' | '^' | '`')
        })
}

/// Common last steps: checks, id, origin, Simplified text.
pub(crate) fn finish(article: &mut Article, id: &str, origin: &str) -> Result<(), IngestError> {
    if article.body.trim().is_empty() {
        return Err(IngestError::invalid(origin, "no body text"));
    }
    article.id = id.to_string();
    article.origin = origin.to_string();
    let clean = |t: String| text::normalize_inline(&text::decode_entities(&t));
    article.title = article.title.take().map(clean).filter(|t| !t.is_empty());
    article.author = article.author.take().map(clean).filter(|t| !t.is_empty());
    article.source = article.source.take().map(|t| t.trim().to_string()).filter(|t| is_web_url(t));
    article.simplified = script::to_simplified_aligned(&article.body);
    Ok(())
}

#[cfg(test)]
mod tests;
