//! Plain-text helpers: body normalization, HTML entities in plain text, light Markdown stripping.

/// Whitespace for collapsing: Unicode whitespace (incl. U+00A0 and the ideographic space U+3000).
fn is_space(c: char) -> bool {
    c.is_whitespace()
}

/// Invisible characters often left by CMS exports (zero-width spaces and joiners, BOMs, soft hyphens):
/// dropped, so `破获\u{200B}案件` reads `破获案件`.
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{2060}' | '\u{FEFF}' | '\u{AD}' | '\u{180E}')
}

/// Normalizes a body: line breaks unified, runs of whitespace within a line collapsed to one space,
/// lines trimmed, empty lines dropped, control characters removed; lines joined with `\n`.
pub fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.split(['\n', '\r', '\u{2028}', '\u{2029}', '\u{0B}', '\u{0C}', '\u{85}']) {
        let start = out.len();
        if start > 0 {
            out.push('\n');
        }
        let content_start = out.len();
        let mut pending_space = false;
        for c in line.chars() {
            if is_space(c) {
                pending_space = true;
                continue;
            }
            if c.is_control() || is_invisible(c) {
                continue;
            }
            if pending_space && out.len() > content_start {
                out.push(' ');
            }
            pending_space = false;
            out.push(c);
        }
        if out.len() == content_start {
            out.truncate(start);
        }
    }
    out
}

/// Normalizes a one-line value (title, author): all whitespace collapsed, trimmed.
pub fn normalize_inline(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending = false;
    for c in text.chars() {
        if is_invisible(c) {
            continue;
        }
        if is_space(c) || c.is_control() {
            pending = true;
            continue;
        }
        if pending && !out.is_empty() {
            out.push(' ');
        }
        pending = false;
        out.push(c);
    }
    out
}

fn named_entity(name: &str) -> Option<char> {
    Some(match name {
        "nbsp" => '\u{A0}',
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "ldquo" => '“',
        "rdquo" => '”',
        "lsquo" => '‘',
        "rsquo" => '’',
        "mdash" => '—',
        "ndash" => '–',
        "hellip" => '…',
        "middot" => '·',
        "bull" => '•',
        "times" => '×',
        "divide" => '÷',
        "copy" => '©',
        "reg" => '®',
        "trade" => '™',
        "ensp" => '\u{2002}',
        "emsp" => '\u{2003}',
        "thinsp" => '\u{2009}',
        "zwsp" => '\u{200B}',
        "yen" => '¥',
        "deg" => '°',
        "plusmn" => '±',
        "laquo" => '«',
        "raquo" => '»',
        "permil" => '‰',
        "sect" => '§',
        "para" => '¶',
        "shy" => '\u{AD}',
        "le" => '≤',
        "ge" => '≥',
        "larr" => '←',
        "rarr" => '→',
        "uarr" => '↑',
        "darr" => '↓',
        "frac12" => '½',
        "frac14" => '¼',
        "frac34" => '¾',
        "sup2" => '²',
        "sup3" => '³',
        "euro" => '€',
        "pound" => '£',
        "cent" => '¢',
        "prime" => '′',
        "Prime" => '″',
        _ => return None,
    })
}

/// Decodes HTML character references (`&nbsp;`, `&amp;`, `&#12345;`, `&#x4E00;`) in plain text;
/// anything that is not a known reference is kept as is.
pub fn decode_entities(text: &str) -> String {
    if !text.contains('&') {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(rest.get(..amp).unwrap_or(""));
        let after = rest.get(amp + 1..).unwrap_or("");
        // A reference is at most 32 bytes up to its ';'.
        let semi = after.char_indices().take(33).find(|&(_, c)| c == ';' || !(c.is_ascii_alphanumeric() || c == '#'));
        let mut decoded = None;
        if let Some((i, ';')) = semi {
            let name = after.get(..i).unwrap_or("");
            decoded = if let Some(num) = name.strip_prefix('#') {
                let v = if let Some(hex) = num.strip_prefix(['x', 'X']) {
                    u32::from_str_radix(hex, 16).ok()
                } else {
                    num.parse::<u32>().ok()
                };
                v.and_then(char::from_u32).filter(|c| *c != '\0').map(|c| (c, i + 1))
            } else {
                named_entity(name).map(|c| (c, i + 1))
            };
        }
        match decoded {
            Some((c, used)) => {
                out.push(c);
                rest = after.get(used..).unwrap_or("");
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Removes the commonest Markdown syntax so the body reads as plain text: heading marks, emphasis,
/// images, link targets, block quotes, list bullets, code fences, horizontal rules.
pub fn strip_markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let mut l = line.trim_start();
        if l.starts_with("```") || l.starts_with("~~~") {
            out.push('\n');
            continue;
        }
        let t = l.trim();
        if t.len() >= 3
            && (t.chars().all(|c| c == '-' || c == ' ')
                || t.chars().all(|c| c == '*' || c == ' ')
                || t.chars().all(|c| c == '_' || c == ' '))
        {
            out.push('\n');
            continue;
        }
        while let Some(r) = l.strip_prefix('>') {
            l = r.trim_start();
        }
        let hashes = l.chars().take_while(|&c| c == '#').count();
        if hashes > 0 && hashes <= 6 && l.get(hashes..).is_some_and(|r| r.starts_with(' ') || r.is_empty()) {
            l = l.get(hashes..).unwrap_or("").trim();
        }
        for bullet in ["- ", "* ", "+ "] {
            if let Some(r) = l.strip_prefix(bullet) {
                l = r;
                break;
            }
        }
        out.push_str(&strip_inline_markdown(l));
        out.push('\n');
    }
    out
}

fn strip_inline_markdown(line: &str) -> String {
    let chars: Vec<char> = line.chars().collect();
    let mut out = String::with_capacity(line.len());
    // Where the last searches for `]` and `)` stopped: the searches start at nondecreasing positions, so
    // each scans the line once in all (a line of many `[` stays linear, not quadratic).
    let (mut next_bracket, mut next_paren) = (0, 0);
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        // Image: ![alt](url) -> dropped (alt kept if any).
        // Link: [text](url) -> text.
        if c == '[' || (c == '!' && chars.get(i + 1) == Some(&'[')) {
            let open = if c == '!' { i + 1 } else { i };
            if let Some(close) = next_char(&chars, ']', open + 1, &mut next_bracket) {
                if chars.get(close + 1) == Some(&'(') {
                    if let Some(end) = next_char(&chars, ')', close + 2, &mut next_paren) {
                        let label: String = chars[open + 1..close].iter().collect();
                        if c != '!' {
                            out.push_str(&label);
                        }
                        i = end + 1;
                        continue;
                    }
                }
            }
        }
        if (c == '*' || c == '_' || c == '`' || c == '~') && chars.get(i + 1) == Some(&c) {
            i += 2;
            continue;
        }
        if c == '`' {
            i += 1;
            continue;
        }
        if c == '*' {
            // Single-star emphasis only when it touches a non-space on one side and pairs up.
            i += 1;
            continue;
        }
        out.push(c);
        i += 1;
    }
    out
}

/// The first `target` in `chars` at or after `from`, resuming the scan at `*scan` (where the previous call
/// stopped), which is right as long as the calls come with nondecreasing `from`.
fn next_char(chars: &[char], target: char, from: usize, scan: &mut usize) -> Option<usize> {
    *scan = (*scan).max(from);
    while *scan < chars.len() && chars[*scan] != target {
        *scan += 1;
    }
    (*scan < chars.len()).then_some(*scan)
}

/// The first `# heading` of a Markdown text, if any.
pub fn markdown_title(text: &str) -> Option<String> {
    for line in text.lines().take(50) {
        let l = line.trim();
        if let Some(r) = l.strip_prefix("# ") {
            let t = strip_inline_markdown(r.trim());
            if !t.is_empty() {
                return Some(t);
            }
        }
    }
    None
}

/// A title guessed from a plain text: its first line that is short and not a sentence, skipping a site
/// name (`苏北网`), a breadcrumb (`当前位置:首页>快讯`) or a date line at the top.
pub fn first_line_title(body: &str) -> Option<String> {
    for line in body.lines().take(4) {
        let l = line.trim();
        let n = l.chars().count();
        let site_name = n <= 8
            && (l.ends_with(['网', '站', '台', '号'])
                || ["日报", "晚报", "晨报", "时报", "商报", "法制报", "都市报", "新闻"].iter().any(|e| l.ends_with(e)));
        let breadcrumb = l.contains("当前位置")
            || l.contains("您的位置")
            || l.contains(" > ")
            || l.contains("首页>")
            || l.contains("首页 >");
        let dateline = super::frontmatter::date_near_top(l).is_some();
        if site_name || breadcrumb || dateline {
            continue;
        }
        if (4..=80).contains(&n) && !l.ends_with('。') && !l.ends_with('：') && !l.ends_with(':') {
            return Some(l.to_string());
        }
        return None;
    }
    None
}

/// Cuts `s` to at most `max` bytes at a char boundary.
pub fn truncate_at_char(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while end > 0 && !s.is_char_boundary(end) {
        end -= 1;
    }
    s.get(..end).unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes() {
        assert_eq!(normalize("  a  b\t c \r\n\n\u{3000}\u{3000}第二段\u{A0}x\n \n"), "a b c\n第二段 x");
        assert_eq!(normalize(""), "");
        assert_eq!(normalize("破获\u{200B}案件\u{AD}3起\u{FEFF}"), "破获案件3起");
        assert_eq!(normalize_inline("  标题 \n 二 "), "标题 二");
    }

    #[test]
    fn entities() {
        assert_eq!(
            decode_entities("a&nbsp;b &amp; &#20844;&#x5B89; &bogus; & x &lt;"),
            "a\u{A0}b & 公安 &bogus; & x <"
        );
        assert_eq!(decode_entities("&#0; &#xFFFFFFFF; &"), "&#0; &#xFFFFFFFF; &");
    }

    #[test]
    fn markdown() {
        let s = strip_markdown("# 标题\n\n**加粗**和[链接](http://x)![图](y.png)\n> 引文\n- 列表\n---\n");
        assert_eq!(normalize(&s), "标题\n加粗和链接\n引文\n列表");
        assert_eq!(markdown_title("x\n# 大标题\n").as_deref(), Some("大标题"));
    }

    #[test]
    fn titles_of_plain_texts() {
        assert_eq!(
            first_line_title("某某网\n当前位置:首页>快讯 > 滚动 >\n某市公安局破获案件12起\n正文。").as_deref(),
            Some("某市公安局破获案件12起")
        );
        assert_eq!(first_line_title("某市公安局破获案件12起\n正文。").as_deref(), Some("某市公安局破获案件12起"));
        assert_eq!(first_line_title("2023年5月6日 来源：某网\n某市公安局通报\n").as_deref(), Some("某市公安局通报"));
        assert_eq!(
            first_line_title("2023年5月6日某县公安局破获盗窃案\n正文").as_deref(),
            Some("2023年5月6日某县公安局破获盗窃案")
        );
        assert_eq!(first_line_title("今年以来，某市公安局破获案件12起。\n").as_deref(), None);
    }
}
