//! Operations: concrete dated actions (an arrest, a raid, a case cracked, a 收网), dated against the
//! reference date, with who acted (the subject in scope) and the campaign in scope.

use super::campaigns::Campaigns;
use super::dates::{find_dates, DateMention, PartialDate, RefDate};
use super::lexicon::{Lexicon, LexiconError};
use super::orgs::Orgs;
use super::outcomes::cues_in;
use super::text::{at, Text};
use super::words::{Tag, WordTable};
use crate::Operation;

pub const OPERATION_CUES: &str = include_str!("../../../../data/lexicon/operation_cues.tsv");

/// What a word tells the operation rules (data/lexicon/operation_cues.tsv documents each).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpCue {
    Action,
    NounUse,
    Intent,
    Deed,
    Summary,
    Elapsed,
    Report,
    Dateline,
    PeriodStart,
    PeriodEnd,
    Recent,
}

impl Tag for OpCue {
    fn parse(code: &str) -> Option<OpCue> {
        Some(match code {
            "action" => OpCue::Action,
            "noun-use" => OpCue::NounUse,
            "intent" => OpCue::Intent,
            "deed" => OpCue::Deed,
            "summary" => OpCue::Summary,
            "elapsed" => OpCue::Elapsed,
            "report" => OpCue::Report,
            "dateline" => OpCue::Dateline,
            "period-start" => OpCue::PeriodStart,
            "period-end" => OpCue::PeriodEnd,
            "recent" => OpCue::Recent,
            _ => return None,
        })
    }
}

/// The vocabulary of the operation rules.
pub struct OperationRules {
    cues: WordTable<OpCue>,
}

impl OperationRules {
    pub fn parse(text: &str) -> Result<OperationRules, LexiconError> {
        Ok(OperationRules { cues: WordTable::parse("operation_cues.tsv", text)? })
    }

    pub fn builtin() -> OperationRules {
        OperationRules::parse(OPERATION_CUES).unwrap_or_else(|e| panic!("shipped lexicon is broken: {e}"))
    }
}

/// How many chars before an action verb a word of intent (全力, 静等) may stand, in the same clause.
const INTENT_REACH: usize = 4;

/// A date that can date an action: a day or a month, not a period's bound, not a report's date.
fn usable(rules: &OperationRules, chars: &[char], m: &DateMention) -> bool {
    let range_end = m.start > 0 && matches!(chars[m.start - 1], '至' | '-' | '到' | '—' | '～' | '~');
    // 1月至9月 is a period; 10月26日至28日 is an action of some days (dated by its first).
    let range_start = ["至", "到", "-"].iter().any(|w| at(chars, m.end, w)) && m.date.day.is_none();
    !range_end
        && !range_start
        && m.date.month.is_some()
        && rules.cues.at(chars, m.end, OpCue::PeriodEnd).is_none()
        && rules.cues.at(chars, m.end, OpCue::Dateline).is_none()
        && !rules.cues.ends_at(chars, m.start, OpCue::PeriodStart)
}

/// The action verb of a sentence: the first cue word that is an action, used as a verb (not 抓捕行动),
/// done (not 全力侦破). Read with the cue lexicon, so that no verb is read inside another word (巡查获取).
fn action_verb(rules: &OperationRules, lex: &Lexicon, chars: &[char], s: usize, e: usize) -> Option<(usize, String)> {
    cues_in(lex, chars, s, e).into_iter().find_map(|c| {
        let end = c.pos + c.len;
        if rules.cues.at(chars, c.pos, OpCue::Action) != Some(c.len)
            || rules.cues.at(chars, end, OpCue::NounUse).is_some()
        {
            return None;
        }
        let reach = c.pos.saturating_sub(INTENT_REACH).max(s);
        let clause =
            (reach..c.pos).rev().find(|&p| super::text::CLAUSE_END.contains(&chars[p])).map_or(reach, |p| p + 1);
        let intent = rules.cues.any_in(chars, clause, c.pos, OpCue::Intent);
        (!intent).then(|| (c.pos, chars[c.pos..end].iter().collect()))
    })
}

/// A date of report (1月10日，记者从公安部获悉; 举行新闻发布会) between the date and the verb.
fn reported(rules: &OperationRules, chars: &[char], date: &DateMention, vpos: usize) -> bool {
    rules.cues.any_in(chars, date.end, vpos.max(date.end), OpCue::Report)
}

/// 近日, 日前 before the verb: the publication month, when the publication is late enough in its month
/// that "recently" stays in it.
fn recent_date(
    rules: &OperationRules,
    chars: &[char],
    s: usize,
    vpos: usize,
    r: Option<&RefDate>,
) -> Option<PartialDate> {
    let r = r?;
    let late_in_month = r.day.is_some_and(|d| d >= 10);
    (late_in_month && rules.cues.any_in(chars, s, vpos, OpCue::Recent)).then_some(PartialDate {
        year: r.year,
        month: r.month,
        day: None,
    })
}

/// The dates of a list before the verb (3月18日、3月19日、3月26日分别在…捣毁): each an action of its own.
fn date_list(chars: &[char], dates: &[DateMention], last: usize) -> Vec<PartialDate> {
    let mut k = last;
    while k > 0 && dates[k - 1].end + 1 == dates[k].start && chars[dates[k - 1].end] == '、' {
        k -= 1;
    }
    dates[k..=last].iter().map(|m| m.date).collect()
}

/// Where an action took place: the most specific division written in full in its sentence after 在/于/赴/到
/// (在福建省福州市一出租屋内).
pub fn location(g: &super::gazetteer::Gazetteer, text: &Text, s: usize, e: usize, orgs: &Orgs) -> Option<usize> {
    let chars = &text.chars;
    let mut best: Option<usize> = None;
    for p in s..e {
        if !(p > s && matches!(chars[p - 1], '在' | '于' | '赴' | '到' | '至')) {
            continue;
        }
        let mut q = p;
        let mut chain: Vec<usize> = Vec::new();
        while let Some((end, cands)) = g.names_starting_at(chars, q).into_iter().next() {
            let full = matches!(chars[end - 1], '省' | '市' | '县' | '区' | '旗' | '州' | '盟');
            if !full {
                break;
            }
            let ctx = chain.last().copied();
            let d = g.choose(cands, ctx.or(orgs.city), ctx.map_or(orgs.province, |c| Some(g.province_of(c))));
            if let Some(&outer) = chain.last() {
                if !g.within(d, outer) {
                    break;
                }
            }
            chain.push(d);
            q = end;
        }
        if let Some(&d) = chain.last() {
            best = Some(d);
            break;
        }
    }
    best
}

/// The date of the narrative so far in a paragraph: an action date carries to the paragraph's later
/// sentences (a story told over several), until another date, a period or time passing.
struct Carried {
    paragraph: usize,
    date: Option<PartialDate>,
}

pub fn find_operations(
    rules: &OperationRules,
    lex: &Lexicon,
    text: &Text,
    orgs: &Orgs,
    camps: &Campaigns,
    r: Option<&RefDate>,
) -> Vec<(Operation, usize)> {
    let chars = &text.chars;
    let all_dates = find_dates(chars, r);
    let dates: Vec<DateMention> = all_dates.iter().filter(|m| usable(rules, chars, m)).copied().collect();
    let mut out: Vec<(Operation, usize)> = Vec::new();
    let mut carried = Carried { paragraph: usize::MAX, date: None };
    for (si, &(s, e)) in text.sentences.iter().enumerate() {
        let paragraph = text.paragraph_of.get(si).copied().unwrap_or(0);
        if paragraph != carried.paragraph {
            carried = Carried { paragraph, date: None };
        }
        let any_date = all_dates.get(all_dates.partition_point(|m| m.start < s)).is_some_and(|m| m.start < e);
        let elapsed = rules.cues.any_in(chars, s, e, OpCue::Elapsed);
        let inherited = carried.date.filter(|_| !any_date && !elapsed);
        let found = sentence_operations(rules, lex, text, &dates, si, inherited, r);
        carried.date = if elapsed {
            None
        } else if let Some((ds, _, _)) = &found {
            ds.last().copied()
        } else if any_date {
            // A sentence that only sets the scene (4月7日凌晨，反诈中心接到报警) dates what follows.
            let lo = dates.partition_point(|m| m.start < s);
            dates[lo..]
                .iter()
                .take_while(|m| m.start < e)
                .filter(|m| !reported(rules, chars, m, e))
                .last()
                .map(|m| m.date)
        } else {
            carried.date
        };
        let Some((ds, vpos, verb)) = found else { continue };
        let Some(actor) = orgs.actor_at(text, vpos) else { continue };
        for date in ds {
            let iso = date.iso();
            if out
                .iter()
                .any(|(o, _)| o.date.as_deref() == Some(iso.as_str()) && o.conducted_by.first() == Some(&actor))
            {
                continue;
            }
            out.push((
                Operation {
                    label: format!("{iso} {actor} {verb}"),
                    date: Some(iso),
                    conducted_by: vec![actor.clone()],
                    part_of: camps.in_scope(text, vpos),
                    location: None,
                    evidence: text.evidence(s, e),
                },
                si,
            ));
        }
    }
    out
}

/// The operation a sentence reports, if any: its dates, where its verb is, the verb.
fn sentence_operations(
    rules: &OperationRules,
    lex: &Lexicon,
    text: &Text,
    dates: &[DateMention],
    si: usize,
    carried: Option<PartialDate>,
    r: Option<&RefDate>,
) -> Option<(Vec<PartialDate>, usize, String)> {
    let chars = &text.chars;
    let (s, e) = text.sentences[si];
    let (vpos, verb) = action_verb(rules, lex, chars, s, e)?;
    // A suspect's own deeds (in the verb's clause), and the sums of a period, are no single police action.
    let (clause_start, clause_end) = text.clause_around(vpos);
    if rules.cues.any_in(chars, clause_start, vpos, OpCue::Deed) || rules.cues.any_in(chars, s, vpos, OpCue::Summary) {
        return None;
    }
    // Dates are in text order: those of the sentence before the verb end at `at_verb`.
    let at_verb = dates.partition_point(|m| m.start < vpos);
    let before = (at_verb > 0 && dates[at_verb - 1].start >= s).then(|| at_verb - 1);
    if let Some(k) = before {
        return (!reported(rules, chars, &dates[k], vpos)).then(|| (date_list(chars, dates, k), vpos, verb));
    }
    // A date after the verb in its clause (抓获于3月2日), never one of a later clause (a dateline after a title).
    if let Some(m) = dates.get(at_verb).filter(|m| m.start < clause_end) {
        return Some((vec![m.date], vpos, verb));
    }
    // A carried date holds for the story, not for someone's account of it (据某某介绍, 记者).
    let carried = carried.filter(|_| !rules.cues.any_in(chars, s, vpos, OpCue::Report));
    let date = carried.or_else(|| recent_date(rules, chars, s, vpos, r))?;
    Some((vec![date], vpos, verb))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::annotated::annotate;

    fn ops(body: &str, date: &str) -> Vec<(String, String)> {
        let a = annotate("", body);
        let r = super::super::dates::parse_iso(date);
        find_operations(&OperationRules::builtin(), &a.lex, &a.text, &a.orgs, &a.campaigns, r.as_ref())
            .into_iter()
            .map(|(o, _)| (o.date.unwrap_or_default(), o.conducted_by.join("|")))
            .collect()
    }

    #[test]
    fn dated_actions_with_their_actor() {
        let got = ops(
            "3月2日，长沙市公安局岳麓分局接到报警。民警连夜研判，次日在株洲市将嫌疑人抓获。4月10日至12日，长沙市公安局开展集中收网，抓获12人。1月至3月，全市共抓获嫌疑人300名。",
            "2023-05-01",
        );
        assert_eq!(
            got,
            vec![
                ("2023-03-03".to_string(), "长沙市公安局岳麓区分局".to_string()),
                ("2023-04-10".to_string(), "长沙市公安局".to_string())
            ]
        );
    }

    #[test]
    fn december_of_a_january_article_is_last_year() {
        let got = ops("12月28日，西安市公安局雁塔分局破获一起盗窃案。", "2024-01-05");
        assert_eq!(got, vec![("2023-12-28".to_string(), "西安市公安局雁塔区分局".to_string())]);
    }

    #[test]
    fn no_operation_without_a_date_or_with_a_press_date() {
        assert!(ops("近日，西安市公安局破获一起盗窃案。", "2024-01-05").is_empty());
        assert!(ops("1月4日，记者从西安市公安局获悉，去年全市共破获案件1200起。", "2024-01-05").is_empty());
    }

    #[test]
    fn shipped_operation_cues_are_documented_sorted_and_parse() {
        assert!(OPERATION_CUES.starts_with('#'));
        let lines: Vec<&str> = OPERATION_CUES.lines().filter(|l| !l.trim().is_empty() && !l.starts_with('#')).collect();
        let mut sorted = lines.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(lines, sorted, "operation_cues.tsv is not sorted or has duplicate lines");
        let rules = OperationRules::builtin();
        let chars: Vec<char> = "抓获".chars().collect();
        assert_eq!(rules.cues.at(&chars, 0, OpCue::Action), Some(2));
        assert!(OperationRules::parse("抓获\tactoin\n").is_err());
    }

    fn dates_of(body: &str, date: &str) -> Vec<String> {
        ops(body, date).into_iter().map(|(d, _)| d).collect()
    }

    #[test]
    fn report_meeting_and_launch_dates_are_no_operations() {
        let cases: &[&str] = &[
            "1月3日上午，甘肃省公安厅举行新闻发布会。去年全省共破获刑事案件2.5万起。",
            "新华社广州9月20日电 记者从广东省公安厅获悉，全省抓获犯罪嫌疑人300名。",
            "5月8日，唐山市公安局启动专项行动。行动以来，全市共破获刑事案件500起。",
            "自6月25日夏季行动开展以来，南通市公安局破获各类刑事案件300起。",
            "从10月15日至18日，呼和浩特市公安局4天抓获51名嫌疑人。",
            "3月初，武威市公安局凉州区分局专案组远赴广东侦查，静等抓捕时机。",
            "9月20日，广东省公安厅展示缴获的涉案物品。据介绍，此次收网破获一批涉黑恶专案。",
            "接报后，凉州区分局成立专案组全力侦破。",
        ];
        for body in cases {
            assert_eq!(dates_of(body, "2024-01-05"), Vec::<String>::new(), "{body}");
        }
    }

    #[test]
    fn operations_of_a_story() {
        let cases: &[(&str, &str, &[&str])] = &[
            // A date list: one raid a date.
            (
                "3月18日、3月19日，武威市公安局凉州区分局分别在惠州、福州捣毁窝点2处。",
                "2019-04-22",
                &["2019-03-18", "2019-03-19"],
            ),
            // The scene's date carries to the action told sentences later in the paragraph.
            (
                "4月7日凌晨，吴忠市公安局利通区分局接到报警。民警拨通电话。随后民警上门劝阻，成功拦截资金8万元。",
                "2022-04-11",
                &["2022-04-07"],
            ),
            // Not past a new paragraph, nor past time passing.
            ("4月7日，吴忠市公安局利通区分局接到报警。\n民警上门劝阻。", "2022-04-11", &[]),
            ("4月7日，吴忠市公安局利通区分局接到报警。经过半年侦查，民警抓获嫌疑人。", "2022-11-11", &[]),
            // 近日 is the publication month, when that month is far enough along.
            ("近日，西安市公安局雁塔分局破获一起盗窃案。", "2024-03-20", &["2024-03"]),
            // A suspect's account in another clause does not hide the action.
            ("根据嫌疑人交待的线索，西安市公安局于4月10日在莆田捣毁窝点2处。", "2019-04-22", &["2019-04-10"]),
            // A typeset date.
            ("7 月 13 日，西安市公安局抓获嫌疑人3名。", "2023-07-17", &["2023-07-13"]),
        ];
        for (body, date, want) in cases {
            assert_eq!(dates_of(body, date), want.iter().map(|s| s.to_string()).collect::<Vec<_>>(), "{body}");
        }
    }
}
