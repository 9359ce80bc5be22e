//! `cartsense`: build, inspect and evaluate model packs (placeholder until the CLI lands).
fn main() {
    eprintln!("cartsense CLI: not built yet");
    std::process::exit(2);
}
