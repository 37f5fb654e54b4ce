//! Operations: concrete dated actions (an arrest, a raid, a case cracked, a 收网), dated against the
//! reference date, with who acted (the subject in scope) and the campaign in scope.

use super::campaigns::Campaigns;
use super::dates::{find_dates, DateMention, RefDate};
use super::orgs::Orgs;
use super::text::{at, Text};
use crate::Operation;

/// Verbs of a concrete police action.
const ACTIONS: &[&str] = &[
    "抓获",
    "抓捕",
    "控制",
    "破获",
    "侦破",
    "捣毁",
    "打掉",
    "摧毁",
    "端掉",
    "收网",
    "查获",
    "缴获",
    "告破",
    "解救",
    "擒获",
    "抓捕归案",
    "缉拿",
    "查处",
];
/// A span of time between the date and the action: the action is not of that date.
const ELAPSED: &[&str] = &["经过", "历时", "经过近", "此后", "随后数", "多月", "半年"];

fn usable(chars: &[char], m: &DateMention) -> bool {
    let range_end = m.start > 0 && matches!(chars[m.start - 1], '至' | '-' | '到' | '—' | '～' | '~');
    // 1月至9月 is a period; 10月26日至28日 is an action of some days (dated by its first).
    let range_start = ["至", "到", "-"].iter().any(|w| at(chars, m.end, w)) && m.date.day.is_none();
    !range_end
        && !range_start
        && m.date.month.is_some()
        && !["以来", "期间", "份以来", "底", "以后", "以前", "前"].iter().any(|w| at(chars, m.end, w))
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

pub fn find_operations(
    lex: &super::lexicon::Lexicon,
    text: &Text,
    orgs: &Orgs,
    camps: &Campaigns,
    r: Option<&RefDate>,
) -> Vec<(Operation, usize)> {
    let chars = &text.chars;
    let dates: Vec<DateMention> = find_dates(chars, r).into_iter().filter(|m| usable(chars, m)).collect();
    let mut out: Vec<(Operation, usize)> = Vec::new();
    for (si, &(s, e)) in text.sentences.iter().enumerate() {
        // The first action verb of the sentence.
        // Read with the cue lexicon, so that no verb is read inside another word (巡查获取).
        let tokens = super::outcomes::cues_in(lex, chars, s, e);
        let Some(tok) =
            tokens.iter().find(|c| ACTIONS.iter().any(|w| w.chars().count() == c.len && at(chars, c.pos, w)))
        else {
            continue;
        };
        let vpos = tok.pos;
        let verb = ACTIONS.iter().find(|w| w.chars().count() == tok.len && at(chars, vpos, w)).copied().unwrap_or("");
        // A suspect's own deeds (交代, 供述) are not police actions.
        if (s..vpos).any(|p| ["交代", "交待", "供述", "被骗"].iter().any(|w| at(chars, p, w))) {
            continue;
        }
        let in_sentence = dates
            .iter()
            .filter(|m| m.start >= s && m.start < vpos)
            .last()
            .or_else(|| dates.iter().find(|m| m.start >= vpos && m.start < e))
            .copied();
        let date = in_sentence.or_else(|| {
            // The date of the sentence just before, in the same paragraph, when no time passed between.
            if si == 0 || text.paragraph_of.get(si - 1) != text.paragraph_of.get(si) {
                return None;
            }
            if (s..vpos).any(|p| ELAPSED.iter().any(|w| at(chars, p, w)))
                || dates.iter().any(|m| m.start >= s && m.start < e)
            {
                return None;
            }
            let (ps, pe) = text.sentences[si - 1];
            dates.iter().filter(|m| m.start >= ps && m.start < pe).last().copied()
        });
        let Some(date) = date else { continue };
        // A press date (1月10日，记者从公安部获悉) dates the report, not an action.
        if (date.end..vpos.max(date.end)).any(|p| at(chars, p, "获悉") || at(chars, p, "记者")) {
            continue;
        }
        let Some(actor) = orgs.actor_at(text, vpos) else { continue };
        let iso = date.date.iso();
        if out.iter().any(|(o, _)| o.date.as_deref() == Some(iso.as_str()) && o.conducted_by.first() == Some(&actor)) {
            continue;
        }
        let short = actor.clone();
        out.push((
            Operation {
                label: format!("{iso} {short} {verb}"),
                date: Some(iso),
                conducted_by: vec![actor],
                part_of: camps.in_scope(text, vpos),
                location: None,
                evidence: text.evidence(s, e),
            },
            si,
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::campaigns::{find_campaigns, CampaignRules};
    use crate::extract::gazetteer::Gazetteer;
    use crate::extract::lexicon::Lexicon;
    use crate::extract::orgs::find_orgs;

    fn ops(body: &str, date: &str) -> Vec<(String, String)> {
        let g = Gazetteer::builtin();
        let lex = Lexicon::builtin();
        let rules = CampaignRules::new(&lex);
        let t = Text::new(body, body);
        let orgs = find_orgs(&g, &lex, &t, "");
        let camps = find_campaigns(&rules, &lex, &t, "", &orgs, None);
        let r = super::super::dates::parse_iso(date);
        find_operations(&lex, &t, &orgs, &camps, r.as_ref())
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
}
