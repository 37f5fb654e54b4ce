//! When a name in the graph and a name in a gold file are the same name: normalization and the keys
//! agencies, units and campaigns are compared under (contract section 6, `docs/gold-format.md`).

use std::collections::HashSet;
use std::sync::OnceLock;
use unicode_normalization::UnicodeNormalization;

/// Quotation marks, removed from every name before comparing.
const QUOTES: &[char] = &['"', '\'', '“', '”', '‘', '’', '「', '」', '『', '』', '《', '》', '〈', '〉'];

/// Also removed from campaign names: dots, dashes, underscore and spaces (雷火-2022 = 雷火2022).
const CAMPAIGN_DROPPED: &[char] = &['·', '•', '・', '.', '-', '—', '–', '－', '_', ' ', '　'];

/// A 公安分局 is also written 分局 (鄂州市公安局鄂城公安分局 = 鄂州市公安局鄂城分局).
const BRANCH_LONG: &str = "公安分局";
const BRANCH_SHORT: &str = "分局";
/// A 分局 is also named without its city bureau in front (鄂州市公安局鄂城区分局 = 鄂城区分局).
const CITY_BUREAU: &str = "公安局";

/// The word lists of the matching rules (`data/evaluate/names.tsv`).
#[derive(Debug)]
pub(crate) struct NameWords {
    pub provinces: Vec<String>,
    pub org_endings: Vec<String>,
    /// Longest first: the first that fits is dropped.
    pub campaign_suffixes: Vec<String>,
}

pub(crate) const NAMES_TSV: &str = include_str!("../../data/evaluate/names.tsv");

/// Parses `names.tsv`; an unknown role or a malformed line is an error naming its line.
pub(crate) fn parse_words(text: &str) -> Result<NameWords, String> {
    let mut words = NameWords { provinces: Vec::new(), org_endings: Vec::new(), campaign_suffixes: Vec::new() };
    for (i, line) in text.lines().enumerate() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let Some((word, role)) = line.split_once('\t') else {
            return Err(format!("line {}: expected word<TAB>role", i + 1));
        };
        let list = match role {
            "province" => &mut words.provinces,
            "org_ending" => &mut words.org_endings,
            "campaign_suffix" => &mut words.campaign_suffixes,
            other => return Err(format!("line {}: unknown role {other:?}", i + 1)),
        };
        list.push(word.to_owned());
    }
    words.campaign_suffixes.sort_by_key(|s| std::cmp::Reverse(s.chars().count()));
    Ok(words)
}

fn words() -> &'static NameWords {
    static WORDS: OnceLock<NameWords> = OnceLock::new();
    WORDS.get_or_init(|| parse_words(NAMES_TSV).expect("data/evaluate/names.tsv is well formed (tested)"))
}

/// Python's `str.isspace`, which the reference scorer uses: Unicode white space and the four separators
/// U+001C..U+001F.
fn is_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// NFKC (full-width letters and digits become ASCII), without white space and quotation marks.
pub fn normalize(s: &str) -> String {
    s.nfkc().filter(|&c| !is_space(c) && !QUOTES.contains(&c)).collect()
}

fn char_len(s: &str) -> usize {
    s.chars().count()
}

/// The keys under which an agency or unit name matches another: the name, the name without a province
/// in front, and the short forms of a 分局.
pub fn agency_keys(name: &str) -> HashSet<String> {
    let n = normalize(name);
    let mut keys = HashSet::from([n.clone()]);
    for p in &words().provinces {
        if let Some(rest) = n.strip_prefix(p.as_str()) {
            if char_len(rest) > 2 {
                keys.insert(rest.to_owned());
            }
        }
    }
    let short: Vec<String> =
        keys.iter().filter(|k| k.contains(BRANCH_LONG)).map(|k| k.replace(BRANCH_LONG, BRANCH_SHORT)).collect();
    keys.extend(short);
    let without_bureau: Vec<String> = keys
        .iter()
        .filter_map(|k| {
            let head = k.strip_suffix(BRANCH_SHORT)?;
            if !head.contains(CITY_BUREAU) {
                return None;
            }
            let after = k.rfind(CITY_BUREAU)? + CITY_BUREAU.len();
            Some(k[after..].to_owned())
        })
        .collect();
    keys.extend(without_bureau);
    keys.retain(|k| !k.is_empty());
    keys
}

/// The key a campaign name is compared under: normalized, without dots, dashes and spaces, and without
/// a final 专项行动 or 行动 when at least two characters remain.
pub fn campaign_key(name: &str) -> String {
    let n: String = normalize(name).chars().filter(|c| !CAMPAIGN_DROPPED.contains(c)).collect();
    for suffix in &words().campaign_suffixes {
        if let Some(rest) = n.strip_suffix(suffix.as_str()) {
            if char_len(rest) >= 2 {
                return rest.to_owned();
            }
        }
    }
    n
}

/// A unit's label matches a gold unit name when it is the same name, or the gold name behind a parent's
/// label (荆门市公安局巡特警支队 for 巡特警支队), not behind arbitrary text.
pub fn unit_matches(label: &str, gold_name: &str) -> bool {
    let (a, b) = (normalize(label), normalize(gold_name));
    if a == b {
        return true;
    }
    char_len(&b) >= 2
        && a.strip_suffix(b.as_str()).is_some_and(|head| words().org_endings.iter().any(|e| head.ends_with(e.as_str())))
}

/// What kind of name is compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameKind {
    /// Agencies and units: by [`agency_keys`], or a unit label by [`unit_matches`].
    Organisation,
    /// Campaigns: by [`campaign_key`].
    Campaign,
}

/// Whether any of the graph's labels names the gold item (whose names are its name and aliases).
pub fn names_match<'a>(labels: impl IntoIterator<Item = &'a String>, gold_names: &[&str], kind: NameKind) -> bool {
    match kind {
        NameKind::Campaign => {
            let gold: HashSet<String> = gold_names.iter().map(|g| campaign_key(g)).collect();
            labels.into_iter().any(|l| gold.contains(&campaign_key(l)))
        }
        NameKind::Organisation => {
            let gold: HashSet<String> = gold_names.iter().flat_map(|g| agency_keys(g)).collect();
            labels
                .into_iter()
                .any(|l| !agency_keys(l).is_disjoint(&gold) || gold_names.iter().any(|g| unit_matches(l, g)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn the_word_list_is_sorted_without_duplicates_and_complete() {
        let rows: Vec<(&str, &str)> = NAMES_TSV
            .lines()
            .filter(|l| !l.starts_with('#'))
            .map(|l| l.split_once('\t').map(|(w, r)| (r, w)).expect("word<TAB>role"))
            .collect();
        let mut sorted = rows.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(rows, sorted, "names.tsv must be sorted by role, then word, without duplicates");
        let words = parse_words(NAMES_TSV).unwrap();
        assert_eq!(words.provinces.len(), 34, "every province-level division");
        assert_eq!(words.campaign_suffixes[0], "专项行动", "longest suffix first");
        assert!(parse_words("雷火\tslogan\n").unwrap_err().contains("line 1"));
    }

    #[test]
    fn normalization_drops_quotes_and_spaces_and_folds_full_width() {
        assert_eq!(normalize(" “净网２０２３” "), "净网2023");
        assert_eq!(normalize("A\u{1f}B"), "AB");
    }

    #[test]
    fn agency_keys_drop_the_province_and_shorten_branches() {
        let keys = agency_keys("山东省青岛市公安局");
        assert!(keys.contains("青岛市公安局"));
        assert!(agency_keys("山东省公安厅").contains("公安厅"));
        assert!(!agency_keys("山东省警方").contains("警方"), "two characters left are not a name");
        let keys = agency_keys("青岛市公安局崂山公安分局");
        assert!(keys.contains("青岛市公安局崂山分局"));
        assert!(keys.contains("崂山分局"));
    }

    #[test]
    fn campaign_keys_ignore_quotes_punctuation_and_the_action_suffix() {
        assert_eq!(campaign_key("“昆仑-2023”专项行动"), "昆仑2023");
        assert_eq!(campaign_key("夏夜·巡查行动"), "夏夜巡查");
        assert_eq!(campaign_key("亮剑行动"), "亮剑");
        // 专项行动 would leave one character: 行动 is dropped instead.
        assert_eq!(campaign_key("A专项行动"), "A专项");
        assert_eq!(campaign_key("行动"), "行动");
    }

    #[test]
    fn a_unit_label_matches_its_name_behind_a_parent_label_only() {
        assert!(unit_matches("青岛市公安局刑警支队", "刑警支队"));
        assert!(unit_matches("刑警支队", "刑警支队"));
        assert!(!unit_matches("全市公安机关刑警支队", "刑警支队"), "not behind arbitrary text");
        assert!(!unit_matches("青岛市公安局刑警支队", "支"), "a one-character name matches only itself");
    }

    #[test]
    fn organisations_match_by_keys_or_unit_names_and_campaigns_by_key() {
        let org = NameKind::Organisation;
        assert!(names_match(&labels(&["山东省青岛市公安局"]), &["青岛市公安局"], org));
        assert!(names_match(&labels(&["青岛警方", "青岛市公安局"]), &["青岛市公安局"], org));
        assert!(names_match(&labels(&["青岛市公安局"]), &["青岛公安", "青岛市公安局"], org));
        assert!(!names_match(&labels(&["烟台市公安局"]), &["青岛市公安局"], org));
        assert!(!names_match(&labels(&[]), &["青岛市公安局"], org));
        let camp = NameKind::Campaign;
        assert!(names_match(&labels(&["雷霆2024"]), &["“雷霆-2024”专项行动"], camp));
        assert!(!names_match(&labels(&["雷霆2023"]), &["雷霆2024"], camp));
    }
}
