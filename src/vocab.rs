//! IRIs of the vocabularies policekg writes, as constants (no IRI strings scattered in code).

/// Namespace IRIs with the prefixes the contract fixes (section 3), in the order exports declare them.
pub const PREFIXES: &[(&str, &str)] = &[
    ("pk", "https://w3id.org/policekg/ns#"),
    ("org", "http://www.w3.org/ns/org#"),
    ("prov", "http://www.w3.org/ns/prov#"),
    ("qb", "http://purl.org/linked-data/cube#"),
    ("skos", "http://www.w3.org/2004/02/skos/core#"),
    ("dcterms", "http://purl.org/dc/terms/"),
    ("schema", "https://schema.org/"),
    ("rdf", "http://www.w3.org/1999/02/22-rdf-syntax-ns#"),
    ("rdfs", "http://www.w3.org/2000/01/rdf-schema#"),
    ("xsd", "http://www.w3.org/2001/XMLSchema#"),
    ("owl", "http://www.w3.org/2002/07/owl#"),
];

/// The default base of instance IRIs (contract section 3).
pub const DEFAULT_BASE: &str = "https://w3id.org/policekg/id/";

/// The named graph that holds the ontology inside a store.
pub const ONTOLOGY_GRAPH: &str = "https://w3id.org/policekg/ns";

macro_rules! vocabulary {
    ($(#[$doc:meta])* $module:ident, $ns:literal, { $($(#[$tdoc:meta])* $name:ident = $local:literal),* $(,)? }) => {
        $(#[$doc])*
        pub mod $module {
            use oxigraph::model::NamedNodeRef;
            /// The namespace IRI.
            pub const NS: &str = $ns;
            $(
                $(#[$tdoc])*
                pub const $name: NamedNodeRef<'static> = NamedNodeRef::new_unchecked(concat!($ns, $local));
            )*
        }
    };
}

vocabulary!(
    /// The policekg ontology (`ontology/policekg.ttl` documents every term).
    pk, "https://w3id.org/policekg/ns#", {
    DOCUMENT = "Document", AGENCY = "Agency", UNIT = "Unit", CAMPAIGN = "Campaign", OPERATION = "Operation",
    OUTCOME = "Outcome", PLACE = "Place", EVIDENCE = "Evidence", METRIC = "Metric", CRIME_TYPE = "CrimeType",
    METRIC_SCHEME = "MetricScheme", CRIME_TYPE_SCHEME = "CrimeTypeScheme",
    NATIONAL = "National", PROVINCIAL = "Provincial", PREFECTURAL = "Prefectural", COUNTY = "County",
    LEVEL = "level", JURISDICTION = "jurisdiction", PART_OF = "partOf", ORGANIZED_BY = "organizedBy",
    PARTICIPANT = "participant", CONDUCTED_BY = "conductedBy", DATE = "date", LOCATION = "location",
    ADCODE = "adcode", WITHIN = "within", MENTIONED_IN = "mentionedIn",
    METRIC_PROP = "metric", VALUE = "value", UNIT_PROP = "unit", UNIT_TEXT = "unitText",
    APPROXIMATE = "approximate", ATTRIBUTED_TO = "attributedTo", CAMPAIGN_PROP = "campaign",
    OPERATION_PROP = "operation", CRIME_TYPE_PROP = "crimeType", PERIOD_START = "periodStart",
    PERIOD_END = "periodEnd", DIRECTION = "direction", COMPARISON = "comparison", EVIDENCE_PROP = "evidence",
    TEXT = "text", START = "start", END = "end", CONTENT_HASH = "contentHash",
    EXTRACTOR_VERSION = "extractorVersion", ORIGIN = "origin",
    // Facts, re-posts and views (src/facts, src/dedup, src/views; docs/facts.md).
    FACT = "Fact", FACT_PROP = "fact", DUPLICATE_OF = "duplicateOf", MINHASH = "minhash", LSH_BAND = "lshBand",
    VIEWS_STAMP = "viewsStamp",
});

vocabulary!(
    /// W3C Organization Ontology.
    org, "http://www.w3.org/ns/org#", {
    FORMAL_ORGANIZATION = "FormalOrganization", ORGANIZATIONAL_UNIT = "OrganizationalUnit",
    SUB_ORGANIZATION_OF = "subOrganizationOf", UNIT_OF = "unitOf",
});

vocabulary!(
    /// W3C PROV-O.
    prov, "http://www.w3.org/ns/prov#", {
    ACTIVITY = "Activity", WAS_DERIVED_FROM = "wasDerivedFrom", WAS_GENERATED_BY = "wasGeneratedBy",
    WAS_ASSOCIATED_WITH = "wasAssociatedWith", SOFTWARE_AGENT = "SoftwareAgent",
});

vocabulary!(
    /// RDF Data Cube.
    qb, "http://purl.org/linked-data/cube#", {
    OBSERVATION = "Observation", DATA_SET = "DataSet", DATA_SET_PROP = "dataSet",
});

vocabulary!(
    /// SKOS.
    skos, "http://www.w3.org/2004/02/skos/core#", {
    CONCEPT = "Concept", CONCEPT_SCHEME = "ConceptScheme", PREF_LABEL = "prefLabel", ALT_LABEL = "altLabel",
    NOTATION = "notation", IN_SCHEME = "inScheme",
});

vocabulary!(
    /// Dublin Core terms.
    dcterms, "http://purl.org/dc/terms/", {
    IDENTIFIER = "identifier", TITLE = "title", ISSUED = "issued", SOURCE = "source", CREATOR = "creator",
    MODIFIED = "modified",
});

vocabulary!(
    /// RDF.
    rdf, "http://www.w3.org/1999/02/22-rdf-syntax-ns#", { TYPE = "type" });

vocabulary!(
    /// RDF Schema.
    rdfs, "http://www.w3.org/2000/01/rdf-schema#", { LABEL = "label", COMMENT = "comment" });

vocabulary!(
    /// XML Schema datatypes.
    xsd, "http://www.w3.org/2001/XMLSchema#", {
    DATE = "date", DECIMAL = "decimal", BOOLEAN = "boolean", INTEGER = "integer", STRING = "string",
    G_YEAR_MONTH = "gYearMonth",
});
