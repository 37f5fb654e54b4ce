//! HTML: whole web pages, and HTML bodies of `.txt`/`.md` files and JSONL `text` fields.
//!
//! Title from `og:title`, `<title>` or `<h1>`; date from meta tags (`article:published_time`, `pubdate`,
//! ...), `<time datetime>`, or a date line near the top; body text from the main content (the
//! `articleBody`/`<article>`/`<main>` element, else the element holding most paragraph text, else the whole
//! body) without navigation, script, style, header, footer and aside junk. Block elements and `<br>` become
//! line breaks; entities are decoded by the parser. The tree is walked iteratively, so deeply nested
//! markup cannot overflow the stack.

use std::collections::HashMap;
use std::sync::OnceLock;

use ego_tree::{iter::Edge, NodeId, NodeRef};
use regex::Regex;
use scraper::{Html, Node};

use super::frontmatter::{date_near_top, normalize_date};
use super::text::normalize;

/// What was read from a page.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Page {
    pub title: Option<String>,
    pub date: Option<String>,
    pub source: Option<String>,
    pub author: Option<String>,
    pub body: String,
}

/// Whether a text holds HTML markup (tags), so it should be read as HTML.
pub fn looks_like_html(text: &str) -> bool {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(
            r"(?i)<(?:!doctype\s+html|html|head|body|p|div|br|span|a|img|strong|b|i|u|em|font|section|article|table|tbody|tr|td|th|ul|ol|li|h[1-6]|blockquote|pre|center|figure|figcaption|header|footer|nav|main|aside|script|style|meta|link|iframe|hr|sup|sub|small|big|label|dl|dt|dd)(?:\s[^<>]*)?/?>|</(?:p|div|span|a|strong|b|em|font|section|article|table|tr|td|li|ul|ol|h[1-6]|blockquote|pre|center|figure|html|body)\s*>",
        )
        .expect("static regex")
    })
    .is_match(text)
}

fn block_tag_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"(?i)</?(?:p|div|br|li|tr|h[1-6]|table|section|article|blockquote|html|body|main|pre|ul|ol|hr|dd|dt|figure)(?:\s[^<>]*)?/?>")
            .expect("static regex")
    })
}

/// Whether HTML markup includes block-level structure (paragraphs, divs, breaks...).
pub fn has_block_markup(text: &str) -> bool {
    block_tag_re().is_match(text)
}

/// Whether a text with some markup should keep its own line breaks: true for a plain text with a few
/// inline or stray tags (its paragraphs are lines), false for real HTML whose structure is in its tags
/// (there, source line breaks are just spaces).
pub fn keep_source_newlines(text: &str) -> bool {
    let lines = text.lines().filter(|l| !l.trim().is_empty()).count();
    let blocks = block_tag_re().find_iter(text).take(lines + 1).count();
    blocks * 2 < lines
}

const JUNK_ELEMENTS: &[&str] = &[
    "script", "style", "noscript", "template", "nav", "header", "footer", "aside", "form", "iframe", "svg", "button",
    "select", "option", "textarea", "input", "head", "object", "embed", "canvas", "map", "menu", "dialog", "title",
    "video", "audio", "math",
];

const JUNK_TOKENS: &[&str] = &[
    "nav",
    "navbar",
    "navigation",
    "menu",
    "breadcrumb",
    "breadcrumbs",
    "crumb",
    "crumbs",
    "footer",
    "header",
    "sidebar",
    "share",
    "sharing",
    "social",
    "comment",
    "comments",
    "copyright",
    "related",
    "recommend",
    "ad",
    "ads",
    "advert",
    "advertisement",
    "banner",
    "toolbar",
    "login",
    "search",
    "topbar",
    "cookie",
    "popup",
    "modal",
    "pagination",
    "pager",
    "hidden",
    "sitemap",
    "subscribe",
    "qrcode",
    "weixin",
    "wechat",
];

const BLOCK_ELEMENTS: &[&str] = &[
    "p",
    "div",
    "br",
    "li",
    "ul",
    "ol",
    "dl",
    "dt",
    "dd",
    "tr",
    "table",
    "tbody",
    "thead",
    "tfoot",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "section",
    "article",
    "main",
    "blockquote",
    "pre",
    "center",
    "figure",
    "figcaption",
    "hr",
    "address",
    "body",
    "html",
    "caption",
    "details",
    "summary",
    "fieldset",
    "legend",
];

fn is_junk_element(node: NodeRef<'_, Node>, strict: bool) -> bool {
    let Node::Element(el) = node.value() else { return false };
    let name = el.name();
    if strict && JUNK_ELEMENTS.contains(&name) {
        return true;
    }
    if !strict && matches!(name, "script" | "style" | "noscript" | "template" | "head" | "svg" | "iframe") {
        return true;
    }
    if !strict {
        return false;
    }
    if el.attr("hidden").is_some() || el.attr("aria-hidden") == Some("true") {
        return true;
    }
    if let Some(style) = el.attr("style") {
        let s: String = style.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_ascii_lowercase();
        if s.contains("display:none") || s.contains("visibility:hidden") {
            return true;
        }
    }
    if let Some(role) = el.attr("role") {
        if matches!(role, "navigation" | "banner" | "contentinfo" | "complementary" | "search") {
            return true;
        }
    }
    let mut idclass = String::new();
    if let Some(id) = el.attr("id") {
        idclass.push_str(id);
        idclass.push(' ');
    }
    if let Some(class) = el.attr("class") {
        idclass.push_str(class);
    }
    idclass.to_ascii_lowercase().split(|c: char| !c.is_ascii_alphanumeric()).any(|tok| JUNK_TOKENS.contains(&tok))
}

/// Renders the text under `root`: block elements and `<br>` as line breaks, junk skipped.
fn render(root: NodeRef<'_, Node>, preserve_newlines: bool, strict_junk: bool) -> String {
    let mut out = String::new();
    let mut skip: Option<NodeId> = None;
    let mut pre_depth = 0usize;
    for edge in root.traverse() {
        match edge {
            Edge::Open(node) => {
                if skip.is_some() {
                    continue;
                }
                match node.value() {
                    Node::Text(t) => {
                        if preserve_newlines || pre_depth > 0 {
                            out.push_str(&t[..]);
                        } else {
                            push_soft_wrapped(&mut out, &t[..]);
                        }
                    }
                    Node::Element(el) => {
                        if node.id() != root.id() && is_junk_element(node, strict_junk) {
                            skip = Some(node.id());
                            continue;
                        }
                        let name = el.name();
                        if name == "pre" {
                            pre_depth += 1;
                        }
                        if BLOCK_ELEMENTS.contains(&name) {
                            out.push('\n');
                        } else if name == "img" {
                            // Images carry no body text.
                        }
                    }
                    _ => {}
                }
            }
            Edge::Close(node) => {
                if let Some(id) = skip {
                    if id == node.id() {
                        skip = None;
                    }
                    continue;
                }
                if let Node::Element(el) = node.value() {
                    let name = el.name();
                    if name == "pre" {
                        pre_depth = pre_depth.saturating_sub(1);
                    }
                    if BLOCK_ELEMENTS.contains(&name) {
                        out.push('\n');
                    } else if matches!(name, "td" | "th") {
                        out.push(' ');
                    }
                }
            }
        }
    }
    out
}

/// Wide (CJK) characters, between which a source line break is no space at all.
fn is_wide(c: char) -> bool {
    matches!(c as u32, 0x2E80..=0x9FFF | 0xAC00..=0xD7AF | 0xF900..=0xFAFF | 0xFE30..=0xFE4F | 0xFF00..=0xFFEF | 0x20000..=0x3FFFF)
}

/// Appends HTML text where line breaks are mere whitespace: a break next to a CJK character vanishes (Chinese
/// uses no spaces; hard-wrapped source must not split `抓获犯罪嫌疑人 73名`), any other break becomes a space.
fn push_soft_wrapped(out: &mut String, t: &str) {
    let mut chars = t.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\n' || c == '\r' {
            // Swallow the whole whitespace run around the break.
            while out.ends_with([' ', '\t']) {
                out.pop();
            }
            while chars.peek().is_some_and(|c| c.is_whitespace()) {
                chars.next();
            }
            let prev_wide = out.chars().next_back().is_some_and(is_wide);
            let next_wide = chars.peek().copied().is_some_and(is_wide);
            if !(prev_wide || next_wide) {
                out.push(' ');
            }
        } else if c == '\t' {
            out.push(' ');
        } else {
            out.push(c);
        }
    }
}

fn element_text(node: NodeRef<'_, Node>) -> String {
    let mut s = String::new();
    for d in node.descendants() {
        if let Node::Text(t) = d.value() {
            s.push_str(&t[..]);
        }
    }
    super::text::normalize_inline(&s)
}

fn find_first<'a>(doc: &'a Html, pred: impl Fn(&scraper::node::Element) -> bool) -> Option<NodeRef<'a, Node>> {
    doc.tree.root().descendants().find(|n| matches!(n.value(), Node::Element(el) if pred(el)))
}

/// The element holding the article text, for whole pages.
fn main_content<'a>(doc: &'a Html) -> Option<NodeRef<'a, Node>> {
    let text_len = |n: NodeRef<'_, Node>| -> usize { normalize(&render(n, false, true)).chars().count() };
    let body = find_first(doc, |el| el.name() == "body")?;
    let total = text_len(body);
    if total == 0 {
        return Some(body);
    }
    let explicit = find_first(doc, |el| el.attr("itemprop").is_some_and(|v| v.eq_ignore_ascii_case("articleBody")))
        .or_else(|| find_first(doc, |el| el.name() == "article"))
        .or_else(|| find_first(doc, |el| el.name() == "main" || el.attr("role") == Some("main")));
    if let Some(n) = explicit {
        if text_len(n) * 10 >= total * 3 {
            return Some(n);
        }
    }
    // The element whose <p> children hold most text, when it holds most of the page's paragraph text.
    let mut scores: HashMap<NodeId, usize> = HashMap::new();
    let mut all = 0usize;
    for n in body.descendants() {
        if let Node::Element(el) = n.value() {
            if el.name() == "p" && !n.ancestors().any(|a| is_junk_element(a, true)) {
                let len = element_text(n).chars().count();
                all += len;
                if let Some(parent) = n.parent() {
                    *scores.entry(parent.id()).or_default() += len;
                }
            }
        }
    }
    if let Some((&best, &score)) = scores.iter().max_by_key(|(id, s)| (**s, std::cmp::Reverse(**id))) {
        if all > 0 && score * 10 >= all * 6 {
            return doc.tree.get(best);
        }
    }
    Some(body)
}

/// Above this estimated nesting depth, markup is stripped rather than parsed.
const MAX_PARSE_DEPTH: usize = 2_000;

/// A cheap upper estimate of how deeply `text`'s markup nests: opening tags minus closing tags, at most.
fn approx_depth(text: &str) -> usize {
    let bytes = text.as_bytes();
    let (mut depth, mut max) = (0usize, 0usize);
    for (i, &b) in bytes.iter().enumerate() {
        if b != b'<' {
            continue;
        }
        match bytes.get(i + 1) {
            Some(b'/') => depth = depth.saturating_sub(1),
            Some(c) if c.is_ascii_alphabetic() => {
                depth += 1;
                max = max.max(depth);
            }
            _ => {}
        }
    }
    max
}

/// Fallback reading of markup without a parser: tags dropped (block tags as line breaks), scripts and
/// styles dropped, entities decoded.
fn strip_tags(text: &str, preserve_newlines: bool) -> String {
    static TAG: OnceLock<Regex> = OnceLock::new();
    static JUNK: OnceLock<Regex> = OnceLock::new();
    let junk =
        JUNK.get_or_init(|| Regex::new(r"(?is)<(script|style)\b[^>]*>.*?</(script|style)\s*>").expect("static regex"));
    let tag =
        TAG.get_or_init(|| Regex::new(r"(?s)<(/?)([a-zA-Z][a-zA-Z0-9]*)[^>]*>|<!--.*?-->").expect("static regex"));
    let text = junk.replace_all(text, " ");
    let text: String = if preserve_newlines {
        text.into_owned()
    } else {
        text.chars().map(|c| if matches!(c, '\n' | '\r' | '\t') { ' ' } else { c }).collect()
    };
    let stripped = tag.replace_all(&text, |c: &regex::Captures<'_>| {
        let name = c.get(2).map(|m| m.as_str().to_ascii_lowercase()).unwrap_or_default();
        if BLOCK_ELEMENTS.contains(&name.as_str()) {
            "\n"
        } else {
            ""
        }
    });
    normalize(&super::text::decode_entities(&stripped))
}

/// Reads title, date, source, author and body text from HTML (a whole page or a fragment).
///
/// `preserve_newlines` keeps the text's own line breaks (for plain text with a few inline tags).
pub fn extract_page(text: &str, preserve_newlines: bool) -> Page {
    if approx_depth(text) > MAX_PARSE_DEPTH {
        // Pathologically nested markup makes the HTML5 tree builder slow (its scope checks walk the stack
        // of open elements): read such input by stripping tags instead.
        return Page { body: strip_tags(text, preserve_newlines), ..Page::default() };
    }
    let doc = Html::parse_document(text);
    let mut page = Page::default();
    let mut metas: Vec<(String, String)> = Vec::new();
    let mut canonical = None;
    for n in doc.tree.root().descendants() {
        let Node::Element(el) = n.value() else { continue };
        match el.name() {
            "meta" => {
                let key = el
                    .attr("property")
                    .or_else(|| el.attr("name"))
                    .or_else(|| el.attr("itemprop"))
                    .or_else(|| el.attr("http-equiv"));
                if let (Some(k), Some(v)) = (key, el.attr("content")) {
                    metas.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
                }
            }
            "link" if canonical.is_none() && el.attr("rel").is_some_and(|r| r.eq_ignore_ascii_case("canonical")) => {
                canonical = el.attr("href").map(|h| h.trim().to_string());
            }
            _ => {}
        }
    }
    let meta = |names: &[&str]| -> Option<String> {
        names.iter().find_map(|name| metas.iter().find(|(k, v)| k == name && !v.is_empty()).map(|(_, v)| v.clone()))
    };
    let h1 = find_first(&doc, |el| el.name() == "h1").map(element_text).filter(|t| !t.is_empty());
    let head_title = find_first(&doc, |el| el.name() == "title").map(element_text).filter(|t| !t.is_empty());
    page.title =
        meta(&["og:title", "twitter:title", "dc.title", "title", "headline"]).or_else(|| match (&head_title, &h1) {
            // `<title>` is often "headline - site name": prefer the <h1> it contains.
            (Some(t), Some(h)) if h.chars().count() >= 4 && t.contains(h.as_str()) => Some(h.clone()),
            _ => head_title.clone().or_else(|| h1.clone()),
        });
    let date_keys = [
        "article:published_time",
        "og:published_time",
        "og:article:published_time",
        "pubdate",
        "publishdate",
        "publish_date",
        "publishtime",
        "publish-date",
        "datepublished",
        "date",
        "dc.date",
        "dc.date.issued",
        "dcterms.created",
        "dcterms.date",
        "sailthru.date",
        "parsely-pub-date",
        "firstpublishedtime",
        "article:modified_time",
        "lastmodified",
    ];
    page.date = date_keys
        .iter()
        .filter_map(|k| metas.iter().find(|(mk, _)| mk == k).map(|(_, v)| v.clone()))
        .find_map(|v| normalize_date(&v));
    if page.date.is_none() {
        page.date = doc.tree.root().descendants().find_map(|n| match n.value() {
            Node::Element(el)
                if el.name() == "time"
                    || el.attr("itemprop").is_some_and(|v| v.eq_ignore_ascii_case("datePublished")) =>
            {
                el.attr("datetime")
                    .or_else(|| el.attr("content"))
                    .and_then(normalize_date)
                    .or_else(|| normalize_date(&element_text(n)))
            }
            _ => None,
        });
    }
    page.source = meta(&["og:url", "twitter:url", "dc.identifier"]).or(canonical);
    page.author = meta(&["author", "article:author", "dc.creator", "byline"]);

    let is_full_page = find_first(&doc, |el| matches!(el.name(), "nav" | "header" | "footer" | "aside" | "script" | "style" | "article" | "main"))
        .is_some()
        || doc.tree.root().descendants().any(|n| matches!(n.value(), Node::Element(el) if is_junk_element(n, true) && el.name() != "title" && el.name() != "head"));
    let root = if is_full_page { main_content(&doc) } else { None };
    let root = root.unwrap_or_else(|| doc.tree.root());
    page.body = normalize(&render(root, preserve_newlines, true));
    if page.body.is_empty() {
        // Everything looked like junk: fall back to all visible text rather than nothing.
        page.body = normalize(&render(doc.tree.root(), preserve_newlines, false));
    }
    if page.date.is_none() {
        page.date = date_near_top(&page.body).or_else(|| {
            let whole = normalize(&render(doc.tree.root(), preserve_newlines, false));
            date_near_top(&whole)
        });
    }
    page
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_with_junk() {
        let html = r#"<!DOCTYPE html><html><head><title>站点 - 标题</title>
<meta property="og:title" content="某市公安局破获案件">
<meta property="article:published_time" content="2023-06-01T08:00:00+08:00">
<script>var x = "脚本垃圾";</script><style>p{color:red}</style></head>
<body><nav><a href="/">首页</a> <a>警务公开</a></nav><header>网站头部</header>
<div class="content"><h1>某市公安局破获案件</h1><p>第一段&nbsp;文字。</p><p>第二段<br>换行</p></div>
<aside>侧栏</aside><footer>版权所有</footer></body></html>"#;
        let p = extract_page(html, false);
        assert_eq!(p.title.as_deref(), Some("某市公安局破获案件"));
        assert_eq!(p.date.as_deref(), Some("2023-06-01"));
        assert!(p.body.contains("第一段 文字。"), "{}", p.body);
        assert!(p.body.contains("第二段\n换行"), "{}", p.body);
        for junk in ["脚本", "首页", "网站头部", "侧栏", "版权", "color"] {
            assert!(!p.body.contains(junk), "{junk} in {}", p.body);
        }
    }

    #[test]
    fn fragment_and_detection() {
        assert!(looks_like_html("<div><p>a</p></div>"));
        assert!(looks_like_html("文字<br>文字"));
        assert!(!looks_like_html("破获案件<3起 a<b"));
        let p = extract_page("<div>\n<p>甲。</p><p>乙&amp;丙</p></div>", false);
        assert_eq!(p.body, "甲。\n乙&丙");
        let p = extract_page("第一行<b>加粗</b>\n第二行", true);
        assert_eq!(p.body, "第一行加粗\n第二行");
        let p = extract_page("<p>抓获犯罪嫌疑人\n  73名，破获案件\n12起。\nEnglish\nwords</p>", false);
        assert_eq!(p.body, "抓获犯罪嫌疑人73名，破获案件12起。English words");
        assert!(keep_source_newlines("第一段<br>\n第二段\n第三段\n第四段\n"));
        assert!(!keep_source_newlines("<div>\n<p>一</p><p>二</p>\n</div>"));
        assert!(!keep_source_newlines("<p>\n一\n</p>\n<p>\n二\n</p>"));
        let p = extract_page("<html><head><title>某县公安局通报_某某网</title></head><body><h1>某县公安局通报</h1><p>正文。</p></body></html>", false);
        assert_eq!(p.title.as_deref(), Some("某县公安局通报"));
    }

    #[test]
    fn deep_nesting_does_not_overflow() {
        let html = "<div>".repeat(100_000) + "文字<b>加粗</b>&amp;<script>x()</script>";
        let t = std::time::Instant::now();
        let p = extract_page(&html, false);
        assert_eq!(p.body, "文字加粗&");
        assert!(t.elapsed().as_secs() < 20);
        let html = "<span>".repeat(1_500) + "文字";
        assert_eq!(extract_page(&html, false).body, "文字");
    }
}
