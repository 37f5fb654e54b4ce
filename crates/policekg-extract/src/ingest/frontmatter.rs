//! YAML front matter (`---` ... `---`) and date normalization.
//!
//! Front matter that is not valid YAML does not fail the document: it is read line by line as
//! `key: value`. Dates in many shapes (`2022-03-02`, `Wed, 02 Mar 2022 04:17:50 GMT`, `2022年3月2日`,
//! `二〇二二年三月二日`, `20220302`, Unix time, ...) are normalized to xsd:date `YYYY-MM-DD`.

use std::sync::OnceLock;

use regex::Regex;

/// Metadata read from front matter (or an HTML head).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Meta {
    pub title: Option<String>,
    /// Normalized `YYYY-MM-DD`.
    pub date: Option<String>,
    pub source: Option<String>,
    pub author: Option<String>,
}

/// A document split into its front matter and body.
#[derive(Debug, Clone, Default)]
pub struct Split<'a> {
    pub meta: Meta,
    /// Whether a front matter block was found.
    pub found: bool,
    pub body: &'a str,
}

/// Largest front matter block looked at, in bytes; a longer one is taken as body text.
const MAX_FRONT_MATTER: usize = 64 * 1024;

/// Splits off a YAML front matter block, if the text starts with one (blank lines before it allowed).
pub fn split(text: &str) -> Split<'_> {
    let trimmed = text.trim_start_matches(['\u{FEFF}', ' ', '\t', '\r', '\n']);
    let mut lines = trimmed.split_inclusive('\n');
    let Some(first) = lines.next() else {
        return Split { body: text, ..Split::default() };
    };
    if first.trim_end() != "---" {
        return Split { body: text, ..Split::default() };
    }
    let start = first.len();
    let mut pos = start;
    for line in lines {
        if pos > MAX_FRONT_MATTER {
            break;
        }
        let t = line.trim_end();
        if t == "---" || t == "..." {
            let block = trimmed.get(start..pos).unwrap_or("");
            let body = trimmed.get(pos + line.len()..).unwrap_or("");
            return Split { meta: parse_block(block), found: true, body };
        }
        pos += line.len();
    }
    Split { body: text, ..Split::default() }
}

/// Reads the fields of a front matter block: YAML if it parses as a mapping, else `key: value` lines.
pub fn parse_block(block: &str) -> Meta {
    let mut fields: Vec<(String, String)> = Vec::new();
    match serde_yaml_ng::from_str::<serde_yaml_ng::Value>(block) {
        Ok(serde_yaml_ng::Value::Mapping(map)) => {
            for (k, v) in map {
                if let (Some(k), Some(v)) = (scalar(&k), scalar(&v)) {
                    fields.push((k, v));
                }
            }
        }
        _ => {
            for line in block.lines() {
                let line = line.trim();
                let cut = match (line.find(':'), line.find('：')) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                };
                let Some(cut) = cut else { continue };
                let key = line.get(..cut).unwrap_or("").trim();
                let rest = line.get(cut..).unwrap_or("");
                let value = rest.strip_prefix(':').or_else(|| rest.strip_prefix('：')).unwrap_or(rest).trim();
                let value = strip_quotes(value);
                if !key.is_empty() && !value.is_empty() {
                    fields.push((key.to_string(), value.to_string()));
                }
            }
        }
    }
    meta_from_fields(&fields)
}

/// Picks title, date, source/url and author out of key/value pairs (keys case-insensitive).
pub fn meta_from_fields(fields: &[(String, String)]) -> Meta {
    let get = |names: &[&str]| -> Option<String> {
        for name in names {
            for (k, v) in fields {
                if k.trim().eq_ignore_ascii_case(name) && !v.trim().is_empty() {
                    return Some(v.trim().to_string());
                }
            }
        }
        None
    };
    let date_raw = get(&[
        "date",
        "pubdate",
        "published",
        "publish_date",
        "published_at",
        "publishdate",
        "time",
        "created",
        "日期",
        "发布时间",
        "时间",
    ]);
    let url = get(&["url", "link", "permalink", "source_url", "链接", "网址"]);
    let source = get(&["source", "来源", "origin"]);
    let source = match (url, source) {
        (Some(u), _) => Some(u),
        (None, s) => s,
    };
    Meta {
        title: get(&["title", "标题", "headline"]),
        date: date_raw.as_deref().and_then(normalize_date),
        source,
        author: get(&["author", "authors", "作者", "by", "editor", "编辑"]),
    }
}

fn strip_quotes(v: &str) -> &str {
    for q in ['\'', '"'] {
        if v.len() >= 2 && v.starts_with(q) && v.ends_with(q) {
            return v.get(1..v.len() - 1).unwrap_or(v);
        }
    }
    v
}

fn scalar(v: &serde_yaml_ng::Value) -> Option<String> {
    use serde_yaml_ng::Value;
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Sequence(items) => {
            let parts: Vec<String> = items.iter().filter_map(scalar).collect();
            if parts.is_empty() {
                None
            } else {
                Some(parts.join(", "))
            }
        }
        Value::Tagged(t) => scalar(&t.value),
        Value::Null | Value::Mapping(_) => None,
    }
}

fn re(cell: &'static OnceLock<Regex>, pattern: &str) -> &'static Regex {
    cell.get_or_init(|| Regex::new(pattern).expect("static regex"))
}

fn month_from_name(name: &str) -> Option<u32> {
    let n = name.to_ascii_lowercase();
    let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
    months.iter().position(|m| n.starts_with(m)).map(|i| i as u32 + 1)
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        _ => 0,
    }
}

fn ymd(y: i64, m: u32, d: u32) -> Option<String> {
    if !(1900..=2100).contains(&y) || !(1..=12).contains(&m) || d < 1 || d > days_in_month(y, m) {
        return None;
    }
    Some(format!("{y:04}-{m:02}-{d:02}"))
}

/// Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Value of a Chinese-numeral number (〇一二...九十), e.g. `二〇二二` = 2022, `十二` = 12, `二十一` = 21.
fn chinese_number(s: &str) -> Option<i64> {
    let digit = |c: char| -> Option<i64> {
        Some(match c {
            '〇' | '零' | '○' | 'О' | 'o' | 'O' | '0' => 0,
            '一' | '1' => 1,
            '二' | '2' => 2,
            '三' | '3' => 3,
            '四' | '4' => 4,
            '五' | '5' => 5,
            '六' | '6' => 6,
            '七' | '7' => 7,
            '八' | '8' => 8,
            '九' | '9' => 9,
            _ => return None,
        })
    };
    if s.is_empty() {
        return None;
    }
    if s.contains('十') {
        let (a, b) = s.split_once('十')?;
        let tens = if a.is_empty() { 1 } else { digit(a.chars().next()?)? };
        let ones = if b.is_empty() { 0 } else { digit(b.chars().next()?)? };
        if a.chars().count() > 1 || b.chars().count() > 1 {
            return None;
        }
        return Some(tens * 10 + ones);
    }
    let mut v = 0i64;
    for c in s.chars() {
        v = v * 10 + digit(c)?;
    }
    Some(v)
}

/// Normalizes a date in any common shape to `YYYY-MM-DD`; `None` if no full date is recognized.
pub fn normalize_date(raw: &str) -> Option<String> {
    static YMD: OnceLock<Regex> = OnceLock::new();
    static DMY_EN: OnceLock<Regex> = OnceLock::new();
    static MDY_EN: OnceLock<Regex> = OnceLock::new();
    static COMPACT: OnceLock<Regex> = OnceLock::new();
    static EPOCH: OnceLock<Regex> = OnceLock::new();
    static CN: OnceLock<Regex> = OnceLock::new();
    let s = raw.trim();
    if s.is_empty() || s.len() > 200 {
        return None;
    }
    // Full-width digits to ASCII.
    let s: String = s
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            '－' => '-',
            '／' => '/',
            '．' => '.',
            _ => c,
        })
        .collect();
    let s = s.as_str();
    let ymd_re = re(&YMD, r"(?:^|[^\d])(\d{4})\s*(?:[-/.]|年)\s*(\d{1,2})\s*(?:[-/.]|月)\s*(\d{1,2})(?:[^\d]|$)");
    if let Some(c) = ymd_re.captures(s) {
        let y = c[1].parse().ok()?;
        let m = c[2].parse().ok()?;
        let d = c[3].parse().ok()?;
        if let Some(v) = ymd(y, m, d) {
            return Some(v);
        }
    }
    let dmy = re(
        &DMY_EN,
        r"(?i)\b(\d{1,2})(?:st|nd|rd|th)?\s+(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?,?\s+(\d{4})\b",
    );
    if let Some(c) = dmy.captures(s) {
        if let Some(v) = ymd(c[3].parse().ok()?, month_from_name(&c[2])?, c[1].parse().ok()?) {
            return Some(v);
        }
    }
    let mdy = re(
        &MDY_EN,
        r"(?i)\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})\b",
    );
    if let Some(c) = mdy.captures(s) {
        if let Some(v) = ymd(c[3].parse().ok()?, month_from_name(&c[1])?, c[2].parse().ok()?) {
            return Some(v);
        }
    }
    let compact = re(&COMPACT, r"^(\d{4})(\d{2})(\d{2})(?:[T\s]?\d{2}:?\d{2}(?::?\d{2})?.*)?$");
    if let Some(c) = compact.captures(s) {
        if let Some(v) = ymd(c[1].parse().ok()?, c[2].parse().ok()?, c[3].parse().ok()?) {
            return Some(v);
        }
    }
    let epoch = re(&EPOCH, r"^(\d{10})(\d{3})?$");
    if let Some(c) = epoch.captures(s) {
        let secs: i64 = c[1].parse().ok()?;
        let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
        return ymd(y, m, d);
    }
    let cn = re(
        &CN,
        r"([〇零○一二三四五六七八九]{4})\s*年\s*([一二三四五六七八九十]{1,3})\s*月\s*([一二三四五六七八九十]{1,3})\s*[日号]",
    );
    if let Some(c) = cn.captures(s) {
        let y = chinese_number(&c[1])?;
        let m = chinese_number(&c[2])? as u32;
        let d = chinese_number(&c[3])? as u32;
        return ymd(y, m, d);
    }
    None
}

/// A publication date on a metadata-like line near the top of a text (`时间 2022-10-30 15:47:23 来源:...`,
/// `发布时间：2023年5月6日`, or a line holding only a date).
pub fn date_near_top(body: &str) -> Option<String> {
    const MARKERS: [&str; 12] =
        ["时间", "日期", "发布", "發佈", "發布", "来源", "來源", "发稿", "更新", "published", "posted", "date"];
    for (i, line) in body.lines().take(15).enumerate() {
        let l = line.trim();
        if l.is_empty() || l.chars().count() > 120 {
            continue;
        }
        let lower = l.to_lowercase();
        let marked = MARKERS.iter().any(|m| lower.contains(m));
        let short = l.chars().count() <= 32;
        if marked || (short && i < 8) {
            if let Some(d) = normalize_date(l) {
                // A short line must be mostly the date, not a sentence about an event on that day.
                if marked
                    || l.chars().filter(|c| c.is_ascii_digit() || "-/.:年月日 T".contains(*c)).count() * 2
                        >= l.chars().count()
                {
                    return Some(d);
                }
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        for (raw, want) in [
            ("2022-03-02", "2022-03-02"),
            ("2022-3-2", "2022-03-02"),
            ("2022/03/02 10:00", "2022-03-02"),
            ("2022.03.02", "2022-03-02"),
            ("2022-03-02T04:17:50+08:00", "2022-03-02"),
            ("Wed, 02 Mar 2022 04:17:50 GMT", "2022-03-02"),
            ("March 2, 2022", "2022-03-02"),
            ("2 March 2022", "2022-03-02"),
            ("2022年3月2日", "2022-03-02"),
            ("2022 年 03 月 02 日 09:30", "2022-03-02"),
            ("２０２２年３月２日", "2022-03-02"),
            ("二〇二二年三月二日", "2022-03-02"),
            ("二〇二三年十二月二十一日", "2023-12-21"),
            ("20220302", "2022-03-02"),
            ("1646194670", "2022-03-02"),
            ("1646194670000", "2022-03-02"),
        ] {
            assert_eq!(normalize_date(raw).as_deref(), Some(want), "{raw}");
        }
        for bad in ["", "2022-13-01", "2022-02-30", "yesterday", "3月2日", "12345"] {
            assert_eq!(normalize_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn front_matter_yaml_and_fallback() {
        let s = split("\n---\ntitle: '标题'\ndate: Wed, 02 Mar 2022 04:17:50 GMT\nauthor: 某某\n---\n\n正文");
        assert!(s.found);
        assert_eq!(s.meta.title.as_deref(), Some("标题"));
        assert_eq!(s.meta.date.as_deref(), Some("2022-03-02"));
        assert_eq!(s.meta.author.as_deref(), Some("某某"));
        assert_eq!(s.body.trim(), "正文");
        // Not YAML (unbalanced quote, tab indentation): read line-wise.
        let s = split("---\ntitle: \"破获案件: 12起\n\tdate: 2023年5月6日\nurl: https://example.org/a\n---\nbody");
        assert!(s.found);
        assert_eq!(s.meta.date.as_deref(), Some("2023-05-06"));
        assert_eq!(s.meta.source.as_deref(), Some("https://example.org/a"));
        // No closing line: no front matter.
        let s = split("---\ntitle: x\nbody");
        assert!(!s.found);
    }

    #[test]
    fn date_on_top_line() {
        assert_eq!(date_near_top("苏北网\n标题\n时间 2022-10-30 15:47:23 来源:某网").as_deref(), Some("2022-10-30"));
        assert_eq!(date_near_top("标题\n9月1日，某地民警抓获嫌疑人。").as_deref(), None);
    }
}
