//! JSONL: one article per line, fields `id`, `title`, `date`, `url`, `text` (`text` may hold HTML).
//!
//! Streamed line by line with a cap on a single line's size ([`super::MAX_JSONL_LINE_BYTES`]): an
//! over-long line is skipped without being buffered and reported as an error naming `origin:line`.

use std::io::BufRead;

use serde_json::Value;

use super::{finish, frontmatter, html, Article, IngestError, MAX_JSONL_LINE_BYTES};

/// Iterator over the articles of a JSONL stream.
pub struct JsonlReader<R> {
    reader: R,
    origin: String,
    line_no: usize,
    seen_article_line: bool,
    done: bool,
    max_line: usize,
    buf: Vec<u8>,
}

impl<R: BufRead> JsonlReader<R> {
    pub fn new(reader: R, origin: &str) -> Self {
        Self::with_max_line(reader, origin, MAX_JSONL_LINE_BYTES)
    }

    /// A reader with a custom cap on line length (for tests).
    pub fn with_max_line(reader: R, origin: &str, max_line: usize) -> Self {
        JsonlReader {
            reader,
            origin: origin.to_string(),
            line_no: 0,
            seen_article_line: false,
            done: false,
            max_line,
            buf: Vec::new(),
        }
    }

    /// Reads the next line into `self.buf` (without the newline). Returns `Ok(None)` at end of stream,
    /// `Ok(Some(false))` when the line was longer than the cap (and was skipped).
    fn next_line(&mut self) -> std::io::Result<Option<bool>> {
        self.buf.clear();
        let mut any = false;
        let mut too_long = false;
        loop {
            let chunk = match self.reader.fill_buf() {
                Ok(c) => c,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if chunk.is_empty() {
                return Ok(if any { Some(!too_long) } else { None });
            }
            any = true;
            let (take, found_nl) = match chunk.iter().position(|&b| b == b'\n') {
                Some(i) => (i, true),
                None => (chunk.len(), false),
            };
            if !too_long {
                if self.buf.len() + take > self.max_line {
                    too_long = true;
                    self.buf.clear();
                    self.buf.shrink_to(64 * 1024);
                } else {
                    self.buf.extend_from_slice(&chunk[..take]);
                }
            }
            let consumed = if found_nl { take + 1 } else { take };
            self.reader.consume(consumed);
            if found_nl {
                return Ok(Some(!too_long));
            }
        }
    }
}

impl<R: BufRead> Iterator for JsonlReader<R> {
    type Item = Result<Article, IngestError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if self.done {
                return None;
            }
            let line = match self.next_line() {
                Ok(Some(ok)) => ok,
                Ok(None) => {
                    self.done = true;
                    if !self.seen_article_line {
                        return Some(Err(IngestError::invalid(&self.origin, "empty JSONL input (no article lines)")));
                    }
                    return None;
                }
                Err(e) => {
                    self.done = true;
                    let at = format!("{}:{}", self.origin, self.line_no + 1);
                    return Some(Err(IngestError::io(&at, e)));
                }
            };
            self.line_no += 1;
            let at = format!("{}:{}", self.origin, self.line_no);
            if !line {
                self.seen_article_line = true;
                return Some(Err(IngestError::invalid(
                    &at,
                    format!("line longer than {} MiB; skipped", self.max_line / (1024 * 1024)),
                )));
            }
            let mut bytes: &[u8] = &self.buf;
            if self.line_no == 1 {
                bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
            }
            if bytes.iter().all(|b| b.is_ascii_whitespace()) {
                continue;
            }
            self.seen_article_line = true;
            return Some(parse_line(bytes, &at));
        }
    }
}

fn field_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Array(items) => {
            let parts: Vec<String> = items.iter().filter_map(field_string).collect();
            (!parts.is_empty()).then(|| parts.join(", "))
        }
        _ => None,
    }
}

/// Parses one JSONL line (one JSON object) into an article; `origin` is `path:line`.
pub fn parse_line(bytes: &[u8], origin: &str) -> Result<Article, IngestError> {
    let line = std::str::from_utf8(bytes).map_err(|e| {
        IngestError::invalid(origin, format!("not valid UTF-8 (bad byte at column {})", e.valid_up_to() + 1))
    })?;
    let value: Value =
        serde_json::from_str(line.trim()).map_err(|e| IngestError::invalid(origin, format!("malformed JSON: {e}")))?;
    let Value::Object(obj) = value else {
        return Err(IngestError::invalid(origin, "not a JSON object"));
    };
    let get = |names: &[&str]| -> Option<String> {
        names
            .iter()
            .find_map(|n| obj.get(*n).and_then(field_string))
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
    };
    let id = get(&["id", "doc_id", "docid"]).ok_or_else(|| IngestError::invalid(origin, "missing \"id\""))?;
    if id.chars().any(|c| c.is_control()) || id.len() > 512 {
        return Err(IngestError::invalid(origin, "unusable \"id\" (control characters or over 512 bytes)"));
    }
    let raw_text = get(&["text", "body", "content"])
        .ok_or_else(|| IngestError::invalid(origin, format!("article {id:?}: missing or empty \"text\"")))?;
    if raw_text.len() as u64 > super::MAX_DOCUMENT_BYTES {
        return Err(IngestError::invalid(
            origin,
            format!("article {id:?}: text over {} MiB", super::MAX_DOCUMENT_BYTES / (1024 * 1024)),
        ));
    }
    let html::Page { mut title, mut date, mut source, mut author, body } = super::page_or_text(&raw_text, false);
    if let Some(t) = get(&["title", "headline"]) {
        title = Some(t);
    }
    if let Some(d) = get(&["date", "pubdate", "published", "publish_date", "time"]) {
        // An unrecognized date is dropped; the article is still read.
        if let Some(n) = frontmatter::normalize_date(&d) {
            date = Some(n);
        }
    }
    if date.is_none() {
        date = frontmatter::date_near_top(&body);
    }
    if let Some(u) = get(&["url", "source", "link"]) {
        source = Some(u);
    }
    if let Some(a) = get(&["author", "authors"]) {
        author = Some(a);
    }
    let mut article = Article { title, date, source, author, body, ..Article::default() };
    finish(&mut article, &id, origin)?;
    Ok(article)
}
