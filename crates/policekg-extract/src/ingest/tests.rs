//! Unit tests of the ingest stage as a whole: a deterministic fuzz-ish test feeding random bytes to
//! every kind of document (must never panic), and a few end-to-end document checks.

use super::*;

/// Deterministic linear congruential generator (Knuth's MMIX constants); no dependencies.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next() % n
        }
    }
}

const PIECES: &[&str] = &[
    "---\n",
    "title: 标题\n",
    "date: 2022年3月2日\n",
    "<p>",
    "</p>",
    "<div class=\"nav\">",
    "</div>",
    "<br>",
    "&nbsp;",
    "&#x5B89;",
    "&",
    "<",
    ">",
    "\n",
    "臺灣警察",
    "公安机关破获案件56起",
    "{\"id\":\"a\",\"text\":\"",
    "\"}",
    "\\u00",
    "\u{FEFF}",
    "<script>",
    "</script>",
    "# ",
    "**",
    "[x](",
    ")",
    "\r\n",
    "\u{3000}",
    "：",
];

fn random_bytes(rng: &mut Lcg) -> Vec<u8> {
    let len = rng.below(300) as usize;
    let mut v = Vec::with_capacity(len);
    match rng.below(3) {
        0 => {
            for _ in 0..len {
                v.push(rng.next() as u8);
            }
        }
        1 => {
            // Structured pieces, possibly encoded, possibly cut anywhere.
            let mut s = String::new();
            for _ in 0..rng.below(30) {
                s.push_str(PIECES[rng.below(PIECES.len() as u64) as usize]);
            }
            let bytes = match rng.below(3) {
                0 => s.into_bytes(),
                1 => encoding_rs::GB18030.encode(&s).0.into_owned(),
                _ => encoding_rs::BIG5.encode(&s).0.into_owned(),
            };
            let cut = rng.below(bytes.len() as u64 + 1) as usize;
            v.extend_from_slice(&bytes[..cut]);
        }
        _ => {
            // Valid text with random bytes flipped.
            let mut s =
                "公安机关破获刑事案件56起，抓获犯罪嫌疑人73名。\n".repeat(1 + rng.below(5) as usize).into_bytes();
            for _ in 0..rng.below(4) {
                let i = rng.below(s.len() as u64) as usize;
                s[i] = rng.next() as u8;
            }
            v = s;
        }
    }
    v
}

#[test]
fn random_bytes_never_panic() {
    // POLICEKG_FUZZ_ROUNDS and POLICEKG_FUZZ_SEED run a longer or different campaign.
    let rounds: usize = std::env::var("POLICEKG_FUZZ_ROUNDS").ok().and_then(|v| v.parse().ok()).unwrap_or(3000);
    let seed: u64 =
        std::env::var("POLICEKG_FUZZ_SEED").ok().and_then(|v| v.parse().ok()).unwrap_or(0x5eed_1234_abcd_0001);
    let mut rng = Lcg(seed);
    for round in 0..rounds {
        let bytes = random_bytes(&mut rng);
        for kind in [InputKind::Text, InputKind::Markdown, InputKind::Html, InputKind::Jsonl] {
            match parse_document("x", "fuzz", kind, &bytes) {
                Ok(a) => {
                    assert_eq!(a.body.chars().count(), a.simplified.chars().count(), "round {round}");
                    assert!(!a.body.is_empty());
                    assert!(!a.body.contains("\n\n"));
                }
                Err(e) => assert!(e.to_string().starts_with("fuzz"), "{e}"),
            }
        }
        // And as a JSONL stream, with a small line cap so the over-long path runs too.
        let reader = jsonl::JsonlReader::with_max_line(std::io::Cursor::new(bytes), "fuzz", 64);
        for r in reader.take(100) {
            if let Err(e) = r {
                assert!(e.to_string().starts_with("fuzz"), "{e}");
            }
        }
    }
}

#[test]
fn txt_with_front_matter_and_html_body() {
    let src = "\n---\ntitle: '某地公安：行动'\nauthor: 某报\ndate: Wed, 02 Mar 2022 04:17:50 GMT\n---\n\n<div>   \n<p>第一段&nbsp;内容。</p><p><img src=\"x.jpg\"></p><p>第二段</p></div>";
    let a = parse_document("doc", "doc.txt", InputKind::Text, src.as_bytes()).unwrap();
    assert_eq!(a.id, "doc");
    assert_eq!(a.title.as_deref(), Some("某地公安：行动"));
    assert_eq!(a.date.as_deref(), Some("2022-03-02"));
    assert_eq!(a.author.as_deref(), Some("某报"));
    assert_eq!(a.body, "第一段 内容。\n第二段");
    assert_eq!(a.simplified, a.body);
}

#[test]
fn source_is_only_an_absolute_url() {
    let a = parse_document("d", "d.txt", InputKind::Text, "---\nsource: 中国长安网\n---\n正文。".as_bytes()).unwrap();
    assert_eq!(a.source, None);
    let a = parse_document(
        "d",
        "d.txt",
        InputKind::Text,
        "---\nsource: 某网\nurl: https://example.org/a?b=1\n---\n正文。".as_bytes(),
    )
    .unwrap();
    assert_eq!(a.source.as_deref(), Some("https://example.org/a?b=1"));
    let page = "<html><head><link rel=\"canonical\" href=\"/news/1.html\"></head><body><p>正文。</p></body></html>";
    assert_eq!(parse_document("d", "d.html", InputKind::Html, page.as_bytes()).unwrap().source, None);
    assert!(is_web_url("HTTP://EXAMPLE.ORG/x"));
    assert!(!is_web_url("https://exa mple.org"));
    assert!(!is_web_url("ftp://example.org/file"));
}

#[test]
fn traditional_title_and_html_title_entities() {
    let a = parse_document("d", "d.txt", InputKind::Text, "---\ntitle: 甲&amp;乙&nbsp;通報\n---\n正文。".as_bytes())
        .unwrap();
    assert_eq!(a.title.as_deref(), Some("甲&乙 通報"));
}

#[test]
fn hostile_front_matter_is_bounded() {
    // Billion laughs: aliases expanding exponentially.
    let mut yaml =
        String::from("---\na: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
    let names = ["b", "c", "d", "e", "f", "g", "h", "i"];
    let mut prev = "a";
    for n in names {
        yaml.push_str(&format!(
            "{n}: &{n} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]\n"
        ));
        prev = n;
    }
    yaml.push_str("title: 标题\n---\n正文。\n");
    let t = std::time::Instant::now();
    let a = parse_document("d", "d.txt", InputKind::Text, yaml.as_bytes()).unwrap();
    assert_eq!(a.body, "正文。");
    assert!(t.elapsed().as_secs() < 10);
    // Deep nesting (YAML refuses it; the block is read line-wise).
    let deep = format!("---\ntitle: x\nk: {}{}\n---\n正文。\n", "[".repeat(10_000), "]".repeat(10_000));
    let a = parse_document("d", "d.txt", InputKind::Text, deep.as_bytes()).unwrap();
    assert_eq!(a.body, "正文。");
    assert_eq!(a.title.as_deref(), Some("x"));
    // A block over 64 KiB is not taken as front matter: all of it is text.
    let huge = format!("---\ntitle: x\nk: {}\n---\n正文。\n", "y".repeat(70_000));
    let a = parse_document("d", "d.txt", InputKind::Text, huge.as_bytes()).unwrap();
    assert!(a.body.ends_with("正文。"));
}

#[test]
fn markdown_line_of_many_brackets_is_linear() {
    // Found by cargo-fuzz (ingest_markdown): a JSONL line with its text nested 100,000 brackets deep, read
    // as Markdown, took 87 s, each `[` scanning the rest of the line for `]` (and each `](` for `)`).
    let t = std::time::Instant::now();
    let deep = format!("{}破获案件3起{}", "[".repeat(100_000), "]".repeat(100_000));
    let a = parse_document("d", "d.md", InputKind::Markdown, deep.as_bytes()).unwrap();
    assert_eq!(a.body, deep);
    let links = format!("{}抓获2名", "[a](".repeat(50_000));
    let a = parse_document("d", "d.md", InputKind::Markdown, links.as_bytes()).unwrap();
    assert_eq!(a.body, links);
    assert!(t.elapsed().as_secs() < 5, "took {:?}", t.elapsed());
    // Links are still found after brackets that open none.
    let a = parse_document("d", "d.md", InputKind::Markdown, "[a][b](c) ![图](x.png)[d](e)".as_bytes()).unwrap();
    assert_eq!(a.body, "[a]b d");
}
