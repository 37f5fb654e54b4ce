//! `policekg validate` and `policekg ontology`: STUB by the lead; the helper for issue 6 fills it in.

use anyhow::Result;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct ValidateArgs {}

#[derive(Debug, clap::Args)]
pub struct OntologyArgs {}

pub fn validate(_args: ValidateArgs) -> Result<ExitCode> {
    anyhow::bail!("not implemented yet")
}

pub fn ontology(_args: OntologyArgs) -> Result<ExitCode> {
    anyhow::bail!("not implemented yet")
}
