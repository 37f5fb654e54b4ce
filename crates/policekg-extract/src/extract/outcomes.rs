//! Outcomes: every number with a classifier that a cue word makes a reported result (contract section 5):
//! its metric from the governing verb and the counted noun, its unit from the classifier (and the noun,
//! for 个/户/处/件), enumerations where one verb governs a list, percentages with direction and
//! 同比/环比, the agency or unit in scope, the campaign in scope, the period and the crime type.

use super::campaigns::Campaigns;
use super::dates::{counting_period, Period, RefDate};
use super::lexicon::{Lexicon, VERB_TAGS};
use super::numbers::{approx_suffix, is_cn_numeral, is_digit, numeral_starts, parse_number};
use super::orgs::Orgs;
use super::text::{at, ends_at, Text};
use crate::{Comparison, Direction, Outcome, ValueUnit};

/// Clause stops for outcome context (the list comma 、 is not one: it joins the items of an enumeration).
const STOPS: &[char] = &['。', '！', '？', '!', '?', '\n', '，', ',', '；', ';', '：', ':', '…', '（', '(', '）', ')'];
/// Two equal figures closer than this in one sentence are two items of a list, not one fact told twice.
const LIST_SPAN: usize = 30;
/// How many clauses back, each with a figure of its own, a list may run from its verb.
const MAX_LIST_HOPS: usize = 8;
/// Stops that end the reach of a governing verb.
const HARD_STOPS: &[char] = &['。', '！', '？', '!', '?', '\n', '；', ';'];

#[derive(Debug, Clone)]
struct Quantity {
    start: usize,
    end: usize,
    value: super::numbers::Dec,
    approximate: bool,
    unit: Option<ValueUnit>,
    unit_text: String,
}

#[derive(Debug, Clone, Copy)]
pub struct Cue {
    pub pos: usize,
    pub len: usize,
    pub tag: &'static str,
}

fn is_verb(t: &str) -> bool {
    VERB_TAGS.contains(&t)
}

pub fn cues_in(lex: &Lexicon, chars: &[char], s: usize, e: usize) -> Vec<Cue> {
    let mut out = Vec::new();
    let mut p = s;
    while p < e {
        if let Some((len, tag)) = lex.cue_at(chars, p) {
            if p + len <= e {
                out.push(Cue { pos: p, len, tag });
                p += len;
                continue;
            }
        }
        p += 1;
    }
    out
}

fn scan_quantities(lex: &Lexicon, chars: &[char]) -> Vec<Quantity> {
    let mut out = Vec::new();
    let n = chars.len();
    let mut i = 0;
    while i < n {
        let c = chars[i];
        let prefix_char = matches!(c, '近' | '约' | '超' | '逾');
        if !(numeral_starts(chars, i) || prefix_char) {
            i += 1;
            continue;
        }
        if i > 0 && (is_digit(chars[i - 1]) || matches!(chars[i - 1], '.' | '·' | '-' | '第' | '．' | '/')) {
            i += 1;
            continue;
        }
        let Some(num) = parse_number(chars, i) else {
            i += 1;
            continue;
        };
        if num.chinese && num.digits_start > 0 && is_cn_numeral(chars[num.digits_start - 1]) {
            i = num.end.max(i + 1);
            continue;
        }
        if num.end < n && matches!(chars[num.end], '·' | '-') {
            i = num.end;
            continue;
        }
        let mut j = num.end;
        while j < n && chars[j] == ' ' {
            j += 1;
        }
        let shared = if lex.classifier_at(chars, j).is_none() { list_classifier(lex, chars, j) } else { None };
        let Some((clen, cl, ctext)) = lex.classifier_at(chars, j).or(shared.clone()) else {
            i = num.end.max(i + 1);
            continue;
        };
        let mut end = if shared.is_some() { num.end } else { j + clen };
        let mut approximate = num.approximate;
        if let Some(e) = approx_suffix(chars, end) {
            // 余/多 right after a classifier only counts when no noun is glued to it (100人以上, 50起左右).
            if !(matches!(chars[end], '余' | '多') && ctext != "%") || at(chars, end, "以上") || at(chars, end, "左右")
            {
                approximate = true;
                end = e;
            }
        }
        let value = num.value.mul_int(cl.factor);
        out.push(Quantity { start: i, end, value, approximate, unit: cl.unit, unit_text: ctext });
        i = end;
    }
    out
}

/// The classifier of the next number of a list when this one has none (分别上升8.22、28.26个百分点: both are
/// percentage points).
fn list_classifier(lex: &Lexicon, chars: &[char], pos: usize) -> Option<(usize, super::lexicon::Classifier, String)> {
    if chars.get(pos) != Some(&'、') {
        return None;
    }
    let mut k = pos + 1;
    while k < chars.len() && chars[k] == ' ' {
        k += 1;
    }
    let next = parse_number(chars, k).filter(|n| !n.chinese)?;
    let mut j = next.end;
    while j < chars.len() && chars[j] == ' ' {
        j += 1;
    }
    lex.classifier_at(chars, j).or_else(|| list_classifier(lex, chars, j))
}

fn clause_start(chars: &[char], pos: usize) -> usize {
    let mut s = pos;
    while s > 0 && !STOPS.contains(&chars[s - 1]) {
        s -= 1;
    }
    s
}

fn clause_end(chars: &[char], pos: usize) -> usize {
    let mut e = pos;
    while e < chars.len() && !STOPS.contains(&chars[e]) {
        e += 1;
    }
    e
}

/// Decides the unit of a classifier that leaves it to the noun (个, 户, 处, 件).
fn noun_unit(unit_text: &str, nouns: &[&str]) -> ValueUnit {
    // The head noun is the last one of the phrase (电信网络诈骗窝点: 窝点).
    let head = nouns.iter().rev().find(|t| {
        matches!(**t, "account" | "gang" | "family" | "den" | "person" | "fugitive" | "case" | "hazard" | "dispute")
    });
    let single = head.map(|h| vec![*h]).unwrap_or_default();
    let nouns: &[&str] = &single;
    let has = |t: &str| nouns.contains(&t);
    if has("account") {
        return ValueUnit::Account;
    }
    if has("gang") || has("family") {
        return ValueUnit::Group;
    }
    if has("den") {
        return ValueUnit::Den;
    }
    if unit_text == "个" && (has("person") || has("fugitive")) {
        return ValueUnit::Person;
    }
    if unit_text == "件" && has("case") {
        return ValueUnit::Case;
    }
    if unit_text == "户" {
        return ValueUnit::Group;
    }
    ValueUnit::Item
}

/// The metric, from the unit, the governing verb and the nouns.
fn decide(unit: ValueUnit, verb: Option<&str>, verbs: &[&str], nouns: &[&str]) -> Option<&'static str> {
    let has_n = |t: &str| nouns.contains(&t);
    let has_v = |t: &str| verbs.contains(&t);
    let v = match verb.unwrap_or("") {
        "impound" if unit == ValueUnit::Cny => "freeze",
        "impound" => "seize",
        v => v,
    };
    Some(match unit {
        ValueUnit::Cny => match v {
            "intercept" => "funds_intercepted",
            "stop" => "funds_stopped",
            "freeze" => "funds_frozen",
            "recover" => "funds_recovered",
            "involve" => "funds_involved",
            "seize" => "items_seized",
            _ => return None,
        },
        ValueUnit::Account => match v {
            "stop" | "freeze" | "control" => "accounts_controlled",
            "seize" => "items_seized",
            _ => return None,
        },
        ValueUnit::PersonTime => {
            if has_v("dissuade") {
                "persons_dissuaded"
            } else if v == "warn" {
                "warnings_issued"
            } else if matches!(v, "punish" | "investigate") {
                "suspects_punished"
            } else {
                return None;
            }
        }
        ValueUnit::Person => match v {
            // 查获吸毒人员 (convention): drug users found are punished.
            "arrest" | "seize" | "investigate" if has_n("addict") => "suspects_punished",
            // 侦破案件315起290人: the persons of the cases solved are arrested.
            "arrest" | "seize" | "solve" => {
                if has_n("fugitive") {
                    "fugitives_caught"
                } else {
                    "suspects_arrested"
                }
            }
            "pursue" => "fugitives_caught",
            "detain" => "suspects_detained",
            "punish" | "investigate" => "suspects_punished",
            "rescue" => "victims_rescued",
            // 劝返境外逃犯: a fugitive persuaded to come back is caught.
            "dissuade" if has_n("fugitive") => "fugitives_caught",
            "dissuade" => "persons_dissuaded",
            _ => return None,
        },
        ValueUnit::Case => {
            if has_n("dispute") && (v == "resolve" || v.is_empty() || v == "solve") {
                "disputes_resolved"
            } else if has_n("hazard") {
                "hazards_rectified"
            } else if has_n("traffic") {
                "other"
            } else {
                match v {
                    "solve" | "investigate" => "cases_solved",
                    "punish" => "other",
                    "report" => "incidents_reported",
                    "resolve" => "disputes_resolved",
                    "rectify" => "hazards_rectified",
                    "prevent" => "other",
                    _ => return None,
                }
            }
        }
        ValueUnit::Group => {
            if has_n("family") || v == "rescue" {
                "victims_rescued"
            } else {
                match v {
                    "dismantle" | "arrest" | "solve" | "seize" | "punish" => "gangs_dismantled",
                    _ => return None,
                }
            }
        }
        ValueUnit::Den => match v {
            "dismantle" | "seize" | "solve" => "dens_destroyed",
            _ => return None,
        },
        ValueUnit::Item => {
            if has_n("hazard") {
                "hazards_rectified"
            } else if has_v("warn") && matches!(v, "warn" | "intercept") {
                "warnings_issued"
            } else {
                match v {
                    "seize" | "recover" => "items_seized",
                    "rectify" => "hazards_rectified",
                    "warn" => "warnings_issued",
                    _ => return None,
                }
            }
        }
        ValueUnit::Gram => match v {
            "seize" | "recover" => "items_seized",
            _ => return None,
        },
        // Goods measured (电缆万余米) are seized goods; other measures (场, 次) are no result.
        ValueUnit::Other => match v {
            "seize" | "recover" => "items_seized",
            _ => return None,
        },
        ValueUnit::Percent => return None,
    })
}

/// Per quantity: the metric chosen and where its governing verb sat (for enumerations).
struct Found {
    q: Quantity,
    metric: &'static str,
    unit: ValueUnit,
    direction: Option<Direction>,
    comparison: Option<Comparison>,
    nouns_text: String,
    /// A figure after 各 states one fact per item of the list before it (盗窃、诈骗嫌疑人各2名): their
    /// metrics. Empty for a figure that states one fact.
    each: Vec<&'static str>,
}

/// The items of a 、-list in `[from, to)` that a 各 distributes a figure over.
fn each_items(chars: &[char], from: usize, to: usize) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut s = from;
    for (p, &c) in chars.iter().enumerate().take(to).skip(from) {
        if c == '、' {
            out.push((s, p));
            s = p + 1;
        }
    }
    out.push((s, to));
    out
}

/// How many sentences back in its paragraph a sentence looks for the period it counts over.
const PERIOD_REACH: usize = 8;

/// The period the figures of sentence `si` count over: the one written at its head, else the one of the
/// nearest earlier sentence of its paragraph that writes one (今年以来，全市…。其中，…).
/// `heads` caches the period written at the head of each sentence.
fn sentence_period(
    text: &Text,
    si: usize,
    r: Option<&RefDate>,
    heads: &mut [Option<Option<Period>>],
) -> Option<Period> {
    let paragraph = text.paragraph_of.get(si);
    (si.saturating_sub(PERIOD_REACH)..=si).rev().take_while(|&k| text.paragraph_of.get(k) == paragraph).find_map(|k| {
        heads[k]
            .get_or_insert_with(|| {
                let (s, e) = text.sentences[k];
                counting_period(&text.chars[s..e.min(s + 30)], r)
            })
            .clone()
    })
}

/// The document annotated once for the outcome rules: its quantities and its cue words (longest match,
/// left to right), each in text order. The rules read these layers instead of scanning the text again.
pub struct Layers {
    quants: Vec<Quantity>,
    cues: Vec<Cue>,
}

impl Layers {
    pub fn new(lex: &Lexicon, chars: &[char]) -> Layers {
        Layers { quants: scan_quantities(lex, chars), cues: cues_in(lex, chars, 0, chars.len()) }
    }

    /// The cue words wholly inside `[s, e)` (cue words do not overlap, so both their starts and their ends
    /// are in order).
    fn cues(&self, s: usize, e: usize) -> &[Cue] {
        let lo = self.cues.partition_point(|c| c.pos < s);
        let hi = self.cues.partition_point(|c| c.pos + c.len <= e).max(lo);
        &self.cues[lo..hi]
    }
}

/// What the figure rules read.
struct Ctx<'a> {
    lex: &'a Lexicon,
    text: &'a Text<'a>,
    layers: &'a Layers,
    orgs: &'a Orgs,
    /// Where another body (法院, 海关) is named, found once: scanning each quantity's sentence again would be
    /// quadratic on a long sentence.
    nonpolice: Vec<usize>,
}

/// What one figure leaves for the next ones of its list.
#[derive(Default)]
struct ListState {
    /// Ends of the quantities that made an outcome.
    ok_ends: Vec<usize>,
    /// Sentence and verb of the last outcome.
    last_verb: Option<(usize, Cue)>,
    /// End, direction and comparison of the last change in percent (分别下降38.2%、25%).
    last_pct: Option<(usize, Direction, Option<Comparison>)>,
}

/// A quantity in its clause, with the stretches the rules read around it.
struct Around<'a> {
    q: &'a Quantity,
    /// The clause: `[cs, ce)`.
    cs: usize,
    ce: usize,
    /// The stretch of the clause since the previous quantity starts here (its nouns belong to this one).
    prev_end: usize,
    /// After it: up to the next item of a list (the 、 before the next quantity of the clause).
    post_end: usize,
    /// Cue words from the clause start to the quantity, and after it to `post_end`.
    pre: &'a [Cue],
    post: &'a [Cue],
    /// Where the next quantity of the clause starts, if any.
    next_in_clause: Option<usize>,
}

fn around<'a>(ctx: &Ctx<'a>, qi: usize) -> Around<'a> {
    let (chars, quants) = (&ctx.text.chars, &ctx.layers.quants);
    let q = &quants[qi];
    let cs = clause_start(chars, q.start);
    let ce = clause_end(chars, q.end);
    let prev_end = if qi > 0 && quants[qi - 1].end > cs { quants[qi - 1].end } else { cs };
    let next_in_clause = quants.get(qi + 1).filter(|n| n.start < ce).map(|n| n.start);
    let mut post_end = ce.min(q.end + 24);
    if let Some(next) = next_in_clause {
        post_end = post_end.min((q.end..next).rev().find(|&p| chars[p] == '、').unwrap_or(next));
    }
    let pre = ctx.layers.cues(cs, q.start);
    let post = ctx.layers.cues(q.end, post_end);
    Around { q, cs, ce, prev_end, post_end, pre, post, next_in_clause }
}

/// Not a result: headcounts of police, traffic, population, durations, a zero, the whole of which a later
/// figure is a part, the figures of another body.
fn not_a_result(ctx: &Ctx, a: &Around) -> bool {
    let q = a.q;
    let percent = q.unit == Some(ValueUnit::Percent);
    let skip = |c: &Cue| c.tag == "skip" || (c.tag == "accident" && !percent);
    let since_prev = || a.pre.iter().filter(|c| c.pos >= a.prev_end);
    a.post.iter().filter(|c| c.pos < q.end + 6).any(|c| c.tag == "police" || skip(c))
        || (q.unit_text == "个" && a.post.first().is_some_and(|c| c.pos == q.end && c.tag == "time"))
        || since_prev().any(|c| c.pos + c.len + 1 >= q.start && c.tag == "police")
        || since_prev().any(skip)
        || q.value.is_zero()
        // The whole of which a later figure is a part (1188名逃犯中已到案1093名, 50名嫌疑人已有22人到案).
        || a.next_in_clause.is_some_and(|n| ctx.layers.cues(q.end, n).iter().any(|c| c.tag == "subset"))
        || another_bodys(ctx, q.start)
}

/// Figures of another body (法院, 海关) in a sentence that no police organ leads are not ours.
fn another_bodys(ctx: &Ctx, pos: usize) -> bool {
    let text = ctx.text;
    let (ss, _) = text.sentences.get(text.sentence_of(pos)).copied().unwrap_or((0, 0));
    let first = ctx.nonpolice.partition_point(|&p| p < ss);
    ctx.nonpolice
        .get(first)
        .filter(|&&p| p < pos)
        .is_some_and(|&other| !ctx.orgs.mentions.iter().any(|m| m.start >= ss && m.start < other))
}

fn percent_found(
    a: &Around,
    chars: &[char],
    metric: &'static str,
    direction: Option<Direction>,
    comparison: Option<Comparison>,
) -> Found {
    let nouns_text = chars[a.cs..a.q.start].iter().collect();
    Found { q: a.q.clone(), metric, unit: ValueUnit::Percent, direction, comparison, nouns_text, each: vec![] }
}

/// A percentage: a change (with its direction and comparison, or in percentage points) or a rate.
fn read_percent(ctx: &Ctx, a: &Around, state: &mut ListState) -> Option<Found> {
    let chars = &ctx.text.chars;
    let (mut dir, mut cmp, mut share) = (None, None, false);
    for c in a.pre.iter().filter(|c| c.pos >= a.prev_end || a.prev_end == a.cs) {
        match c.tag {
            "rise" => dir = Some(Direction::Increase),
            "fall" => dir = Some(Direction::Decrease),
            "yoy" => cmp = Some(Comparison::YearOverYear),
            "pop" => cmp = Some(Comparison::PeriodOverPeriod),
            "share" => share = true,
            _ => {}
        }
    }
    if dir.is_none() && !share {
        // 分别下降38.2%、25%、23.5%: the list goes on.
        if let Some((e, d, c)) = state.last_pct {
            let between: String = chars[e..a.q.start].iter().collect();
            if between.trim().is_empty() || between == "、" || between == "和" {
                (dir, cmp) = (Some(d), c);
            }
        }
    }
    // Percentage points are a change, whether or not the text says which way.
    if dir.is_none() && a.q.unit_text == "个百分点" {
        return Some(percent_found(a, chars, "rate_change", None, cmp));
    }
    if let Some(d) = dir {
        state.last_pct = Some((a.q.end, d, cmp));
        return Some(percent_found(a, chars, "rate_change", Some(d), cmp));
    }
    share.then(|| percent_found(a, chars, "rate", None, None))
}

/// The verb that governs a count, the verbs around it, and where its nouns start.
struct Governing {
    verb: Cue,
    verbs: Vec<&'static str>,
    noun_from: usize,
}

/// The governing verb: the nearest before it in the clause; else right after it (将5人抓获); else the verb
/// of the enumeration it continues, in this sentence or (其中) the one before.
fn governing_verb(ctx: &Ctx, a: &Around, state: &ListState) -> Option<Governing> {
    let verb_before = a.pre.iter().rev().find(|c| is_verb(c.tag)).copied();
    let verbs: Vec<&'static str> = a.pre.iter().filter(|c| is_verb(c.tag)).map(|c| c.tag).collect();
    if let Some(v) = verb_before {
        return Some(Governing { verb: v, verbs, noun_from: (v.pos + v.len).max(a.prev_end) });
    }
    // A verb after it governs it only when no other figure of the clause comes after that verb
    // (将5人抓获; not 1188名逃犯中已到案1093名).
    if a.next_in_clause.is_none_or(|n| a.post_end < n) {
        if let Some(v) = a.post.iter().find(|c| is_verb(c.tag)) {
            return Some(Governing { verb: *v, verbs: vec![v.tag], noun_from: a.prev_end });
        }
    }
    list_verb(ctx, a, state).or_else(|| next_sentence_verb(ctx, a, state)).or_else(|| {
        // A hazard or a dispute counted needs no verb: 发现的1.48万处隐患.
        let noun = a
            .pre
            .iter()
            .filter(|c| c.pos >= a.prev_end)
            .chain(a.post.iter())
            .find(|c| matches!(c.tag, "hazard" | "dispute"))?;
        let tag = if noun.tag == "hazard" { "rectify" } else { "resolve" };
        Some(Governing { verb: Cue { pos: noun.pos, len: 0, tag }, verbs: vec![], noun_from: a.prev_end })
    })
}

/// Continue an enumeration: earlier clauses of the same stretch, each with a figure, back to a verb.
fn list_verb(ctx: &Ctx, a: &Around, state: &ListState) -> Option<Governing> {
    let chars = &ctx.text.chars;
    let mut k = a.cs;
    let mut hops = 0;
    while k > 0 && !HARD_STOPS.contains(&chars[k - 1]) && hops < MAX_LIST_HOPS {
        let pcs = clause_start(chars, k - 1);
        let chained = state.ok_ends.iter().any(|&e| e > pcs && e < k) || matches!(chars[k - 1], '：' | ':');
        if !chained {
            return None;
        }
        let cues = ctx.layers.cues(pcs, k - 1);
        if let Some(v) = cues.iter().rev().find(|c| is_verb(c.tag)) {
            let verbs = cues.iter().filter(|c| is_verb(c.tag)).map(|c| c.tag).collect();
            return Some(Governing { verb: *v, verbs, noun_from: a.cs });
        }
        k = pcs;
        hops += 1;
    }
    None
}

/// 全市共破获刑事案件300起。其中，盗窃案件120起…: the list goes on in the next sentence.
fn next_sentence_verb(ctx: &Ctx, a: &Around, state: &ListState) -> Option<Governing> {
    let text = ctx.text;
    let si = text.sentence_of(a.q.start);
    let (ss, _) = text.sentences.get(si).copied().unwrap_or((0, 0));
    if !(ss..(ss + 3).min(a.q.start)).any(|p| at(&text.chars, p, "其中")) {
        return None;
    }
    let (lsi, lv) = state.last_verb?;
    (lsi + 1 == si || lsi == si).then(|| Governing { verb: lv, verbs: vec![lv.tag], noun_from: ss })
}

/// A count: its governing verb and counted nouns decide its metric (and the unit 个/件 leave to the noun).
/// Returns the figure and the verb that governs it (as the money rule reads it).
fn read_count(ctx: &Ctx, a: &Around, state: &ListState) -> Option<(Found, Cue)> {
    let (chars, q) = (&ctx.text.chars, a.q);
    let verb_before = a.pre.iter().rev().find(|c| is_verb(c.tag)).copied();
    // 破获案件120起，同比增加15起: the second number is a change, not a count.
    let change_from = a.prev_end.max(verb_before.map_or(0, |v| v.pos));
    if a.pre.iter().any(|c| matches!(c.tag, "rise" | "fall") && c.pos >= change_from) {
        return None;
    }
    let Governing { verb: v, verbs, noun_from } = governing_verb(ctx, a, state)?;
    // A measure (米, 场, 次) counts only under a verb of its own clause, never as an item of a list.
    if q.unit == Some(ValueUnit::Other) && verb_before.is_none() {
        return None;
    }
    let vtag = money_verb(a, q, v.tag);
    let nouns = counted_nouns(a, noun_from, v, vtag);
    let unit = match q.unit {
        Some(u) => u,
        None => noun_unit(&q.unit_text, &nouns),
    };
    let unit =
        if q.unit_text == "件" && q.unit.is_none() && unit == ValueUnit::Item && matches!(vtag, "solve" | "report") {
            ValueUnit::Case
        } else {
            unit
        };
    let metric = decide(unit, Some(vtag), &verbs, &nouns)?;
    let mut nouns_text: String = chars[noun_from.min(q.start)..q.start].iter().collect();
    nouns_text.extend(chars[q.end..a.post_end.max(q.end)].iter());
    if ctx.lex.crime_type(&nouns_text).is_none() {
        nouns_text = chars[a.cs..a.ce].iter().collect();
    }
    let each = each_metrics(ctx, a, noun_from, unit, vtag, &verbs, metric);
    let found = Found { q: q.clone(), metric, unit, direction: None, comparison: None, nouns_text, each };
    Some((found, Cue { tag: vtag, ..v }))
}

/// Money: a strong verb of this clause beats an 'involve' noun, and an 'involve' noun of this clause beats a
/// verb of an earlier one.
fn money_verb(a: &Around, q: &Quantity, vtag: &'static str) -> &'static str {
    if q.unit != Some(ValueUnit::Cny) {
        return vtag;
    }
    let money = ["intercept", "stop", "freeze", "recover", "seize", "impound"];
    if let Some(c) = a.pre.iter().rev().find(|c| money.contains(&c.tag)) {
        c.tag
    } else if a.pre.iter().any(|c| c.tag == "involve") {
        "involve"
    } else {
        vtag
    }
}

/// The nouns counted: between the verb and the figure; after the classifier (抓获2名犯罪嫌疑人, 4个涉黑组织);
/// before the verb for those that end in the person caught (逃犯已到案1093名).
fn counted_nouns(a: &Around, noun_from: usize, v: Cue, vtag: &str) -> Vec<&'static str> {
    let q = a.q;
    let mut nouns: Vec<&'static str> =
        a.pre.iter().filter(|c| c.pos >= noun_from && c.pos < q.start && !is_verb(c.tag)).map(|c| c.tag).collect();
    if nouns.is_empty() || q.start.saturating_sub(noun_from) <= 2 {
        nouns.extend(a.post.iter().filter(|c| !is_verb(c.tag)).map(|c| c.tag));
    }
    if nouns.is_empty() && vtag == "arrest" {
        nouns.extend(a.pre.iter().filter(|c| c.pos >= a.prev_end && c.pos < v.pos && !is_verb(c.tag)).map(|c| c.tag));
    }
    nouns
}

/// 强迫交易、在逃人员各一名: each item is a fact, its metric read with its own nouns. Empty unless 各.
fn each_metrics(
    ctx: &Ctx,
    a: &Around,
    noun_from: usize,
    unit: ValueUnit,
    vtag: &'static str,
    verbs: &[&'static str],
    metric: &'static str,
) -> Vec<&'static str> {
    let (chars, q) = (&ctx.text.chars, a.q);
    if !ends_at(chars, q.start, "各") {
        return vec![];
    }
    let post_nouns: Vec<&'static str> = a.post.iter().filter(|c| !is_verb(c.tag)).map(|c| c.tag).collect();
    each_items(chars, noun_from.min(q.start), q.start - 1)
        .into_iter()
        .map(|(s, e)| {
            let mut nouns: Vec<&'static str> =
                ctx.layers.cues(s, e).iter().filter(|c| !is_verb(c.tag)).map(|c| c.tag).collect();
            nouns.extend(&post_nouns);
            decide(unit, Some(vtag), verbs, &nouns).unwrap_or(metric)
        })
        .collect()
}

/// Every figure the rules read as a result, in text order.
fn read_figures(ctx: &Ctx) -> Vec<Found> {
    let mut state = ListState::default();
    let mut found = Vec::new();
    for qi in 0..ctx.layers.quants.len() {
        let a = around(ctx, qi);
        if not_a_result(ctx, &a) {
            continue;
        }
        let f = if a.q.unit == Some(ValueUnit::Percent) {
            read_percent(ctx, &a, &mut state)
        } else {
            read_count(ctx, &a, &state).map(|(f, verb)| {
                // The verb of a count, for a list that goes on in the next sentence (其中).
                if verb.len > 0 {
                    state.last_verb = Some((ctx.text.sentence_of(a.q.start), verb));
                }
                f
            })
        };
        let Some(f) = f else { continue };
        state.ok_ends.push(a.q.end);
        found.push(f);
    }
    found
}

/// A headline repeats the article's figures (破获刑案147起，刑事打处160人！): a figure of a heading line that
/// the body gives again is the body's. After the article's last full sentence come link lists and page
/// furniture (相关阅读: other articles' titles): figures in heading lines there are not this article's.
fn drop_repeated_headlines(text: &Text, found: Vec<Found>) -> Vec<Found> {
    let chars = &text.chars;
    let heading = |pos: usize| {
        let (s, e) = text.sentences.get(text.sentence_of(pos)).copied().unwrap_or((0, 0));
        let last = chars[s..e].iter().rev().find(|c| !c.is_whitespace()).copied();
        e - s < 40 && !matches!(last, Some('。'))
    };
    let tail_start = text.tail_start();
    let found: Vec<Found> = found.into_iter().filter(|f| !(f.q.start >= tail_start && heading(f.q.start))).collect();
    let keys: Vec<(String, ValueUnit, bool)> =
        found.iter().map(|f| (f.q.value.lexical(), f.unit, heading(f.q.start))).collect();
    let repeated = |i: usize| {
        keys[i].2 && keys.iter().enumerate().any(|(j, k)| j != i && !k.2 && k.0 == keys[i].0 && k.1 == keys[i].1)
    };
    found.into_iter().enumerate().filter(|(i, _)| !repeated(*i)).map(|(_, f)| f).collect()
}

pub fn find_outcomes(
    lex: &Lexicon,
    text: &Text,
    orgs: &Orgs,
    camps: &Campaigns,
    r: Option<&RefDate>,
) -> Vec<(Outcome, bool, usize)> {
    let layers = Layers::new(lex, &text.chars);
    let nonpolice = layers.cues.iter().filter(|c| c.tag == "nonpolice").map(|c| c.pos).collect();
    let ctx = Ctx { lex, text, layers: &layers, orgs, nonpolice };
    let found = drop_repeated_headlines(text, read_figures(&ctx));
    link(&ctx, camps, r, found)
}

/// The linking stage: each figure read becomes a fact with its agency (the actor in scope), its campaign,
/// its period and its crime type; a fact told twice is kept once.
fn link(ctx: &Ctx, camps: &Campaigns, r: Option<&RefDate>, found: Vec<Found>) -> Vec<(Outcome, bool, usize)> {
    let (text, orgs, chars) = (ctx.text, ctx.orgs, &ctx.text.chars);
    let mut out: Vec<(Outcome, bool, usize)> = Vec::new();
    let mut starts: Vec<usize> = Vec::new(); // where the figure of each `out` entry starts
    let mut period_heads: Vec<Option<Option<Period>>> = vec![None; text.sentences.len()];
    for f in found {
        let q = &f.q;
        let si = text.sentence_of(q.start);
        let (ss, se) = text.sentences.get(si).copied().unwrap_or((0, chars.len()));
        let explicit_campaign = camps.mentions.iter().any(|m| !m.weak && m.start >= ss && m.start < se);
        let period = sentence_period(text, si, r, &mut period_heads);
        let outcome = Outcome {
            metric: f.metric.to_string(),
            value: q.value.lexical(),
            unit: f.unit,
            unit_text: q.unit_text.clone(),
            approximate: q.approximate,
            attributed_to: orgs.actor_at(text, q.start),
            campaign: camps.in_scope(text, q.start),
            operation: None,
            crime_type: ctx.lex.crime_type(&f.nouns_text),
            period_start: period.as_ref().map(|p| p.0.clone()),
            period_end: period.and_then(|p| p.1),
            direction: f.direction,
            comparison: f.comparison,
            evidence: text.evidence(clause_start(chars, q.start), clause_end(chars, q.end)),
        };
        if let Some(k) = same_fact(orgs, &out, &starts, &outcome, si, q.start) {
            let (prev, prev_explicit, _) = &mut out[k];
            if explicit_campaign && !*prev_explicit {
                prev.campaign = outcome.campaign.clone();
                *prev_explicit = true;
            }
            continue;
        }
        for &metric in f.each.iter().skip(1) {
            out.push((Outcome { metric: metric.to_string(), ..outcome.clone() }, explicit_campaign, si));
            starts.push(q.start);
        }
        let outcome = match f.each.first() {
            Some(m) => Outcome { metric: m.to_string(), ..outcome },
            None => outcome,
        };
        out.push((outcome, explicit_campaign, si));
        starts.push(q.start);
    }
    out
}

/// Each fact once per document: the same metric, value, unit and agency is the same fact; except in a list,
/// where two items may state the same figure (醉驾1起，无证1起).
fn same_fact(
    orgs: &Orgs,
    out: &[(Outcome, bool, usize)],
    starts: &[usize],
    o: &Outcome,
    si: usize,
    start: usize,
) -> Option<usize> {
    let agency = o.attributed_to.as_ref().and_then(|l| orgs.agency_of(l));
    out.iter().zip(starts).position(|((p, _, psi), &pstart)| {
        !(*psi == si && start.abs_diff(pstart) < LIST_SPAN)
            && p.metric == o.metric
            && p.value == o.value
            && p.unit == o.unit
            && p.attributed_to.as_ref().and_then(|l| orgs.agency_of(l)) == agency
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::annotated::annotate;

    fn run(body: &str) -> Vec<Outcome> {
        let a = annotate("", body);
        let r = super::super::dates::parse_iso("2022-03-02");
        find_outcomes(&a.lex, &a.text, &a.orgs, &a.campaigns, r.as_ref()).into_iter().map(|x| x.0).collect()
    }

    fn brief(v: &[Outcome]) -> Vec<(String, String, &'static str, bool)> {
        v.iter().map(|o| (o.metric.clone(), o.value.clone(), o.unit.code(), o.approximate)).collect()
    }

    fn t(m: &str, v: &str, u: &'static str, a: bool) -> (String, String, &'static str, bool) {
        (m.into(), v.into(), u, a)
    }

    #[test]
    fn enumeration_under_one_verb() {
        let o = run("1至2月，杭州市公安局共侦破各类刑事案件300起，其中侦破盗窃案件120起、诈骗案件45起，刑事拘留犯罪嫌疑人88名，抓获涉“两卡”人员60名、网上逃犯12名。");
        assert_eq!(
            brief(&o),
            vec![
                t("cases_solved", "300", "case", false),
                t("cases_solved", "120", "case", false),
                t("cases_solved", "45", "case", false),
                t("suspects_detained", "88", "person", false),
                t("suspects_arrested", "60", "person", false),
                t("fugitives_caught", "12", "person", false),
            ]
        );
        assert_eq!(o[0].period_start.as_deref(), Some("2022-01-01"));
        assert_eq!(o[0].period_end.as_deref(), Some("2022-02-28"));
        assert_eq!(o[0].attributed_to.as_deref(), Some("杭州市公安局"));
        assert_eq!(o[1].crime_type.as_deref(), Some("盗窃"));
    }

    #[test]
    fn money_accounts_and_rates() {
        let o = run("今年以来，广州警方止付涉案账户1200个，止付涉诈资金1.5亿元，冻结资金3000余万元，拦截金额86.5万元，为群众挽回损失约400万元，劝阻潜在受害人2.3万人次，发出预警指令9800条，电诈发案同比下降31.5%，破案率环比上升4个百分点。");
        assert_eq!(
            brief(&o),
            vec![
                t("accounts_controlled", "1200", "account", false),
                t("funds_stopped", "150000000", "CNY", false),
                t("funds_frozen", "30000000", "CNY", true),
                t("funds_intercepted", "865000", "CNY", false),
                t("funds_recovered", "4000000", "CNY", true),
                t("persons_dissuaded", "23000", "person-time", false),
                t("warnings_issued", "9800", "item", false),
                t("rate_change", "31.5", "percent", false),
                t("rate_change", "4", "percent", false),
            ]
        );
        assert_eq!(o[7].direction, Some(Direction::Decrease));
        assert_eq!(o[7].comparison, Some(Comparison::YearOverYear));
        assert_eq!(o[8].comparison, Some(Comparison::PeriodOverPeriod));
    }

    #[test]
    fn number_before_noun_and_verb_after() {
        let o =
            run("成都市公安局民警于次日将3名犯罪嫌疑人抓获，捣毁窝点2个，对15名涉案人员依法处罚，帮助6个家庭团圆。");
        assert_eq!(
            brief(&o),
            vec![
                t("suspects_arrested", "3", "person", false),
                t("dens_destroyed", "2", "den", false),
                t("suspects_punished", "15", "person", false),
                t("victims_rescued", "6", "group", false),
            ]
        );
    }

    #[test]
    fn not_outcomes() {
        let o = run("全市出动警力3000人次，12万名民辅警参加安保，召开会议5次，辖区人口超过5万，面积30平方公里，嫌疑人男，45岁，2月3日案发，历时3个月，道路通行车辆同比上升12%。");
        assert!(o.is_empty(), "{:?}", brief(&o));
    }

    #[test]
    fn lists_each_and_shared_classifiers() {
        let o = run("今年以来，杭州市公安局共抓获盗窃、诈骗嫌疑人各3名，打掉涉赌、涉黄团伙各一个，缴获作案手机36部、银行卡两万余张，刑事案件、治安案件破案率同比分别上升 4.5、12.25 个百分点。");
        assert_eq!(
            brief(&o),
            vec![
                t("suspects_arrested", "3", "person", false),
                t("suspects_arrested", "3", "person", false),
                t("gangs_dismantled", "1", "group", false),
                t("gangs_dismantled", "1", "group", false),
                t("items_seized", "36", "item", false),
                t("items_seized", "20000", "item", true),
                t("rate_change", "4.5", "percent", false),
                t("rate_change", "12.25", "percent", false),
            ]
        );
    }

    #[test]
    fn conventions_of_the_metric_table() {
        let o = run("杭州市公安局查封、冻结、扣押涉案资产2.3亿元，为群众挽回损失 560 余万元，劝返境外逃犯4名，预警阻断受骗群众1200人次，查处吸毒人员300人次，受理各类案件88起，破案率提升6.5个百分点，较大事故下降12%。");
        assert_eq!(
            brief(&o),
            vec![
                t("funds_frozen", "230000000", "CNY", false),
                t("funds_recovered", "5600000", "CNY", true),
                t("fugitives_caught", "4", "person", false),
                t("persons_dissuaded", "1200", "person-time", false),
                t("suspects_punished", "300", "person-time", false),
                t("incidents_reported", "88", "case", false),
                t("rate_change", "6.5", "percent", false),
                t("rate_change", "12", "percent", false),
            ]
        );
    }

    #[test]
    fn cases_and_persons_drug_users_and_measured_goods() {
        let o = run("杭州市公安局侦破电诈案件315起290人，查获吸毒人员45名，查扣被盗电缆万余米，召开推进会3场。");
        assert_eq!(
            brief(&o),
            vec![
                t("cases_solved", "315", "case", false),
                t("suspects_arrested", "290", "person", false),
                t("suspects_punished", "45", "person", false),
                t("items_seized", "10000", "other", true),
            ]
        );
    }

    #[test]
    fn an_arrest_and_a_request_for_one() {
        let o = run("杭州市公安局依法逮捕犯罪嫌疑人12人，提请批准逮捕8人。");
        assert_eq!(
            brief(&o),
            vec![t("suspects_arrested", "12", "person", false), t("suspects_detained", "8", "person", false)]
        );
    }

    #[test]
    fn traffic_enforcement_counts_are_other() {
        let o = run("专项整治期间，杭州市公安局交警支队查纠交通违法行为3.2万起，其中酒驾12起、醉驾 3起，无证驾驶3起，吊销驾驶证9起，发生交通事故5起。");
        assert_eq!(
            brief(&o),
            vec![
                t("other", "32000", "case", false),
                t("other", "12", "case", false),
                t("other", "3", "case", false),
                t("other", "3", "case", false),
                t("other", "9", "case", false),
            ]
        );
    }

    #[test]
    fn a_whole_and_its_part() {
        let o = run("杭州市公安局悬赏通缉的40名逃犯中已有31人到案，另有120名目标逃犯中已到案98名。");
        assert_eq!(
            brief(&o),
            vec![t("fugitives_caught", "31", "person", false), t("fugitives_caught", "98", "person", false)]
        );
    }

    #[test]
    fn the_period_of_a_paragraph_carries_to_its_later_sentences() {
        let o =
            run("2021年，杭州市公安局共破获刑事案件900起。其中，盗窃案件310起。\n1至2月，杭州市公安局抓获嫌疑人88名。");
        let periods: Vec<(Option<&str>, Option<&str>)> =
            o.iter().map(|o| (o.period_start.as_deref(), o.period_end.as_deref())).collect();
        assert_eq!(
            periods,
            vec![
                (Some("2021-01-01"), Some("2021-12-31")),
                (Some("2021-01-01"), Some("2021-12-31")),
                (Some("2022-01-01"), Some("2022-02-28")),
            ]
        );
    }

    #[test]
    fn every_metric_the_rules_can_choose_is_in_the_ontology() {
        let ontology = include_str!("../../../../ontology/policekg.ttl");
        let units = [
            ValueUnit::Case,
            ValueUnit::Person,
            ValueUnit::PersonTime,
            ValueUnit::Group,
            ValueUnit::Den,
            ValueUnit::Item,
            ValueUnit::Account,
            ValueUnit::Gram,
            ValueUnit::Cny,
            ValueUnit::Percent,
            ValueUnit::Other,
        ];
        let mut metrics = vec!["rate", "rate_change"];
        for unit in units {
            for verb in VERB_TAGS.iter().map(|v| Some(*v)).chain([None]) {
                for noun in crate::extract::lexicon::CUE_TAGS {
                    metrics.extend(decide(unit, verb, &[], &[noun]));
                    metrics.extend(decide(unit, verb, &[verb.unwrap_or("")], &[noun]));
                }
            }
        }
        metrics.sort();
        metrics.dedup();
        assert!(metrics.len() > 15, "{metrics:?}");
        for m in metrics {
            let concept = format!("pk:metric_{m} a skos:Concept");
            let notation = format!("skos:notation \"{m}\"");
            assert!(ontology.contains(&concept) && ontology.contains(&notation), "metric {m} is not in the ontology");
        }
    }

    #[test]
    fn the_same_fact_once() {
        let o = run("深圳市公安局抓获犯罪嫌疑人35名。据统计，深圳市公安局共抓获犯罪嫌疑人35名。");
        assert_eq!(o.len(), 1);
    }

    #[test]
    fn grams_and_chinese_numerals() {
        let o = run("昆明市公安局缴获冰毒12.5公斤、海洛因300克，打掉贩毒团伙两个，抓获嫌疑人十二名。");
        assert_eq!(
            brief(&o),
            vec![
                t("items_seized", "12500", "gram", false),
                t("items_seized", "300", "gram", false),
                t("gangs_dismantled", "2", "group", false),
                t("suspects_arrested", "12", "person", false),
            ]
        );
    }

    #[test]
    fn change_amounts_and_more_cues() {
        let o = run("南宁市公安局今年共侦破刑事案件520起，同比增加36起，追逃42名，提请批准逮捕88人，查处涉赌案件17起，当场缴获作案工具一批、赃车3辆，6名嫌疑人已全部落网。");
        assert_eq!(
            brief(&o),
            vec![
                t("cases_solved", "520", "case", false),
                t("fugitives_caught", "42", "person", false),
                t("suspects_detained", "88", "person", false),
                t("cases_solved", "17", "case", false),
                t("items_seized", "3", "item", false),
                t("suspects_arrested", "6", "person", false),
            ]
        );
    }

    #[test]
    fn whole_city_sentences_belong_to_the_city() {
        let o = run("厦门市公安局思明分局破获诈骗案1起。全市电诈警情同比下降21.5%。");
        assert_eq!(o.last().unwrap().attributed_to.as_deref(), Some("厦门市公安局"));
    }

    #[test]
    fn a_list_continued_in_the_next_sentence() {
        let o =
            run("今年以来，合肥市公安局共破获刑事案件860起。其中，盗窃案件310起、诈骗案件205起。发生交通事故12起。");
        assert_eq!(
            brief(&o),
            vec![
                t("cases_solved", "860", "case", false),
                t("cases_solved", "310", "case", false),
                t("cases_solved", "205", "case", false)
            ]
        );
    }

    #[test]
    fn other_bodies_figures_are_not_police_results() {
        let o = run("南昌市公安局抓获嫌疑人20名。市检察院批准逮捕12人，市法院判处罪犯8人。南昌市公安局联合海关查获走私香烟300箱、手机40部。");
        assert_eq!(
            brief(&o),
            vec![
                t("suspects_arrested", "20", "person", false),
                t("items_seized", "300", "item", false),
                t("items_seized", "40", "item", false)
            ]
        );
    }

    #[test]
    fn link_lists_after_the_article_are_not_its_figures() {
        let o = run("今年以来，太原市公安局共破获刑事案件900起，抓获嫌疑人600名。\n相关阅读\n大同警方破获案件120起\n晋中警方抓获嫌疑人35名\n");
        assert_eq!(
            brief(&o),
            vec![t("cases_solved", "900", "case", false), t("suspects_arrested", "600", "person", false)]
        );
    }

    #[test]
    fn the_campaign_of_a_paragraph_carries_to_its_later_sentences() {
        let body = "今年以来，兰州市公安局深入推进“昆仑2023”专项行动。全市共侦破食药环案件48起。\n兰州市公安局同步开展“净网2023”专项行动。全市共侦破网络犯罪案件96起。\n全市共抓获逃犯30名。";
        let a = annotate("兰州警方“昆仑2023”专项行动", body);
        let o: Vec<(String, Option<String>)> = find_outcomes(&a.lex, &a.text, &a.orgs, &a.campaigns, None)
            .into_iter()
            .map(|x| (x.0.value, x.0.campaign))
            .collect();
        assert_eq!(
            o,
            vec![
                ("48".to_string(), Some("昆仑2023".to_string())),
                ("96".to_string(), Some("净网2023".to_string())),
                ("30".to_string(), Some("昆仑2023".to_string())),
            ]
        );
    }

    #[test]
    fn a_summary_paragraph_belongs_to_the_article_agency() {
        let o = run(
            "贵阳市公安局开展专项行动。\n云岩区公安分局黔灵派出所民警抓获嫌疑人2名。\n今年以来，共侦破各类案件350起。",
        );
        assert_eq!(o.last().unwrap().attributed_to.as_deref(), Some("贵阳市公安局"));
        assert_eq!(o[0].attributed_to.as_deref(), Some("贵阳市公安局云岩区分局黔灵派出所"));
    }
}
