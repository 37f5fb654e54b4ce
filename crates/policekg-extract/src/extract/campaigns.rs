//! Named campaigns: quoted names followed by a campaign word (“春季攻势”行动, “7·25”专项行动), quoted names
//! that are campaigns by their ending (“百日行动”), and names the lexicon knows with or without quotes
//! (雷火2022, 云剑-2020, 夏季行动, 断卡行动); their parents (春季攻势 within 雷火2022), organisers, and the
//! campaign each sentence speaks of.

use std::collections::HashMap;

use regex::Regex;

use super::lexicon::Lexicon;
use super::orgs::Orgs;
use super::text::{at, is_close_quote, is_han, is_open_quote, Text};
use super::vocab::{CampaignRole, CampaignWords};
use crate::Campaign;

/// Compiled campaign patterns.
pub struct CampaignRules {
    umbrella: Vec<Regex>,
    names: Vec<Regex>,
    /// Patterns of quoted names that are campaigns and umbrellas (“长风2024”).
    quoted_names: Vec<Regex>,
    words: CampaignWords,
}

fn whole(r: &Regex, s: &str) -> bool {
    r.find(s).is_some_and(|m| m.start() == 0 && m.end() == s.len())
}

impl CampaignRules {
    pub fn new(lex: &Lexicon) -> CampaignRules {
        CampaignRules::with_words(lex, CampaignWords::builtin())
    }

    /// The rules with the campaign words given (campaign_words.tsv's format, parsed).
    pub fn with_words(lex: &Lexicon, words: CampaignWords) -> CampaignRules {
        let compile = |v: &[String]| v.iter().filter_map(|p| Regex::new(p).ok()).collect();
        CampaignRules {
            umbrella: compile(&lex.campaign_umbrella),
            names: compile(&lex.campaign_name),
            quoted_names: compile(words.words(CampaignRole::QuotedName)),
            words,
        }
    }

    pub fn is_umbrella(&self, label: &str) -> bool {
        self.umbrella.iter().chain(&self.quoted_names).any(|r| whole(r, label))
    }

    /// A shared campaign word without its list filler (等系列专项行动 -> 专项行动).
    fn trim_filler<'a>(&self, sfx: &'a str) -> &'a str {
        let mut s = sfx;
        for f in self.words.words(CampaignRole::ListFiller) {
            s = s.strip_prefix(f.as_str()).unwrap_or(s);
        }
        s
    }

    fn is_known_name(&self, core: &str) -> bool {
        self.is_umbrella(core)
            || self.names.iter().any(|r| r.find(core).is_some_and(|m| m.start() == 0 && m.end() == core.len()))
    }
}

/// One mention of a campaign.
#[derive(Debug, Clone)]
pub struct CampaignMention {
    pub start: usize,
    pub end: usize,
    pub label: String,
    /// Named only as part of another name (“剥茧”专班): it counts for the article, not for its sentence.
    pub weak: bool,
}

pub struct Campaigns {
    pub campaigns: Vec<Campaign>,
    pub mentions: Vec<CampaignMention>,
    /// The campaign the article is about, when it has one.
    pub main: Option<String>,
    /// Per sentence: it opens with a topic of its own (在禁毒战线上，…).
    pub framed: Vec<bool>,
    /// Mention start -> the first campaign of the list it is named in (“昆仑”行动和整治…联合行动).
    pub joined_head: HashMap<usize, String>,
}

impl Campaigns {
    pub fn get(&self, label: &str) -> Option<&Campaign> {
        self.campaigns.iter().find(|c| c.label == label)
    }

    /// The most specific campaign a sentence names before `pos`, else (when `or_after`) the first, if any.
    fn named_in(&self, text: &Text, si: usize, pos: usize, or_after: bool) -> Option<String> {
        let (s, e) = text.sentences.get(si).copied().unwrap_or((0, 0));
        let here: Vec<&CampaignMention> =
            self.mentions.iter().filter(|m| !m.weak && m.start >= s && m.start < e).collect();
        let leaves: Vec<&&CampaignMention> = here
            .iter()
            .filter(|m| {
                !here.iter().any(|o| {
                    o.label != m.label
                        && self.get(&o.label).and_then(|c| c.part_of.as_deref()) == Some(m.label.as_str())
                })
            })
            .collect();
        // Before `pos`: the last campaign named that no other campaign named before `pos` is part of
        // (自“夏季行动”开展以来…, 部署开展…专项打击: what precedes the part is the frame's); of campaigns named
        // together (“昆仑”行动和整治…联合行动), the first.
        let before: Vec<&&CampaignMention> = here.iter().filter(|m| m.start <= pos).collect();
        let last_leaf = before.iter().rfind(|m| {
            !before.iter().any(|o| {
                o.label != m.label && self.get(&o.label).and_then(|c| c.part_of.as_deref()) == Some(m.label.as_str())
            })
        });
        if let Some(m) = last_leaf {
            return Some(self.joined_head.get(&m.start).cloned().unwrap_or_else(|| m.label.clone()));
        }
        leaves.first().filter(|_| or_after).map(|m| m.label.clone())
    }

    /// The campaign a sentence speaks of: the most specific one it names, else the one named last
    /// before it in its paragraph, else the article's.
    pub fn in_scope(&self, text: &Text, pos: usize) -> Option<String> {
        let si = text.sentence_of(pos);
        if let Some(l) = self.named_in(text, si, pos, false) {
            return Some(l);
        }
        // A sentence that opens with its own topic (在禁毒战线上) is the article campaign's.
        let para = text.paragraph_of.get(si).copied();
        for k in (0..=si).rev() {
            if text.paragraph_of.get(k).copied() != para || self.framed.get(k).copied().unwrap_or(false) {
                break;
            }
            if k == si {
                continue;
            }
            if let Some(l) = self.named_in(text, k, usize::MAX, true) {
                return Some(l);
            }
        }
        // A campaign named only after `pos` in its sentence (…56起；部署开展食品…专项打击) is not yet in scope.
        self.main.clone()
    }
}

fn char_offsets(s: &str) -> Vec<usize> {
    // byte offset -> char offset table for regex matches.
    let mut v = vec![0usize; s.len() + 1];
    let mut ci = 0;
    for (bi, ch) in s.char_indices() {
        for k in 0..ch.len_utf8() {
            v[bi + k] = ci;
        }
        ci += 1;
    }
    v[s.len()] = ci;
    v
}

/// Campaign names in `chars`: quoted names with a campaign word, quoted names that are campaigns by their
/// ending, and names the lexicon knows; with the other written forms of each label.
fn detect(
    rules: &CampaignRules,
    lex: &Lexicon,
    chars: &[char],
) -> (Vec<CampaignMention>, HashMap<String, Vec<String>>) {
    let n = chars.len();
    let mut mentions: Vec<CampaignMention> = Vec::new();
    let mut alts: HashMap<String, Vec<String>> = HashMap::new();
    // 1. Quoted names.
    let mut i = 0;
    while i < n {
        if !is_open_quote(chars[i]) {
            i += 1;
            continue;
        }
        let mut j = i + 1;
        while j < n && j - i <= 40 && !is_close_quote(chars[j]) && !matches!(chars[j], '。' | '\n' | '，') {
            j += 1;
        }
        if j >= n || !is_close_quote(chars[j]) || j == i + 1 {
            i += 1;
            continue;
        }
        let core: String = chars[i + 1..j].iter().collect();
        let after = j + 1;
        let weak = lex.campaign_not.iter().any(|w| at(chars, after, w));
        // “断卡”“斩链”等系列专项行动: quoted names in a row share the campaign word after the last.
        let mut suffix = if weak { None } else { lex.campaign_suffix.iter().find(|w| at(chars, after, w)) };
        if suffix.is_none() && !weak {
            let mut k = after;
            for _ in 0..6 {
                if k < n && chars[k] == '、' {
                    k += 1;
                }
                if k >= n || !is_open_quote(chars[k]) {
                    break;
                }
                let mut q = k + 1;
                while q < n && q - k <= 24 && !is_close_quote(chars[q]) && !matches!(chars[q], '。' | '\n' | '，') {
                    q += 1;
                }
                if q >= n || !is_close_quote(chars[q]) {
                    break;
                }
                k = q + 1;
                if let Some(sfx) = lex.campaign_suffix.iter().find(|w| at(chars, k, w)) {
                    suffix = Some(sfx);
                    break;
                }
            }
        }
        // “铁网”追逃行动, “长风2024”治安打击整治行动: a few words of what it does before the campaign word.
        let mut described: Option<usize> = None;
        if suffix.is_none() && !weak && core.chars().count() <= 12 {
            // A bracketed note may come first: “鹰击2号”(经侦)首轮集中抓捕行动.
            let note = bracket_len(chars, after);
            for d in 1..=MAX_DESCRIPTION {
                if after + d >= n || !(is_han(chars[after + d - 1]) || after + d <= after + note) {
                    break;
                }
                if let Some(sfx) = lex.campaign_suffix.iter().find(|w| at(chars, after + d, w)) {
                    suffix = Some(sfx);
                    described = Some(d);
                    break;
                }
            }
        }
        let shared = described.is_none() && suffix.is_some_and(|sfx| !at(chars, after, sfx));
        let has_han_name = core.chars().filter(|c| is_han(*c)).count() >= 2;
        let tail = lex.campaign_tail.iter().any(|t| core.ends_with(t.as_str())) && core.chars().count() >= 4;
        let known = rules.is_known_name(&core);
        let label_end;
        let label = if let Some(sfx) = suffix {
            let d = described.unwrap_or(0);
            label_end = if shared { after } else { after + d + sfx.chars().count() };
            if described.is_some() {
                if !(has_han_name || known || rules.is_umbrella(&core)) {
                    i = after;
                    continue;
                }
                alts.entry(core.clone()).or_default().push(chars[i..label_end].iter().collect());
                core.clone()
            } else if has_han_name {
                let sfx = rules.trim_filler(sfx);
                alts.entry(core.clone()).or_default().push(format!("{core}{sfx}"));
                core.clone()
            } else if core.chars().any(|c| c.is_ascii_digit()) {
                format!("{core}{}", rules.trim_filler(sfx))
            } else {
                i = after;
                continue;
            }
        } else if tail || known {
            label_end = after;
            core.clone()
        } else {
            i = after;
            continue;
        };
        // A quoted list of slogans is no campaign unless a campaign word follows it.
        if suffix.is_none() && core.contains('、') {
            i = after;
            continue;
        }
        mentions.push(CampaignMention { start: i, end: label_end, label, weak });
        i = label_end;
    }
    // 2. Names the lexicon knows, written without quotes.
    let simp: String = chars.iter().collect();
    let offs = char_offsets(&simp);
    for (is_umb, list) in [(true, &rules.umbrella), (false, &rules.names)] {
        for re in list.iter() {
            for caps in re.captures_iter(&simp) {
                let Some(m) = caps.get(0) else { continue };
                let (s, e) = (offs[m.start()], offs[m.end()]);
                if mentions.iter().any(|x| x.start <= s && e <= x.end + 1 || (s < x.end && x.start < e)) {
                    continue;
                }
                let label =
                    caps.name("label").map(|l| l.as_str().to_string()).unwrap_or_else(|| m.as_str().to_string());
                let mut end = e;
                if is_umb {
                    if let Some(sfx) = rules.words.words(CampaignRole::UmbrellaSuffix).iter().find(|w| at(chars, e, w))
                    {
                        alts.entry(label.clone()).or_default().push(format!("{label}{sfx}"));
                        end = e + sfx.chars().count();
                    }
                } else if label != m.as_str() {
                    alts.entry(label.clone()).or_default().push(m.as_str().to_string());
                }
                mentions.push(CampaignMention { start: s, end, label, weak: false });
            }
        }
    }
    // 3. Names written without quotes that the lexicon does not know: after a launch verb or from an
    // action word to a campaign ending (开展打击盗窃公共设施专项行动, 整治食品安全问题联合行动).
    for (start, end) in unquoted_names(&rules.words, chars) {
        if mentions.iter().any(|x| start < x.end && x.start < end) {
            continue;
        }
        let written: String = chars[start..end].iter().collect();
        let label: String = written.chars().filter(|c| !is_open_quote(*c) && !is_close_quote(*c)).collect();
        if written != label {
            alts.entry(label.clone()).or_default().push(written);
        }
        mentions.push(CampaignMention { start, end, label, weak: false });
    }
    (mentions, alts)
}

/// The words of what a campaign does between its quoted name and the campaign word, at most.
const MAX_DESCRIPTION: usize = 12;

/// The length of a bracketed note `(…)` at `pos` (0 when none).
fn bracket_len(chars: &[char], pos: usize) -> usize {
    if pos >= chars.len() || !matches!(chars[pos], '(' | '（') {
        return 0;
    }
    chars[pos..].iter().take(8).position(|c| matches!(c, ')' | '）')).map_or(0, |p| p + 1)
}

/// Whether a sentence opens with a topic frame (在禁毒战线上，在扫黑除恶方面，).
fn opens_with_topic(w: &CampaignWords, s: &[char]) -> bool {
    const MAX_FRAME: usize = 16;
    let Some(ol) = w.at(CampaignRole::FrameOpen, s, 0) else { return false };
    let Some(comma) = s.iter().take(MAX_FRAME).position(|c| matches!(c, '，' | ',')) else { return false };
    comma > ol && w.ends_at(CampaignRole::FrameClose, s, comma)
}

/// Whether `label` is `parent` (or its stem without a year) + a number + a sub-number word (昆仑1号,
/// 昆仑二号 of 昆仑 or 昆仑2023).
fn is_numbered_part(w: &CampaignWords, label: &str, parent: &str) -> bool {
    // The parent may carry its year (昆仑2023): its stem names the parts.
    let stem = parent.trim_end_matches(|c: char| c.is_ascii_digit() || matches!(c, '-' | '－' | '—'));
    let stem = if stem.chars().count() >= 2 { stem } else { parent };
    if label == parent {
        return false;
    }
    let Some(rest) = label.strip_prefix(stem) else { return false };
    let digits = rest.chars().take_while(|c| c.is_ascii_digit() || super::numbers::is_cn_numeral(*c)).count();
    let tail: String = rest.chars().skip(digits).collect();
    digits > 0 && w.has(CampaignRole::SubNumber, &tail)
}

/// Rounds of a campaign: a campaign named right after another's name and 第N轮 (…“长风2024”治安打击整治行动
/// 第7轮次集中统一夏季行动) is that round, named from 第 on; returns (round label, parent label).
fn read_rounds(
    w: &CampaignWords,
    chars: &[char],
    mentions: &mut [CampaignMention],
    alts: &mut HashMap<String, Vec<String>>,
) -> Vec<(String, String)> {
    const MAX_GAP: usize = 12;
    let mut out = Vec::new();
    for k in 0..mentions.len().saturating_sub(1) {
        let p = mentions[k].end;
        let Some(ol) = w.at(CampaignRole::Ordinal, chars, p) else { continue };
        let digits =
            chars[p + ol..].iter().take_while(|c| c.is_ascii_digit() || super::numbers::is_cn_numeral(**c)).count();
        if digits == 0 || w.at(CampaignRole::Round, chars, p + ol + digits).is_none() {
            continue;
        }
        let next = &mentions[k + 1];
        let gap_ok = next.start >= p
            && next.end - p <= MAX_GAP + next.label.chars().count()
            && chars[p..next.start].iter().all(|c| is_han(*c) || c.is_ascii_digit());
        if !gap_ok {
            continue;
        }
        let label: String = chars[p..next.end].iter().collect();
        alts.entry(label.clone()).or_default().push(next.label.clone());
        out.push((label.clone(), mentions[k].label.clone()));
        let m = &mut mentions[k + 1];
        m.start = p;
        m.label = label;
    }
    out
}

/// Unquoted campaign names: (start, end) of each, a leading scope word (全市) left out.
fn unquoted_names(w: &CampaignWords, chars: &[char]) -> Vec<(usize, usize)> {
    const MAX_LEN: usize = 24;
    const MIN_CORE: usize = 6;
    let n = chars.len();
    let mut out = Vec::new();
    let mut i = 0;
    while i < n {
        let start = if let Some(len) = w.at(CampaignRole::LaunchVerb, chars, i) {
            i + len
        } else if w.at(CampaignRole::ActionHead, chars, i).is_some() {
            i
        } else {
            i += 1;
            continue;
        };
        let start = start + w.at(CampaignRole::ScopePrefix, chars, start).unwrap_or(0);
        if start >= n || !is_han(chars[start]) {
            i += 1;
            continue;
        }
        // The first campaign ending, over Han chars and quotes only.
        let mut p = start;
        let mut found = None;
        while p < n && p - start <= MAX_LEN {
            if p - start >= MIN_CORE {
                if let Some(len) = w.at(CampaignRole::UnquotedEnd, chars, p) {
                    found = Some(p + len);
                    break;
                }
            }
            let c = chars[p];
            if !(is_han(c) || is_open_quote(c) || is_close_quote(c)) {
                break;
            }
            p += 1;
        }
        // A description (开展为期半年严打整治…专项行动) is read past whole, no name inside it either.
        let describes = w.at(CampaignRole::NotNameStart, chars, start).is_some();
        match found {
            Some(end) => {
                if !describes {
                    out.push((start, end));
                }
                i = end;
            }
            None => i += 1,
        }
    }
    out
}

/// Finds the campaigns of one article.
pub fn find_campaigns(
    rules: &CampaignRules,
    lex: &Lexicon,
    text: &Text,
    title: &str,
    orgs: &Orgs,
    r: Option<&super::dates::RefDate>,
) -> Campaigns {
    let chars = &text.chars;
    let n = chars.len();
    let (mut mentions, mut alts) = detect(rules, lex, chars);
    // Campaigns named only in the title (not part of the body) are the article's too.
    let title_chars: Vec<char> = title.chars().collect();
    let (title_mentions, title_alts) = detect(rules, lex, &title_chars);
    for (k, v) in title_alts {
        alts.entry(k).or_default().extend(v);
    }
    // 3. Later mentions of a known label without quotes or campaign word (春季攻势期间, “断卡”行动质效).
    let labels: Vec<String> = {
        let mut v: Vec<String> = mentions.iter().map(|m| m.label.clone()).collect();
        v.sort();
        v.dedup();
        v
    };
    for l in &labels {
        for p in super::text::find_all(chars, 0, n, l) {
            let e = p + l.chars().count();
            if mentions.iter().any(|x| p < x.end && x.start < e) {
                continue;
            }
            let after = if e < n && is_close_quote(chars[e]) { e + 1 } else { e };
            let weak = lex.campaign_not.iter().any(|w| at(chars, after, w));
            mentions.push(CampaignMention { start: p, end: e, label: l.clone(), weak });
        }
    }
    mentions.sort_by_key(|m| (m.start, m.end));
    let rounds = read_rounds(&rules.words, chars, &mut mentions, &mut alts);

    // Campaign records, first mention first.
    let mut out: Vec<Campaign> = Vec::new();
    for m in &mentions {
        if let Some(c) = out.iter_mut().find(|c| c.label == m.label) {
            if c.evidence.len() < 3 {
                let (s, e) = text.clause_around(m.start);
                c.evidence.push(text.evidence(s, e.max(m.end)));
            }
            continue;
        }
        let (s, e) = text.clause_around(m.start);
        let mut alt: Vec<String> = alts.get(&m.label).cloned().unwrap_or_default();
        alt.sort();
        alt.dedup();
        alt.retain(|a| a != &m.label);
        let si = text.sentence_of(m.start);
        let organizers: Vec<String> =
            orgs.subjects.get(si).cloned().flatten().and_then(|l| orgs.agency_of(&l)).into_iter().collect();
        out.push(Campaign {
            label: m.label.clone(),
            alt_labels: alt,
            part_of: None,
            organizers,
            participants: vec![],
            period_start: None,
            period_end: None,
            evidence: vec![text.evidence(s, e.max(m.end))],
        });
    }
    for m in &title_mentions {
        if !out.iter().any(|c| c.label == m.label) {
            let mut alt: Vec<String> = alts.get(&m.label).cloned().unwrap_or_default();
            alt.sort();
            alt.dedup();
            alt.retain(|a| a != &m.label);
            out.push(Campaign {
                label: m.label.clone(),
                alt_labels: alt,
                part_of: None,
                organizers: vec![],
                participants: vec![],
                period_start: None,
                period_end: None,
                evidence: vec![],
            });
        }
    }
    // Parents: in one sentence, the campaign named with a parent cue (以X为牵引, 按照X总体部署), or an
    // umbrella campaign (雷火2022), is the parent of the others.
    for &(s, e) in &text.sentences {
        let here: Vec<&CampaignMention> = mentions.iter().filter(|m| !m.weak && m.start >= s && m.start < e).collect();
        if here.len() < 2 {
            continue;
        }
        let parent = here
            .iter()
            .find(|m| {
                let mut k = m.end;
                if k < n && is_close_quote(chars[k]) {
                    k += 1;
                }
                (k..(k + 4).min(e)).any(|p| lex.campaign_parent.iter().any(|w| at(chars, p, w)))
            })
            .or_else(|| here.iter().find(|m| rules.is_umbrella(&m.label)))
            .map(|m| m.label.clone());
        if let Some(p) = parent {
            for m in &here {
                if m.label != p && !rules.is_umbrella(&m.label) {
                    if let Some(c) = out.iter_mut().find(|c| c.label == m.label) {
                        if c.part_of.is_none() {
                            c.part_of = Some(p.clone());
                        }
                    }
                }
            }
        }
    }
    // A campaign that frames a sentence (自“夏季行动”开展以来，…) is the parent of those launched after it,
    // up to the next frame.
    let is_frame = |m: &CampaignMention| {
        let k = if m.end < n && is_close_quote(chars[m.end]) { m.end + 1 } else { m.end };
        (k..(k + 3).min(n)).any(|p| rules.words.at(CampaignRole::FrameAfter, chars, p).is_some())
    };
    let frames_after: Vec<usize> = mentions.iter().filter(|m| !m.weak && is_frame(m)).map(|m| m.start).collect();
    for &(s, e) in text.sentences.iter() {
        let here: Vec<&CampaignMention> = mentions.iter().filter(|m| !m.weak && m.start >= s && m.start < e).collect();
        let frame = here.iter().find(|m| is_frame(m));
        let Some(frame) = frame else { continue };
        let scope_end = frames_after.iter().find(|&&p| p > frame.end).copied().unwrap_or(n);
        let governed: Vec<&CampaignMention> =
            mentions.iter().filter(|m| !m.weak && m.start > frame.end && m.start < scope_end).collect();
        for m in governed.iter().filter(|m| m.label != frame.label) {
            let mut k = m.start;
            loop {
                if k > s && is_open_quote(chars[k - 1]) {
                    k -= 1;
                } else if let Some(len) = rules.words.ending_at(CampaignRole::ScopePrefix, chars, k) {
                    k -= len;
                } else {
                    break;
                }
            }
            let launched = rules.words.ends_at(CampaignRole::LaunchVerb, chars, k);
            if let Some(c) = out.iter_mut().find(|c| c.label == m.label && c.part_of.is_none() && launched) {
                c.part_of = Some(frame.label.clone());
            }
        }
    }
    // Numbered parts (昆仑1号 of 昆仑) and rounds (…行动第3轮次集中清查行动) are parts whatever else is said.
    let labels: Vec<String> = out.iter().map(|c| c.label.clone()).collect();
    for c in out.iter_mut() {
        if let Some((_, parent)) = rounds.iter().find(|(r, _)| *r == c.label) {
            c.part_of = Some(parent.clone());
            continue;
        }
        if let Some(p) = labels.iter().find(|p| is_numbered_part(&rules.words, &c.label, p)) {
            c.part_of = Some(p.clone());
        }
    }
    // No cycles: a campaign is never part of its own part.
    let snapshot: Vec<(String, Option<String>)> = out.iter().map(|c| (c.label.clone(), c.part_of.clone())).collect();
    for c in out.iter_mut() {
        if let Some(p) = &c.part_of {
            if snapshot.iter().any(|(l, pp)| l == p && pp.as_deref() == Some(c.label.as_str())) && c.label > *p {
                c.part_of = None;
            }
        }
    }
    // The article's campaign: named in the title (the most specific), else the most mentioned when it
    // is mentioned twice or in the lead.
    let title_hits: Vec<&Campaign> = out.iter().filter(|c| title.contains(c.label.as_str())).collect();
    let main = title_hits
        .iter()
        .find(|c| !title_hits.iter().any(|o| o.part_of.as_deref() == Some(c.label.as_str())))
        .map(|c| c.label.clone())
        .or_else(|| {
            let mut counts: Vec<(usize, usize, String)> = out
                .iter()
                .map(|c| {
                    let k = mentions.iter().filter(|m| m.label == c.label).count();
                    let first = mentions.iter().find(|m| m.label == c.label).map_or(usize::MAX, |m| m.start);
                    (k, first, c.label.clone())
                })
                .collect();
            counts.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
            // The lead: the first five sentences of substance (site names and bylines are short).
            let lead_end = text.sentences.iter().filter(|(s, e)| e - s >= 20).nth(4).map_or(n, |s| s.1);
            counts.into_iter().find(|(k, first, _)| *k >= 2 || *first < lead_end).map(|x| x.2)
        });
    // The period, when the sentence that first names a campaign states one (自6月1日至8月31日, 6月至9月).
    for c in out.iter_mut() {
        let Some(m) = mentions.iter().find(|m| !m.weak && m.label == c.label) else { continue };
        let (s, e) = text.sentences[text.sentence_of(m.start)];
        let ds = super::dates::find_dates(&chars[s..e], r);
        for w in ds.windows(2) {
            let between: String = chars[s + w[0].end..s + w[1].start].iter().collect();
            if (rules.words.has(CampaignRole::Range, &between) || matches!(between.as_str(), "-" | "—" | "～"))
                && w[0].date.month.is_some()
                && w[1].date.month.is_some()
            {
                let (a, b) = (w[0].date, w[1].date);
                let start = format!("{:04}-{:02}-{:02}", a.year, a.month.unwrap_or(1), a.day.unwrap_or(1));
                let em = b.month.unwrap_or(12);
                let end = format!(
                    "{:04}-{:02}-{:02}",
                    b.year,
                    em,
                    b.day.unwrap_or_else(|| super::dates::days_in_month(b.year, em))
                );
                if start <= end {
                    c.period_start = Some(start);
                    c.period_end = Some(end);
                }
                break;
            }
        }
        if c.period_start.is_none() {
            if let Some((ps, pe)) = super::dates::find_period(&chars[s..e], r) {
                if pe.is_some() {
                    c.period_start = Some(ps);
                    c.period_end = pe;
                }
            }
        }
    }
    // A main campaign that is the parent of a more specific one named in the lead: the specific one
    // (以“雷火2022”为牵引，开展“春季攻势”: the figures that follow are the 春季攻势's).
    let lead_end = text.sentences.iter().filter(|(s, e)| e - s >= 20).nth(2).map_or(n, |s| s.1);
    let main = main.map(|m| {
        out.iter()
            .find(|c| {
                c.part_of.as_deref() == Some(m.as_str())
                    && mentions.iter().any(|x| !x.weak && x.label == c.label && x.start < lead_end)
            })
            .map(|c| c.label.clone())
            .unwrap_or(m)
    });
    let framed = text.sentences.iter().map(|&(s, e)| opens_with_topic(&rules.words, &chars[s..e])).collect();
    let mut joined_head: HashMap<usize, String> = HashMap::new();
    for k in 1..mentions.len() {
        let (prev, m) = (&mentions[k - 1], &mentions[k]);
        let gap = &chars[prev.end.min(m.start)..m.start];
        let gap: String = gap.iter().filter(|c| !is_close_quote(**c) && !is_open_quote(**c)).collect();
        if !prev.weak && rules.words.has(CampaignRole::Conjunction, &gap) {
            let head = joined_head.get(&prev.start).cloned().unwrap_or_else(|| prev.label.clone());
            joined_head.insert(m.start, head);
        }
    }
    Campaigns { campaigns: out, mentions, main, framed, joined_head }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::gazetteer::Gazetteer;

    fn run(title: &str, body: &str) -> Campaigns {
        let g = Gazetteer::builtin();
        let lex = Lexicon::builtin();
        let rules = CampaignRules::new(&lex);
        let t = Text::new(body, body);
        let orgs = super::super::orgs::find_orgs(&g, &lex, &t, title);
        find_campaigns(&rules, &lex, &t, title, &orgs, super::super::dates::parse_iso("2023-09-30").as_ref())
    }

    /// The campaigns of `body` read with the given campaign words (the other lexicons shipped).
    fn run_with(words: &str, body: &str) -> Campaigns {
        let g = Gazetteer::builtin();
        let lex = Lexicon::builtin();
        let rules = CampaignRules::with_words(&lex, CampaignWords::parse("campaign_words.tsv", words).unwrap());
        let t = Text::new(body, body);
        let orgs = super::super::orgs::find_orgs(&g, &lex, &t, "");
        find_campaigns(&rules, &lex, &t, "", &orgs, None)
    }

    fn scope_at(c: &Campaigns, body: &str, marker: &str) -> Option<String> {
        let t = Text::new(body, body);
        c.in_scope(&t, body[..body.find(marker).unwrap()].chars().count())
    }

    #[test]
    fn unquoted_names_after_a_launch_verb_or_from_an_action_word() {
        let words = "为期\tnot-name-start\n全市\tscope-prefix\n开展\tlaunch-verb\n整治\taction-head\n\
                     专项行动\tunquoted-end\n整治行动\tunquoted-end\n联合行动\tunquoted-end\n";
        let c = run_with(
            words,
            "大同市公安局组织开展全市打击盗窃电力设施专项行动。开展为期三月严打整治突出治安乱点专项行动。\
             开展酒驾违法整治行动。推进整治农村假冒食品联合行动。",
        );
        let labels: Vec<&str> = c.campaigns.iter().map(|c| c.label.as_str()).collect();
        assert_eq!(labels, vec!["打击盗窃电力设施专项行动", "整治农村假冒食品联合行动"]);
    }

    #[test]
    fn numbered_parts_rounds_and_year_named_umbrellas() {
        let words = "[\\p{Han}]{2,4}20\\d\\d\tquoted-name\n号\tsub-number\n第\tordinal\n轮次\tround\n";
        let c = run_with(words, "重庆市公安局开展“昆仑”行动。“昆仑1号”行动破获案件3起。");
        assert_eq!(c.get("昆仑1号").and_then(|x| x.part_of.as_deref()), Some("昆仑"));
        let c = run_with(words, "兰州市公安局开展“昆仑2023”专项行动。“昆仑3号”行动破获案件5起。");
        assert_eq!(c.get("昆仑3号").and_then(|x| x.part_of.as_deref()), Some("昆仑2023"));
        let c = run_with(words, "日前，玉溪市公安局“清风2023”治安打击整治行动第3轮次集中统一秋季行动收网。");
        let round = c.get("第3轮次集中统一秋季行动").expect("round");
        assert_eq!(round.part_of.as_deref(), Some("清风2023"));
        assert!(round.alt_labels.contains(&"秋季行动".to_string()));
    }

    #[test]
    fn scope_by_topic_frames_lists_and_launches() {
        let words = "上\tframe-close\n和\tconjunction\n在\tframe-open\n开展以来\tframe-after\n部署开展\tlaunch-verb\n";
        let body = "唐山市公安局“砺剑2021”专项行动取得战果。在“猎狐2021”专项行动上，劝返逃犯7名。\
                    在禁毒战线上，抓获逃犯6名。全市破获毒品案件49起。";
        let c = run_with(words, body);
        assert_eq!(scope_at(&c, body, "7名").as_deref(), Some("猎狐2021"));
        assert_eq!(scope_at(&c, body, "6名").as_deref(), Some("砺剑2021"));
        assert_eq!(scope_at(&c, body, "49起").as_deref(), Some("砺剑2021"));
        let body = "自今年7月开展“昆仑”行动和“清源”行动以来，重庆警方破获案件300起。";
        let c = run_with(words, body);
        assert_eq!(scope_at(&c, body, "300起").as_deref(), Some("昆仑"));
        let body = "自“夏季行动”开展以来，全省破获案件56起；部署开展“净网”行动，破获案件40起。";
        let c = run_with(words, body);
        assert_eq!(c.get("净网").and_then(|x| x.part_of.as_deref()), Some("夏季行动"));
        assert_eq!(scope_at(&c, body, "56起").as_deref(), Some("夏季行动"));
        assert_eq!(scope_at(&c, body, "40起").as_deref(), Some("净网"));
    }

    #[test]
    fn quoted_unquoted_and_parents() {
        let c = run("", "今年以来，杭州市公安局以“雷火2023”为牵引，开展“春季攻势”行动。全市开展“7·25”专项行动和“断卡”行动。按照云剑-2021专项行动部署，开展“百日行动”。");
        let labels: Vec<&str> = c.campaigns.iter().map(|c| c.label.as_str()).collect();
        assert_eq!(labels, vec!["雷火2023", "春季攻势", "7·25专项行动", "断卡", "云剑-2021", "百日行动"]);
        assert_eq!(c.get("春季攻势").unwrap().part_of.as_deref(), Some("雷火2023"));
        assert_eq!(c.get("百日行动").unwrap().part_of.as_deref(), Some("云剑-2021"));
        assert_eq!(c.get("断卡").unwrap().part_of, None);
        assert!(c.get("断卡").unwrap().alt_labels.contains(&"断卡行动".to_string()));
        assert!(c.get("春季攻势").unwrap().organizers.contains(&"杭州市公安局".to_string()));
    }

    #[test]
    fn stated_periods() {
        let c = run("", "自6月1日至8月31日，杭州市公安局开展“夏季攻势”行动。");
        let s = c.get("夏季攻势").unwrap();
        assert_eq!((s.period_start.as_deref(), s.period_end.as_deref()), (Some("2023-06-01"), Some("2023-08-31")));
        let c = run("", "5月至7月，省公安厅组织“百日行动”。");
        let s = c.get("百日行动").unwrap();
        assert_eq!((s.period_start.as_deref(), s.period_end.as_deref()), (Some("2023-05-01"), Some("2023-07-31")));
    }

    #[test]
    fn not_campaigns() {
        let c = run("", "依托“情指勤舆”一体化平台，打击“两卡”犯罪，成立“剥茧”专班，推进“一村一警”。");
        assert!(c.campaigns.is_empty(), "{:?}", c.campaigns.iter().map(|c| &c.label).collect::<Vec<_>>());
    }

    #[test]
    fn main_campaign_from_title() {
        let c = run("广州警方“净网2022”专项行动战果", "今年以来，广州警方开展“净网2022”专项行动。同时推进“断卡”行动。");
        assert_eq!(c.main.as_deref(), Some("净网2022"));
    }
}
