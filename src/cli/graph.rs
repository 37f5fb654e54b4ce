//! `policekg graph`: STUB by the lead; the helper for issue 5 fills it in.

use anyhow::Result;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct GraphArgs {}

pub fn run(_args: GraphArgs) -> Result<ExitCode> {
    anyhow::bail!("not implemented yet")
}
