//! The `policekg` command line: a thin layer over the library.

mod cli;

// Why not the system allocator: see the mimalloc entry of Cargo.toml.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    cli::main()
}
