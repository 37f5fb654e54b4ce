//! Extraction never panics and keeps its promises on any input: empty text, arbitrary Unicode, text made
//! of the very pieces the rules look for, huge text, bodies and simplified copies that disagree.

use policekg_extract::{extract, Article, Extraction};

fn article(body: &str, simplified: &str, date: Option<&str>) -> Article {
    Article {
        id: "t".into(),
        title: Some("标题".into()),
        date: date.map(str::to_string),
        body: body.into(),
        simplified: simplified.into(),
        origin: "test".into(),
        ..Default::default()
    }
}

/// Evidence offsets are in range and cut exactly the evidence text from the body.
fn check_evidence(a: &Article, x: &Extraction) {
    let chars: Vec<char> = a.body.chars().collect();
    let mut all: Vec<&policekg_extract::Evidence> = x.outcomes.iter().map(|o| &o.evidence).collect();
    all.extend(x.operations.iter().map(|o| &o.evidence));
    all.extend(x.agencies.iter().flat_map(|a| a.evidence.iter()));
    all.extend(x.units.iter().flat_map(|u| u.evidence.iter()));
    all.extend(x.campaigns.iter().flat_map(|c| c.evidence.iter()));
    for e in all {
        assert!(e.start <= e.end && e.end <= chars.len(), "offsets {}..{} out of {}", e.start, e.end, chars.len());
        let cut: String = chars[e.start..e.end].iter().collect();
        assert_eq!(cut, e.text);
    }
}

/// A small deterministic generator (xorshift), so the test needs no extra crate and never flakes.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[(self.next() % xs.len() as u64) as usize]
    }
}

const PIECES: &[&str] = &[
    "1",
    "2.5",
    "万",
    "亿",
    "余",
    "多",
    "近",
    "约",
    "超",
    "一",
    "两",
    "十",
    "百",
    "千",
    "零",
    "起",
    "名",
    "人",
    "个",
    "张",
    "元",
    "%",
    "人次",
    "公斤",
    "抓获",
    "破获",
    "冻结",
    "止付",
    "同比",
    "下降",
    "上升",
    "其中",
    "、",
    "，",
    "。",
    "；",
    "：",
    "“",
    "”",
    "「",
    "」",
    "\n",
    "\n\n",
    " ",
    "公安局",
    "公安厅",
    "公安部",
    "分局",
    "公安分局",
    "派出所",
    "支队",
    "大队",
    "专班",
    "专案组",
    "市",
    "省",
    "县",
    "区",
    "湖北省",
    "荆门",
    "北京市",
    "全市公安机关",
    "市公安局",
    "省厅",
    "该局",
    "警方",
    "行动",
    "专项行动",
    "攻势",
    "雷火2022",
    "7·25",
    "月",
    "日",
    "次日",
    "今年",
    "至",
    "以来",
    "𠀀",
    "\u{200b}",
    "\u{feff}",
    "é",
    "🙂",
    "\r\n",
    "第",
    "·",
    "-",
    "—",
    "…",
    "（",
    "）",
    "窝点",
    "团伙",
    "账户",
    "隐患",
    "纠纷",
    "劝阻",
];

#[test]
fn empty_and_tiny_inputs() {
    for body in ["", " ", "\n", "。", "1", "万", "公安局", "“", "1至", "2月", "次日", "0000年00月00日"] {
        let a = article(body, body, Some("2022-03-02"));
        let x = extract(&a);
        check_evidence(&a, &x);
        let a = article(body, body, None);
        let _ = extract(&a);
    }
}

#[test]
fn random_text_from_the_rules_own_pieces() {
    let mut rng = Rng(0x9E3779B97F4A7C15);
    for round in 0..400 {
        let n = 1 + (rng.next() % 120) as usize;
        let body: String = (0..n).map(|_| rng.pick(PIECES)).collect();
        let date = if round % 3 == 0 { None } else { Some("2022-03-02") };
        let a = article(&body, &body, date);
        let x = extract(&a);
        check_evidence(&a, &x);
        assert_eq!(x, extract(&a), "not deterministic on {body:?}");
    }
}

#[test]
fn arbitrary_unicode() {
    let mut rng = Rng(12345);
    for _ in 0..200 {
        let n = (rng.next() % 200) as usize;
        let body: String = (0..n)
            .filter_map(|_| {
                let r = rng.next();
                let c = match r % 4 {
                    0 => (r >> 8) % 0x80,
                    1 => 0x4E00 + (r >> 8) % 0x5200,
                    2 => 0x3000 + (r >> 8) % 0x100,
                    _ => (r >> 8) % 0x110000,
                };
                char::from_u32(c as u32)
            })
            .collect();
        let a = article(&body, &body, Some("2021-12-31"));
        check_evidence(&a, &extract(&a));
    }
}

#[test]
fn body_and_simplified_of_different_lengths() {
    let a = article("荆门市公安局抓获嫌疑人3名。", "荆门市公安局抓获嫌疑人3名。多出来的字", Some("2022-03-02"));
    check_evidence(&a, &extract(&a));
    let a = article("荆门市公安局抓获嫌疑人3名。多出来的字", "荆门市公安局", Some("2022-03-02"));
    check_evidence(&a, &extract(&a));
}

#[test]
fn huge_text_is_handled_quickly() {
    let para =
        "今年以来，杭州市公安局共侦破各类刑事案件1200起，抓获犯罪嫌疑人860名，止付涉案资金3.5亿元，同比下降12.5%。\n";
    let body = para.repeat(4000); // about 250,000 chars
    let a = article(&body, &body, Some("2022-03-02"));
    let t = std::time::Instant::now();
    let x = extract(&a);
    let secs = t.elapsed().as_secs_f64();
    assert_eq!(x.outcomes.len(), 4, "the same facts repeated are one fact each");
    assert!(secs < 20.0, "took {secs:.1}s");
    let long_line = "抓".repeat(200_000);
    let _ = extract(&article(&long_line, &long_line, None));
}
