//! Loads N-Quads files into a new Oxigraph store with Oxigraph's own bulk loader, and reports the time.
//! The yardstick of `scripts/bench.sh` (how long the store itself takes to load what `policekg build`
//! produced), and the load step after a distributed `policekg extract` (README, "Beyond one machine").
//!
//! ```sh
//! cargo run --release --example bulk_load -- [--with-ontology] STORE_DIR FILE.nq...
//! ```
//!
//! `--with-ontology` also loads the ontology graph that `policekg build` installs, so the store is the
//! same as one built by `policekg build`.

use oxigraph::io::{RdfFormat, RdfParser};
use oxigraph::model::NamedNode;
use oxigraph::store::Store;
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args: Vec<_> = std::env::args_os().skip(1).collect();
    let with_ontology = args.first().is_some_and(|a| a == "--with-ontology");
    if with_ontology {
        args.remove(0);
    }
    let mut args = args.into_iter();
    let dir = args.next().ok_or("usage: bulk_load [--with-ontology] STORE_DIR FILE.nq...")?;
    let files: Vec<_> = args.collect();
    let started = Instant::now();
    let store = Store::open(&dir)?;
    let mut loader = store.bulk_loader();
    for f in &files {
        let reader = std::io::BufReader::new(std::fs::File::open(f)?);
        loader.load_from_reader(RdfFormat::NQuads, reader).map_err(|e| format!("{}: {e}", f.to_string_lossy()))?;
    }
    if with_ontology {
        let parser = RdfParser::from_format(RdfFormat::Turtle)
            .with_default_graph(NamedNode::new(policekg::vocab::ONTOLOGY_GRAPH)?);
        loader.load_from_reader(parser, policekg::store::ONTOLOGY_TTL.as_bytes())?;
    }
    loader.commit()?;
    store.flush()?;
    let secs = started.elapsed().as_secs_f64();
    println!("bulk-loaded {} quads in {secs:.3}s", store.len()?);
    Ok(())
}
