//! Content negotiation: the formats offered and the one an Accept header (or `format=`) picks.

use super::message::Request;
use super::protocol::param;
use crate::vocab::PREFIXES;
use oxigraph::io::{JsonLdProfileSet, RdfFormat, RdfSerializer};
use oxigraph::model::Triple;
use oxigraph::sparql::results::QueryResultsFormat;

/// Results formats, server preference first.
pub(super) const RESULTS_OFFERS: &[(&str, QueryResultsFormat)] = &[
    ("application/sparql-results+json", QueryResultsFormat::Json),
    ("application/json", QueryResultsFormat::Json),
    ("application/sparql-results+xml", QueryResultsFormat::Xml),
    ("application/xml", QueryResultsFormat::Xml),
    ("text/xml", QueryResultsFormat::Xml),
    ("text/csv", QueryResultsFormat::Csv),
    ("text/tab-separated-values", QueryResultsFormat::Tsv),
];

/// Graph formats, server preference first.
pub(super) fn graph_offers() -> Vec<(&'static str, RdfFormat)> {
    vec![
        ("text/turtle", RdfFormat::Turtle),
        ("application/x-turtle", RdfFormat::Turtle),
        ("application/turtle", RdfFormat::Turtle),
        ("application/n-triples", RdfFormat::NTriples),
        ("text/plain", RdfFormat::NTriples),
        ("application/ld+json", RdfFormat::JsonLd { profile: JsonLdProfileSet::empty() }),
        ("application/rdf+xml", RdfFormat::RdfXml),
    ]
}

/// `format=` parameter short names, for links and curl users.
fn format_param(name: &str) -> Option<&'static str> {
    Some(match name.to_ascii_lowercase().as_str() {
        // Tools such as SPARQLWrapper send `format=json` or `format=xml` for every query form.
        "json" => "application/sparql-results+json, application/ld+json",
        "srj" => "application/sparql-results+json",
        "xml" => "application/sparql-results+xml, application/rdf+xml",
        "srx" => "application/sparql-results+xml",
        "csv" => "text/csv",
        "tsv" => "text/tab-separated-values",
        "turtle" | "ttl" => "text/turtle",
        "ntriples" | "nt" => "application/n-triples",
        "jsonld" | "json-ld" => "application/ld+json",
        "rdfxml" | "rdf" => "application/rdf+xml",
        "html" => "text/html",
        _ => return None,
    })
}

/// The Accept header, unless a `format=` parameter overrides it.
pub(super) fn accept<'a>(req: &'a Request, params: &[(String, String)]) -> Option<&'a str> {
    if let Some(f) = param(params, "format").and_then(format_param) {
        return Some(f);
    }
    req.header("Accept")
}

/// `text/plain; charset=utf-8` for text media types.
pub(super) fn content_type(media: &str) -> String {
    if media.starts_with("text/") || media.ends_with("json") || media.ends_with("xml") {
        format!("{media}; charset=utf-8")
    } else {
        media.to_owned()
    }
}

/// Content negotiation: the offer the Accept header likes best (ties go to the first offer); `None`
/// when it accepts none of them. A missing or empty Accept accepts the first offer.
pub fn negotiate<T: Clone>(accept: Option<&str>, offers: &[(&str, T)]) -> Option<(String, T)> {
    let accept = accept.map(str::trim).filter(|a| !a.is_empty());
    let Some(accept) = accept else {
        return offers.first().map(|(m, t)| ((*m).to_owned(), t.clone()));
    };
    // (type, subtype, q)
    let ranges: Vec<(String, String, f32)> = accept
        .split(',')
        .filter_map(|r| {
            let mut parts = r.split(';');
            let media = parts.next()?.trim().to_ascii_lowercase();
            let (t, s) = media.split_once('/')?;
            let mut q = 1.0;
            for p in parts {
                if let Some((k, v)) = p.split_once('=') {
                    if k.trim().eq_ignore_ascii_case("q") {
                        q = v.trim().parse().unwrap_or(0.0);
                    }
                }
            }
            Some((t.trim().to_owned(), s.trim().to_owned(), q))
        })
        .collect();
    let mut best: Option<(f32, usize)> = None;
    for (i, (media, _)) in offers.iter().enumerate() {
        let (ot, os) = media.split_once('/').unwrap_or((media, ""));
        // The most specific matching range decides the quality of this offer.
        let q = ranges
            .iter()
            .filter_map(|(t, s, q)| {
                let specificity = if t == ot && s == os {
                    2
                } else if t == ot && s == "*" {
                    1
                } else if t == "*" && s == "*" {
                    0
                } else {
                    return None;
                };
                Some((specificity, *q))
            })
            .max_by_key(|(spec, _)| *spec)
            .map(|(_, q)| q);
        if let Some(q) = q.filter(|q| *q > 0.0) {
            if best.is_none_or(|(bq, _)| q > bq) {
                best = Some((q, i));
            }
        }
    }
    best.map(|(_, i)| (offers[i].0.to_owned(), offers[i].1.clone()))
}

pub(super) fn serialize_triples(triples: &[Triple], format: RdfFormat) -> std::io::Result<Vec<u8>> {
    let mut ser = RdfSerializer::from_format(format);
    if matches!(format, RdfFormat::Turtle | RdfFormat::RdfXml) {
        for (p, ns) in PREFIXES {
            ser = ser.with_prefix(*p, *ns).expect("the contract's prefixes are valid");
        }
    }
    let mut w = ser.for_writer(Vec::new());
    for t in triples {
        w.serialize_triple(t)?;
    }
    w.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiation_prefers_explicit_types_then_server_order() {
        let offers = [("text/turtle", 1), ("text/html", 2), ("application/ld+json", 3)];
        assert_eq!(negotiate(None, &offers).unwrap().1, 1);
        assert_eq!(negotiate(Some("*/*"), &offers).unwrap().1, 1);
        assert_eq!(
            negotiate(Some("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"), &offers).unwrap().1,
            2
        );
        assert_eq!(negotiate(Some("application/ld+json"), &offers).unwrap().1, 3);
        assert_eq!(negotiate(Some("text/*;q=0.5, application/ld+json;q=0.4"), &offers).unwrap().1, 1);
        assert_eq!(negotiate(Some("image/png"), &offers), None);
        assert_eq!(negotiate(Some("text/turtle;q=0, */*"), &offers).unwrap().1, 2);
    }
}
