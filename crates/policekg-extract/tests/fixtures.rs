//! Hand-written articles (tests/fixtures/*.txt, in other provinces' styles, one in Traditional script)
//! with the facts a careful reader finds in them (*.json): one runner checks every expectation and reports
//! all mismatches at once. Every sentence of the fixtures was written for this project.

use std::path::{Path, PathBuf};

use policekg_extract::{extract, Article, Extraction};
use serde_json::Value;

fn fixtures() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut v: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    v.sort();
    v
}

/// Builds the article by hand: front matter read here, body as written, `simplified` from a
/// `.simplified.txt` companion when the body is in Traditional script.
fn article(json: &Path) -> Article {
    let txt = json.with_extension("txt");
    let raw = std::fs::read_to_string(&txt).unwrap();
    let (mut title, mut date) = (None, None);
    let mut body = raw.as_str();
    if let Some(rest) = raw.strip_prefix("---\n") {
        if let Some(end) = rest.find("\n---\n") {
            for line in rest[..end].lines() {
                if let Some(v) = line.strip_prefix("title: ") {
                    title = Some(v.trim().to_string());
                }
                if let Some(v) = line.strip_prefix("date: ") {
                    date = Some(v.trim().to_string());
                }
            }
            body = &rest[end + 5..];
        }
    }
    let simp_path = PathBuf::from(txt.to_string_lossy().replace(".txt", ".simplified.txt"));
    let simplified = std::fs::read_to_string(&simp_path).unwrap_or_else(|_| body.to_string());
    assert_eq!(
        simplified.chars().count(),
        body.chars().count(),
        "{}: simplified copy must have as many chars",
        simp_path.display()
    );
    Article {
        id: json.file_stem().unwrap().to_string_lossy().to_string(),
        title,
        date,
        body: body.to_string(),
        simplified,
        origin: txt.display().to_string(),
        ..Default::default()
    }
}

fn s(v: &Value) -> Option<String> {
    v.as_str().map(str::to_string)
}

fn check(name: &str, a: &Article, x: &Extraction, want: &Value, errs: &mut Vec<String>) {
    for w in want["agencies"].as_array().unwrap() {
        let label = w["label"].as_str().unwrap();
        match x.agencies.iter().find(|a| a.label == label) {
            None => errs.push(format!("{name}: agency {label} missing")),
            Some(a) => {
                let level = serde_json::to_value(a.level).unwrap();
                if level != w["level"] {
                    errs.push(format!("{name}: agency {label} level {level} != {}", w["level"]));
                }
                if a.parent != s(&w["parent"]) {
                    errs.push(format!("{name}: agency {label} parent {:?} != {}", a.parent, w["parent"]));
                }
                for alt in w["alt_labels"].as_array().into_iter().flatten() {
                    if !a.alt_labels.iter().any(|x| Some(x.as_str()) == alt.as_str()) {
                        errs.push(format!("{name}: agency {label} lacks alt label {alt}"));
                    }
                }
            }
        }
    }
    for w in want["units"].as_array().unwrap() {
        let label = w["label"].as_str().unwrap();
        match x.units.iter().find(|u| u.label == label) {
            None => errs.push(format!(
                "{name}: unit {label} missing (have {:?})",
                x.units.iter().map(|u| &u.label).collect::<Vec<_>>()
            )),
            Some(u) if u.parent != s(&w["parent"]) => errs.push(format!("{name}: unit {label} parent {:?}", u.parent)),
            _ => {}
        }
    }
    for w in want["campaigns"].as_array().unwrap() {
        let label = w["label"].as_str().unwrap();
        match x.campaigns.iter().find(|c| c.label == label) {
            None => errs.push(format!(
                "{name}: campaign {label} missing (have {:?})",
                x.campaigns.iter().map(|c| &c.label).collect::<Vec<_>>()
            )),
            Some(c) if c.part_of != s(&w["part_of"]) => {
                errs.push(format!("{name}: campaign {label} part_of {:?}", c.part_of))
            }
            _ => {}
        }
    }
    for w in want["outcomes"].as_array().unwrap() {
        let (metric, value) = (w["metric"].as_str().unwrap(), w["value"].as_str().unwrap());
        let Some(o) = x.outcomes.iter().find(|o| o.metric == metric && o.value == value) else {
            errs.push(format!("{name}: outcome {metric}={value} missing"));
            continue;
        };
        let got = serde_json::to_value(o).unwrap();
        for key in [
            "unit",
            "approximate",
            "attributed_to",
            "campaign",
            "direction",
            "comparison",
            "crime_type",
            "period_start",
            "period_end",
        ] {
            if let Some(wv) = w.get(key) {
                if &got[key] != wv {
                    errs.push(format!("{name}: outcome {metric}={value} {key} {} != {}", got[key], wv));
                }
            }
        }
        // Evidence is verbatim body text at its offsets.
        let cut: String = a.body.chars().skip(o.evidence.start).take(o.evidence.end - o.evidence.start).collect();
        if cut != o.evidence.text {
            errs.push(format!(
                "{name}: outcome {metric}={value} evidence {:?} is not the body at its offsets",
                o.evidence.text
            ));
        }
    }
    for v in want["absent_values"].as_array().into_iter().flatten() {
        if let Some(o) = x.outcomes.iter().find(|o| Some(o.value.as_str()) == v.as_str()) {
            errs.push(format!("{name}: {} is no outcome, got {} from {:?}", v, o.metric, o.evidence.text));
        }
    }
    if let Some(n) = want["outcome_count"].as_u64() {
        if x.outcomes.len() as u64 != n {
            errs.push(format!(
                "{name}: {} outcomes, want {n}: {:?}",
                x.outcomes.len(),
                x.outcomes.iter().map(|o| format!("{}={}", o.metric, o.value)).collect::<Vec<_>>()
            ));
        }
    }
    for w in want["operations"].as_array().unwrap() {
        let (date, by) = (w["date"].as_str().unwrap(), w["by"].as_str().unwrap());
        if !x.operations.iter().any(|o| o.date.as_deref() == Some(date) && o.conducted_by.iter().any(|b| b == by)) {
            errs.push(format!(
                "{name}: operation {date} by {by} missing (have {:?})",
                x.operations.iter().map(|o| (o.date.clone(), o.conducted_by.clone())).collect::<Vec<_>>()
            ));
        }
    }
    if want["evidence_script"] == "traditional" && !x.outcomes.iter().all(|o| a.body.contains(&o.evidence.text)) {
        errs.push(format!("{name}: evidence must be cut from the Traditional body"));
    }
}

#[test]
fn hand_written_articles_give_the_expected_facts() {
    let mut errs = Vec::new();
    let all = fixtures();
    assert!(all.len() >= 4);
    for json in all {
        let want: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
        let a = article(&json);
        let x = extract(&a);
        check(&a.id, &a, &x, &want, &mut errs);
    }
    assert!(errs.is_empty(), "{} mismatches:\n{}", errs.len(), errs.join("\n"));
}

#[test]
fn extraction_is_deterministic() {
    for json in fixtures() {
        let a = article(&json);
        assert_eq!(extract(&a), extract(&a));
    }
}

#[test]
fn traditional_fixture_through_ingest_gives_the_same_outcomes() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let txt = dir.join("bj_beijing_jingwang_traditional.txt");
    let bytes = std::fs::read(&txt).unwrap();
    let a = policekg_extract::ingest::parse_document("bj", "bj", policekg_extract::ingest::InputKind::Text, &bytes)
        .unwrap();
    let by_hand = article(&dir.join("bj_beijing_jingwang_traditional.json"));
    let x = extract(&a);
    let y = extract(&by_hand);
    let brief = |x: &Extraction| {
        x.outcomes
            .iter()
            .map(|o| (o.metric.clone(), o.value.clone(), o.attributed_to.clone(), o.campaign.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(brief(&x), brief(&y));
    assert!(!x.outcomes.is_empty());
    // Evidence is the Traditional text.
    assert!(x.outcomes.iter().any(|o| o.evidence.text.contains("偵破")));
}
