//! Extraction: one [`Article`] in, an [`Extraction`] out.
//!
//! The rules run on the Simplified text (`Article::simplified`) and cut evidence from the original body at
//! the same char offsets. Stages, each in its module:
//!
//! * [`gazetteer`]: GB/T 2260 divisions and the organ of each (data/gazetteer/gbt2260.tsv);
//! * [`lexicon`]: cue words, classifiers, unit kinds, campaign patterns, crime types (data/lexicon/*.tsv);
//! * [`vocab`]: typed word lists, `word<TAB>role` with the role an enum parsed at load (org_words.tsv,
//!   campaign_words.tsv);
//! * [`numbers`], [`dates`]: numerals (1.48万, 一千余万) and dates (2月24日, 次日, 1至2月);
//! * [`orgs`]: agencies and units, resolved against the article's context, and who acts in each sentence;
//! * [`campaigns`], [`operations`], [`outcomes`]: the facts;
//! * [`explain`]: a readable report of one extraction.

#[cfg(test)]
mod annotated;
pub mod campaigns;
pub mod dates;
pub mod explain;
pub mod gazetteer;
pub mod lexicon;
pub mod numbers;
pub mod operations;
pub mod orgs;
pub mod outcomes;
pub mod text;
pub mod vocab;
pub mod words;

pub use explain::explain;

use crate::{Article, Extraction};

/// Lexicons and gazetteer, loaded once and shared (read-only) across threads.
pub struct Extractor {
    gazetteer: gazetteer::Gazetteer,
    lexicon: lexicon::Lexicon,
    campaign_rules: campaigns::CampaignRules,
    operation_rules: operations::OperationRules,
}

impl Extractor {
    /// The extractor with the lexicons and gazetteer shipped under `data/` (compiled in).
    pub fn builtin() -> &'static Extractor {
        static EXTRACTOR: std::sync::OnceLock<Extractor> = std::sync::OnceLock::new();
        EXTRACTOR.get_or_init(|| {
            let lexicon = lexicon::Lexicon::builtin();
            let campaign_rules = campaigns::CampaignRules::new(&lexicon);
            let operation_rules = operations::OperationRules::builtin();
            Extractor { gazetteer: gazetteer::Gazetteer::builtin(), lexicon, campaign_rules, operation_rules }
        })
    }

    pub fn extract(&self, article: &Article) -> Extraction {
        let simplified = if article.simplified.chars().count() == article.body.chars().count() {
            &article.simplified
        } else {
            &article.body
        };
        let text = text::Text::new(&article.body, simplified);
        // A Traditional title is read in Simplified script, like the body.
        let title = article.title.clone().unwrap_or_default();
        let title =
            if article.simplified != article.body { crate::ingest::script::to_simplified_chars(&title) } else { title };
        let refdate = article.date.as_deref().and_then(dates::parse_iso).or_else(|| {
            let mut all: Vec<char> = title.chars().collect();
            all.extend(text.chars.iter());
            dates::infer_year(&all).map(|y| dates::RefDate { year: y, month: None, day: None })
        });
        // The title is read in Simplified script too when the body is Traditional: use the body's
        // first line as a fallback title.
        let title = if title.is_empty() {
            text.sentences.first().map(|&(s, e)| text.slice(s, e)).unwrap_or_default()
        } else {
            title
        };
        let mut orgs = orgs::find_orgs(&self.gazetteer, &self.lexicon, &text, &title);
        let camps =
            campaigns::find_campaigns(&self.campaign_rules, &self.lexicon, &text, &title, &orgs, refdate.as_ref());
        let ops =
            operations::find_operations(&self.operation_rules, &self.lexicon, &text, &orgs, &camps, refdate.as_ref());
        let op_sentences: Vec<usize> = ops.iter().map(|(_, s)| *s).collect();
        let mut operations: Vec<crate::Operation> = ops.into_iter().map(|(o, _)| o).collect();
        for (op, &si) in operations.iter_mut().zip(&op_sentences) {
            let (s, e) = text.sentences[si];
            if let Some(d) = operations::location(&self.gazetteer, &text, s, e, &orgs) {
                op.location = Some(orgs.add_place(&self.gazetteer, d));
            }
        }
        let found = outcomes::find_outcomes(&self.lexicon, &text, &orgs, &camps, refdate.as_ref());
        let mut outcomes = Vec::with_capacity(found.len());
        for (mut o, _, si) in found {
            o.operation = op_sentences.iter().position(|&s| s == si);
            outcomes.push(o);
        }
        let mut campaigns = camps.campaigns;
        for c in campaigns.iter_mut() {
            let mut parts: Vec<String> = outcomes
                .iter()
                .filter(|o| o.campaign.as_deref() == Some(c.label.as_str()))
                .filter_map(|o| o.attributed_to.as_ref().and_then(|l| orgs.agency_of(l)))
                .filter(|a| !c.organizers.contains(a))
                .collect();
            parts.sort();
            parts.dedup();
            c.participants = parts;
        }
        Extraction { places: orgs.places, agencies: orgs.agencies, units: orgs.units, campaigns, operations, outcomes }
    }
}

/// Version of the extraction rules; recorded per document so a changed extractor re-extracts.
pub const EXTRACTOR_VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), "+rules.2");

/// Shorthand for `Extractor::builtin().extract(article)`.
pub fn extract(article: &Article) -> Extraction {
    Extractor::builtin().extract(article)
}
