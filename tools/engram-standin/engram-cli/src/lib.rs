//! The `engram` command: server and client commands of the Engram stand-in.
//!
//! This crate is a test fixture that imitates the real Engram binary's runtime
//! behaviour (see README.md of the workspace); it is not Engram.

#[macro_use]
mod logging;

mod api_keys;
mod build_info;
mod cli;
mod client;
mod commands;
mod config;
#[cfg(feature = "monitoring")]
mod monitoring;
mod pidfile;
mod server;
mod signals;

use std::ffi::OsString;

pub use config::DEFAULT_CONFIG;

/// Runs the command line `args` (program name first) and returns the exit status.
pub fn run(args: impl IntoIterator<Item = OsString>) -> i32 {
    let args: Vec<String> = args
        .into_iter()
        .skip(1)
        .map(|arg| arg.to_string_lossy().into_owned())
        .collect();

    // Argument errors come first and exit 2, as with clap.
    let cli = match cli::parse(&args) {
        Ok(cli) => cli,
        Err(exit) => return exit.report(),
    };
    logging::set_max_level(cli.log_level);

    // Every command loads the configuration; a broken one fails them all.
    let config = match config::Config::load() {
        Ok(config) => config,
        Err(error) => {
            eprintln!("Error: {error}");
            return 1;
        }
    };

    match cli.command {
        cli::Command::Start { port, grpc_port } => server::run(
            config,
            cli.log_level,
            server::Ports {
                http: port,
                grpc: grpc_port,
            },
        ),
        cli::Command::Status { json } => commands::status::run(&config, json),
        cli::Command::SpaceList => commands::space::list(&config),
        cli::Command::ValidateConfig { file } => commands::validate::run(config, file),
        cli::Command::Benchmark { kind } => commands::benchmark::run(&config, kind),
    }
}
