//! The `engram` binary.

fn main() {
    std::process::exit(engram_cli::run(std::env::args_os()));
}
