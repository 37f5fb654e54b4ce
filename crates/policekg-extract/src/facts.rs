//! The typed facts that extraction produces. Plain data: serialisable, comparable, no RDF.
//!
//! Entities name each other by canonical label (contract section 4): an [`Outcome`] is attributed to
//! `"荆门市公安局"`, a [`Unit`]'s parent is `"荆门市公安局巡特警支队"`. The model stage maps each label to
//! one deterministic IRI, so the same label from any document is the same node.

use serde::{Deserialize, Serialize};

/// A stretch of the article body: character offsets counted in Unicode scalar values, end exclusive, and
/// the text between them verbatim (from the original body, before any script conversion).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Evidence {
    pub start: usize,
    pub end: usize,
    pub text: String,
}

/// Jurisdiction level of an agency (`pk:level`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AgencyLevel {
    National,
    Provincial,
    Prefectural,
    County,
}

/// An administrative area (`pk:Place`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Place {
    /// Canonical full name, e.g. `荆门市` or `湖北省`.
    pub label: String,
    /// GB/T 2260 code, when the gazetteer knows the place.
    pub adcode: Option<String>,
    /// Label of the enclosing place, if any.
    pub within: Option<String>,
    pub alt_labels: Vec<String>,
}

/// A public-security organ with its own jurisdiction (`pk:Agency`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Agency {
    /// Canonical label (contract section 4): `荆门市公安局`, `湖北省公安厅`, `鄂州市公安局鄂城区分局`.
    pub label: String,
    pub level: AgencyLevel,
    /// Canonical label of the parent agency (`org:subOrganizationOf`); `None` only for 公安部.
    pub parent: Option<String>,
    /// Label of the place it has jurisdiction over (a [`Place`] of the same extraction).
    pub jurisdiction: Option<String>,
    /// Other forms found in the text (荆门公安, 市公安局 ...), each once, never the canonical label.
    pub alt_labels: Vec<String>,
    /// Where it is mentioned (first mention at least).
    pub evidence: Vec<Evidence>,
    /// True when the article names it; false for an ancestor added only to complete the parent chain
    /// (湖北省公安厅 and 公安部 above a city bureau the article names). Only mentioned agencies get
    /// `pk:mentionedIn` the document.
    pub mentioned: bool,
}

/// A part of an agency (`pk:Unit`): 支队, 派出所, 反诈中心, 专班 ...
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unit {
    /// Canonical label: the parent's canonical label followed by the unit's own name.
    pub label: String,
    /// The unit's own name as written, e.g. `巡特警支队`.
    pub name: String,
    /// Canonical label of the parent agency or unit.
    pub parent: Option<String>,
    pub alt_labels: Vec<String>,
    pub evidence: Vec<Evidence>,
}

/// A named crackdown campaign (`pk:Campaign`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Campaign {
    /// The name as written, without quotation marks: `雷火2022`, `7·25专项行动`.
    pub label: String,
    pub alt_labels: Vec<String>,
    /// Label of the parent campaign (`pk:partOf`).
    pub part_of: Option<String>,
    /// Canonical labels of organizing agencies.
    pub organizers: Vec<String>,
    /// Canonical labels of participating agencies.
    pub participants: Vec<String>,
    /// xsd:date bounds of the campaign period, when stated.
    pub period_start: Option<String>,
    pub period_end: Option<String>,
    pub evidence: Vec<Evidence>,
}

/// One concrete dated action (`pk:Operation`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Operation {
    /// Short human label, e.g. `2022-02-24 海慧警务站 抓获`.
    pub label: String,
    /// `YYYY-MM-DD`, or `YYYY-MM` when only the month is known.
    pub date: Option<String>,
    /// Canonical labels of the agencies or units that acted.
    pub conducted_by: Vec<String>,
    /// Label of the campaign it belongs to.
    pub part_of: Option<String>,
    /// Label of the place where it happened.
    pub location: Option<String>,
    pub evidence: Evidence,
}

/// Unit of an outcome value (contract section 5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ValueUnit {
    #[serde(rename = "case")]
    Case,
    #[serde(rename = "person")]
    Person,
    #[serde(rename = "person-time")]
    PersonTime,
    #[serde(rename = "group")]
    Group,
    #[serde(rename = "den")]
    Den,
    #[serde(rename = "item")]
    Item,
    #[serde(rename = "account")]
    Account,
    #[serde(rename = "gram")]
    Gram,
    #[serde(rename = "CNY")]
    Cny,
    #[serde(rename = "percent")]
    Percent,
    #[serde(rename = "other")]
    Other,
}

impl ValueUnit {
    /// The contract's code for this unit (`pk:unit`).
    pub fn code(self) -> &'static str {
        match self {
            ValueUnit::Case => "case",
            ValueUnit::Person => "person",
            ValueUnit::PersonTime => "person-time",
            ValueUnit::Group => "group",
            ValueUnit::Den => "den",
            ValueUnit::Item => "item",
            ValueUnit::Account => "account",
            ValueUnit::Gram => "gram",
            ValueUnit::Cny => "CNY",
            ValueUnit::Percent => "percent",
            ValueUnit::Other => "other",
        }
    }
}

/// `pk:direction` of a `rate_change`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Increase,
    Decrease,
}

/// `pk:comparison` of a `rate_change`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Comparison {
    #[serde(rename = "year-over-year")]
    YearOverYear,
    #[serde(rename = "period-over-period")]
    PeriodOverPeriod,
}

/// One reported quantitative result (`pk:Outcome`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    /// Metric code (`skos:notation` of the metric concept): `cases_solved`, `funds_stopped` ...
    pub metric: String,
    /// Normalised value as an xsd:decimal lexical form: `14800`, `48.9`, `800000000`.
    pub value: String,
    pub unit: ValueUnit,
    /// The classifier as written: 起, 名, 万元, %.
    pub unit_text: String,
    pub approximate: bool,
    /// Canonical label of the agency or unit whose result it is.
    pub attributed_to: Option<String>,
    /// Label of the campaign it counts toward.
    pub campaign: Option<String>,
    /// Index into [`Extraction::operations`] of the operation it belongs to.
    pub operation: Option<usize>,
    /// Crime type label (电信网络诈骗, 盗窃, 毒品 ...).
    pub crime_type: Option<String>,
    pub period_start: Option<String>,
    pub period_end: Option<String>,
    pub direction: Option<Direction>,
    pub comparison: Option<Comparison>,
    pub evidence: Evidence,
}

/// Everything read out of one article.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Extraction {
    pub places: Vec<Place>,
    pub agencies: Vec<Agency>,
    pub units: Vec<Unit>,
    pub campaigns: Vec<Campaign>,
    pub operations: Vec<Operation>,
    pub outcomes: Vec<Outcome>,
}
