//! Test support: a body annotated as the fact rules read it (its organisations, then its campaigns), with
//! the shipped gazetteer and lexicons.

use super::campaigns::{find_campaigns, CampaignRules, Campaigns};
use super::gazetteer::Gazetteer;
use super::lexicon::Lexicon;
use super::orgs::{find_orgs, Orgs};
use super::text::Text;

pub struct Annotated<'a> {
    pub lex: Lexicon,
    pub text: Text<'a>,
    pub orgs: Orgs,
    pub campaigns: Campaigns,
}

/// The organisations and campaigns of an article of `title` and `body`, read with no publication date.
pub fn annotate<'a>(title: &str, body: &'a str) -> Annotated<'a> {
    let lex = Lexicon::builtin();
    let text = Text::new(body, body);
    let orgs = find_orgs(&Gazetteer::builtin(), &lex, &text, title);
    let campaigns = find_campaigns(&CampaignRules::new(&lex), &lex, &text, title, &orgs, None);
    Annotated { lex, text, orgs, campaigns }
}
