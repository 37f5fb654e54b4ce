//! Agencies and units: found in the text, resolved against the gazetteer and the article's context
//! (荆门公安 -> 荆门市公安局; 市公安局 -> the article's city; 省厅 -> its province; 鄂城区分局 -> a 分局 of
//! 鄂州市公安局), given canonical labels and parents, and tracked through the text so each sentence knows
//! who acted in it.

use std::collections::HashMap;

use super::gazetteer::{Gazetteer, Level};
use super::lexicon::Lexicon;
use super::text::{at, ends_at, is_han, Text};
use super::vocab::{OrgRole, OrgWords};
use crate::{Agency, AgencyLevel, Evidence, Place, Unit};

/// One mention of an organisation in the text.
#[derive(Debug, Clone)]
pub struct OrgMention {
    pub start: usize,
    pub end: usize,
    /// Canonical label of the agency or unit.
    pub label: String,
    pub is_unit: bool,
    /// 0 unit, 1 county, 2 prefectural, 3 provincial, 4 national: the lower, the more specific.
    pub rank: u8,
}

/// Everything known about the organisations of one article.
#[derive(Default)]
pub struct Orgs {
    pub agencies: Vec<Agency>,
    agency_index: HashMap<String, usize>,
    pub units: Vec<Unit>,
    unit_index: HashMap<String, usize>,
    pub places: Vec<Place>,
    place_index: HashMap<String, usize>,
    pub mentions: Vec<OrgMention>,
    pub city: Option<usize>,
    pub province: Option<usize>,
    pub county: Option<usize>,
    /// The agency the article is about (title, else most mentioned).
    pub main: Option<String>,
    /// Per sentence: the subject (label) when the sentence names one.
    pub subjects: Vec<Option<String>>,
    /// Units named as formed (成立“3·18”专案组): in their sentence, what follows is their work.
    pub founded: Vec<OrgMention>,
    /// Per sentence: whether its head sums up (今年以来, 据统计).
    pub summary_heads: Vec<bool>,
    /// The Ministry's label and the word of a branch, as the lexicon writes them (公安部, 分局).
    ministry_label: String,
    branch_word: String,
    anaphors: Vec<char>,
}

fn level_rank(l: AgencyLevel) -> u8 {
    match l {
        AgencyLevel::County => 1,
        AgencyLevel::Prefectural => 2,
        AgencyLevel::Provincial => 3,
        AgencyLevel::National => 4,
    }
}

impl Orgs {
    pub fn add_place(&mut self, g: &Gazetteer, div: usize) -> String {
        let d = &g.divisions[div];
        if let Some(&i) = self.place_index.get(&d.name) {
            return self.places[i].label.clone();
        }
        let within = d.parent.map(|p| self.add_place(g, p));
        let label = d.name.clone();
        let mut alt = Vec::new();
        if let Some(s) = &d.short {
            alt.push(s.clone());
        }
        alt.extend(d.former.iter().cloned());
        self.place_index.insert(label.clone(), self.places.len());
        self.places.push(Place { label: label.clone(), adcode: Some(d.code.clone()), within, alt_labels: alt });
        label
    }

    /// Ensures the agency of a division and all its parents exist; returns its label.
    pub fn division_agency(&mut self, g: &Gazetteer, div: usize) -> String {
        let (label, level, parent_div) = g.organ(div);
        if self.agency_index.contains_key(&label) {
            return label;
        }
        let parent = match (level, parent_div) {
            (AgencyLevel::Provincial, _) => Some(self.national()),
            (_, Some(p)) => Some(self.division_agency(g, p)),
            (_, None) => Some(self.national()),
        };
        let jurisdiction = Some(self.add_place(g, div));
        let alt_labels = g.organ_alts(div);
        self.insert_agency(Agency {
            label: label.clone(),
            level,
            parent,
            jurisdiction,
            alt_labels,
            evidence: vec![],
            mentioned: false,
        });
        label
    }

    fn national(&mut self) -> String {
        let label = self.ministry_label.clone();
        if !self.agency_index.contains_key(&label) {
            self.insert_agency(Agency {
                label: label.clone(),
                level: AgencyLevel::National,
                parent: None,
                jurisdiction: None,
                alt_labels: vec![],
                evidence: vec![],
                mentioned: false,
            });
        }
        label
    }

    fn insert_agency(&mut self, a: Agency) {
        self.agency_index.insert(a.label.clone(), self.agencies.len());
        self.agencies.push(a);
    }

    /// A 分局 not in the gazetteer (月亮湖分局, 高新区·掇刀区分局) of a city's bureau.
    fn branch_agency(&mut self, city_label: &str, name: &str) -> String {
        let label = format!("{city_label}{name}{}", self.branch_word);
        if !self.agency_index.contains_key(&label) {
            self.insert_agency(Agency {
                label: label.clone(),
                level: AgencyLevel::County,
                parent: Some(city_label.to_string()),
                jurisdiction: None,
                alt_labels: vec![],
                evidence: vec![],
                mentioned: false,
            });
        }
        label
    }

    fn note_mention(&mut self, label: &str, written: &str, ev: Evidence, start: usize, end: usize) {
        let Some(&i) = self.agency_index.get(label) else { return };
        let a = &mut self.agencies[i];
        let written = written.trim_matches(|c: char| super::text::is_open_quote(c) || super::text::is_close_quote(c));
        // 该局 and the like point back; they are no name of the agency.
        let anaphoric = self.anaphors.iter().any(|c| written.starts_with(*c));
        if written != a.label && !written.is_empty() && !anaphoric && !a.alt_labels.iter().any(|x| x == written) {
            a.alt_labels.push(written.to_string());
        }
        if a.evidence.len() < 3 && !a.evidence.iter().any(|e| e.start == ev.start) {
            a.evidence.push(ev);
        }
        a.mentioned = true;
        let rank = level_rank(a.level);
        self.mentions.push(OrgMention { start, end, label: label.to_string(), is_unit: false, rank });
    }

    pub fn agency(&self, label: &str) -> Option<&Agency> {
        self.agency_index.get(label).map(|&i| &self.agencies[i])
    }

    pub fn unit(&self, label: &str) -> Option<&Unit> {
        self.unit_index.get(label).map(|&i| &self.units[i])
    }

    /// The agency a label belongs to (itself for an agency, the nearest agency above a unit).
    pub fn agency_of(&self, label: &str) -> Option<String> {
        let mut l = label.to_string();
        for _ in 0..8 {
            if self.agency_index.contains_key(&l) {
                return Some(l);
            }
            l = self.unit(&l)?.parent.clone()?;
        }
        None
    }

    /// The subject of the sentence holding `pos`, else the last subject before it, else the main agency.
    /// A paragraph that opens with a summary (今年以来, 据统计) and names no one is the article's agency's.
    pub fn actor_at(&self, text: &Text, pos: usize) -> Option<String> {
        let s = text.sentence_of(pos);
        let (ss, _) = text.sentences.get(s).copied().unwrap_or((0, 0));
        if let Some(f) = self.founded.iter().rev().find(|m| m.start >= ss && m.end <= pos) {
            return Some(f.label.clone());
        }
        let para = text.paragraph_of.get(s).copied();
        for k in (0..=s.min(self.subjects.len().saturating_sub(1))).rev() {
            if let Some(Some(l)) = self.subjects.get(k) {
                return Some(l.clone());
            }
            let opens_paragraph = k == 0 || text.paragraph_of.get(k - 1).copied() != text.paragraph_of.get(k).copied();
            if opens_paragraph && text.paragraph_of.get(k).copied() == para {
                if self.summary_heads.get(k).copied().unwrap_or(false) && self.main.is_some() {
                    return self.main.clone();
                }
                break;
            }
        }
        // Before this paragraph: the last subject named.
        for k in (0..=s.min(self.subjects.len().saturating_sub(1))).rev() {
            if let Some(Some(l)) = self.subjects.get(k) {
                return Some(l.clone());
            }
        }
        self.main.clone()
    }
}

/// Finds the chain of places ending at `end` (湖北省鄂州市, 深圳宝安): divisions outermost first.
fn place_chain(
    g: &Gazetteer,
    chars: &[char],
    end: usize,
    city: Option<usize>,
    province: Option<usize>,
) -> (usize, Vec<usize>) {
    let mut names: Vec<(usize, Vec<usize>)> = Vec::new();
    let mut p = end;
    while p >= 2 {
        let found = g.names_ending_at(chars, p);
        let Some((s, cands)) = found.into_iter().next() else { break };
        names.push((s, cands.clone()));
        p = s;
        if names.len() >= 3 {
            break;
        }
    }
    names.reverse();
    let mut out: Vec<usize> = Vec::new();
    let mut start = end;
    for (s, cands) in names {
        let (c_city, c_prov) = match out.last() {
            Some(&outer) => match g.divisions[outer].level {
                Level::Province => (None, Some(outer)),
                _ => (Some(outer), None),
            },
            None => (city, province),
        };
        let d = g.choose(&cands, c_city, c_prov);
        if let Some(&outer) = out.last() {
            if !g.within(d, outer) {
                out.clear();
            }
        }
        if out.is_empty() {
            start = s;
        }
        out.push(d);
    }
    (start, out)
}

/// The chain of places ending at `end`, as [`place_chain`], unless its first name is a verb of working
/// together and the place lies outside the article's province (会同县局: 会同 + 县局, not 会同县 + 局).
fn place_before(g: &Gazetteer, lex: &Lexicon, chars: &[char], end: usize, o: &Orgs) -> (usize, Vec<usize>) {
    let (cs, chain) = place_chain(g, chars, end, o.city, o.province);
    let verb_first = lex.org_words.at(OrgRole::NotSubjectBefore, chars, cs).is_some();
    if verb_first && chain.first().is_some_and(|&d| o.province.is_some_and(|p| !g.within(d, p))) {
        return (end, Vec::new());
    }
    (cs, chain)
}

/// Counts places named in the text and picks the article's city and province.
fn context(g: &Gazetteer, chars: &[char], title: &[char]) -> (Option<usize>, Option<usize>, Option<usize>) {
    let mut pref: HashMap<usize, (usize, usize)> = HashMap::new(); // div -> (count, first)
    let mut prov: HashMap<usize, (usize, usize)> = HashMap::new();
    let mut county: HashMap<usize, (usize, usize)> = HashMap::new();
    let mut county_in_title: Vec<usize> = Vec::new();
    let mut scan = |cs: &[char], weight: usize, offset: usize| {
        let mut i = 0;
        while i < cs.len() {
            if !is_han(cs[i]) {
                i += 1;
                continue;
            }
            let hits = g.names_starting_at(cs, i);
            if let Some((e, cands)) = hits.into_iter().next() {
                let d = g.choose(cands, None, None);
                let name_len = e - i;
                if cands.len() == 1
                    && g.divisions[d].level == Level::County
                    && name_len >= 3
                    && g.divisions[d].name.chars().count() == name_len
                {
                    let en = county.entry(d).or_insert((0, offset + i));
                    en.0 += weight;
                    if weight > 1 {
                        county_in_title.push(d);
                    }
                }
                if cands.len() == 1 || g.divisions[d].level != Level::County {
                    if let Some(pf) = g.prefecture_of(d) {
                        let en = pref.entry(pf).or_insert((0, offset + i));
                        en.0 += weight;
                    }
                    let pv = g.province_of(d);
                    let en = prov.entry(pv).or_insert((0, offset + i));
                    en.0 += weight;
                }
                i = e;
            } else {
                i += 1;
            }
        }
    };
    scan(title, 3, 0);
    scan(chars, 1, title.len());
    let best = |m: &HashMap<usize, (usize, usize)>| {
        m.iter().max_by(|a, b| a.1 .0.cmp(&b.1 .0).then(b.1 .1.cmp(&a.1 .1)).then(b.0.cmp(a.0))).map(|(k, _)| *k)
    };
    let city = best(&pref);
    let province = city.map(|c| g.province_of(c)).or_else(|| best(&prov));
    // The article's county: named in the title, or named as often as its city.
    let county = best(&county).filter(|c| {
        let n = county[c].0;
        county_in_title.contains(c) || city.is_none_or(|ci| n >= pref.get(&ci).map_or(0, |x| x.0))
    });
    let county = county.filter(|c| city.is_none_or(|ci| g.within(*c, ci)));
    (city, province, county)
}

/// Reads the organisations of one article.
pub fn find_orgs(g: &Gazetteer, lex: &Lexicon, text: &Text, title: &str) -> Orgs {
    let chars = &text.chars;
    let title_chars: Vec<char> = title.chars().collect();
    let mut o = Orgs::default();
    let words = &lex.org_words;
    let ending = |tag: &str| {
        lex.agency_suffixes.iter().filter(|(_, t)| *t == tag).map(|(a, _)| a.clone()).min_by_key(|a| a.chars().count())
    };
    o.ministry_label = ending("ministry").unwrap_or_default();
    o.branch_word = ending("branch").unwrap_or_default();
    o.anaphors = words.words(OrgRole::Anaphor).iter().filter_map(|w| w.chars().next()).collect();
    o.summary_heads = text
        .sentences
        .iter()
        .map(|&(ss, se)| (ss..se.min(ss + 16)).any(|p| words.at(OrgRole::SummaryHead, chars, p).is_some()))
        .collect();
    let (city, province, county) = context(g, chars, &title_chars);
    o.city = city;
    o.province = province;
    o.county = county;
    let mut title_mentions: Vec<String> = Vec::new();
    for (cs, is_title) in [(&title_chars[..], true), (&chars[..], false)] {
        let found = scan_agencies(g, lex, cs, &mut o);
        for (start, end, label, written) in found {
            if is_title {
                // Named in the title: mentioned by the article, though the title has no body offsets.
                if let Some(&ai) = o.agency_index.get(&label) {
                    let a = &mut o.agencies[ai];
                    a.mentioned = true;
                    if written != a.label && !a.alt_labels.contains(&written) {
                        a.alt_labels.push(written.clone());
                    }
                }
                title_mentions.push(label);
            } else {
                let ev = text.evidence(start, end);
                o.note_mention(&label, &written, ev, start, end);
            }
        }
    }
    o.mentions.sort_by_key(|m| (m.start, m.end));
    // Agencies named only after the article's last full sentence (tags, link lists) are not the
    // article's, unless its title names them.
    let tail_start = text.tail_start();
    for a in o.agencies.iter_mut() {
        let in_body = o.mentions.iter().any(|m| m.label == a.label && m.start < tail_start);
        let in_title = title_mentions.contains(&a.label);
        if a.mentioned && !in_body && !in_title {
            a.mentioned = false;
        }
    }
    o.mentions.retain(|m| m.start < tail_start);
    // The main agency: first named in the title, else the most mentioned.
    let mut counts: HashMap<&str, (usize, usize)> = HashMap::new();
    for m in &o.mentions {
        if !m.is_unit {
            let e = counts.entry(m.label.as_str()).or_insert((0, m.start));
            e.0 += 1;
        }
    }
    o.main = title_mentions.iter().find(|l| o.agency_index.contains_key(*l)).cloned().or_else(|| {
        counts
            .iter()
            .max_by(|a, b| a.1 .0.cmp(&b.1 .0).then(b.1 .1.cmp(&a.1 .1)).then(b.0.cmp(a.0)))
            .map(|(l, _)| l.to_string())
    });
    // Units.
    find_units(g, lex, text, &mut o);
    o.mentions.sort_by_key(|m| (m.start, m.end));
    compute_subjects(&lex.org_words, text, &mut o);
    // A sentence that names no agency but speaks of 全市, 全省 … at its head is that agency's.
    for si in 0..text.sentences.len() {
        if o.subjects[si].is_some() {
            continue;
        }
        let (s, e) = text.sentences[si];
        let head_end = e.min(s + 14);
        let hit = lex.agency_refs.iter().filter(|(_, t)| t.starts_with("scope-")).find_map(|(form, t)| {
            (s..head_end)
                .find(|&p| {
                    at(chars, p, form)
                        && lex.org_words.at(OrgRole::AgencyWord, chars, p + form.chars().count()).is_none()
                })
                .map(|p| (p, *t))
        });
        if let Some((_, t)) = hit {
            if let Some(d) = scope_division(g, &o, t) {
                let label = o.division_agency(g, d);
                o.subjects[si] = Some(label);
            }
        }
    }
    o
}

/// Agency mentions: (start, end, canonical label, written form).
fn scan_agencies(g: &Gazetteer, lex: &Lexicon, chars: &[char], o: &mut Orgs) -> Vec<(usize, usize, String, String)> {
    let mut out = Vec::new();
    let n = chars.len();
    let mut i = 0;
    while i < n {
        let Some((anchor, tag)) =
            lex.agency_suffixes.iter().find(|(a, _)| super::text::at(chars, i, a)).map(|(a, t)| (a, *t))
        else {
            i += 1;
            continue;
        };
        let alen = anchor.chars().count();
        let aend = i + alen;
        if tag == "ministry" {
            out.push((i, aend, o.national(), anchor.to_string()));
            i = aend;
            continue;
        }
        if tag == "relative" && lex.org_words.ends_at(OrgRole::AgencyWord, chars, i) {
            i += 1;
            continue;
        }
        let (cs, chain) = place_before(g, lex, chars, i, o);
        let is_branch = tag == "branch";
        if let Some(&d) = chain.last() {
            let div = if tag == "department" { g.province_of(d) } else { d };
            let mut label = o.division_agency(g, div);
            let mut end = aend;
            if tag == "bureau" {
                // 温州市公安局鹿城区分局, 浙江省杭州市公安局西湖区分局.
                if let Some((bend, name)) = branch_after(&lex.org_words, &o.branch_word.clone(), chars, aend) {
                    let inner = place_chain(g, chars, bend - 2, Some(div), None).1;
                    let inner_label = inner
                        .last()
                        .filter(|&&x| g.within(x, div) && g.divisions[x].level == Level::County)
                        .map(|&x| o.division_agency(g, x));
                    label = inner_label.unwrap_or_else(|| o.branch_agency(&label, &name));
                    end = bend;
                }
            }
            let written: String = chars[cs..end].iter().collect();
            let listed = listed_places(g, lex, chars, cs, d, o);
            out.push((cs, end, label, written));
            out.extend(listed);
            i = end;
            continue;
        }
        // Relative forms from the lexicon (市公安局, 全市公安机关, 省厅, 该局 ...), unless a place precedes.
        let mut resolved: Option<(usize, String)> = None;
        for (form, target) in &lex.agency_refs {
            if !ends_at(chars, aend, form) || *target == "actor" || target.starts_with("scope-") {
                continue;
            }
            if *target == "national" {
                if !lex.agency_suffixes.iter().any(|(a, t)| *t == "ministry" && a == form) {
                    resolved = Some((aend - form.chars().count(), o.national()));
                }
                break;
            }
            let fstart = aend - form.chars().count();
            let (cs, chain) = place_before(g, lex, chars, fstart, o);
            if !chain.is_empty() {
                // 荆门全市公安机关: the place decides.
                let d = *chain.last().unwrap_or(&0);
                let d = if target.contains("province") { g.province_of(d) } else { g.prefecture_of(d).unwrap_or(d) };
                resolved = Some((cs, o.division_agency(g, d)));
            } else if target.starts_with("last-") {
                // 该局, 该厅: the last 局 (厅) named as an actor, not one named in 按照…部署.
                let want_province = *target == "last-province";
                let last = out
                    .iter()
                    .rev()
                    .find(|m: &&(usize, usize, String, String)| {
                        let level = o.agency(&m.2).map(|a| a.level);
                        let fits = if want_province {
                            level == Some(AgencyLevel::Provincial)
                        } else {
                            matches!(level, Some(AgencyLevel::Prefectural | AgencyLevel::County))
                        };
                        fits && !lex.org_words.ends_at(OrgRole::NotSubjectBefore, chars, m.0)
                    })
                    .map(|m| m.2.clone());
                if let Some(l) = last {
                    resolved = Some((fstart, l));
                }
            } else {
                if let Some(d) = scope_division(g, o, target) {
                    resolved = Some((fstart, o.division_agency(g, d)));
                }
            }
            break;
        }
        if let Some((s, label)) = resolved {
            let written: String = chars[s..aend].iter().collect();
            out.push((s, aend, label, written));
            i = aend;
            continue;
        }
        if tag == "relative" {
            i += 1;
            continue;
        }
        if is_branch && name_start_back(&lex.org_words, chars, i, 8) == i && anchor.chars().count() == 2 {
            // 分局 alone: the branch named last.
            if let Some(last) = out
                .iter()
                .rev()
                .find(|m: &&(usize, usize, String, String)| m.2.ends_with(&o.branch_word))
                .map(|m| m.2.clone())
            {
                out.push((i, aend, last, String::new()));
                i = aend;
                continue;
            }
        }
        if is_branch {
            // 屈家岭公安分局, 大榭分局: a branch of the city in context (or of the agency just before it).
            let name_start = name_start_back(&lex.org_words, chars, i, 8);
            if i >= name_start + 2 {
                let name: String = chars[name_start..i].iter().collect();
                let name = trim_agency_word(&lex.org_words, &name);
                if lex.org_words.within(OrgRole::OrganWord, &name) {
                    i += 1;
                    continue;
                }
                let prev =
                    out.last().filter(|m: &&(usize, usize, String, String)| m.1 == name_start).map(|m| m.2.clone());
                let city_label = prev.or_else(|| o.city.map(|c| o.division_agency(g, c)));
                if let Some(cl) = city_label {
                    if name.chars().count() >= 2 {
                        let label = o.branch_agency(&cl, &name);
                        let written: String = chars[name_start..aend].iter().collect();
                        out.push((name_start, aend, label, written));
                        i = aend;
                        continue;
                    }
                }
            }
        }
        i += 1;
    }
    out
}

/// Places listed before a place's organ, sharing its ending (清徐、阳曲、娄烦县公安局): each one's organ, as
/// mentions (start, end, label, written). Only places of the organ's level within the same parent count.
fn listed_places(
    g: &Gazetteer,
    lex: &Lexicon,
    chars: &[char],
    start: usize,
    div: usize,
    o: &mut Orgs,
) -> Vec<(usize, usize, String, String)> {
    let mut out = Vec::new();
    let mut p = start;
    while p > 1 && lex.org_words.has_char(OrgRole::Conjunction, chars[p - 1]) {
        let Some((ps, cands)) = g.names_ending_at(chars, p - 1).into_iter().next() else { break };
        let parent = g.divisions[div].parent;
        let Some(&d) =
            cands.iter().find(|&&c| g.divisions[c].level == g.divisions[div].level && g.divisions[c].parent == parent)
        else {
            break;
        };
        let label = o.division_agency(g, d);
        out.push((ps, p - 1, label, chars[ps..p - 1].iter().collect()));
        p = ps;
    }
    out
}

/// The division a relative form points at (province, city, county, or 全区: the autonomous region or
/// the county).
fn scope_division(g: &Gazetteer, o: &Orgs, target: &str) -> Option<usize> {
    match target.trim_start_matches("scope-") {
        "province" => o.province,
        "city" => o.city,
        "county" => o.county,
        "region" => match o.province {
            Some(p) if super::gazetteer::is_autonomous_region(&g.divisions[p].code) => Some(p),
            _ => o.county,
        },
        _ => None,
    }
}

/// `name` without a final 公安 (鄂城区公安 of 鄂城区公安分局).
fn trim_agency_word(w: &OrgWords, name: &str) -> String {
    let mut name = name.to_string();
    for a in w.words(OrgRole::AgencyWord) {
        if let Some(stripped) = name.strip_suffix(a.as_str()) {
            name = stripped.to_string();
        }
    }
    name
}

/// After `公安局` at `pos`: `XX分局` or `XX公安分局` within a few chars: (end, name without 公安).
fn branch_after(w: &OrgWords, branch_word: &str, chars: &[char], pos: usize) -> Option<(usize, String)> {
    let mut j = pos;
    while j < chars.len() && j - pos <= 10 {
        if super::text::at(chars, j, branch_word) {
            if j == pos {
                return None;
            }
            let name: String = chars[pos..j].iter().collect();
            let name = trim_agency_word(w, &name);
            if name.chars().count() < 2 || w.within(OrgRole::OrganWord, &name) {
                return None;
            }
            return Some((j + branch_word.chars().count(), name));
        }
        let c = chars[j];
        if !(is_han(c) || c == '·' || c == '・') || w.has_char(OrgRole::Stop, c) {
            return None;
        }
        j += 1;
    }
    None
}

/// Walks back from `end` over the chars a name can hold; returns where the name starts (at most `max`
/// chars back; `end` when none can).
fn name_start_back(w: &OrgWords, chars: &[char], end: usize, max: usize) -> usize {
    let mut k = end;
    let mut in_quote = false;
    while k > 0 && end - k < max + 2 {
        let c = chars[k - 1];
        if super::text::is_close_quote(c) {
            in_quote = true;
            k -= 1;
            continue;
        }
        if super::text::is_open_quote(c) {
            if in_quote {
                in_quote = false;
                k -= 1;
                continue;
            }
            break;
        }
        if in_quote {
            k -= 1;
            continue;
        }
        if !(is_han(c) || c == '·' || c == '・' || c.is_ascii_alphanumeric()) || w.has_char(OrgRole::Stop, c) {
            break;
        }
        if w.ends_at(OrgRole::Stop, chars, k) {
            break;
        }
        k -= 1;
    }
    k
}

/// The unit kind at `i`, the longest first: (kind, may stand alone, needs its organisation right before).
/// `firsts`: the sorted first chars of the lexicon's unit kinds (most positions start none).
fn unit_kind_at<'a>(lex: &'a Lexicon, firsts: &[char], chars: &[char], i: usize) -> Option<(&'a str, bool, bool)> {
    if firsts.binary_search(&chars[i]).is_ok() {
        if let Some((k, bare)) = lex.unit_kinds.iter().find(|(k, _)| at(chars, i, k)) {
            return Some((k.as_str(), *bare, false));
        }
    }
    lex.org_words.at(OrgRole::AttachedKind, chars, i)?;
    lex.org_words.words(OrgRole::AttachedKind).iter().find(|k| at(chars, i, k)).map(|k| (k.as_str(), false, true))
}

/// Where a unit's own name starts, and its parent when the name is preceded by one.
struct NameBack {
    start: usize,
    parent: Option<String>,
    /// Longer than a name can be (a long name is read only right after its organisation).
    too_long: bool,
    /// The parent is an organisation named right before the name (not a place, not a guess).
    after_org: bool,
    /// Named as formed here (成立专案组): what follows in the sentence is its work.
    founded: bool,
}

/// Walks back from the unit kind at `i` for the unit's own name, stopping at an organisation (the parent),
/// a place (its agency is the parent), a stop word, or the start of a clause.
fn name_back(
    g: &Gazetteer,
    lex: &Lexicon,
    chars: &[char],
    o: &mut Orgs,
    i: usize,
    agency_ends: &HashMap<usize, String>,
    unit_ends: &HashMap<usize, String>,
) -> NameBack {
    const LIMIT: usize = 10;
    const LIMIT_AFTER_ORG: usize = 16;
    let w = &lex.org_words;
    let org_at = |k: usize| agency_ends.get(&k).or_else(|| unit_ends.get(&k)).cloned();
    let mut k = i;
    let mut parent: Option<String> = None;
    let mut after_org = false;
    let mut founded = false;
    loop {
        if let Some(l) = org_at(k) {
            parent = Some(l);
            after_org = true;
            break;
        }
        if k < i {
            let (ps, chain) = place_chain(g, chars, k, o.city, o.province);
            if let Some(&d) = chain.last() {
                // A place written in full (赤壁市官塘驿镇派出所), or the article's own city by its short name.
                let full = w.has_char(OrgRole::PlaceEnd, chars[k - 1]);
                if ps < k && (full || Some(d) == o.city || Some(d) == o.province) {
                    parent = Some(o.division_agency(g, d));
                    break;
                }
            }
        }
        if k == 0 || i - k > LIMIT_AFTER_ORG {
            break;
        }
        let c = chars[k - 1];
        if super::text::is_close_quote(c) {
            // A quoted part of the name: “剥茧”专班, “3·18”专案组.
            let mut q = k - 1;
            while q > 0 && !super::text::is_open_quote(chars[q - 1]) && k - q < 12 {
                q -= 1;
            }
            if q > 0 && super::text::is_open_quote(chars[q - 1]) {
                k = q - 1;
                continue;
            }
            break;
        }
        let name_char = is_han(c) || c == '·' || c.is_ascii_alphanumeric();
        if name_char && !w.has_char(OrgRole::Stop, c) && !w.ends_at(OrgRole::Stop, chars, k) {
            k -= 1;
            continue;
        }
        if w.has_char(OrgRole::WeakStop, c) {
            // A char that also stands in names (经侦大队, 经三路派出所, 和平派出所): part of the name when it
            // opens the clause, or when an organisation is named right before the name.
            let opens = k == 1 || !(is_han(chars[k - 2]) || chars[k - 2].is_ascii_alphanumeric());
            if opens && k < i {
                k -= 1;
                break;
            }
            let mut q = k - 1;
            while q > 0
                && i - q <= LIMIT
                && is_han(chars[q - 1])
                && !w.has_char(OrgRole::Stop, chars[q - 1])
                && !agency_ends.contains_key(&q)
                && !unit_ends.contains_key(&q)
            {
                q -= 1;
            }
            if let Some(l) = org_at(q) {
                parent = Some(l);
                after_org = true;
                k = q;
            }
        } else if let Some(v) = w.words(OrgRole::FounderVerb).iter().find(|v| ends_at(chars, k, v)) {
            // 刑侦一大队成立专案组: the unit was formed (by the organisation named before the verb).
            founded = true;
            if let Some(l) = org_at(k - v.chars().count()) {
                parent = Some(l);
            }
        }
        break;
    }
    let too_long = i - k > LIMIT_AFTER_ORG || (i - k > LIMIT && !after_org);
    NameBack { start: k, parent, too_long, after_org, founded }
}

fn find_units(g: &Gazetteer, lex: &Lexicon, text: &Text, o: &mut Orgs) {
    let chars = &text.chars;
    let n = chars.len();
    let mut i = 0;
    let agency_ends: HashMap<usize, String> = o.mentions.iter().map(|m| (m.end, m.label.clone())).collect();
    let mut unit_ends: HashMap<usize, String> = HashMap::new();
    let mut weak_units: std::collections::HashSet<String> = std::collections::HashSet::new();
    let words = &lex.org_words;
    let mut kind_firsts: Vec<char> = lex.unit_kinds.iter().filter_map(|(k, _)| k.chars().next()).collect();
    kind_firsts.sort_unstable();
    kind_firsts.dedup();
    while i < n {
        let Some((kind, bare, attached)) = unit_kind_at(lex, &kind_firsts, chars, i) else {
            i += 1;
            continue;
        };
        let kend = i + kind.chars().count();
        // Inside an agency mention (…公安局刑侦支队 is not inside; 分局 is no unit kind) – skip overlaps.
        if o.mentions.iter().any(|m| !m.is_unit && m.start <= i && i < m.end) {
            i = kend;
            continue;
        }
        let back = name_back(g, lex, chars, o, i, &agency_ends, &unit_ends);
        let (k, mut parent) = (back.start, back.parent);
        if back.too_long {
            i = kend;
            continue;
        }
        // An attached kind (刑侦局, …中心) names a unit only right after its organisation.
        if attached && !back.after_org {
            i = kend;
            continue;
        }
        let quoted_prefix = k < i && super::text::is_open_quote(chars[k]) && super::text::is_close_quote(chars[i - 1]);
        if bare && i - k > 4 && !quoted_prefix && parent.is_none() {
            i = kend;
            continue;
        }
        let name: String = chars[k..kend].iter().collect();
        let name = name.trim_start_matches(|c: char| {
            words.has_char(OrgRole::Anaphor, c) || words.has_char(OrgRole::Distributive, c)
        });
        let prefix: String = chars[k..i].iter().collect();
        // Not units: a quoted term (“枫桥式公安派出所”创建), a title (副大队长, 所长), a count (一个缉捕专班),
        // a kind spread over levels (市县两级专班, 各县区专班), anything holding an agency's name.
        let quoted_term = k > 0
            && super::text::is_open_quote(chars[k - 1])
            && kend < n
            && super::text::is_close_quote(chars[kend])
            && words.at(OrgRole::QuotedTermAfter, chars, kend + 1).is_some();
        // A title with a kind that stands alone (刑侦支队长) still names the unit.
        let title = words.at(OrgRole::TitleEnd, chars, kend).is_some()
            && !bare
            && (prefix.is_empty() || words.has(OrgRole::TitlePrefix, &prefix));
        let counted = prefix.chars().next().is_some_and(|c| {
            super::numbers::is_cn_numeral(c)
                && prefix.chars().nth(1).is_some_and(|d| words.has_char(OrgRole::Counter, d))
        });
        let tiers = words.within(OrgRole::Tiers, &prefix)
            || (prefix.chars().count() == 1 && prefix.chars().all(|c| words.has_char(OrgRole::PlaceEnd, c)));
        if quoted_term || title || counted || tiers || words.within(OrgRole::AgencyWord, &prefix) {
            i = kend;
            continue;
        }
        if k == i {
            // 警务站 or 专班 alone: the last unit of that kind (under that parent, when one is named).
            let prev = o
                .units
                .iter()
                .rev()
                .find(|u| u.name.ends_with(kind) && parent.as_ref().is_none_or(|p| u.parent.as_ref() == Some(p)))
                .map(|u| u.label.clone());
            if let Some(label) = prev {
                o.mentions.push(OrgMention { start: i, end: kend, label: label.clone(), is_unit: true, rank: 0 });
                unit_ends.insert(kend, label);
                i = kend;
                continue;
            }
            if !bare && parent.is_none() {
                i = kend;
                continue;
            }
        }
        if parent.is_none() && words.words(OrgRole::NationalPrefix).iter().any(|w| name.starts_with(w.as_str())) {
            // 国家反诈中心: the Ministry's.
            parent = Some(o.national());
        }
        let mut weak = false;
        if parent.is_none() {
            let (ss, _) = text.sentences.get(text.sentence_of(k)).copied().unwrap_or((0, 0));
            let before: Vec<&OrgMention> = o.mentions.iter().filter(|m| !m.is_unit && m.end <= k).collect();
            // Not one named as a helper or the place of the work (在市公安局…推送的线索基础上).
            let in_sentence = before
                .iter()
                .rev()
                .find(|m| m.start >= ss && !words.ends_at(OrgRole::NotSubjectBefore, chars, m.start))
                .map(|m| m.label.clone());
            // Known already under some parent? Then it is that one, unless that parent was only a guess
            // and this sentence names the agency.
            let clean: String = case_task_force_name(name, kind)
                .chars()
                .filter(|c| !super::text::is_open_quote(*c) && !super::text::is_close_quote(*c))
                .collect();
            if let Some(u) = o.units.iter().find(|u| u.name == clean) {
                let mut label = u.label.clone();
                if let Some(p) =
                    in_sentence.as_ref().filter(|p| weak_units.contains(&label) && u.parent.as_ref() != Some(*p))
                {
                    let new_label = format!("{p}{}", u.name);
                    rename_unit(o, &label, &new_label, p);
                    for v in unit_ends.values_mut() {
                        if *v == label {
                            *v = new_label.clone();
                        }
                    }
                    weak_units.remove(&label);
                    label = new_label;
                }
                let mention = OrgMention { start: k, end: kend, label: label.clone(), is_unit: true, rank: 0 };
                if back.founded {
                    o.founded.push(mention.clone());
                }
                o.mentions.push(mention);
                unit_ends.insert(kend, label);
                i = kend;
                continue;
            }
            // The nearest agency named before it in its sentence, else (a guess) the last one named before it.
            weak = in_sentence.is_none();
            parent = in_sentence.or_else(|| before.last().map(|m| m.label.clone())).or_else(|| o.main.clone());
        }
        let Some(p) = parent else {
            i = kend;
            continue;
        };
        let ev = text.evidence(k, kend);
        let label = add_unit(o, &p, &case_task_force_name(name, kind), name, ev);
        if back.founded {
            o.founded.push(OrgMention { start: k, end: kend, label: label.clone(), is_unit: true, rank: 0 });
        }
        if weak {
            weak_units.insert(label.clone());
        }
        o.mentions.push(OrgMention { start: k, end: kend, label: label.clone(), is_unit: true, rank: 0 });
        unit_ends.insert(kend, label);
        i = kend;
    }
}

/// Gives a unit a new parent (and so a new label), everywhere it is referred to.
fn rename_unit(o: &mut Orgs, old: &str, new: &str, parent: &str) {
    if o.unit_index.contains_key(new) {
        return;
    }
    if let Some(idx) = o.unit_index.remove(old) {
        o.units[idx].label = new.to_string();
        o.units[idx].parent = Some(parent.to_string());
        o.unit_index.insert(new.to_string(), idx);
    }
    for u in o.units.iter_mut() {
        if u.parent.as_deref() == Some(old) {
            u.parent = Some(new.to_string());
        }
    }
    for m in o.mentions.iter_mut() {
        if m.label == old {
            m.label = new.to_string();
        }
    }
}

/// A unit named by its case's code and the case (“6·02”跨省诈骗案专案组) is known by the code and
/// its kind (“3·18”专案组); other names are their own.
fn case_task_force_name(name: &str, kind: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    if chars.first().is_none_or(|c| !super::text::is_open_quote(*c)) {
        return name.to_string();
    }
    let Some(close) = chars.iter().position(|c| super::text::is_close_quote(*c)) else { return name.to_string() };
    if !chars[..close].iter().any(|c| c.is_ascii_digit()) {
        return name.to_string();
    }
    let code: String = chars[..=close].iter().collect();
    format!("{code}{kind}")
}

fn add_unit(o: &mut Orgs, parent: &str, name: &str, written: &str, ev: Evidence) -> String {
    let clean: String =
        name.chars().filter(|c| !super::text::is_open_quote(*c) && !super::text::is_close_quote(*c)).collect();
    let label = format!("{parent}{clean}");
    if let Some(&u) = o.unit_index.get(&label) {
        let unit = &mut o.units[u];
        if unit.evidence.len() < 3 && !unit.evidence.iter().any(|e| e.start == ev.start) {
            unit.evidence.push(ev);
        }
        if written != unit.name && !unit.alt_labels.iter().any(|a| a == written) {
            unit.alt_labels.push(written.to_string());
        }
        return label;
    }
    let mut alt = Vec::new();
    for form in [name, written] {
        if form != clean && !alt.iter().any(|a| a == form) {
            alt.push(form.to_string());
        }
    }
    o.unit_index.insert(label.clone(), o.units.len());
    o.units.push(Unit {
        label: label.clone(),
        name: clean,
        parent: Some(parent.to_string()),
        alt_labels: alt,
        evidence: vec![ev],
    });
    label
}

/// The index of the last mention of the chain of adjacent mentions starting at `j` (鄂城区公安分局西山派出所).
fn chain_last(ms: &[OrgMention], j: usize) -> usize {
    let mut last = j;
    while last + 1 < ms.len() && ms[last + 1].start == ms[last].end {
        last += 1;
    }
    last
}

/// Whether what follows a mention (or a list of mentions) ending at `end` makes it no subject: a word
/// of deployment or support (公安部、省公安厅统一部署), or a time phrase (…“7·25”专项行动以来).
fn qualifies_only(w: &OrgWords, chars: &[char], end: usize, sentence_end: usize) -> bool {
    if w.at(OrgRole::NotSubjectAfter, chars, end).is_some() {
        return true;
    }
    if end < sentence_end
        && super::text::is_close_quote(chars[end])
        && w.at(OrgRole::NotSubjectAfter, chars, end + 1).is_some()
    {
        return true;
    }
    let mut p = end;
    while p < sentence_end && p - end < 16 && !matches!(chars[p], '，' | ',' | '。' | '；' | '、') {
        p += 1;
    }
    w.ends_at(OrgRole::TimePhraseEnd, chars, p) && p > end
}

/// Per sentence, the organisation that acts in it: the first mention (or list of mentions joined by
/// 、和与及) that is neither introduced as a helper or deployer (按照, 在…支持下) nor followed by a word that
/// makes it one (部署, 统一); of a list, the most specific.
fn compute_subjects(w: &OrgWords, text: &Text, o: &mut Orgs) {
    let chars = &text.chars;
    let mut subjects = vec![None; text.sentences.len()];
    let ms: Vec<OrgMention> = o.mentions.clone();
    let mut idx = 0;
    for (si, &(s, e)) in text.sentences.iter().enumerate() {
        while idx < ms.len() && ms[idx].start < s {
            idx += 1;
        }
        let mut j = idx;
        while j < ms.len() && ms[j].start < e {
            let before_bad = w.ends_at(OrgRole::NotSubjectBefore, chars, ms[j].start);
            // The list of chains joined by conjunctions: each chain's last element speaks.
            let mut group = vec![chain_last(&ms, j)];
            loop {
                let last = *group.last().unwrap_or(&j);
                let k = last + 1;
                let joined = k < ms.len()
                    && ms[k].start == ms[last].end + 1
                    && ms[k].start < e
                    && w.has_char(OrgRole::Conjunction, chars[ms[last].end]);
                if !joined {
                    break;
                }
                group.push(chain_last(&ms, k));
            }
            let first_end = ms[group[0]].end;
            let group_end = ms[*group.last().unwrap_or(&j)].end;
            let after_bad = qualifies_only(w, chars, first_end, e) || qualifies_only(w, chars, group_end, e);
            if !before_bad && !after_bad {
                if let Some(best) = group.iter().map(|&g| &ms[g]).min_by_key(|m| m.rank) {
                    subjects[si] = Some(best.label.clone());
                }
                break;
            }
            j = group.last().map_or(j + 1, |l| l + 1);
        }
    }
    o.subjects = subjects;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn orgs(title: &str, body: &str) -> Orgs {
        let g = Gazetteer::builtin();
        let lex = Lexicon::builtin();
        let t = Text::new(body, body);
        find_orgs(&g, &lex, &t, title)
    }

    /// The organisations of `body` read with the given org words (the other lexicons shipped).
    fn orgs_with(words: &str, body: &str) -> Orgs {
        let g = Gazetteer::builtin();
        let lex = Lexicon::builtin().with_org_words(words).unwrap();
        let t = Text::new(body, body);
        find_orgs(&g, &lex, &t, "")
    }

    fn actor_before(o: &Orgs, body: &str, marker: &str) -> Option<String> {
        let t = Text::new(body, body);
        let pos = body[..body.find(marker).unwrap()].chars().count();
        o.actor_at(&t, pos)
    }

    #[test]
    fn deployers_named_in_a_list_are_not_credited() {
        let words = "、\tconjunction\n按照\tnot-subject-before\n统一\tnot-subject-after\n部署\tnot-subject-after\n";
        let body = "按照公安部、山西省公安厅统一部署，晋中市公安局开展行动。公安部、山西省公安厅部署开展了专项行动，共破获案件27起。";
        let o = orgs_with(words, body);
        assert_eq!(actor_before(&o, body, "27起").as_deref(), Some("晋中市公安局"));
        // Without the deployment word the list acts, and its most specific member speaks.
        let o = orgs_with("、\tconjunction\n", "公安部、山西省公安厅组织开展专项行动，共破获案件27起。");
        assert_eq!(o.subjects[0].as_deref(), Some("山西省公安厅"));
    }

    #[test]
    fn places_listed_before_one_organ_each_have_theirs() {
        let o = orgs_with("、\tconjunction\n", "晋中市公安局抽调榆次区分局及平遥、祁县公安局民警组成专案组。");
        let l = labels(&o);
        assert!(l.contains(&"平遥县公安局".to_string()), "{l:?}");
        assert!(l.contains(&"祁县公安局".to_string()), "{l:?}");
    }

    #[test]
    fn a_verb_is_no_place_of_another_province() {
        let o = orgs_with(
            "会同\tnot-subject-before\n组成\tstop\n",
            "四川省成都市蒲江县公安局民警会同县局刑侦大队组成专案组。",
        );
        assert!(o.agency("会同县公安局").is_none_or(|a| !a.mentioned));
        assert!(o.units.iter().any(|u| u.parent.as_deref() == Some("蒲江县公安局")), "{:?}", o.units);
    }

    #[test]
    fn unit_names_end_at_the_clause_and_stop_words() {
        let words = "由\tstop\n由\tweak-stop\n经\tstop\n经\tweak-stop\n";
        let o = orgs_with(words, "习水县公安局召开会议。今年以来，经侦大队破获案件24起，由派出所负责走访。");
        let names: Vec<&str> = o.units.iter().map(|u| u.name.as_str()).collect();
        assert_eq!(names, vec!["经侦大队"], "{names:?}");
        assert_eq!(o.units[0].parent.as_deref(), Some("习水县公安局"));
    }

    #[test]
    fn attached_kinds_only_right_after_their_organisation() {
        let words = "、\tstop\n局\tattached-kind\n";
        let o = orgs_with(words, "广东省公安厅刑侦局通报。广州市市场监督管理局、广州市农业农村局参加。");
        let names: Vec<&str> = o.units.iter().map(|u| u.name.as_str()).collect();
        assert_eq!(names, vec!["刑侦局"], "{names:?}");
        assert_eq!(o.units[0].parent.as_deref(), Some("广东省公安厅"));
    }

    #[test]
    fn a_unit_formed_in_a_sentence_does_the_work_that_follows() {
        let words = "，\tstop\n成立\tfounder-verb\n成立\tstop\n民警\tstop\n";
        let body = "甘州公安“5·21”跨境赌博案专案组民警归来。甘州区公安局刑侦二大队成立专案组。\
             专案组民警连续作战，成立“5·21”专案组，抓获犯罪嫌疑人9名。";
        let o = orgs_with(words, body);
        let first = o.units.iter().find(|u| u.name == "专案组").expect("专案组");
        assert!(first.parent.as_deref().is_some_and(|p| p.ends_with("刑侦二大队")), "{:?}", first.parent);
        let coded = o.units.iter().find(|u| u.name == "5·21专案组").expect("coded task force");
        assert!(coded.alt_labels.iter().any(|a| a.contains("跨境赌博案")), "{:?}", coded.alt_labels);
        assert_eq!(actor_before(&o, body, "9名").as_deref(), Some(coded.label.as_str()));
    }

    fn labels(o: &Orgs) -> Vec<String> {
        o.agencies.iter().filter(|a| !a.evidence.is_empty()).map(|a| a.label.clone()).collect()
    }

    #[test]
    fn short_and_relative_names_resolve() {
        let o =
            orgs("荆门公安开展行动", "荆门警方破获案件。全市公安机关抓获3人。市公安局部署。京山市公安局破获案件2起。");
        let l = labels(&o);
        assert!(l.contains(&"荆门市公安局".to_string()), "{l:?}");
        assert!(l.contains(&"京山市公安局".to_string()), "{l:?}");
        let js = o.agency("京山市公安局").unwrap();
        assert_eq!(js.level, AgencyLevel::County);
        assert_eq!(js.parent.as_deref(), Some("荆门市公安局"));
        assert_eq!(o.agency("荆门市公安局").unwrap().parent.as_deref(), Some("湖北省公安厅"));
        assert_eq!(o.agency("湖北省公安厅").unwrap().parent.as_deref(), Some("公安部"));
        assert!(o.agency("荆门市公安局").unwrap().alt_labels.contains(&"荆门警方".to_string()));
    }

    #[test]
    fn branches_of_a_city() {
        let o = orgs("", "浙江省温州市公安局鹿城区分局五马派出所民警巡逻。瓯海区公安分局梧田派出所查获假酒。");
        let a = o.agency("温州市公安局鹿城区分局").expect("branch");
        assert_eq!(a.parent.as_deref(), Some("温州市公安局"));
        assert_eq!(a.level, AgencyLevel::County);
        assert!(o.agency("温州市公安局瓯海区分局").is_some());
        let u = o.unit("温州市公安局瓯海区分局梧田派出所").expect("unit");
        assert_eq!(u.name, "梧田派出所");
    }

    #[test]
    fn provincial_and_municipal() {
        let o = orgs("", "北京市公安局朝阳分局破获案件。省公安厅部署。");
        assert_eq!(o.agency("北京市公安局").unwrap().level, AgencyLevel::Provincial);
        assert!(o.agency("北京市公安局朝阳区分局").is_some());
    }

    #[test]
    fn units_get_parents_in_scope() {
        let o = orgs("", "杭州市公安局刑侦支队五大队民警出击。滨江区公安分局组建专案组，专案组民警抓获2人。");
        assert!(o.unit("杭州市公安局刑侦支队").is_some());
        assert_eq!(o.unit("杭州市公安局刑侦支队五大队").unwrap().parent.as_deref(), Some("杭州市公安局刑侦支队"));
        let zab = o.units.iter().find(|u| u.name == "专案组").expect("专案组");
        assert_eq!(zab.parent.as_deref(), Some("杭州市公安局滨江区分局"));
        assert_eq!(o.units.iter().filter(|u| u.name == "专案组").count(), 1);
    }

    #[test]
    fn a_guessed_parent_gives_way_to_one_named_with_the_unit() {
        let o = orgs("", "温州市公安局召开会议。\n\n城郊 巡逻突击队来了\n\n日前，瓯海区公安分局积极探索。分局组建了一支“巡逻突击队”，开展巡逻。");
        let u: Vec<&Unit> = o.units.iter().filter(|u| u.name.contains("突击队")).collect();
        assert!(u.is_empty(), "突击队 is no unit kind");
        let o = orgs("", "温州市公安局召开会议。\n\n城郊 骑警中队来了\n\n日前，瓯海区公安分局积极探索。分局组建了一支“骑警中队”，开展巡逻。");
        let u = o.units.iter().find(|u| u.name == "骑警中队").expect("unit");
        assert_eq!(u.parent.as_deref(), Some("温州市公安局瓯海区分局"));
    }

    #[test]
    fn agencies_named_only_in_page_furniture_are_not_mentioned() {
        let o = orgs("", "今年以来，太原市公安局共破获刑事案件900起。\n相关阅读\n大同警方破获案件120起\n");
        assert!(o.agency("太原市公安局").unwrap().mentioned);
        assert!(o.agency("大同市公安局").is_none_or(|a| !a.mentioned));
    }
}
