//! MinHash signatures of a document's text, and LSH band keys over them.
//!
//! The text is normalised first: the Simplified body (ingest converts Traditional script char for char),
//! without the lines a re-post adds (来源：…, 责任编辑：…; `data/dedup/boilerplate.txt`), keeping only Han
//! characters, ASCII letters (lower-cased) and digits (full-width ones folded), so punctuation, spacing
//! and script do not count. Its shingles are the runs of [`SHINGLE`] characters; the Jaccard similarity of
//! two documents' shingle sets is estimated by the share of equal values in their signatures
//! ([`HASHES`] minima of independent hashes, each kept as 16 bits).
//!
//! Candidates are found by banding (locality-sensitive hashing): the signature is cut into [`BANDS`] bands
//! of [`ROWS`] rows, and documents that agree on all rows of any band share that band's key. Two documents
//! with similarity `s` share a key with probability `1 - (1 - s^ROWS)^BANDS`: 0.99998 at 0.9, 0.99 at 0.8,
//! 0.32 at 0.5, 0.03 at 0.3, so re-posts (similarity above 0.9) are found and unrelated documents rarely
//! meet. Few bands keep the store small (12 keys a document); verification against the stored signature
//! weeds out the candidates that only share a band.
//! Everything is deterministic (fixed seeds), so signatures from any run or machine compare.

use std::sync::OnceLock;

/// Characters per shingle.
pub const SHINGLE: usize = 5;
/// Bands, and rows per band: `BANDS * ROWS` hashes.
pub const BANDS: usize = 12;
pub const ROWS: usize = 5;
pub const HASHES: usize = BANDS * ROWS;
/// A document with fewer shingles than this gets no signature: too short to call a repetition.
pub const MIN_SHINGLES: usize = 20;
/// Estimated similarity at or above which one document repeats another.
pub const REPOST_SIMILARITY: f64 = 0.7;

/// A document's MinHash signature (16 bits of each minimum) and its band keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    pub values: Vec<u16>,
    pub bands: Vec<BandKey>,
}

/// One band's key: the band number and 48 bits of the hash of its rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BandKey(pub u64);

impl BandKey {
    fn new(band: usize, rows: &[u64]) -> Self {
        let h = rows.iter().fold(0x9E37_79B9_7F4A_7C15u64 ^ band as u64, |h, &r| mix(h ^ r));
        Self(((band as u64) << 48) | (h & 0xFFFF_FFFF_FFFF))
    }

    /// The form stored in the graph: `BB` band number and 12 hex digits (14 characters, which Oxigraph
    /// keeps inline in its indexes).
    pub fn to_literal(self) -> String {
        format!("{:02}{:012x}", self.0 >> 48, self.0 & 0xFFFF_FFFF_FFFF)
    }
}

impl Signature {
    /// The signature of a Simplified body, or `None` when it is too short.
    pub fn of_text(simplified: &str) -> Option<Self> {
        let chars = normalise(simplified);
        if chars.len() < SHINGLE + MIN_SHINGLES - 1 {
            return None;
        }
        let mut minima = [u64::MAX; HASHES];
        let seeds = seeds();
        for window in chars.windows(SHINGLE) {
            let x = window.iter().fold(0xCBF2_9CE4_8422_2325u64, |h, &c| mix(h ^ c as u64));
            for (m, seed) in minima.iter_mut().zip(seeds) {
                let v = mix(x ^ seed);
                if v < *m {
                    *m = v;
                }
            }
        }
        let bands = minima.chunks(ROWS).enumerate().map(|(b, rows)| BandKey::new(b, rows)).collect();
        Some(Self { values: minima.iter().map(|m| (m >> 48) as u16).collect(), bands })
    }

    /// The estimated Jaccard similarity of the two documents' shingle sets.
    pub fn similarity(&self, other: &Signature) -> f64 {
        let same = self.values.iter().zip(&other.values).filter(|(a, b)| a == b).count();
        same as f64 / HASHES as f64
    }

    /// The values as stored in the graph: 4 hex digits each.
    pub fn values_literal(&self) -> String {
        self.values.iter().map(|v| format!("{v:04x}")).collect()
    }

    /// Reads [`Signature::values_literal`] back (bands are not needed to compare).
    pub fn from_values_literal(s: &str) -> Option<Self> {
        if s.len() != HASHES * 4 || !s.is_ascii() {
            return None;
        }
        let values = (0..HASHES).map(|i| u16::from_str_radix(&s[4 * i..4 * i + 4], 16).ok()).collect::<Option<_>>()?;
        Some(Self { values, bands: Vec::new() })
    }
}

/// SplitMix64's finaliser: a fast, well-mixed 64-bit hash step.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn seeds() -> &'static [u64; HASHES] {
    static SEEDS: OnceLock<[u64; HASHES]> = OnceLock::new();
    SEEDS.get_or_init(|| {
        let mut s = [0u64; HASHES];
        let mut state = 0x005E_ED0F_9011_CE0B_u64;
        for v in &mut s {
            state = state.wrapping_add(1);
            *v = mix(state);
        }
        s
    })
}

/// Line openings of what re-posts add (`data/dedup/boilerplate.txt`).
fn boilerplate() -> &'static [&'static str] {
    static OPENINGS: OnceLock<Vec<&'static str>> = OnceLock::new();
    OPENINGS.get_or_init(|| {
        include_str!("../../data/dedup/boilerplate.txt")
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .collect()
    })
}

/// Longest line that may be a re-post's source or editor line.
const BOILERPLATE_LINE_CHARS: usize = 40;

/// The characters that count: Han, ASCII letters (lower-cased) and digits, from lines that are not
/// a re-post's additions.
pub fn normalise(simplified: &str) -> Vec<char> {
    let mut out = Vec::with_capacity(simplified.len() / 3);
    for line in simplified.lines() {
        let opening = line.trim_start_matches(|c: char| c.is_whitespace() || "（(【[".contains(c));
        if line.chars().count() <= BOILERPLATE_LINE_CHARS && boilerplate().iter().any(|b| opening.starts_with(b)) {
            continue;
        }
        for c in line.chars() {
            let c = match c {
                '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
                'Ａ'..='Ｚ' | 'ａ'..='ｚ' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
                _ => c,
            };
            if c.is_ascii_alphanumeric() {
                out.push(c.to_ascii_lowercase());
            } else if is_han(c) {
                out.push(c);
            }
        }
    }
    out
}

fn is_han(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F)
}

#[cfg(test)]
mod tests {
    use super::*;

    const REPORT: &str = "今年以来，江城市公安局以“清风-2024”专项行动为抓手，持续打击电信网络诈骗犯罪，\
        共破获案件312起，抓获犯罪嫌疑人148名，止付涉案资金860万元，冻结账户57个。\n\
        5月12日，江城市公安局刑侦支队联合东湖派出所开展收网行动，捣毁窝点6个，抓获嫌疑人23名。\n\
        下一步，江城市公安局将继续保持高压态势，守护群众财产安全。";

    #[test]
    fn a_repost_with_source_and_editor_lines_is_nearly_identical() {
        let a = Signature::of_text(REPORT).unwrap();
        let b = Signature::of_text(&format!("来源：城市晚报\n{REPORT}\n（责任编辑：王一）")).unwrap();
        assert_eq!(a, b, "the added lines are not part of the text compared");
        let c = Signature::of_text(&REPORT.replace('，', ", ").replace("312", "３１２")).unwrap();
        assert_eq!(a.values, c.values, "punctuation, spacing and full-width digits do not count");
    }

    #[test]
    fn different_reports_are_not_similar() {
        let a = Signature::of_text(REPORT).unwrap();
        let other = "近日，河口县公安局破获一起盗窃案件，抓获犯罪嫌疑人2名，追回被盗电动车5辆。\
            该局提醒群众停放车辆时加装防盗锁，发现可疑情况及时报警。民警在走访中了解到，\
            近期辖区多个小区发生车辆被盗案件，随即成立专案组开展侦查。";
        let b = Signature::of_text(other).unwrap();
        assert!(a.similarity(&b) < 0.2, "{}", a.similarity(&b));
        assert!(a.bands.iter().all(|k| !b.bands.contains(k)));
    }

    #[test]
    fn an_edited_figure_keeps_the_text_similar_and_a_rewrite_does_not() {
        let a = Signature::of_text(REPORT).unwrap();
        let edited = Signature::of_text(&REPORT.replace("148", "149")).unwrap();
        assert!(a.similarity(&edited) >= REPOST_SIMILARITY, "{}", a.similarity(&edited));
        let half: String = REPORT.chars().take(REPORT.chars().count() / 2).collect();
        let b = Signature::of_text(&half).unwrap();
        assert!(a.similarity(&b) < REPOST_SIMILARITY, "{}", a.similarity(&b));
    }

    #[test]
    fn short_texts_get_no_signature_and_literals_round_trip() {
        assert!(Signature::of_text("破获案件3起").is_none());
        let a = Signature::of_text(REPORT).unwrap();
        let back = Signature::from_values_literal(&a.values_literal()).unwrap();
        assert_eq!(back.values, a.values);
        assert_eq!(a.bands[3].to_literal().len(), 14);
        assert!(a.bands[3].to_literal().starts_with("03"));
    }

    #[test]
    fn the_boilerplate_list_is_sorted_without_duplicates() {
        let list = boilerplate();
        assert!(list.len() >= 5);
        assert!(list.windows(2).all(|w| w[0] < w[1]), "sorted, no duplicates: {list:?}");
    }
}
