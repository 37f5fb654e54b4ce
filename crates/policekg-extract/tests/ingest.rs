//! Integration tests of the ingest stage: every input format and encoding, Traditional->Simplified with
//! offsets preserved, HTML junk removal, entity decoding, the samples, and every kind of bad input.

use std::path::{Path, PathBuf};

use policekg_extract::ingest::{
    collect_inputs, encoding, jsonl::JsonlReader, parse_document, read_file, read_jsonl, Article, IngestError,
    InputKind, MAX_DOCUMENT_BYTES,
};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/ingest")
}

fn good(name: &str) -> PathBuf {
    fixtures().join("good").join(name)
}

fn bad(name: &str) -> PathBuf {
    fixtures().join("bad").join(name)
}

/// Reads a single-article file, panicking with the error if it fails.
fn one(path: &Path) -> Article {
    let kind = InputKind::from_path(path).expect("known kind");
    let mut items: Vec<_> = read_file(path, kind).collect();
    assert_eq!(items.len(), 1, "{}", path.display());
    match items.remove(0) {
        Ok(a) => {
            check_invariants(&a);
            a
        }
        Err(e) => panic!("{e}"),
    }
}

/// Reads a file expected to fail; returns the error message.
fn fails(path: &Path) -> String {
    let kind = InputKind::from_path(path).expect("known kind");
    let items: Vec<_> = read_file(path, kind).collect();
    assert_eq!(items.len(), 1, "{}", path.display());
    match &items[0] {
        Ok(a) => panic!("{} should fail, read {:?}", path.display(), a),
        Err(e) => {
            let msg = e.to_string();
            assert!(msg.contains(&path.display().to_string()), "message must name the file: {msg}");
            msg
        }
    }
}

fn check_invariants(a: &Article) {
    assert_eq!(a.body.chars().count(), a.simplified.chars().count(), "{}", a.origin);
    assert!(!a.body.is_empty());
    for line in a.body.split('\n') {
        assert!(!line.is_empty(), "empty line in {}", a.origin);
        assert_eq!(line, line.trim(), "untrimmed line in {}", a.origin);
        assert!(!line.contains("  "), "uncollapsed whitespace in {}", a.origin);
    }
    if let Some(d) = &a.date {
        assert!(d.len() == 10 && d.as_bytes()[4] == b'-' && d.as_bytes()[7] == b'-', "{d}");
    }
}

/// Char offset of `needle` in `hay`.
fn char_offset(hay: &str, needle: &str) -> Option<usize> {
    hay.find(needle).map(|b| hay[..b].chars().count())
}

fn char_slice(s: &str, start: usize, len: usize) -> String {
    s.chars().skip(start).take(len).collect()
}

// ---- formats and encodings ----

#[test]
fn utf8_text_with_front_matter() {
    let a = one(&good("plain.txt"));
    assert_eq!(a.id, "plain");
    assert_eq!(a.title.as_deref(), Some("示例县公安局夏季巡防通报"));
    assert_eq!(a.date.as_deref(), Some("2024-06-03"));
    assert_eq!(a.source.as_deref(), Some("https://example.org/fixture/plain"));
    assert_eq!(a.author.as_deref(), Some("测试作者"));
    assert_eq!(
        a.body,
        "示例县公安局开展夏季夜间巡防，共出动警力120人次。\n巡防期间抓获盗窃嫌疑人3名， 查处治安案件14起。"
    );
    assert_eq!(a.simplified, a.body);
    assert!(a.origin.ends_with("plain.txt"));
}

#[test]
fn utf8_with_bom() {
    let a = one(&good("bom.txt"));
    assert!(a.body.starts_with("带字节序标记"), "{:?}", a.body);
    assert!(!a.body.contains('\u{FEFF}'));
}

#[test]
fn gbk() {
    let bytes = std::fs::read(good("gbk.txt")).unwrap();
    assert!(std::str::from_utf8(&bytes).is_err());
    assert_eq!(encoding::detect(&bytes).unwrap(), encoding_rs::GB18030);
    let a = one(&good("gbk.txt"));
    assert_eq!(a.title.as_deref(), Some("编码测试一"));
    assert_eq!(a.date.as_deref(), Some("2024-01-15"));
    assert_eq!(a.body, "甲市公安局网安支队侦破网络赌博案件4起，抓获嫌疑人19名。");
}

#[test]
fn gb18030_four_byte() {
    let a = one(&good("gb18030.txt"));
    assert!(a.body.contains("生僻字䶮和㐀"), "{}", a.body);
    assert!(a.body.contains("共计5人"));
}

#[test]
fn big5_traditional() {
    let bytes = std::fs::read(good("big5.txt")).unwrap();
    assert_eq!(encoding::detect(&bytes).unwrap(), encoding_rs::BIG5);
    let a = one(&good("big5.txt"));
    assert_eq!(a.title.as_deref(), Some("丙市警察局偵破詐騙案"));
    assert!(a.body.starts_with("丙市警察局偵破電信詐騙集團"), "{}", a.body);
    assert!(a.is_traditional());
    assert!(a.simplified.contains("电信诈骗集团"), "{}", a.simplified);
    assert!(a.simplified.contains("查扣赃款"), "{}", a.simplified);
}

#[test]
fn traditional_offsets_point_into_body() {
    let a = one(&good("traditional.txt"));
    assert!(a.is_traditional());
    assert_eq!(a.body.chars().count(), a.simplified.chars().count());
    // Every Simplified phrase found in `simplified` is at the same char offset as its original in `body`.
    for (simp, trad) in [
        ("专项行动", "專項行動"),
        ("侦破诈骗集团案件三起", "偵破詐騙集團案件三起"),
        ("抓获犯罪嫌疑人二十一名", "抓獲犯罪嫌疑人二十一名"),
        ("后续将持续打击电信网络诈骗犯罪", "後續將持續打擊電信網絡詐騙犯罪"),
    ] {
        let at = char_offset(&a.simplified, simp).unwrap_or_else(|| panic!("{simp} not in {}", a.simplified));
        assert_eq!(char_slice(&a.body, at, simp.chars().count()), trad);
    }
    // Newlines stay where they were.
    let nl_body: Vec<usize> = a.body.chars().enumerate().filter(|(_, c)| *c == '\n').map(|(i, _)| i).collect();
    let nl_simp: Vec<usize> = a.simplified.chars().enumerate().filter(|(_, c)| *c == '\n').map(|(i, _)| i).collect();
    assert_eq!(nl_body, nl_simp);
}

#[test]
fn simplified_text_is_left_alone() {
    for name in ["plain.txt", "gbk.txt", "page.html", "note.md"] {
        let a = one(&good(name));
        assert!(!a.is_traditional(), "{name}");
        assert_eq!(a.simplified, a.body, "{name}");
    }
}

#[test]
fn html_page_without_junk() {
    let a = one(&good("page.html"));
    assert_eq!(a.id, "page");
    assert_eq!(a.title.as_deref(), Some("戊市公安局打掉涉诈团伙"));
    assert_eq!(a.date.as_deref(), Some("2024-02-20"));
    assert!(a.body.contains("抓获嫌疑人 15 名。"), "{}", a.body);
    assert!(a.body.contains("该团伙“跑分”洗钱，涉案资金约200万元。\n案件正在进一步侦办中。"), "{}", a.body);
    for junk in ["脚本", "样式", "导航", "页头", "位置", "分享", "侧栏", "页脚", "trackPage", "document.write"]
    {
        assert!(!a.body.contains(junk), "junk {junk:?} in body: {}", a.body);
    }
    assert!(!a.body.contains('&'), "undecoded entity: {}", a.body);
}

#[test]
fn htm_title_and_date_from_text() {
    let a = one(&good("nested/plain-page.htm"));
    assert_eq!(a.id, "plain-page");
    assert_eq!(a.title.as_deref(), Some("己县公安局通报"));
    assert_eq!(a.date.as_deref(), Some("2024-03-08"));
    assert!(a.body.contains("刑事警情同比下降8.5%"));
}

#[test]
fn txt_with_html_body_and_entities() {
    let a = one(&good("body-html.txt"));
    assert_eq!(a.title.as_deref(), Some("庚市公安局行动简报"));
    assert_eq!(a.date.as_deref(), Some("2024-03-04"));
    assert_eq!(a.body, "庚市公安局 开展“清源”行动，破获案件30起。\n第二段：抓获嫌疑人22名&追赃挽损。");
}

#[test]
fn plain_text_with_stray_tags_keeps_its_lines() {
    let a = one(&good("stray-tags.txt"));
    assert_eq!(a.body, "第一段：某县公安局通报近期治安情况。\n第二段：破获案件5起\n第三段：抓获嫌疑人6名。");
}

#[test]
fn entities_in_plain_text() {
    let a = one(&good("entities.txt"));
    assert_eq!(a.body, "辛市公安局 通报：破获案件<10起>，A&B两地联动。\n第二行一切正常。");
}

#[test]
fn markdown_with_front_matter() {
    let a = one(&good("note.md"));
    assert_eq!(a.title.as_deref(), Some("壬市公安局简讯"));
    assert_eq!(a.date.as_deref(), Some("2024-04-01"));
    assert_eq!(a.source.as_deref(), Some("https://example.org/fixture/note"));
    assert_eq!(
        a.body,
        "壬市公安局简讯\n壬市公安局开展反诈宣传进校园活动，覆盖师生3000余人。\n发放资料5000份\n劝阻可疑转账12次"
    );
}

#[test]
fn front_matter_that_is_not_yaml() {
    let a = one(&good("bad-yaml.md"));
    assert_eq!(a.date.as_deref(), Some("2024-05-06"));
    assert_eq!(a.author.as_deref(), Some("制表符缩进"));
    assert_eq!(a.body, "癸市公安局开展夜查行动，查处酒驾违法行为26起。");
}

#[test]
fn jsonl_file() {
    let items: Vec<_> = read_file(&good("articles.jsonl"), InputKind::Jsonl).collect();
    assert_eq!(items.len(), 3);
    let arts: Vec<Article> = items.into_iter().map(|r| r.unwrap()).collect();
    for a in &arts {
        check_invariants(a);
    }
    assert_eq!(arts[0].id, "j1");
    assert!(arts[0].origin.ends_with("articles.jsonl:1"), "{}", arts[0].origin);
    assert_eq!(arts[0].date.as_deref(), Some("2024-06-01"));
    assert_eq!(arts[0].source.as_deref(), Some("https://example.org/j1"));
    assert_eq!(arts[0].body, "子市公安局破获案件9起，抓获嫌疑人11名。\n第二段。");
    // Numeric id, HTML text, Chinese date; blank line 2 skipped but counted.
    assert_eq!(arts[1].id, "2");
    assert!(arts[1].origin.ends_with("articles.jsonl:3"), "{}", arts[1].origin);
    assert_eq!(arts[1].date.as_deref(), Some("2024-06-02"));
    assert_eq!(arts[1].body, "丑市公安局 破获案件8起。\n第二段。");
    assert_eq!(arts[1].title.as_deref(), Some("丑市公安局通报"));
    // Traditional in JSONL.
    assert_eq!(arts[2].date.as_deref(), Some("2024-06-03"));
    assert!(arts[2].is_traditional());
    assert_eq!(arts[2].simplified, "寅市警察局侦破诈骗集团，逮捕嫌疑人五名。");
}

#[test]
fn jsonl_stream_like_stdin() {
    let input = "{\"id\":\"s1\",\"text\":\"甲。\"}\n{\"id\":\"s2\",\"text\":\"乙。\"}";
    let ids: Vec<String> =
        read_jsonl(std::io::Cursor::new(input.as_bytes().to_vec()), "<stdin>").map(|r| r.unwrap().id).collect();
    assert_eq!(ids, ["s1", "s2"]);
    // The reader stdin is wrapped in for the CLI is accepted (Send + 'static).
    fn accepts<R: std::io::BufRead + Send + 'static>(_: R) {}
    accepts(std::io::BufReader::new(std::io::stdin()));
}

// ---- folders ----

#[test]
fn collect_walks_folders_sorted_and_skips_unknown() {
    let got = collect_inputs(&[fixtures().join("good")]);
    let mut paths = Vec::new();
    for r in got {
        let (p, kind) = r.unwrap();
        assert_eq!(Some(kind), InputKind::from_path(&p));
        paths.push(p.strip_prefix(fixtures().join("good")).unwrap().to_string_lossy().into_owned());
    }
    assert!(!paths.iter().any(|p| p.ends_with(".csv")), "{paths:?}");
    assert!(paths.contains(&"nested/plain-page.htm".to_string()), "{paths:?}");
    let mut sorted = paths.clone();
    sorted.sort();
    assert_eq!(paths, sorted);
    assert_eq!(paths.len(), 14, "{paths:?}");
    // Deterministic.
    let again: Vec<_> = collect_inputs(&[fixtures().join("good")]).into_iter().map(|r| r.unwrap().0).collect();
    assert_eq!(again.len(), paths.len());
}

#[test]
fn collect_explicit_files_and_errors() {
    let got = collect_inputs(&[
        good("plain.txt"),
        bad("unknown.xyz"),
        fixtures().join("does-not-exist.txt"),
        PathBuf::from("-"),
        PathBuf::from("UPPER.HTML"),
    ]);
    assert_eq!(got.len(), 5);
    assert_eq!(got[0].as_ref().unwrap().1, InputKind::Text);
    let e = got[1].as_ref().unwrap_err().to_string();
    assert!(e.contains("unknown.xyz") && e.contains("unknown input type"), "{e}");
    let e = got[2].as_ref().unwrap_err().to_string();
    assert!(e.contains("does-not-exist.txt") && e.contains("no such file"), "{e}");
    assert_eq!(got[3].as_ref().unwrap(), &(PathBuf::from("-"), InputKind::Jsonl));
    // Nonexistent, whatever its extension.
    assert!(got[4].is_err());
    assert_eq!(InputKind::from_path(Path::new("A.HTM")), Some(InputKind::Html));
    assert_eq!(InputKind::from_path(Path::new("a.JsonL")), Some(InputKind::Jsonl));
    assert_eq!(InputKind::from_path(Path::new("a.MD")), Some(InputKind::Markdown));
    assert_eq!(InputKind::from_path(Path::new("noext")), None);
}

// ---- samples ----

#[test]
fn samples_all_read() {
    let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/samples");
    let inputs = collect_inputs(&[samples]);
    let mut articles = Vec::new();
    for r in inputs {
        let (p, kind) = r.unwrap();
        assert!(!p.ends_with("README.md"), "a folder's README is not an article");
        for a in read_file(&p, kind) {
            let a = a.unwrap();
            check_invariants(&a);
            assert!(a.title.is_some() && a.date.is_some(), "{}", a.origin);
            articles.push(a);
        }
    }
    assert!(articles.len() >= 9, "{}", articles.len());
    let trad: Vec<_> = articles.iter().filter(|a| a.is_traditional()).map(|a| a.id.as_str()).collect();
    assert!(trad.contains(&"changsha-traditional") && trad.contains(&"xiamen-duanka-big5"), "{trad:?}");
    let gbk = articles.iter().find(|a| a.id == "suzhou-jingwang-gbk").unwrap();
    assert!(gbk.body.contains("苏州市公安局"));
    let html = articles.iter().find(|a| a.id == "shenzhen-duanka").unwrap();
    assert!(!html.body.contains("首页") && !html.body.contains("热点推荐") && !html.body.contains("版权所有"));
}

// ---- bad input ----

#[test]
fn empty_and_blank_files() {
    assert!(fails(&bad("empty.txt")).contains("empty file"));
    assert!(fails(&bad("blank.txt")).contains("no body text"));
    let items: Vec<_> = read_file(&bad("empty.jsonl"), InputKind::Jsonl).collect();
    assert_eq!(items.len(), 1);
    let e = items[0].as_ref().unwrap_err().to_string();
    assert!(e.contains("empty.jsonl") && e.contains("empty JSONL"), "{e}");
}

#[test]
fn binary_junk() {
    assert!(fails(&bad("binary.txt")).contains("binary"));
    assert!(fails(&bad("control.txt")).contains("binary"));
    for kind in [InputKind::Html, InputKind::Markdown] {
        let e = parse_document("x", "x.bin", kind, b"\x00\x01\x02\x03abc").unwrap_err().to_string();
        assert!(e.starts_with("x.bin: ") && e.contains("binary"), "{e}");
    }
}

#[test]
fn truncated_gbk() {
    let e = fails(&bad("truncated-gbk.txt"));
    assert!(e.contains("undecodable") && e.contains("offset") && e.contains("cut off"), "{e}");
}

#[test]
fn damaged_utf8_is_an_error_not_mojibake() {
    let e = fails(&bad("damaged-utf8.txt"));
    assert!(e.contains("invalid UTF-8") && e.contains("offset 30"), "{e}");
}

#[test]
fn html_without_text() {
    assert!(fails(&bad("script-only.html")).contains("no body text"));
}

#[test]
fn malformed_jsonl_lines() {
    let items: Vec<_> = read_file(&bad("bad-lines.jsonl"), InputKind::Jsonl).collect();
    assert_eq!(items.len(), 7);
    let ok: Vec<_> = items.iter().filter_map(|r| r.as_ref().ok()).map(|a| a.id.as_str()).collect();
    assert_eq!(ok, ["ok1", "ok2"]);
    let errs: Vec<String> = items.iter().filter_map(|r| r.as_ref().err()).map(|e| e.to_string()).collect();
    let expect = [
        (2, "malformed JSON"),
        (3, "missing \"id\""),
        (4, "not a JSON object"),
        (5, "missing or empty \"text\""),
        (7, "not valid UTF-8"),
    ];
    assert_eq!(errs.len(), expect.len(), "{errs:?}");
    for (e, (line, what)) in errs.iter().zip(expect) {
        assert!(e.contains(&format!("bad-lines.jsonl:{line}: ")), "{e}");
        assert!(e.contains(what), "{e}");
    }
}

#[test]
fn over_long_jsonl_line_is_reported_not_buffered() {
    let long = format!("{{\"id\":\"big\",\"text\":\"{}\"}}", "长".repeat(4000));
    let input = format!("{{\"id\":\"a\",\"text\":\"前。\"}}\n{long}\n{{\"id\":\"b\",\"text\":\"后。\"}}\n");
    let items: Vec<_> =
        JsonlReader::with_max_line(std::io::Cursor::new(input.into_bytes()), "big.jsonl", 1024).collect();
    assert_eq!(items.len(), 3);
    assert_eq!(items[0].as_ref().unwrap().id, "a");
    let e = items[1].as_ref().unwrap_err().to_string();
    assert!(e.starts_with("big.jsonl:2: ") && e.contains("longer than"), "{e}");
    assert_eq!(items[2].as_ref().unwrap().id, "b");
}

#[test]
fn huge_document_is_refused() {
    let bytes = vec![b'a'; MAX_DOCUMENT_BYTES as usize + 1];
    let e = parse_document("huge", "huge.txt", InputKind::Text, &bytes).unwrap_err().to_string();
    assert!(e.starts_with("huge.txt: ") && e.contains("too large"), "{e}");
    // And from disk.
    let dir = std::env::temp_dir().join(format!("policekg-ingest-huge-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join("huge.txt");
    std::fs::write(&p, &bytes).unwrap();
    let e = fails(&p);
    assert!(e.contains("too large"), "{e}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn unreadable_and_missing_files() {
    let missing = fixtures().join("missing.txt");
    let e = fails(&missing);
    assert!(e.contains("cannot read"), "{e}");
    let items: Vec<_> = read_file(&fixtures().join("missing.jsonl"), InputKind::Jsonl).collect();
    assert!(matches!(items.as_slice(), [Err(IngestError::Io { .. })]));
    // A folder given as a file.
    let items: Vec<_> = read_file(&fixtures().join("good"), InputKind::Text).collect();
    let e = items[0].as_ref().unwrap_err().to_string();
    assert!(e.contains("good") && e.contains("directory"), "{e}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("policekg-ingest-perm-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("secret.txt");
        std::fs::write(&p, "某公安局。").unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o000)).unwrap();
        // Root can read anything: only check when the file really is unreadable.
        if std::fs::read(&p).is_err() {
            let e = fails(&p);
            assert!(e.contains("cannot read") && e.contains("secret.txt"), "{e}");
        }
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).ok();
        std::fs::remove_dir_all(&dir).ok();
    }
}

#[test]
fn errors_name_the_file_for_every_kind() {
    for kind in [InputKind::Text, InputKind::Markdown, InputKind::Html, InputKind::Jsonl] {
        for bytes in [&b""[..], b"\xff\xfe\xfd\x80\x81", b"   ", b"{\"id\":1"] {
            if let Err(e) = parse_document("id", "some/file.ext", kind, bytes) {
                assert!(e.to_string().starts_with("some/file.ext: "), "{e}");
                assert_eq!(e.origin(), "some/file.ext");
            }
        }
    }
}

/// A fresh folder under the system's temporary folder (the crate has no tempfile dependency).
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("policekg-ingest-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
#[cfg(unix)]
fn a_fifo_named_like_an_article_is_reported_not_opened() {
    let dir = scratch("fifo");
    std::fs::write(dir.join("a.txt"), "荆门市公安局通报。").unwrap();
    let fifo = dir.join("pipe.txt");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status().expect("mkfifo (coreutils) runs");
    assert!(made.success());
    // Opening the FIFO would block for ever: collecting must not open it, in a folder or named.
    let got = collect_inputs(&[dir.clone(), fifo.clone()]);
    assert_eq!(got.len(), 3, "{got:?}");
    assert!(got.iter().any(|r| r.as_ref().is_ok_and(|(p, _)| p.ends_with("a.txt"))));
    let errors: Vec<String> = got.iter().filter_map(|r| r.as_ref().err()).map(|e| e.to_string()).collect();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(errors.iter().all(|e| e.contains("pipe.txt") && e.contains("FIFO")), "{errors:?}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn two_files_with_one_document_id_are_an_error_naming_both() {
    let dir = scratch("same-id");
    std::fs::create_dir(dir.join("later")).unwrap();
    for name in ["a.md", "a.txt", "b.txt", "later/b.html"] {
        std::fs::write(dir.join(name), "杭州市公安局通报。").unwrap();
    }
    let got = collect_inputs(std::slice::from_ref(&dir));
    let ok: Vec<String> = got
        .iter()
        .filter_map(|r| r.as_ref().ok())
        .map(|(p, _)| p.file_name().unwrap().to_string_lossy().into())
        .collect();
    assert_eq!(ok, ["a.md", "b.txt"], "the first of each id is read");
    let errors: Vec<String> = got.iter().filter_map(|r| r.as_ref().err()).map(|e| e.to_string()).collect();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(errors[0].contains("a.txt") && errors[0].contains("a.md") && errors[0].contains("\"a\""), "{errors:?}");
    assert!(errors[1].contains("b.html") && errors[1].contains("b.txt"), "{errors:?}");
    std::fs::remove_dir_all(dir).unwrap();
}
