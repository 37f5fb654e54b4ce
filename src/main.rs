fn main() { let _ = oxigraph::store::Store::new(); }
