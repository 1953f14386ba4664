//! `engram validate config [--file PATH]`: parses and checks a configuration file;
//! exits 1 on any problem.

use std::path::PathBuf;

use crate::config::Config;

pub fn run(loaded: Config, file: Option<PathBuf>) -> i32 {
    let config = match file {
        None => loaded,
        Some(path) => match Config::load_file(&path, true) {
            Ok(config) => config,
            Err(error) => {
                eprintln!("Error: {error}");
                return 1;
            }
        },
    };
    let problems = config.problems();
    if problems.is_empty() {
        if config.file_found {
            println!("Configuration is valid: {}", config.path.display());
        } else {
            println!(
                "No configuration file at {}; the built-in defaults are valid",
                config.path.display()
            );
        }
        return 0;
    }
    for problem in &problems {
        eprintln!("error: {problem}");
    }
    eprintln!(
        "Configuration {} is invalid ({} problem{})",
        config.path.display(),
        problems.len(),
        if problems.len() == 1 { "" } else { "s" }
    );
    1
}
