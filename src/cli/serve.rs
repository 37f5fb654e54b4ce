//! `policekg serve`: STUB by the lead; the helper for issue 5 fills it in.

use anyhow::Result;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct ServeArgs {}

pub fn run(_args: ServeArgs) -> Result<ExitCode> {
    anyhow::bail!("not implemented yet")
}
