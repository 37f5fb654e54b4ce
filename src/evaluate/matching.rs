//! Matching one document's gold items with the graph's items, field by field, into counts: true and
//! false positives, misses, and the accuracy checks made on matched items. The rules are those of the
//! contract (section 6) and `docs/gold-format.md`; each comment says which.

use super::gold::{GoldDocument, GoldEntity, GoldIndex, GoldOperation, GoldOutcome};
use super::metrics::{Accuracy, Scores, Tally};
use super::names::{names_match, unit_matches, NameKind};
use super::system::{EntityClass, EntityId, SystemGraph, SystemOperation, SystemOutcome};
use std::collections::HashMap;

/// Scores one gold document against the graph. Items are named in messages with the document's id.
pub fn score_document(gold: &GoldDocument, graph: &SystemGraph) -> Scores {
    let mut scores = Scores::default();
    let index = GoldIndex::new(gold);
    let doc = gold.doc.as_str();
    let found = |class| graph.mentioned_in(class, doc).collect::<Vec<_>>();
    let agencies = EntityMatch { kind: EntityKind::Agency, doc, graph, index: &index };
    agencies.score(&gold.agencies, &found(EntityClass::Agency), &mut scores.agencies, None);
    let units = EntityMatch { kind: EntityKind::Unit, doc, graph, index: &index };
    units.score(&gold.units, &found(EntityClass::Unit), &mut scores.units, Some(&mut scores.accuracy.unit_parent));
    let campaigns = EntityMatch { kind: EntityKind::Campaign, doc, graph, index: &index };
    let campaign_parent = Some(&mut scores.accuracy.campaign_parent);
    campaigns.score(&gold.campaigns, &found(EntityClass::Campaign), &mut scores.campaigns, campaign_parent);
    let outcomes = graph.outcomes.get(doc).map(Vec::as_slice).unwrap_or_default();
    score_outcomes(doc, &gold.outcomes, outcomes, graph, &index, &mut scores);
    let operations = graph.operations.get(doc).map(Vec::as_slice).unwrap_or_default();
    score_operations(doc, &gold.operations, operations, graph, &index, &mut scores.operations);
    scores
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum EntityKind {
    Agency,
    Unit,
    Campaign,
}

impl EntityKind {
    fn name_kind(self) -> NameKind {
        if self == EntityKind::Campaign {
            NameKind::Campaign
        } else {
            NameKind::Organisation
        }
    }
}

/// Agencies, units or campaigns of one document.
struct EntityMatch<'a> {
    kind: EntityKind,
    doc: &'a str,
    graph: &'a SystemGraph,
    index: &'a GoldIndex<'a>,
}

impl EntityMatch<'_> {
    /// Whether an entity with these labels is the gold item: agencies and campaigns by name or alias,
    /// units by their own name (alone or behind a parent's label).
    fn is(&self, labels: &std::collections::BTreeSet<String>, item: &GoldEntity) -> bool {
        match self.kind {
            EntityKind::Unit => labels.iter().any(|l| unit_matches(l, &item.name)),
            _ => names_match(labels, &item.names(), self.kind.name_kind()),
        }
    }

    /// The gold item an entity is: the first required item it matches, else the last optional one.
    fn gold_item(&self, entity: &str, items: &[GoldEntity]) -> Option<usize> {
        let no_labels = Default::default();
        let labels = self.graph.labels.get(entity).unwrap_or(&no_labels);
        let mut hit = None;
        for (i, item) in items.iter().enumerate() {
            if self.is(labels, item) {
                hit = Some(i);
                if !item.optional {
                    break;
                }
            }
        }
        hit
    }

    /// An entity that is no gold item is a false positive; a second entity for a matched item, or one for
    /// an optional item, counts for nothing. The first entity of a gold item with a parent has its parent
    /// chain checked.
    fn score(&self, items: &[GoldEntity], found: &[&EntityId], tally: &mut Tally, mut parents: Option<&mut Accuracy>) {
        let mut matched = vec![false; items.len()];
        for entity in found {
            let Some(i) = self.gold_item(entity, items) else {
                let labels: Vec<_> = self.graph.labels.get(*entity).into_iter().flatten().collect();
                tally.spurious(format!("{}: {labels:?}", self.doc));
                continue;
            };
            let item = &items[i];
            if item.optional || matched[i] {
                continue;
            }
            matched[i] = true;
            tally.tp += 1;
            if let (Some(acc), Some(parent)) = (parents.as_deref_mut(), item.parent.as_deref()) {
                let up = self.graph.ancestor_labels(entity);
                let ok = names_match(&up, &self.index.names_of(parent), self.kind.name_kind());
                acc.check(ok, format!("{}: {} -> {parent}", self.doc, item.name));
            }
        }
        for (item, _) in items.iter().zip(&matched).filter(|(item, m)| !**m && !item.optional) {
            tally.miss(format!("{}: {}", self.doc, item.name));
        }
    }
}

/// Values equal up to a relative 1e-6 (decimal values written in two ways).
fn same_value(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-6 * 1f64.max(a.abs()).max(b.abs())
}

/// How unlike a gold outcome an outcome is: another unit, a non-matching agency, another metric, an
/// optional item (false before true: the most alike sort first).
type Unlikeness = (bool, bool, bool, bool);

/// Outcomes match by value within a document. Where several outcomes and gold items share a value, the
/// pairs that most resemble each other are made first: the same unit, then an agency that matches, then
/// the same metric, a required item before an optional one, then the outcome's and the item's order. (The
/// reference scorer lets each outcome, in the order its query returns them, take the item it most
/// resembles; making the best pairs first gives the same pairs whatever that order.) An outcome whose
/// value is only left among matched items is emitted twice: a false positive (every sum over the graph
/// would count it twice).
fn score_outcomes(
    doc: &str,
    gold: &[GoldOutcome],
    found: &[SystemOutcome],
    graph: &SystemGraph,
    index: &GoldIndex<'_>,
    scores: &mut Scores,
) {
    let agencies: Vec<_> = found.iter().map(|s| graph.labels_up_all(&s.agencies)).collect();
    let mut pairs = Vec::new();
    for (si, s) in found.iter().enumerate() {
        for (gi, go) in gold.iter().enumerate().filter(|(_, go)| same_value(go.value, s.value)) {
            let agency_ok =
                go.agency().is_some_and(|a| names_match(&agencies[si], &index.names_of(a), NameKind::Organisation));
            let unlike: Unlikeness =
                (go.unit != s.unit, !agency_ok, s.metric.as_deref() != Some(go.metric.as_str()), go.optional);
            pairs.push((unlike, si, gi));
        }
    }
    // Of equally good pairs, those of the outcome with the fewest such pairs first: an outcome that fits
    // one item only is not left without it by one that fits several.
    let mut choices: HashMap<(usize, Unlikeness), usize> = HashMap::new();
    for (unlike, si, _) in &pairs {
        *choices.entry((*si, *unlike)).or_default() += 1;
    }
    pairs.sort_by_key(|&(unlike, si, gi)| (unlike, choices[&(si, unlike)], si, gi));
    let mut gold_of: Vec<Option<usize>> = vec![None; found.len()];
    let mut used = vec![false; gold.len()];
    for (_, si, gi) in pairs {
        if gold_of[si].is_none() && !used[gi] {
            gold_of[si] = Some(gi);
            used[gi] = true;
        }
    }
    for (si, s) in found.iter().enumerate() {
        let Some(gi) = gold_of[si] else {
            if gold.iter().any(|go| same_value(go.value, s.value)) {
                scores.duplicate_outcomes += 1;
            }
            let metric = s.metric.as_deref().unwrap_or("-");
            scores.outcomes.spurious(format!("{doc}: {} {} {metric}", s.value, s.unit));
            continue;
        };
        if gold[gi].optional {
            continue;
        }
        scores.outcomes.tp += 1;
        if check_outcome(doc, &gold[gi], s, &agencies[si], graph, index, scores) {
            scores.strict_tp += 1;
        }
    }
    for go in gold.iter().zip(&used).filter(|(go, u)| !**u && !go.optional).map(|(go, _)| go) {
        scores.outcomes.miss(format!("{doc}: {} = {} {}", go.text, go.value, go.unit));
    }
}

/// The accuracy checks of a matched outcome: unit, metric, approximate marker, and the agency and campaign
/// where the gold item names one. Returns whether all of them are right (the strict line).
fn check_outcome(
    doc: &str,
    go: &GoldOutcome,
    s: &SystemOutcome,
    system_agencies: &std::collections::BTreeSet<String>,
    graph: &SystemGraph,
    index: &GoldIndex<'_>,
    scores: &mut Scores,
) -> bool {
    let label = format!("{doc}: {}", go.text);
    let acc = &mut scores.accuracy;
    let metric = s.metric.as_deref().unwrap_or("-");
    let mut all = acc.unit.check(s.unit == go.unit, format!("{label} (gold {}, got {})", go.unit, s.unit));
    all &= acc.metric.check(metric == go.metric, format!("{label} (gold {}, got {metric})", go.metric));
    all &= acc.approx.check(s.approximate == go.approx, format!("{label} (gold approx {})", go.approx));
    if let Some(agency) = go.agency() {
        let ok = names_match(system_agencies, &index.names_of(agency), NameKind::Organisation);
        all &= acc.outcome_agency.check(ok, format!("{label} (gold {agency}, got {})", first_three(system_agencies)));
    }
    if let Some(campaign) = go.campaign() {
        let labels = graph.labels_up_all(&s.campaigns);
        let ok = names_match(&labels, &index.names_of(campaign), NameKind::Campaign);
        all &= acc.outcome_campaign.check(ok, format!("{label} (gold {campaign}, got {})", first_three(&labels)));
    }
    all
}

fn first_three(labels: &std::collections::BTreeSet<String>) -> String {
    let shown: Vec<&str> = labels.iter().take(3).map(String::as_str).collect();
    format!("[{}]", shown.join(", "))
}

/// Operations match when a date agrees (the same day, or one is the month of the other) and an actor's
/// labels, up its parent chain, name the gold actor; the same day before the same month, a required item
/// before an optional one, then the first.
fn score_operations(
    doc: &str,
    gold: &[GoldOperation],
    found: &[SystemOperation],
    graph: &SystemGraph,
    index: &GoldIndex<'_>,
    tally: &mut Tally,
) {
    let mut used = vec![false; gold.len()];
    for op in found {
        let actors = graph.labels_up_all(&op.by);
        let mut hit: Option<(usize, u8)> = None;
        for (i, go) in gold.iter().enumerate().filter(|(i, _)| !used[*i]) {
            let date_ok = op.dates.iter().any(|d| d.starts_with(&go.date) || go.date.starts_with(d.as_str()));
            if !date_ok || !names_match(&actors, &index.names_of(&go.by), NameKind::Organisation) {
                continue;
            }
            let rank = 2 * u8::from(op.dates.contains(&go.date)) + u8::from(!go.optional);
            if hit.is_none_or(|(_, best)| rank > best) {
                hit = Some((i, rank));
            }
        }
        let Some((i, _)) = hit else {
            let dates: Vec<_> = op.dates.iter().collect();
            tally.spurious(format!("{doc}: {dates:?} {}", first_three(&actors)));
            continue;
        };
        used[i] = true;
        if !gold[i].optional {
            tally.tp += 1;
        }
    }
    for go in gold.iter().zip(&used).filter(|(go, u)| !**u && !go.optional).map(|(go, _)| go) {
        tally.miss(format!("{doc}: {} {}", go.date, go.by));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evaluate::gold::GoldSet;
    use std::collections::BTreeSet;

    /// A graph written by hand: entities with labels and parents, mentioned in document `d1`.
    #[derive(Default)]
    struct Fixture(SystemGraph);

    impl Fixture {
        fn entity(mut self, class: EntityClass, id: &str, labels: &[&str], parent: Option<&str>) -> Self {
            let g = &mut self.0;
            g.documents.insert("d1".into());
            g.labels.insert(id.into(), labels.iter().map(|l| l.to_string()).collect());
            if let Some(p) = parent {
                g.parents.entry(id.into()).or_default().insert(p.into());
            }
            g.mentioned.entry(class).or_default().entry("d1".into()).or_default().insert(id.into());
            self
        }

        fn outcome(mut self, id: &str, value: f64, unit: &str, metric: &str, agency: &str, campaign: &str) -> Self {
            let set = |s: &str| if s.is_empty() { BTreeSet::new() } else { BTreeSet::from([s.to_owned()]) };
            self.0.outcomes.entry("d1".into()).or_default().push(SystemOutcome {
                id: id.into(),
                value,
                unit: unit.into(),
                metric: Some(metric.into()),
                agencies: set(agency),
                campaigns: set(campaign),
                approximate: false,
            });
            self
        }

        fn operation(mut self, id: &str, date: &str, by: &str) -> Self {
            self.0.operations.entry("d1".into()).or_default().push(SystemOperation {
                id: id.into(),
                dates: BTreeSet::from([date.to_owned()]),
                by: BTreeSet::from([by.to_owned()]),
            });
            self
        }

        fn score(&self, gold: &str) -> Scores {
            score_document(&GoldSet::parse(gold).expect("valid gold"), &self.0)
        }
    }

    fn counts(t: &Tally) -> (usize, usize, usize) {
        (t.tp, t.fp, t.fn_)
    }

    const QINGDAO: &str = r#""agencies": [{"name": "青岛市公安局", "aliases": ["青岛公安"]},
                                         {"name": "山东省公安厅", "optional": true}]"#;

    #[test]
    fn agencies_match_by_label_or_alias_and_optional_ones_count_for_nothing() {
        let gold = format!(r#"{{"doc": "d1", {QINGDAO}}}"#);
        let g = Fixture::default()
            .entity(EntityClass::Agency, "a:qd", &["山东省青岛市公安局"], None)
            .entity(EntityClass::Agency, "a:qd2", &["青岛公安"], None)
            .entity(EntityClass::Agency, "a:sd", &["山东省公安厅"], None)
            .entity(EntityClass::Agency, "a:yt", &["烟台市公安局"], None);
        let s = g.score(&gold);
        // The second entity for 青岛市公安局 is neither right nor wrong; the optional 公安厅 neither.
        assert_eq!(counts(&s.agencies), (1, 1, 0));
        assert_eq!(s.agencies.spurious, [r#"d1: ["烟台市公安局"]"#]);
        let none = Fixture::default().score(&gold);
        assert_eq!(counts(&none.agencies), (0, 0, 1), "a missed optional agency is no miss");
    }

    #[test]
    fn units_match_by_own_name_and_their_parent_chain_is_checked() {
        let gold = format!(
            r#"{{"doc": "d1", {QINGDAO}, "units": [{{"name": "刑警支队", "parent": "青岛市公安局"}},
                {{"name": "城阳派出所", "parent": "青岛公安"}}, {{"name": "禁毒大队", "parent": "刑警支队"}}]}}"#
        );
        let g = Fixture::default()
            .entity(EntityClass::Agency, "a:qd", &["青岛市公安局"], None)
            .entity(EntityClass::Unit, "u:xj", &["青岛市公安局刑警支队"], Some("a:qd"))
            .entity(EntityClass::Unit, "u:cy", &["城阳派出所"], None)
            .entity(EntityClass::Unit, "u:bad", &["全市公安机关禁毒大队"], Some("a:qd"));
        let s = g.score(&gold);
        assert_eq!(counts(&s.units), (2, 1, 1), "禁毒大队 behind arbitrary text is no match");
        // 刑警支队 has its gold parent up its chain; 城阳派出所 has no parent in the graph.
        assert_eq!((s.accuracy.unit_parent.right, s.accuracy.unit_parent.total), (1, 2));
        assert_eq!(s.accuracy.unit_parent.wrong, ["d1: 城阳派出所 -> 青岛公安"]);
    }

    #[test]
    fn campaigns_match_without_quotes_dashes_and_action_suffix() {
        let gold = r#"{"doc": "d1", "campaigns": [{"name": "雷霆-2024", "aliases": ["雷霆"]},
                       {"name": "春季攻势", "parent": "雷霆-2024"}, {"name": "夏夜巡查", "optional": true}]}"#;
        let g = Fixture::default()
            .entity(EntityClass::Campaign, "c:lt", &["“雷霆2024”专项行动"], None)
            .entity(EntityClass::Campaign, "c:cj", &["春季攻势"], Some("c:lt"))
            .entity(EntityClass::Campaign, "c:xy", &["夏夜巡查行动"], None);
        let s = g.score(gold);
        assert_eq!(counts(&s.campaigns), (2, 0, 0));
        assert_eq!((s.accuracy.campaign_parent.right, s.accuracy.campaign_parent.total), (1, 1));
    }

    const OUTCOMES: &str = r#""campaigns": [{"name": "雷霆2024"}],
        "outcomes": [
          {"value": 12, "unit": "case", "metric": "cases_solved", "agency": "青岛市公安局", "campaign": "雷霆2024", "text": "破案12起"},
          {"value": 12, "unit": "person", "metric": "suspects_arrested", "agency": "青岛市公安局", "campaign": "雷霆2024", "text": "抓获12人"},
          {"value": 3, "unit": "group", "metric": "gangs_dismantled", "agency": "青岛市公安局", "campaign": null, "text": "打掉团伙3个"},
          {"value": 40, "unit": "item", "metric": "items_seized", "agency": "青岛市公安局", "text": "缴获40部", "optional": true},
          {"value": 5, "unit": "person", "metric": "fugitives_caught", "agency": "青岛市公安局", "text": "抓获逃犯5名"}
        ]"#;

    fn outcome_graph() -> Fixture {
        Fixture::default()
            .entity(EntityClass::Agency, "a:qd", &["青岛市公安局"], None)
            .entity(EntityClass::Unit, "u:xj", &["青岛市公安局刑警支队"], Some("a:qd"))
            .entity(EntityClass::Campaign, "c:lt", &["雷霆2024"], None)
    }

    #[test]
    fn the_unit_breaks_ties_between_outcomes_of_one_value() {
        let gold = format!(r#"{{"doc": "d1", {QINGDAO}, {OUTCOMES}}}"#);
        // Listed person first: it must still take the person item, leaving the case item to the next.
        let g = outcome_graph().outcome("o:1", 12.0, "person", "suspects_arrested", "a:qd", "c:lt").outcome(
            "o:2",
            12.0,
            "case",
            "cases_solved",
            "u:xj",
            "c:lt",
        );
        let s = g.score(&gold);
        assert_eq!(counts(&s.outcomes), (2, 0, 2));
        assert_eq!((s.accuracy.unit.right, s.accuracy.metric.right), (2, 2));
        assert_eq!(s.accuracy.outcome_agency.right, 2, "a unit of the gold agency is a more specific answer");
        assert_eq!(s.strict_tp, 2);
    }

    #[test]
    fn an_outcome_emitted_twice_is_a_false_positive_and_optional_ones_count_for_nothing() {
        let gold = format!(r#"{{"doc": "d1", {QINGDAO}, {OUTCOMES}}}"#);
        let g = outcome_graph()
            .outcome("o:1", 3.0, "group", "gangs_dismantled", "a:qd", "")
            .outcome("o:2", 3.0, "group", "gangs_dismantled", "a:qd", "")
            .outcome("o:3", 40.0, "item", "items_seized", "a:qd", "")
            .outcome("o:4", 7.0, "case", "cases_solved", "a:qd", "");
        let s = g.score(&gold);
        assert_eq!(counts(&s.outcomes), (1, 2, 3));
        assert_eq!(s.duplicate_outcomes, 1, "7 is spurious, not a duplicate");
        assert_eq!(s.accuracy.outcome_campaign.total, 0, "a gold item without a campaign is not checked");
        assert_eq!(s.strict_tp, 1);
    }

    #[test]
    fn the_strict_line_needs_metric_agency_and_campaign_right() {
        let gold = format!(r#"{{"doc": "d1", {QINGDAO}, {OUTCOMES}}}"#);
        let g = outcome_graph()
            .entity(EntityClass::Agency, "a:yt", &["烟台市公安局"], None)
            .outcome("o:1", 12.0, "case", "cases_solved", "a:qd", "") // no campaign
            .outcome("o:2", 12.0, "person", "suspects_punished", "a:qd", "c:lt") // wrong metric
            .outcome("o:3", 5.0, "person", "fugitives_caught", "a:yt", ""); // wrong agency
        let s = g.score(&gold);
        assert_eq!(counts(&s.outcomes), (3, 0, 1));
        assert_eq!(s.strict_tp, 0);
        let strict = s.strict();
        assert_eq!((strict.tp, strict.fp, strict.fn_), (0, 3, 4));
        assert_eq!(s.accuracy.metric.wrong, ["d1: 抓获12人 (gold suspects_arrested, got suspects_punished)"]);
        assert_eq!((s.accuracy.outcome_campaign.right, s.accuracy.outcome_campaign.total), (1, 2));
        assert_eq!((s.accuracy.outcome_agency.right, s.accuracy.outcome_agency.total), (2, 3));
    }

    #[test]
    fn values_match_up_to_rounding() {
        assert!(same_value(14800.0, 14800.000001));
        assert!(same_value(0.1 + 0.2, 0.3));
        assert!(!same_value(48.9, 48.0));
    }

    #[test]
    fn operations_match_by_date_and_actor_up_the_parent_chain() {
        let gold = format!(
            r#"{{"doc": "d1", {QINGDAO}, "operations": [
                {{"date": "2024-03", "by": "青岛市公安局"}},
                {{"date": "2024-03-05", "by": "青岛市公安局"}},
                {{"date": "2024-04-01", "by": "青岛市公安局", "optional": true}},
                {{"date": "2024-05-09", "by": "青岛市公安局"}}]}}"#
        );
        let g = outcome_graph()
            .operation("op:1", "2024-03-05", "u:xj") // the same day beats the same month
            .operation("op:2", "2024-03-20", "a:qd") // the month
            .operation("op:3", "2024-04-01", "a:qd") // optional: neither
            .operation("op:4", "2024-05-10", "a:qd"); // another day: spurious
        let s = g.score(&gold);
        assert_eq!(counts(&s.operations), (2, 1, 1));
        assert_eq!(s.operations.misses, ["d1: 2024-05-09 青岛市公安局"]);
    }
}
