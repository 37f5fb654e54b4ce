//! Reading gold files: one JSON file per document, what a careful reader finds in it
//! (`docs/gold-format.md` describes the format).

use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

/// What went wrong reading a folder of gold files.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GoldError {
    #[error("{}: cannot read the gold files", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}: not a gold file", path.display())]
    Parse {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    #[error("{}: no gold files (*.json) here", dir.display())]
    Empty { dir: PathBuf },
    #[error("{} and {} are both the gold file of document {doc:?}", first.display(), second.display())]
    DuplicateDocument { doc: String, first: PathBuf, second: PathBuf },
}

/// The gold annotation of one document.
#[derive(Debug, Clone, Deserialize)]
pub struct GoldDocument {
    /// The document's identifier (`dcterms:identifier`: the input file's name without extension).
    pub doc: String,
    #[serde(default)]
    pub issued: Option<String>,
    #[serde(default)]
    pub agencies: Vec<GoldEntity>,
    #[serde(default)]
    pub units: Vec<GoldEntity>,
    #[serde(default)]
    pub campaigns: Vec<GoldEntity>,
    #[serde(default)]
    pub operations: Vec<GoldOperation>,
    #[serde(default)]
    pub outcomes: Vec<GoldOutcome>,
}

/// An agency, unit or campaign.
#[derive(Debug, Clone, Deserialize)]
pub struct GoldEntity {
    /// The canonical label (agencies), the name as written (units, campaigns).
    pub name: String,
    /// Other names that match too.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// The name of the parent agency, unit or campaign, in the same file.
    #[serde(default)]
    pub parent: Option<String>,
    /// national, provincial, prefectural or county (agencies; not scored).
    #[serde(default)]
    pub level: Option<String>,
    /// Two readers could disagree: neither rewarded nor punished.
    #[serde(default)]
    pub optional: bool,
}

impl GoldEntity {
    /// The name and the aliases.
    pub fn names(&self) -> Vec<&str> {
        std::iter::once(self.name.as_str()).chain(self.aliases.iter().map(String::as_str)).collect()
    }
}

/// A concrete dated action.
#[derive(Debug, Clone, Deserialize)]
pub struct GoldOperation {
    /// YYYY-MM-DD or YYYY-MM.
    pub date: String,
    /// The agency or unit that acted.
    pub by: String,
    #[serde(default)]
    pub note: Option<String>,
    #[serde(default)]
    pub optional: bool,
}

/// A reported quantitative result.
#[derive(Debug, Clone, Deserialize)]
pub struct GoldOutcome {
    pub value: f64,
    pub unit: String,
    pub metric: String,
    /// The agency or unit whose result it is.
    #[serde(default)]
    pub agency: Option<String>,
    /// The campaign it counts toward.
    #[serde(default)]
    pub campaign: Option<String>,
    #[serde(default)]
    pub approx: bool,
    /// The clause as written.
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub optional: bool,
}

impl GoldOutcome {
    /// The agency, unless none is given.
    pub fn agency(&self) -> Option<&str> {
        self.agency.as_deref().filter(|a| !a.is_empty())
    }

    /// The campaign, unless none is given.
    pub fn campaign(&self) -> Option<&str> {
        self.campaign.as_deref().filter(|c| !c.is_empty())
    }
}

/// The gold files of a folder, by document identifier.
#[derive(Debug, Clone, Default)]
pub struct GoldSet {
    pub documents: BTreeMap<String, GoldDocument>,
}

impl GoldSet {
    /// Reads every `*.json` file of `dir` (not its subfolders).
    pub fn load(dir: &Path) -> Result<Self, GoldError> {
        let read_err = |source| GoldError::Read { path: dir.to_owned(), source };
        let mut paths = Vec::new();
        for entry in std::fs::read_dir(dir).map_err(read_err)? {
            let path = entry.map_err(read_err)?.path();
            if path.extension().is_some_and(|e| e == "json") && path.is_file() {
                paths.push(path);
            }
        }
        paths.sort();
        if paths.is_empty() {
            return Err(GoldError::Empty { dir: dir.to_owned() });
        }
        let mut set = GoldSet::default();
        let mut origin: HashMap<String, PathBuf> = HashMap::new();
        for path in paths {
            let text =
                std::fs::read_to_string(&path).map_err(|source| GoldError::Read { path: path.clone(), source })?;
            let doc = Self::parse(&text).map_err(|source| GoldError::Parse { path: path.clone(), source })?;
            if let Some(first) = origin.insert(doc.doc.clone(), path.clone()) {
                return Err(GoldError::DuplicateDocument { doc: doc.doc, first, second: path });
            }
            set.documents.insert(doc.doc.clone(), doc);
        }
        Ok(set)
    }

    /// Parses one gold file.
    pub fn parse(json: &str) -> Result<GoldDocument, serde_json::Error> {
        serde_json::from_str(json)
    }

    /// A set of gold documents given in memory.
    pub fn from_documents(docs: impl IntoIterator<Item = GoldDocument>) -> Self {
        Self { documents: docs.into_iter().map(|d| (d.doc.clone(), d)).collect() }
    }
}

/// The agencies, units and campaigns of a gold document by name (the first of a name wins), to resolve
/// the names that parents, outcomes and operations refer to.
pub(crate) struct GoldIndex<'a> {
    by_name: HashMap<&'a str, &'a GoldEntity>,
}

impl<'a> GoldIndex<'a> {
    pub fn new(doc: &'a GoldDocument) -> Self {
        let mut by_name = HashMap::new();
        for item in doc.agencies.iter().chain(&doc.units).chain(&doc.campaigns) {
            by_name.entry(item.name.as_str()).or_insert(item);
        }
        Self { by_name }
    }

    /// The names (name and aliases) of the item called `name`; just `name` when the file has no such item.
    pub fn names_of(&self, name: &'a str) -> Vec<&'a str> {
        match self.by_name.get(name) {
            Some(item) => item.names(),
            None => vec![name],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_minimal_file_parses_with_defaults() {
        let doc =
            GoldSet::parse(r#"{"doc": "a1", "outcomes": [{"value": 12, "unit": "case", "metric": "cases_solved"}]}"#)
                .unwrap();
        assert_eq!(doc.doc, "a1");
        assert!(doc.agencies.is_empty());
        let o = &doc.outcomes[0];
        assert_eq!((o.value, o.approx, o.optional, o.agency()), (12.0, false, false, None));
    }

    #[test]
    fn an_empty_agency_or_campaign_is_none() {
        let doc = GoldSet::parse(
            r#"{"doc": "a1", "outcomes": [{"value": 1, "unit": "case", "metric": "other", "agency": "", "campaign": null}]}"#,
        )
        .unwrap();
        assert_eq!((doc.outcomes[0].agency(), doc.outcomes[0].campaign()), (None, None));
    }

    #[test]
    fn the_index_resolves_names_to_their_aliases() {
        let doc = GoldSet::parse(
            r#"{"doc": "a1", "agencies": [{"name": "青岛市公安局", "aliases": ["青岛公安"]}],
                "campaigns": [{"name": "青岛市公安局"}]}"#,
        )
        .unwrap();
        let index = GoldIndex::new(&doc);
        assert_eq!(index.names_of("青岛市公安局"), ["青岛市公安局", "青岛公安"], "the first item of a name wins");
        assert_eq!(index.names_of("烟台市公安局"), ["烟台市公安局"]);
    }

    #[test]
    fn a_folder_with_two_files_for_one_document_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.json"), r#"{"doc": "x"}"#).unwrap();
        std::fs::write(dir.path().join("b.json"), r#"{"doc": "x"}"#).unwrap();
        assert!(matches!(GoldSet::load(dir.path()), Err(GoldError::DuplicateDocument { .. })));
        let empty = tempfile::tempdir().unwrap();
        assert!(matches!(GoldSet::load(empty.path()), Err(GoldError::Empty { .. })));
    }
}
