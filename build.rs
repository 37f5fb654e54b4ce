//! Compiles the named queries of `queries/` into the binary, so `policekg query NAME` works anywhere.
use std::{env, fs, path::Path};

fn main() {
    println!("cargo:rerun-if-changed=queries");
    let dir = Path::new(&env::var("CARGO_MANIFEST_DIR").unwrap()).join("queries");
    let mut names: Vec<_> = fs::read_dir(&dir)
        .map(|rd| {
            rd.filter_map(Result::ok).map(|e| e.path()).filter(|p| p.extension().is_some_and(|e| e == "rq")).collect()
        })
        .unwrap_or_default();
    names.sort();
    let mut out = String::from(
        "/// Named queries from `queries/`: (name, text).\npub static NAMED_QUERIES: &[(&str, &str)] = &[\n",
    );
    for path in names {
        println!("cargo:rerun-if-changed={}", path.display());
        let name = path.file_stem().unwrap().to_string_lossy();
        out.push_str(&format!("    ({name:?}, include_str!({:?})),\n", path.display().to_string()));
    }
    out.push_str("];\n");
    fs::write(Path::new(&env::var("OUT_DIR").unwrap()).join("named_queries.rs"), out).unwrap();
}
