//! Counts and the figures made of them: precision, recall and F1 of a field, the strict outcome line, and
//! the share right of an accuracy check. Counts add up over documents.

use serde::Serialize;
use std::ops::AddAssign;

/// The counts of one field (agencies, units, campaigns, outcomes, operations).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    /// Gold items found.
    pub tp: usize,
    /// Items of the graph that are no gold item.
    pub fp: usize,
    /// Gold items not found.
    pub fn_: usize,
    pub misses: Vec<String>,
    pub spurious: Vec<String>,
}

impl Tally {
    pub fn miss(&mut self, what: String) {
        self.fn_ += 1;
        self.misses.push(what);
    }

    pub fn spurious(&mut self, what: String) {
        self.fp += 1;
        self.spurious.push(what);
    }

    pub fn figures(&self) -> Prf {
        Prf::new(self.tp, self.fp, self.fn_)
    }
}

impl AddAssign<&Tally> for Tally {
    fn add_assign(&mut self, other: &Tally) {
        self.tp += other.tp;
        self.fp += other.fp;
        self.fn_ += other.fn_;
        self.misses.extend(other.misses.iter().cloned());
        self.spurious.extend(other.spurious.iter().cloned());
    }
}

/// Precision, recall and F1 with the counts they come from. A ratio with nothing to divide by is 0.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Prf {
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    pub tp: usize,
    pub fp: usize,
    #[serde(rename = "fn")]
    pub fn_: usize,
}

impl Prf {
    pub fn new(tp: usize, fp: usize, fn_: usize) -> Self {
        let ratio = |num: usize, den: usize| if den == 0 { 0.0 } else { num as f64 / den as f64 };
        let precision = ratio(tp, tp + fp);
        let recall = ratio(tp, tp + fn_);
        let f1 = if precision + recall > 0.0 { 2.0 * precision * recall / (precision + recall) } else { 0.0 };
        Self { precision, recall, f1, tp, fp, fn_ }
    }
}

/// One accuracy check on matched items (is the unit right, the metric, the parent...).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Accuracy {
    pub right: usize,
    pub total: usize,
    pub wrong: Vec<String>,
}

impl Accuracy {
    /// Records one check; returns `ok`.
    pub fn check(&mut self, ok: bool, what: String) -> bool {
        self.total += 1;
        if ok {
            self.right += 1;
        } else {
            self.wrong.push(what);
        }
        ok
    }

    /// The share right, or None when nothing was there to check.
    pub fn value(&self) -> Option<f64> {
        (self.total > 0).then(|| self.right as f64 / self.total as f64)
    }
}

impl AddAssign<&Accuracy> for Accuracy {
    fn add_assign(&mut self, other: &Accuracy) {
        self.right += other.right;
        self.total += other.total;
        self.wrong.extend(other.wrong.iter().cloned());
    }
}

/// The accuracy lines: checks made on matched items only.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccuracyLines {
    /// A matched unit's parent chain holds its gold parent.
    pub unit_parent: Accuracy,
    /// A matched campaign's parent chain holds its gold parent.
    pub campaign_parent: Accuracy,
    /// A matched outcome's unit.
    pub unit: Accuracy,
    pub metric: Accuracy,
    /// A matched outcome's agency (or one up its chain) is the gold one, where the gold item names one.
    pub outcome_agency: Accuracy,
    /// A matched outcome's campaign (or one up its chain) is the gold one, where the gold item names one.
    pub outcome_campaign: Accuracy,
    /// The approximate marker (余, 多, 近, 约...).
    pub approx: Accuracy,
}

impl AccuracyLines {
    pub const NAMES: [&'static str; 7] =
        ["unit_parent", "campaign_parent", "unit", "metric", "outcome_agency", "outcome_campaign", "approx"];

    /// The lines with their names, in report order.
    pub fn named(&self) -> [(&'static str, &Accuracy); 7] {
        let [up, cp, unit, metric, agency, campaign, approx] = Self::NAMES;
        [
            (up, &self.unit_parent),
            (cp, &self.campaign_parent),
            (unit, &self.unit),
            (metric, &self.metric),
            (agency, &self.outcome_agency),
            (campaign, &self.outcome_campaign),
            (approx, &self.approx),
        ]
    }

    fn named_mut(&mut self) -> [&mut Accuracy; 7] {
        [
            &mut self.unit_parent,
            &mut self.campaign_parent,
            &mut self.unit,
            &mut self.metric,
            &mut self.outcome_agency,
            &mut self.outcome_campaign,
            &mut self.approx,
        ]
    }
}

/// Everything counted on one document, or added up over many.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scores {
    pub agencies: Tally,
    pub units: Tally,
    pub campaigns: Tally,
    pub outcomes: Tally,
    pub operations: Tally,
    /// Matched outcomes whose unit, metric, approximate marker, agency and campaign are all right.
    pub strict_tp: usize,
    pub accuracy: AccuracyLines,
    /// Outcomes whose value only matched gold items already matched (counted among the false positives).
    pub duplicate_outcomes: usize,
}

impl Scores {
    pub const FIELDS: [&'static str; 5] = ["agencies", "units", "campaigns", "outcomes", "operations"];

    /// The fields with their names, in report order.
    pub fn fields(&self) -> [(&'static str, &Tally); 5] {
        let [a, u, c, o, op] = Self::FIELDS;
        [(a, &self.agencies), (u, &self.units), (c, &self.campaigns), (o, &self.outcomes), (op, &self.operations)]
    }

    /// The strict outcome line: an outcome matched with something wrong is both a false positive and a miss.
    pub fn strict(&self) -> Prf {
        let o = &self.outcomes;
        let partly_wrong = o.tp - self.strict_tp;
        Prf::new(self.strict_tp, o.fp + partly_wrong, o.fn_ + partly_wrong)
    }
}

impl AddAssign<&Scores> for Scores {
    fn add_assign(&mut self, other: &Scores) {
        self.agencies += &other.agencies;
        self.units += &other.units;
        self.campaigns += &other.campaigns;
        self.outcomes += &other.outcomes;
        self.operations += &other.operations;
        self.strict_tp += other.strict_tp;
        let theirs = other.accuracy.named();
        for (mine, (_, theirs)) in self.accuracy.named_mut().into_iter().zip(theirs) {
            *mine += theirs;
        }
        self.duplicate_outcomes += other.duplicate_outcomes;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_of_counts() {
        let f = Prf::new(3, 1, 2);
        assert_eq!((f.precision, f.recall), (0.75, 0.6));
        assert!((f.f1 - 2.0 * 0.75 * 0.6 / 1.35).abs() < 1e-12);
        assert_eq!(Prf::new(0, 0, 0).f1, 0.0, "nothing to find and nothing found is 0, not NaN");
    }

    #[test]
    fn the_strict_line_counts_a_partly_wrong_match_twice() {
        let mut s = Scores::default();
        s.outcomes.tp = 4;
        s.outcomes.fp = 1;
        s.outcomes.fn_ = 1;
        s.strict_tp = 3;
        let strict = s.strict();
        assert_eq!((strict.tp, strict.fp, strict.fn_), (3, 2, 2));
    }

    #[test]
    fn scores_add_up_over_documents() {
        let mut a = Scores::default();
        a.units.miss("d1: x".into());
        a.accuracy.metric.check(true, String::new());
        let mut b = Scores::default();
        b.units.tp = 2;
        b.accuracy.metric.check(false, "d2: y".into());
        a += &b;
        assert_eq!((a.units.tp, a.units.fn_), (2, 1));
        assert_eq!((a.accuracy.metric.right, a.accuracy.metric.total), (1, 2));
        assert_eq!(a.accuracy.metric.wrong, ["d2: y"]);
        assert_eq!(Accuracy::default().value(), None);
    }
}
