//! The lexicons under `data/lexicon/`: plain tab-separated files with a `#` comment header that documents
//! the format. They are compiled in, parsed once, and checked by hygiene tests (sorted, no duplicates,
//! known tags); a bad line is reported with its file and line number.

use std::collections::HashMap;

use crate::ValueUnit;

pub const CLASSIFIERS: &str = include_str!("../../../../data/lexicon/classifiers.tsv");
pub const METRIC_CUES: &str = include_str!("../../../../data/lexicon/metric_cues.tsv");
pub const UNIT_KINDS: &str = include_str!("../../../../data/lexicon/unit_kinds.tsv");
pub const AGENCY_REFS: &str = include_str!("../../../../data/lexicon/agency_refs.tsv");
pub const CAMPAIGNS: &str = include_str!("../../../../data/lexicon/campaigns.tsv");
pub const CRIME_TYPES: &str = include_str!("../../../../data/lexicon/crime_types.tsv");
pub const AGENCY_SUFFIXES: &str = include_str!("../../../../data/lexicon/agency_suffixes.tsv");

/// A parse error: file, 1-based line, what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LexiconError {
    pub file: String,
    pub line: usize,
    pub reason: String,
}

impl std::fmt::Display for LexiconError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.line, self.reason)
    }
}

/// The data rows of a tab-separated lexicon: `(line number, fields)`, comments and blank lines skipped.
/// Every row must have exactly `ncols` non-empty fields, and the second field (if `tags` is given) must be
/// one of `tags`.
pub fn rows<'a>(
    file: &str,
    text: &'a str,
    ncols: usize,
    tags: Option<&[&str]>,
) -> Result<Vec<(usize, Vec<&'a str>)>, LexiconError> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line_no = i + 1;
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = line.split('\t').collect();
        let err = |reason: String| LexiconError { file: file.to_string(), line: line_no, reason };
        if fields.len() != ncols {
            return Err(err(format!("expected {ncols} tab-separated fields, found {}", fields.len())));
        }
        if fields.iter().any(|f| f.trim().is_empty() || f.trim() != *f) {
            return Err(err("empty field or stray blanks".into()));
        }
        if let Some(tags) = tags {
            if !tags.contains(&fields[1]) {
                return Err(err(format!("unknown tag {:?}", fields[1])));
            }
        }
        out.push((line_no, fields));
    }
    Ok(out)
}

/// The tags of metric_cues.tsv. The first 22 are verbs (an action that governs a figure: 破获, 抓获 ...);
/// the rest are nouns, markers and filters, read around a figure.
pub const CUE_TAGS: &[&str] = &[
    "solve",
    "report",
    "arrest",
    "detain",
    "punish",
    "dismantle",
    "seize",
    "involve",
    "intercept",
    "stop",
    "freeze",
    "recover",
    "control",
    "warn",
    "dissuade",
    "resolve",
    "rectify",
    "rescue",
    "prevent",
    "pursue",
    "investigate",
    "impound",
    "rise",
    "fall",
    "yoy",
    "pop",
    "share",
    "fugitive",
    "gang",
    "den",
    "account",
    "dispute",
    "hazard",
    "family",
    "case",
    "person",
    "police",
    "skip",
    "time",
    "plain",
    "nonpolice",
    "traffic",
    "accident",
    "subset",
    "addict",
];

/// The verb tags of [`CUE_TAGS`] (its first 22): kept in one list so a new verb is one row.
pub const VERB_TAGS: &[&str] = CUE_TAGS.split_at(22).0;
pub const UNIT_TAGS: &[&str] = &["named", "bare"];
pub const REF_TAGS: &[&str] = &[
    "national",
    "province",
    "city",
    "county",
    "last-province",
    "last-city",
    "last-county",
    "region",
    "scope-city",
    "scope-province",
    "scope-county",
    "scope-region",
    "actor",
];
pub const SUFFIX_TAGS: &[&str] = &["ministry", "department", "bureau", "branch", "organ", "relative"];
pub const CAMPAIGN_TAGS: &[&str] = &["umbrella", "name", "suffix", "tail", "parent", "not"];
pub const UNIT_CODES: &[&str] =
    &["case", "person", "person-time", "group", "den", "item", "account", "gram", "CNY", "percent", "other", "*"];

/// What a classifier gives: a fixed unit or one the noun decides, and a factor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Classifier {
    pub unit: Option<ValueUnit>,
    pub factor: u128,
}

pub fn unit_from_code(code: &str) -> Option<ValueUnit> {
    Some(match code {
        "case" => ValueUnit::Case,
        "person" => ValueUnit::Person,
        "person-time" => ValueUnit::PersonTime,
        "group" => ValueUnit::Group,
        "den" => ValueUnit::Den,
        "item" => ValueUnit::Item,
        "account" => ValueUnit::Account,
        "gram" => ValueUnit::Gram,
        "CNY" => ValueUnit::Cny,
        "percent" => ValueUnit::Percent,
        "other" => ValueUnit::Other,
        _ => return None,
    })
}

/// The texts of the lexicon files, one field per file under `data/lexicon/`.
#[derive(Debug, Clone, Copy, Default)]
pub struct LexiconFiles<'a> {
    pub classifiers: &'a str,
    pub cues: &'a str,
    pub unit_kinds: &'a str,
    pub refs: &'a str,
    pub campaigns: &'a str,
    pub crimes: &'a str,
    pub suffixes: &'a str,
}

impl LexiconFiles<'static> {
    /// The shipped files.
    pub fn builtin() -> Self {
        Self {
            classifiers: CLASSIFIERS,
            cues: METRIC_CUES,
            unit_kinds: UNIT_KINDS,
            refs: AGENCY_REFS,
            campaigns: CAMPAIGNS,
            crimes: CRIME_TYPES,
            suffixes: AGENCY_SUFFIXES,
        }
    }
}

/// All lexicons, parsed.
pub struct Lexicon {
    /// Classifier text -> what it gives; `classifier_lens` lists the lengths present, longest first.
    pub classifiers: HashMap<String, Classifier>,
    pub classifier_lens: Vec<usize>,
    /// Cue word -> tag.
    pub cues: HashMap<String, &'static str>,
    pub cue_lens: Vec<usize>,
    /// Unit-kind endings with whether they may stand alone; longest first.
    pub unit_kinds: Vec<(String, bool)>,
    /// Relative agency forms -> target tag; longest first.
    pub agency_refs: Vec<(String, &'static str)>,
    /// Campaign patterns by tag.
    pub campaign_umbrella: Vec<String>,
    pub campaign_name: Vec<String>,
    pub campaign_suffix: Vec<String>,
    pub campaign_tail: Vec<String>,
    pub campaign_parent: Vec<String>,
    pub campaign_not: Vec<String>,
    /// Crime words -> crime type; longest first.
    pub crime_types: Vec<(String, String)>,
    /// Endings that name an organ, with their tag; longest first.
    pub agency_suffixes: Vec<(String, &'static str)>,
    /// First chars of cue words and classifiers (most positions start none).
    cue_first: std::collections::HashSet<char>,
    classifier_first: std::collections::HashSet<char>,
    /// Words the organisation rules read, by role (org_words.tsv).
    pub org_words: super::vocab::OrgWords,
}

fn static_tag(tags: &'static [&'static str], t: &str) -> &'static str {
    tags.iter().find(|x| **x == t).copied().unwrap_or("")
}

fn lens_desc<'a>(keys: impl Iterator<Item = &'a String>) -> Vec<usize> {
    let mut v: Vec<usize> = keys.map(|k| k.chars().count()).collect();
    v.sort_unstable_by(|a, b| b.cmp(a));
    v.dedup();
    v
}

impl Lexicon {
    /// Parses the given lexicon texts (the shipped ones are [`Lexicon::builtin`]).
    pub fn parse(files: &LexiconFiles<'_>) -> Result<Lexicon, LexiconError> {
        let LexiconFiles { classifiers, cues, unit_kinds, refs, campaigns, crimes, suffixes } = *files;
        let mut cl = HashMap::new();
        for (line, f) in rows("classifiers.tsv", classifiers, 3, None)? {
            if !UNIT_CODES.contains(&f[1]) {
                return Err(LexiconError {
                    file: "classifiers.tsv".into(),
                    line,
                    reason: format!("unknown unit {:?}", f[1]),
                });
            }
            let factor: u128 = f[2].parse().map_err(|_| LexiconError {
                file: "classifiers.tsv".into(),
                line,
                reason: format!("bad factor {:?}", f[2]),
            })?;
            cl.insert(f[0].to_string(), Classifier { unit: unit_from_code(f[1]), factor });
        }
        let mut cue = HashMap::new();
        for (_, f) in rows("metric_cues.tsv", cues, 2, Some(CUE_TAGS))? {
            cue.insert(f[0].to_string(), static_tag(CUE_TAGS, f[1]));
        }
        let mut uk: Vec<(String, bool)> = rows("unit_kinds.tsv", unit_kinds, 2, Some(UNIT_TAGS))?
            .into_iter()
            .map(|(_, f)| (f[0].to_string(), f[1] == "bare"))
            .collect();
        uk.sort_by(|a, b| b.0.chars().count().cmp(&a.0.chars().count()).then(a.0.cmp(&b.0)));
        let mut ar: Vec<(String, &'static str)> = rows("agency_refs.tsv", refs, 2, Some(REF_TAGS))?
            .into_iter()
            .map(|(_, f)| (f[0].to_string(), static_tag(REF_TAGS, f[1])))
            .collect();
        ar.sort_by(|a, b| b.0.chars().count().cmp(&a.0.chars().count()).then(a.0.cmp(&b.0)));
        let mut lex = Lexicon {
            cue_first: cue.keys().filter_map(|k| k.chars().next()).collect(),
            classifier_first: cl.keys().filter_map(|k| k.chars().next()).collect(),
            classifier_lens: lens_desc(cl.keys()),
            classifiers: cl,
            cue_lens: lens_desc(cue.keys()),
            cues: cue,
            unit_kinds: uk,
            agency_refs: ar,
            campaign_umbrella: vec![],
            campaign_name: vec![],
            campaign_suffix: vec![],
            campaign_tail: vec![],
            campaign_parent: vec![],
            campaign_not: vec![],
            crime_types: vec![],
            agency_suffixes: vec![],
            org_words: super::vocab::OrgWords::parse("org_words.tsv", "")?,
        };
        let mut sfx: Vec<(String, &'static str)> = rows("agency_suffixes.tsv", suffixes, 2, Some(SUFFIX_TAGS))?
            .into_iter()
            .map(|(_, f)| (f[0].to_string(), static_tag(SUFFIX_TAGS, f[1])))
            .collect();
        sfx.sort_by(|a, b| b.0.chars().count().cmp(&a.0.chars().count()).then(a.0.cmp(&b.0)));
        lex.agency_suffixes = sfx;
        for (line, f) in rows("campaigns.tsv", campaigns, 2, Some(CAMPAIGN_TAGS))? {
            let v = f[0].to_string();
            if matches!(f[1], "umbrella" | "name") && regex::Regex::new(&v).is_err() {
                return Err(LexiconError {
                    file: "campaigns.tsv".into(),
                    line,
                    reason: format!("bad regular expression {v:?}"),
                });
            }
            match f[1] {
                "umbrella" => lex.campaign_umbrella.push(v),
                "name" => lex.campaign_name.push(v),
                "suffix" => lex.campaign_suffix.push(v),
                "tail" => lex.campaign_tail.push(v),
                "parent" => lex.campaign_parent.push(v),
                _ => lex.campaign_not.push(v),
            }
        }
        for list in [&mut lex.campaign_suffix, &mut lex.campaign_tail, &mut lex.campaign_not, &mut lex.campaign_parent]
        {
            list.sort_by(|a, b| b.chars().count().cmp(&a.chars().count()).then(a.cmp(b)));
        }
        let mut ct: Vec<(String, String)> = rows("crime_types.tsv", crimes, 2, None)?
            .into_iter()
            .map(|(_, f)| (f[0].to_string(), f[1].to_string()))
            .collect();
        ct.sort_by(|a, b| b.0.chars().count().cmp(&a.0.chars().count()).then(a.0.cmp(&b.0)));
        lex.crime_types = ct;
        Ok(lex)
    }

    pub fn builtin() -> Lexicon {
        Lexicon::parse(&LexiconFiles::builtin())
            .and_then(|l| l.with_org_words(super::vocab::ORG_WORDS))
            .unwrap_or_else(|e| panic!("shipped lexicon is broken: {e}"))
    }

    /// The lexicon with the organisation words given (org_words.tsv's format).
    pub fn with_org_words(mut self, text: &str) -> Result<Lexicon, LexiconError> {
        self.org_words = super::vocab::OrgWords::parse("org_words.tsv", text)?;
        Ok(self)
    }

    /// The longest classifier at `pos`: (text length, classifier, text).
    pub fn classifier_at(&self, chars: &[char], pos: usize) -> Option<(usize, Classifier, String)> {
        if pos >= chars.len() || !self.classifier_first.contains(&chars[pos]) {
            return None;
        }
        let mut s = String::new();
        for &len in &self.classifier_lens {
            if pos + len <= chars.len() {
                s.clear();
                s.extend(&chars[pos..pos + len]);
                if let Some(c) = self.classifiers.get(&s) {
                    return Some((len, *c, s));
                }
            }
        }
        None
    }

    /// The longest cue word starting at `pos`: (length, tag).
    pub fn cue_at(&self, chars: &[char], pos: usize) -> Option<(usize, &'static str)> {
        if pos >= chars.len() || !self.cue_first.contains(&chars[pos]) {
            return None;
        }
        let mut s = String::with_capacity(16);
        for &len in &self.cue_lens {
            if pos + len <= chars.len() {
                s.clear();
                s.extend(&chars[pos..pos + len]);
                if let Some(t) = self.cues.get(&s) {
                    return Some((len, *t));
                }
            }
        }
        None
    }

    /// The crime type stated in `text`, the longest keyword first, then the first position.
    pub fn crime_type(&self, text: &str) -> Option<String> {
        let mut best: Option<(usize, usize, &str)> = None; // (len desc, pos)
        for (w, t) in &self.crime_types {
            if let Some(p) = text.find(w.as_str()) {
                let l = w.chars().count();
                if best.is_none_or(|(bl, bp, _)| l > bl || (l == bl && p < bp)) {
                    best = Some((l, p, t));
                }
            }
        }
        best.map(|b| b.2.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data_lines(text: &str) -> Vec<&str> {
        text.lines().filter(|l| !l.trim().is_empty() && !l.starts_with('#')).collect()
    }

    #[test]
    fn shipped_lexicons_parse() {
        let lex = Lexicon::builtin();
        assert!(lex.classifiers.contains_key("起"));
        assert_eq!(lex.cues.get("抓获"), Some(&"arrest"));
        assert!(!lex.campaign_umbrella.is_empty());
    }

    #[test]
    fn shipped_lexicons_are_sorted_without_duplicates_and_documented() {
        for (name, text) in [
            ("classifiers.tsv", CLASSIFIERS),
            ("metric_cues.tsv", METRIC_CUES),
            ("unit_kinds.tsv", UNIT_KINDS),
            ("agency_refs.tsv", AGENCY_REFS),
            ("campaigns.tsv", CAMPAIGNS),
            ("crime_types.tsv", CRIME_TYPES),
            ("agency_suffixes.tsv", AGENCY_SUFFIXES),
        ] {
            assert!(text.starts_with('#'), "{name} must begin with a comment documenting its format");
            let lines = data_lines(text);
            let mut sorted = lines.clone();
            sorted.sort();
            assert_eq!(lines, sorted, "{name} is not sorted");
            // Keys are unique, except in campaigns.tsv where one word may carry several tags.
            let keys: Vec<String> = lines
                .iter()
                .map(|l| {
                    if name == "campaigns.tsv" {
                        l.to_string()
                    } else {
                        l.split('\t').next().unwrap_or("").to_string()
                    }
                })
                .collect();
            let mut dedup = keys.clone();
            dedup.dedup();
            assert_eq!(keys.len(), dedup.len(), "{name} has duplicate entries");
        }
    }

    #[test]
    fn a_bad_line_reports_its_number() {
        let text = "# header\n抓获\tarrest\n破获\tsolvee\n";
        let err = rows("metric_cues.tsv", text, 2, Some(CUE_TAGS)).unwrap_err();
        assert_eq!(err.line, 3);
        assert!(err.to_string().contains("metric_cues.tsv:3"));
        let err = rows("x.tsv", "a\tb\tc\n", 2, None).unwrap_err();
        assert_eq!(err.line, 1);
        let files = LexiconFiles { classifiers: "# h\n起\tcases\t1\n", ..LexiconFiles::default() };
        let err = Lexicon::parse(&files).err().unwrap();
        assert_eq!((err.file.as_str(), err.line), ("classifiers.tsv", 2));
    }

    #[test]
    fn tiny_inline_lexicon() {
        let lex = Lexicon::parse(&LexiconFiles {
            classifiers: "起\tcase\t1\n起码\tother\t1\n",
            cues: "破获\tsolve\n",
            unit_kinds: "派出所\tnamed\n",
            refs: "市局\tcity\n",
            campaigns: "行动\tsuffix\n",
            crimes: "盗窃\t盗窃\n",
            suffixes: AGENCY_SUFFIXES,
        })
        .unwrap();
        let chars: Vec<char> = "起码".chars().collect();
        assert_eq!(lex.classifier_at(&chars, 0).unwrap().0, 2);
        assert_eq!(lex.crime_type("破获盗窃案"), Some("盗窃".into()));
    }
}
