//! `policekg explain FILE`: what was read out of one article, grouped by kind, each fact with the clause
//! it was read from and its offsets, so a reader can check every triple against its source.

use std::fmt::Write;

use crate::{Article, Evidence, Extraction};

fn ev(out: &mut String, e: &Evidence) {
    let _ = writeln!(out, "      [{}..{}] {}", e.start, e.end, e.text.replace('\n', " "));
}

/// A readable report of `x`, the extraction of `article`.
pub fn explain(article: &Article, x: &Extraction) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# {}", article.title.as_deref().unwrap_or(&article.id));
    let _ = writeln!(
        out,
        "id: {}   date: {}   chars: {}",
        article.id,
        article.date.as_deref().unwrap_or("unknown"),
        article.body.chars().count()
    );
    let _ = writeln!(out, "\n## Agencies ({})", x.agencies.len());
    for a in &x.agencies {
        let mentioned = if a.evidence.is_empty() { " (implied: parent of one named)" } else { "" };
        let _ =
            writeln!(out, "  {} [{:?}] parent: {}{}", a.label, a.level, a.parent.as_deref().unwrap_or("-"), mentioned);
        if !a.alt_labels.is_empty() {
            let _ = writeln!(out, "      also: {}", a.alt_labels.join(", "));
        }
        for e in &a.evidence {
            ev(&mut out, e);
        }
    }
    let _ = writeln!(out, "\n## Units ({})", x.units.len());
    for u in &x.units {
        let _ = writeln!(out, "  {} (name {}) parent: {}", u.label, u.name, u.parent.as_deref().unwrap_or("-"));
        for e in &u.evidence {
            ev(&mut out, e);
        }
    }
    let _ = writeln!(out, "\n## Campaigns ({})", x.campaigns.len());
    for c in &x.campaigns {
        let _ = writeln!(
            out,
            "  {} part of: {}  organizers: {}",
            c.label,
            c.part_of.as_deref().unwrap_or("-"),
            c.organizers.join(", ")
        );
        if !c.alt_labels.is_empty() {
            let _ = writeln!(out, "      also: {}", c.alt_labels.join(", "));
        }
        for e in &c.evidence {
            ev(&mut out, e);
        }
    }
    let _ = writeln!(out, "\n## Operations ({})", x.operations.len());
    for o in &x.operations {
        let _ = writeln!(
            out,
            "  {} by {} at {} campaign: {}",
            o.date.as_deref().unwrap_or("?"),
            o.conducted_by.join(", "),
            o.location.as_deref().unwrap_or("-"),
            o.part_of.as_deref().unwrap_or("-")
        );
        ev(&mut out, &o.evidence);
    }
    let _ = writeln!(out, "\n## Outcomes ({})", x.outcomes.len());
    for o in &x.outcomes {
        let mut extra = String::new();
        if o.approximate {
            extra.push_str(" approx");
        }
        if let Some(d) = o.direction {
            let _ = write!(extra, " {d:?}");
        }
        if let Some(c) = o.comparison {
            let _ = write!(extra, " {c:?}");
        }
        if let Some(ct) = &o.crime_type {
            let _ = write!(extra, " crime:{ct}");
        }
        if let (Some(s), e) = (&o.period_start, &o.period_end) {
            let _ = write!(extra, " period:{s}..{}", e.as_deref().unwrap_or(""));
        }
        let _ = writeln!(
            out,
            "  {} = {} {} ({}){}  by {}  campaign {}",
            o.metric,
            o.value,
            o.unit.code(),
            o.unit_text,
            extra,
            o.attributed_to.as_deref().unwrap_or("-"),
            o.campaign.as_deref().unwrap_or("-")
        );
        ev(&mut out, &o.evidence);
    }
    let _ = writeln!(out, "\n## Places ({})", x.places.len());
    for p in &x.places {
        let _ = writeln!(
            out,
            "  {} {} within {}",
            p.label,
            p.adcode.as_deref().unwrap_or("-"),
            p.within.as_deref().unwrap_or("-")
        );
    }
    out
}
