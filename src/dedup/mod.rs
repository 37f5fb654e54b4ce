//! Re-post detection: which earlier document a document repeats.
//!
//! Each document graph stores its MinHash signature (`pk:minhash`) and LSH band keys (`pk:lshBand`, see
//! [`signature`]). A document's candidates are the documents that share a band key with it, found by an
//! index lookup per band in the store (documents of earlier builds) and in memory (documents of this build,
//! which a bulk load makes visible only when it commits); a candidate is a re-post's original when the
//! signatures' estimated similarity reaches [`signature::REPOST_SIMILARITY`]. No pair is compared unless
//! it shares a band: the work per document does not grow with the store.
//!
//! A cluster of versions has one root, the first version built into the store; every other version links
//! to it with `pk:duplicateOf` in the versions graph ([`crate::model::Iris::versions_graph`]).

pub mod signature;

pub use signature::{BandKey, Signature};

use crate::model::Iris;
use crate::store::{KgStore, StoreError};
use crate::vocab::{dcterms, pk};
use oxigraph::model::{GraphNameRef, Literal, NamedNode, NamedNodeRef, Term, TermRef};
use std::collections::HashMap;

/// A document another may repeat: its id, publication date and root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    pub id: String,
    pub date: Option<String>,
    /// The root of its cluster: itself when it repeats nothing.
    pub root: String,
}

/// The documents of this build, by band key (kept for the whole build: about 200 bytes a document).
#[derive(Debug, Default)]
pub struct BuildIndex {
    by_band: HashMap<BandKey, Vec<u32>>,
    docs: Vec<(Version, Vec<u16>)>,
    by_id: HashMap<String, u32>,
}

impl BuildIndex {
    /// Adds (or re-adds) a document.
    pub fn insert(&mut self, version: Version, signature: &Signature) {
        let slot = self.docs.len() as u32;
        self.by_id.insert(version.id.clone(), slot);
        self.docs.push((version, signature.values.clone()));
        for band in &signature.bands {
            self.by_band.entry(*band).or_default().push(slot);
        }
    }

    /// The documents of this build that `signature` repeats, most similar first.
    pub fn similar(&self, id: &str, signature: &Signature) -> Vec<(Version, f64)> {
        let mut slots: Vec<u32> =
            signature.bands.iter().filter_map(|b| self.by_band.get(b)).flatten().copied().collect();
        slots.sort_unstable();
        slots.dedup();
        let mut found: Vec<(Version, f64)> = slots
            .into_iter()
            // A slot replaced by a later version of the same id is stale.
            .filter(|&s| self.by_id.get(&self.docs[s as usize].0.id) == Some(&s))
            .filter_map(|s| {
                let (version, values) = &self.docs[s as usize];
                let sim = similarity(&signature.values, values);
                (version.id != id && sim >= signature::REPOST_SIMILARITY).then(|| (version.clone(), sim))
            })
            .collect();
        found.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.id.cmp(&b.0.id)));
        found
    }

    pub fn get(&self, id: &str) -> Option<&Version> {
        self.by_id.get(id).map(|&s| &self.docs[s as usize].0)
    }
}

/// Which of a run of articles repeat earlier ones (for `policekg explain`).
#[derive(Debug, Default)]
pub struct Repeats {
    index: BuildIndex,
}

impl Repeats {
    /// Adds an article; says which earlier article it repeats, if any.
    pub fn add(&mut self, article: &policekg_extract::Article) -> Option<String> {
        let sig = Signature::of_text(&article.simplified)?;
        let found = self.index.similar(&article.id, &sig).into_iter().next();
        let root = found.as_ref().map_or_else(|| article.id.clone(), |(v, _)| v.root.clone());
        self.index.insert(Version { id: article.id.clone(), date: article.date.clone(), root }, &sig);
        let (v, sim) = found?;
        Some(format!(
            "repeats {} (text similarity {sim:.2}): its outcomes are the same facts as those of {}",
            v.id, v.root
        ))
    }
}

fn similarity(a: &[u16], b: &[u16]) -> f64 {
    if a.len() != b.len() || a.is_empty() {
        return 0.0;
    }
    a.iter().zip(b).filter(|(x, y)| x == y).count() as f64 / a.len() as f64
}

/// The stored documents (other than `id`) that `signature` repeats, most similar first.
pub fn similar_in_store(
    kg: &KgStore,
    iris: &Iris,
    id: &str,
    signature: &Signature,
) -> Result<Vec<(Version, f64)>, StoreError> {
    let store = kg.oxigraph();
    let err = |e| kg.storage_error(e);
    let mut docs: Vec<NamedNode> = Vec::new();
    for band in &signature.bands {
        let key = Literal::new_simple_literal(band.to_literal());
        for q in store.quads_for_pattern(None, Some(pk::LSH_BAND), Some(key.as_ref().into()), None) {
            if let oxigraph::model::NamedOrBlankNode::NamedNode(d) = q.map_err(err)?.subject {
                docs.push(d);
            }
        }
    }
    docs.sort();
    docs.dedup();
    let own = iris.document(id);
    let mut found = Vec::new();
    for doc in docs.into_iter().filter(|d| *d != own) {
        let graph = GraphNameRef::NamedNode(doc.as_ref());
        let Some(values) = literal(kg, doc.as_ref(), pk::MINHASH, graph)? else { continue };
        let Some(stored) = Signature::from_values_literal(&values) else { continue };
        let sim = similarity(&signature.values, &stored.values);
        if sim < signature::REPOST_SIMILARITY {
            continue;
        }
        let Some(doc_id) = literal(kg, doc.as_ref(), dcterms::IDENTIFIER, graph)? else { continue };
        let date = literal(kg, doc.as_ref(), dcterms::ISSUED, graph)?;
        let versions_graph = iris.versions_graph();
        let versions = GraphNameRef::NamedNode(versions_graph.as_ref());
        let root = match store
            .quads_for_pattern(Some(doc.as_ref().into()), Some(pk::DUPLICATE_OF), None, Some(versions))
            .next()
        {
            Some(q) => match q.map_err(err)?.object {
                Term::NamedNode(r) => id_of(iris, r.as_str()).unwrap_or_else(|| doc_id.clone()),
                _ => doc_id.clone(),
            },
            None => doc_id.clone(),
        };
        found.push((Version { id: doc_id, date, root }, sim));
    }
    found.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.id.cmp(&b.0.id)));
    Ok(found)
}

/// The value of a literal property of `s` in `graph`, if any.
pub(crate) fn literal(
    kg: &KgStore,
    s: NamedNodeRef<'_>,
    p: NamedNodeRef<'_>,
    graph: GraphNameRef<'_>,
) -> Result<Option<String>, StoreError> {
    match kg.oxigraph().quads_for_pattern(Some(s.into()), Some(p), None, Some(graph)).next() {
        Some(q) => Ok(match q.map_err(|e| kg.storage_error(e))?.object.as_ref() {
            TermRef::Literal(l) => Some(l.value().to_owned()),
            _ => None,
        }),
        None => Ok(None),
    }
}

/// The document id of a document IRI minted by `iris` (percent-escapes undone).
pub fn id_of(iris: &Iris, doc_iri: &str) -> Option<String> {
    let segment = doc_iri.strip_prefix(iris.base())?.strip_prefix("doc/")?;
    Some(percent_decode(segment))
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn document_ids_come_back_from_their_iris() {
        let iris = Iris::default();
        for id in ["gen-0000001", "a b/c", "浙江-1"] {
            assert_eq!(id_of(&iris, iris.document(id).as_str()).as_deref(), Some(id));
        }
        assert_eq!(id_of(&iris, "http://elsewhere/doc/x"), None);
    }

    #[test]
    fn the_build_index_finds_a_repeat_and_forgets_replaced_versions() {
        let text = "今年以来，江城市公安局持续打击电信网络诈骗犯罪，共破获案件312起，抓获犯罪嫌疑人148名，\
            止付涉案资金860万元，冻结账户57个，劝阻潜在受害人2300人次。";
        let sig = Signature::of_text(text).unwrap();
        let mut index = BuildIndex::default();
        let v = |id: &str| Version { id: id.into(), date: None, root: id.into() };
        index.insert(v("a"), &sig);
        let found = index.similar("b", &sig);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0.id, "a");
        assert!(index.similar("a", &sig).is_empty(), "a document does not repeat itself");
        let other = Signature::of_text(
            "近日，河口县公安局破获一起盗窃案件，抓获犯罪嫌疑人2名，追回被盗电动车5辆，该局提醒群众加装防盗锁。",
        )
        .unwrap();
        index.insert(v("a"), &other);
        assert!(index.similar("b", &sig).is_empty(), "a's first version is gone");
    }
}
