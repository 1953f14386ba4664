//! `engram-admin`: prints the built-in default configuration.

fn main() {
    match std::env::args().nth(1).as_deref() {
        Some("default-config") => print!("{}", engram_cli::DEFAULT_CONFIG),
        _ => {
            eprintln!("usage: engram-admin default-config");
            std::process::exit(2);
        }
    }
}
