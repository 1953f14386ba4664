//! `cargo run -p xtask -- <task>`: chores for the stand-in workspace.

fn main() {
    let task = std::env::args().nth(1).unwrap_or_default();
    match task.as_str() {
        "members" => {
            for member in [
                "engram-core",
                "engram-storage",
                "engram-cli",
                "engram-proto",
                "xtask",
                "tools/migration-common",
                "tools/perf-analyzer",
                "tools/loadtest",
            ] {
                println!("{member}");
            }
        }
        _ => {
            eprintln!("usage: cargo run -p xtask -- members");
            std::process::exit(2);
        }
    }
}
