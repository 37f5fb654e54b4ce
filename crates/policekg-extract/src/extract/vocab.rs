//! Typed word lists: `word<TAB>role` rows whose role is an enum parsed at load, so a misspelled role fails
//! at load instead of silently matching nothing. One word may carry several roles (one row each).
//!
//! [`OrgWords`] (data/lexicon/org_words.tsv) holds the words the organisation rules read: where a unit's
//! name stops, which words around a mention make it no subject, which heads open a summary.

use std::str::FromStr;

use super::lexicon::{rows, LexiconError};
use super::text::{at, ends_at};

pub const ORG_WORDS: &str = include_str!("../../../../data/lexicon/org_words.tsv");
pub const CAMPAIGN_WORDS: &str = include_str!("../../../../data/lexicon/campaign_words.tsv");

/// What a word of org_words.tsv does; the doc of each variant is the tag's meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OrgRole {
    /// `stop`: a char or word a unit's or branch's own name never runs back over (的, 民警, 组成).
    Stop,
    /// `weak-stop`: a stop char that also stands inside names (经三路派出所): read on only if an
    /// organisation is named right before the name, or if the char opens the clause (经侦大队).
    WeakStop,
    /// `not-subject-before`: right before a mention, it makes the mention no subject (按照, 在, 联合).
    NotSubjectBefore,
    /// `not-subject-after`: right after a mention (or a list of mentions), no subject (部署, 统一, 支持).
    NotSubjectAfter,
    /// `time-phrase-end`: a phrase after a mention ending so only dates something (…行动以来).
    TimePhraseEnd,
    /// `summary-head`: at the head of a paragraph's first sentence, the paragraph sums up the article
    /// agency's results (今年以来, 据统计).
    SummaryHead,
    /// `conjunction`: joins mentions into one subject (、 和 与 及).
    Conjunction,
    /// `quoted-term-after`: after a quoted unit name, the quote names a title or model, no unit (创建).
    QuotedTermAfter,
    /// `place-end`: the last char of a place written in full (市, 县, 镇 is not: it belongs to names).
    PlaceEnd,
    /// `counter`: a measure word after a numeral before a unit kind (一个专班: a count, no name).
    Counter,
    /// `title-end`: right after a unit kind, makes a job title (大队长).
    TitleEnd,
    /// `title-prefix`: the whole prefix of a job title (副大队长).
    TitlePrefix,
    /// `organ-word`: a word that no branch's own name holds (公安, 局, 队, 所).
    OrganWord,
    /// `anaphor`: a leading char that points back (该局), no part of a name.
    Anaphor,
    /// `distributive`: a leading char that spreads (各派出所), no part of a name.
    Distributive,
    /// `national-prefix`: a unit named with it belongs to the Ministry (国家反诈中心).
    NationalPrefix,
    /// `founder-verb`: between an organisation and a unit kind, the unit was formed by it (成立专案组).
    FounderVerb,
    /// `agency-word`: a unit's prefix holding it names an agency, no unit (公安).
    AgencyWord,
    /// `attached-kind`: a unit kind read only right after its organisation's name (公安厅刑侦局,
    /// 市公安局反电信网络诈骗中心): alone, the word names too much else.
    AttachedKind,
    /// `tiers`: a word of levels (市县两级, 各县区): a unit named with it is a kind, no single unit.
    Tiers,
}

impl FromStr for OrgRole {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Ok(match s {
            "stop" => OrgRole::Stop,
            "weak-stop" => OrgRole::WeakStop,
            "not-subject-before" => OrgRole::NotSubjectBefore,
            "not-subject-after" => OrgRole::NotSubjectAfter,
            "time-phrase-end" => OrgRole::TimePhraseEnd,
            "summary-head" => OrgRole::SummaryHead,
            "conjunction" => OrgRole::Conjunction,
            "quoted-term-after" => OrgRole::QuotedTermAfter,
            "place-end" => OrgRole::PlaceEnd,
            "counter" => OrgRole::Counter,
            "title-end" => OrgRole::TitleEnd,
            "title-prefix" => OrgRole::TitlePrefix,
            "organ-word" => OrgRole::OrganWord,
            "anaphor" => OrgRole::Anaphor,
            "distributive" => OrgRole::Distributive,
            "national-prefix" => OrgRole::NationalPrefix,
            "founder-verb" => OrgRole::FounderVerb,
            "tiers" => OrgRole::Tiers,
            "agency-word" => OrgRole::AgencyWord,
            "attached-kind" => OrgRole::AttachedKind,
            other => return Err(format!("unknown role {other:?}")),
        })
    }
}

/// What a word of campaign_words.tsv does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CampaignRole {
    /// `quoted-name`: a regular expression; a quoted name matching it whole is a campaign and an umbrella
    /// of those named with it (“长风2024”, “燕赵—砺剑铸盾2021”).
    QuotedName,
    /// `launch-verb`: an unquoted campaign name may follow it (开展打击盗窃公共设施专项行动).
    LaunchVerb,
    /// `action-head`: an unquoted campaign name may start with it (打击…专项行动, 整治…联合行动).
    ActionHead,
    /// `unquoted-end`: the ending of an unquoted campaign name (专项行动, 联合行动, 集中整治行动).
    UnquotedEnd,
    /// `scope-prefix`: a leading scope word that is no part of the name (全市打击… -> 打击…).
    ScopePrefix,
    /// `umbrella-suffix`: a campaign word after an unquoted umbrella name (云剑-2021专项行动).
    UmbrellaSuffix,
    /// `list-filler`: a word before a shared campaign word, no part of it (“断卡”“斩链”等系列专项行动).
    ListFiller,
    /// `sub-number`: after a campaign's name and a number, a numbered part of it (昆仑1号 of 昆仑).
    SubNumber,
    /// `round`: 第N + it opens a round of the campaign named right before (…行动第3轮次集中清查行动).
    Round,
    /// `ordinal`: the char before a round's number (第).
    Ordinal,
    /// `range`: between two dates, a period (6月1日至8月31日).
    Range,
    /// `not-name-start`: an unquoted name never starts with it (为期半年…专项行动 describes, names not).
    NotNameStart,
    /// `conjunction`: joins campaigns named together; the first of them leads (“昆仑”行动和…联合行动).
    Conjunction,
    /// `frame-open` / `frame-close`: a sentence opening 在…上， has its own topic (在禁毒战线上，).
    FrameOpen,
    FrameClose,
    /// `frame-after`: after a campaign, makes it the frame of the sentence (自“夏季行动”开展以来): campaigns
    /// launched later in the sentence are its parts.
    FrameAfter,
}

impl FromStr for CampaignRole {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Ok(match s {
            "quoted-name" => CampaignRole::QuotedName,
            "launch-verb" => CampaignRole::LaunchVerb,
            "action-head" => CampaignRole::ActionHead,
            "unquoted-end" => CampaignRole::UnquotedEnd,
            "scope-prefix" => CampaignRole::ScopePrefix,
            "umbrella-suffix" => CampaignRole::UmbrellaSuffix,
            "list-filler" => CampaignRole::ListFiller,
            "sub-number" => CampaignRole::SubNumber,
            "round" => CampaignRole::Round,
            "ordinal" => CampaignRole::Ordinal,
            "range" => CampaignRole::Range,
            "not-name-start" => CampaignRole::NotNameStart,
            "conjunction" => CampaignRole::Conjunction,
            "frame-open" => CampaignRole::FrameOpen,
            "frame-close" => CampaignRole::FrameClose,
            "frame-after" => CampaignRole::FrameAfter,
            other => return Err(format!("unknown role {other:?}")),
        })
    }
}

/// The words of one role, longest first, with their first, last and one-char members sorted so that
/// most positions are turned down by a binary search.
#[derive(Default)]
struct RoleWords {
    words: Vec<String>,
    firsts: Vec<char>,
    lasts: Vec<char>,
    singles: Vec<char>,
}

impl RoleWords {
    fn new(mut words: Vec<String>) -> RoleWords {
        words.sort_by(|a, b| b.chars().count().cmp(&a.chars().count()).then(a.cmp(b)));
        let sorted = |mut v: Vec<char>| {
            v.sort_unstable();
            v.dedup();
            v
        };
        RoleWords {
            firsts: sorted(words.iter().filter_map(|w| w.chars().next()).collect()),
            lasts: sorted(words.iter().filter_map(|w| w.chars().last()).collect()),
            singles: sorted(words.iter().filter(|w| w.chars().count() == 1).filter_map(|w| w.chars().next()).collect()),
            words,
        }
    }
}

/// Words by role (a handful of roles: a short list is quicker to search than a hash).
pub struct WordLists<R> {
    lists: Vec<(R, RoleWords)>,
    empty: RoleWords,
}

impl<R: FromStr<Err = String> + Eq + Copy> WordLists<R> {
    /// Parses `word<TAB>role` rows of `file`.
    pub fn parse(file: &str, text: &str) -> Result<Self, LexiconError> {
        let mut grouped: Vec<(R, Vec<String>)> = Vec::new();
        for (line, f) in rows(file, text, 2, None)? {
            let role = f[1].parse::<R>().map_err(|reason| LexiconError { file: file.into(), line, reason })?;
            match grouped.iter_mut().find(|(r, _)| *r == role) {
                Some((_, v)) => v.push(f[0].to_string()),
                None => grouped.push((role, vec![f[0].to_string()])),
            }
        }
        let lists = grouped.into_iter().map(|(r, v)| (r, RoleWords::new(v))).collect();
        Ok(WordLists { lists, empty: RoleWords::default() })
    }

    fn role(&self, role: R) -> &RoleWords {
        self.lists.iter().find(|(r, _)| *r == role).map_or(&self.empty, |(_, w)| w)
    }

    /// The words of a role, longest first.
    pub fn words(&self, role: R) -> &[String] {
        &self.role(role).words
    }

    /// The longest word of `role` starting at `pos`: its length in chars.
    pub fn at(&self, role: R, chars: &[char], pos: usize) -> Option<usize> {
        let r = self.role(role);
        if pos >= chars.len() || r.firsts.binary_search(&chars[pos]).is_err() {
            return None;
        }
        r.words.iter().find(|w| at(chars, pos, w)).map(|w| w.chars().count())
    }

    /// The length of the longest word of `role` ending right before `pos`.
    pub fn ending_at(&self, role: R, chars: &[char], pos: usize) -> Option<usize> {
        let r = self.role(role);
        if pos == 0 || pos > chars.len() || r.lasts.binary_search(&chars[pos - 1]).is_err() {
            return None;
        }
        r.words.iter().find(|w| ends_at(chars, pos, w)).map(|w| w.chars().count())
    }

    /// Whether a word of `role` ends right before `pos`.
    pub fn ends_at(&self, role: R, chars: &[char], pos: usize) -> bool {
        self.ending_at(role, chars, pos).is_some()
    }

    /// Whether `c` is a one-char word of `role`.
    pub fn has_char(&self, role: R, c: char) -> bool {
        self.role(role).singles.binary_search(&c).is_ok()
    }

    /// Whether `s` is a word of `role`.
    pub fn has(&self, role: R, s: &str) -> bool {
        self.words(role).iter().any(|w| w == s)
    }

    /// Whether `s` holds a word of `role`.
    pub fn within(&self, role: R, s: &str) -> bool {
        self.words(role).iter().any(|w| s.contains(w.as_str()))
    }
}

pub type OrgWords = WordLists<OrgRole>;

impl OrgWords {
    pub fn builtin() -> OrgWords {
        OrgWords::parse("org_words.tsv", ORG_WORDS).unwrap_or_else(|e| panic!("shipped lexicon is broken: {e}"))
    }
}

pub type CampaignWords = WordLists<CampaignRole>;

impl CampaignWords {
    pub fn builtin() -> CampaignWords {
        CampaignWords::parse("campaign_words.tsv", CAMPAIGN_WORDS)
            .unwrap_or_else(|e| panic!("shipped lexicon is broken: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_misspelled_role_fails_at_load() {
        let err = OrgWords::parse("org_words.tsv", "# h\n的\tstop\n在\tnot-subjet-before\n").err().unwrap();
        assert_eq!(err.line, 3);
        assert!(err.reason.contains("not-subjet-before"));
    }

    #[test]
    fn lookups_by_role() {
        let w = OrgWords::parse("t.tsv", "的\tstop\n民警\tstop\n按照\tnot-subject-before\n").unwrap();
        let chars: Vec<char> = "按照民警".chars().collect();
        assert!(w.ends_at(OrgRole::NotSubjectBefore, &chars, 2));
        assert_eq!(w.at(OrgRole::Stop, &chars, 2), Some(2));
        assert!(w.has_char(OrgRole::Stop, '的'));
        assert!(!w.has_char(OrgRole::Stop, '民'));
        assert!(w.words(OrgRole::Tiers).is_empty());
    }

    #[test]
    fn shipped_word_lists_parse_sorted_without_duplicates() {
        assert!(!OrgWords::builtin().words(OrgRole::Stop).is_empty());
        assert!(!CampaignWords::builtin().words(CampaignRole::UnquotedEnd).is_empty());
        for (name, text) in [("org_words.tsv", ORG_WORDS), ("campaign_words.tsv", CAMPAIGN_WORDS)] {
            assert!(text.starts_with('#'), "{name} must begin with a comment documenting its format");
            let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty() && !l.starts_with('#')).collect();
            let mut sorted = lines.clone();
            sorted.sort();
            sorted.dedup();
            assert_eq!(lines, sorted, "{name} must be sorted without duplicate rows");
        }
    }
}
