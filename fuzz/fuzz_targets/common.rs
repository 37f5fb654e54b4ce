// Shared by the targets: ingest `data` as `kind`, then extract, checking the invariants of tests/fuzz.rs.
use policekg_extract::ingest::{parse_document, InputKind};

pub fn ingest_and_extract(kind: InputKind, data: &[u8]) {
    let origin = "fuzz/input";
    match parse_document("fuzz-doc", origin, kind, data) {
        Err(e) => assert!(e.to_string().contains(origin), "an ingest error names its input: {e}"),
        Ok(article) => check_extraction(&article),
    }
}

pub fn check_extraction(article: &policekg_extract::Article) {
    let body: Vec<char> = article.body.chars().collect();
    assert_eq!(article.simplified.chars().count(), body.len(), "simplified text aligned char for char");
    let x = policekg_extract::extract(article);
    let evidence = x
        .agencies
        .iter()
        .flat_map(|a| &a.evidence)
        .chain(x.units.iter().flat_map(|u| &u.evidence))
        .chain(x.campaigns.iter().flat_map(|c| &c.evidence))
        .chain(x.operations.iter().map(|o| &o.evidence))
        .chain(x.outcomes.iter().map(|o| &o.evidence));
    for e in evidence {
        assert!(e.start <= e.end && e.end <= body.len(), "evidence offsets inside the body");
        assert_eq!(e.text, body[e.start..e.end].iter().collect::<String>(), "evidence is verbatim");
    }
}
