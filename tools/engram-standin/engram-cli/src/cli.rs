//! Command-line parsing with clap's conventions, as Engram uses clap: `--opt value`,
//! `--opt=value`, `-o value`, `-ovalue`; an unknown argument, a missing or invalid
//! value or a missing subcommand is an error with exit status 2. Options belong to
//! the level that declares them: `--log-level` goes before the subcommand.

use std::path::PathBuf;

use crate::logging::Level;

pub const DEFAULT_HTTP_PORT: u16 = 7432;
pub const DEFAULT_GRPC_PORT: u16 = 50051;

#[derive(Debug, Clone, PartialEq)]
pub struct Cli {
    pub log_level: Level,
    pub command: Command,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    Start { port: u16, grpc_port: u16 },
    Status { json: bool },
    SpaceList,
    ValidateConfig { file: Option<PathBuf> },
    Benchmark { kind: BenchmarkKind },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BenchmarkKind {
    Latency,
    Throughput,
}

/// Parsing stopped: help or version (exit 0, on stdout) or an error (exit 2, on stderr).
#[derive(Debug)]
pub struct CliExit {
    pub code: i32,
    pub message: String,
}

impl CliExit {
    /// Prints the message where it belongs and returns the exit status.
    pub fn report(&self) -> i32 {
        if self.code == 0 {
            print!("{}", self.message);
        } else {
            eprint!("{}", self.message);
        }
        self.code
    }

    fn help(text: &str) -> Self {
        CliExit {
            code: 0,
            message: text.to_string(),
        }
    }

    fn error(message: &str, usage: &Usage) -> Self {
        CliExit {
            code: 2,
            message: format!(
                "error: {message}\n\nUsage: {}\n\nFor more information, try '--help'.\n",
                usage.line
            ),
        }
    }

    /// A level that needs a subcommand got none: clap prints the help, exit 2.
    fn missing_subcommand(usage: &Usage) -> Self {
        CliExit {
            code: 2,
            message: usage.help.to_string(),
        }
    }
}

/// The usage line and help text of one command level.
struct Usage {
    line: &'static str,
    help: &'static str,
}

struct OptionSpec {
    long: &'static str,
    short: Option<char>,
    /// `Some` for options that take a value.
    value_name: Option<&'static str>,
}

impl OptionSpec {
    const fn flag(long: &'static str, short: Option<char>) -> Self {
        OptionSpec {
            long,
            short,
            value_name: None,
        }
    }

    const fn value(long: &'static str, short: Option<char>, value_name: &'static str) -> Self {
        OptionSpec {
            long,
            short,
            value_name: Some(value_name),
        }
    }

    /// `'--port <PORT>'` as clap names an argument in its messages.
    fn display(&self) -> String {
        match self.value_name {
            Some(value) => format!("'--{} <{value}>'", self.long),
            None => format!("'--{}'", self.long),
        }
    }
}

const HELP: OptionSpec = OptionSpec::flag("help", Some('h'));
const VERSION: OptionSpec = OptionSpec::flag("version", Some('V'));
const LOG_LEVEL: OptionSpec = OptionSpec::value("log-level", None, "LOG_LEVEL");
const PORT: OptionSpec = OptionSpec::value("port", Some('p'), "PORT");
const GRPC_PORT: OptionSpec = OptionSpec::value("grpc-port", Some('g'), "GRPC_PORT");
const JSON: OptionSpec = OptionSpec::flag("json", None);
const FILE: OptionSpec = OptionSpec::value("file", Some('f'), "FILE");

const TOP_USAGE: Usage = Usage {
    line: "engram [OPTIONS] <COMMAND>",
    help: "Engram cognitive graph database

Usage: engram [OPTIONS] <COMMAND>

Commands:
  start      Start the Engram server
  status     Show the status of the running server (always exits 0)
  space      Memory space commands
  validate   Validate configuration
  benchmark  Benchmark the running server
  help       Print this message

Options:
      --log-level <LOG_LEVEL>  Log level [default: info] [possible values: error, warn, info, debug, trace]
  -h, --help                   Print help
  -V, --version                Print version
",
};

const START_USAGE: Usage = Usage {
    line: "engram start [OPTIONS]",
    help: "Start the Engram server

Usage: engram start [OPTIONS]

Options:
  -p, --port <PORT>            HTTP API port [default: 7432]
  -g, --grpc-port <GRPC_PORT>  gRPC port [default: 50051]
  -h, --help                   Print help
",
};

const STATUS_USAGE: Usage = Usage {
    line: "engram status [OPTIONS]",
    help: "Show the status of the running server (always exits 0)

Usage: engram status [OPTIONS]

Options:
      --json  Print the status as JSON
  -h, --help  Print help
",
};

const SPACE_USAGE: Usage = Usage {
    line: "engram space <COMMAND>",
    help: "Memory space commands

Usage: engram space <COMMAND>

Commands:
  list  List the memory spaces of the running server

Options:
  -h, --help  Print help
",
};

const SPACE_LIST_USAGE: Usage = Usage {
    line: "engram space list",
    help: "List the memory spaces of the running server

Usage: engram space list

Options:
  -h, --help  Print help
",
};

const VALIDATE_USAGE: Usage = Usage {
    line: "engram validate <COMMAND>",
    help: "Validate configuration

Usage: engram validate <COMMAND>

Commands:
  config  Validate a configuration file

Options:
  -h, --help  Print help
",
};

const VALIDATE_CONFIG_USAGE: Usage = Usage {
    line: "engram validate config [OPTIONS]",
    help: "Validate a configuration file

Usage: engram validate config [OPTIONS]

Options:
  -f, --file <FILE>  File to validate [default: the configuration file engram reads]
  -h, --help         Print help
",
};

const BENCHMARK_USAGE: Usage = Usage {
    line: "engram benchmark <COMMAND>",
    help: "Benchmark the running server (found through the PID file)

Usage: engram benchmark <COMMAND>

Commands:
  latency     Request latency percentiles
  throughput  Requests per second with concurrent connections

Options:
  -h, --help  Print help
",
};

const BENCHMARK_KIND_USAGE: Usage = Usage {
    line: "engram benchmark <latency|throughput>",
    help: "Benchmark the running server

Usage: engram benchmark <latency|throughput>

Options:
  -h, --help  Print help
",
};

/// The options found on one level, and what follows its first positional argument.
struct ParsedLevel<'a> {
    options: Vec<(&'static str, Option<String>)>,
    rest: &'a [String],
}

impl ParsedLevel<'_> {
    fn has(&self, long: &str) -> bool {
        self.options.iter().any(|(name, _)| *name == long)
    }

    fn value(&self, long: &str) -> Option<&str> {
        self.options
            .iter()
            .find(|(name, _)| *name == long)
            .and_then(|(_, value)| value.as_deref())
    }
}

/// Reads the options of one level up to its first positional argument.
fn parse_options<'a>(
    args: &'a [String],
    specs: &[OptionSpec],
    usage: &Usage,
) -> Result<ParsedLevel<'a>, CliExit> {
    let mut options: Vec<(&'static str, Option<String>)> = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let arg = &args[i];
        if arg == "--" {
            return Ok(ParsedLevel {
                options,
                rest: &args[i + 1..],
            });
        }
        let (spec, inline_value) = if let Some(long) = arg.strip_prefix("--") {
            let (name, inline) = match long.split_once('=') {
                Some((name, value)) => (name, Some(value.to_string())),
                None => (long, None),
            };
            let spec = specs.iter().find(|spec| spec.long == name).ok_or_else(|| {
                CliExit::error(&format!("unexpected argument '--{name}' found"), usage)
            })?;
            (spec, inline)
        } else if arg.len() > 1 && arg.starts_with('-') {
            let short = arg[1..].chars().next().unwrap_or('-');
            let spec = specs
                .iter()
                .find(|spec| spec.short == Some(short))
                .ok_or_else(|| {
                    CliExit::error(&format!("unexpected argument '-{short}' found"), usage)
                })?;
            let attached = &arg[1 + short.len_utf8()..];
            let attached = attached.strip_prefix('=').unwrap_or(attached);
            (spec, (!attached.is_empty()).then(|| attached.to_string()))
        } else {
            return Ok(ParsedLevel {
                options,
                rest: &args[i..],
            });
        };

        if options.iter().any(|(name, _)| *name == spec.long) {
            return Err(CliExit::error(
                &format!(
                    "the argument {} cannot be used multiple times",
                    spec.display()
                ),
                usage,
            ));
        }
        let value = match (spec.value_name, inline_value) {
            (Some(_), Some(value)) => Some(value),
            (Some(_), None) => match args.get(i + 1) {
                Some(next) if !next.starts_with('-') || next == "-" => {
                    i += 1;
                    Some(next.clone())
                }
                _ => {
                    return Err(CliExit::error(
                        &format!(
                            "a value is required for {} but none was supplied",
                            spec.display()
                        ),
                        usage,
                    ))
                }
            },
            (None, Some(value)) => {
                return Err(CliExit::error(
                    &format!(
                        "unexpected value '{value}' for {} found; no more were expected",
                        spec.display()
                    ),
                    usage,
                ))
            }
            (None, None) => None,
        };
        options.push((spec.long, value));
        i += 1;
    }
    Ok(ParsedLevel {
        options,
        rest: &args[args.len()..],
    })
}

/// Reads a level without subcommands or positional arguments.
fn parse_leaf<'a>(
    args: &'a [String],
    specs: &[OptionSpec],
    usage: &Usage,
) -> Result<ParsedLevel<'a>, CliExit> {
    let level = parse_options(args, specs, usage)?;
    if level.has("help") {
        return Err(CliExit::help(usage.help));
    }
    if let Some(extra) = level.rest.first() {
        return Err(CliExit::error(
            &format!("unexpected argument '{extra}' found"),
            usage,
        ));
    }
    Ok(level)
}

/// Reads a level whose only content is a subcommand; returns it and its arguments.
fn parse_group<'a>(args: &'a [String], usage: &Usage) -> Result<(&'a str, &'a [String]), CliExit> {
    let level = parse_options(args, &[HELP], usage)?;
    if level.has("help") {
        return Err(CliExit::help(usage.help));
    }
    match level.rest.split_first() {
        Some((name, rest)) => Ok((name.as_str(), rest)),
        None => Err(CliExit::missing_subcommand(usage)),
    }
}

fn unrecognized(name: &str, usage: &Usage) -> CliExit {
    CliExit::error(&format!("unrecognized subcommand '{name}'"), usage)
}

fn parse_port(
    value: Option<&str>,
    default: u16,
    spec: &OptionSpec,
    usage: &Usage,
) -> Result<u16, CliExit> {
    match value {
        None => Ok(default),
        Some(text) => text.parse().map_err(|error| {
            CliExit::error(
                &format!("invalid value '{text}' for {}: {error}", spec.display()),
                usage,
            )
        }),
    }
}

/// Parses the arguments after the program name.
pub fn parse(args: &[String]) -> Result<Cli, CliExit> {
    let top = parse_options(args, &[LOG_LEVEL, HELP, VERSION], &TOP_USAGE)?;
    if top.has("help") {
        return Err(CliExit::help(TOP_USAGE.help));
    }
    if top.has("version") {
        return Err(CliExit::help(&format!(
            "engram {}\n",
            crate::build_info::VERSION
        )));
    }
    let log_level = match top.value("log-level") {
        None => Level::Info,
        Some(text) => Level::parse(text).ok_or_else(|| {
            CliExit::error(
                &format!(
                    "invalid value '{text}' for {}\n  [possible values: error, warn, info, debug, trace]",
                    LOG_LEVEL.display()
                ),
                &TOP_USAGE,
            )
        })?,
    };

    let Some((name, rest)) = top.rest.split_first() else {
        return Err(CliExit::missing_subcommand(&TOP_USAGE));
    };
    let command = match name.as_str() {
        "start" => parse_start(rest)?,
        "status" => {
            let level = parse_leaf(rest, &[JSON, HELP], &STATUS_USAGE)?;
            Command::Status {
                json: level.has("json"),
            }
        }
        "space" => match parse_group(rest, &SPACE_USAGE)? {
            ("list", rest) => {
                parse_leaf(rest, &[HELP], &SPACE_LIST_USAGE)?;
                Command::SpaceList
            }
            (other, _) => return Err(unrecognized(other, &SPACE_USAGE)),
        },
        "validate" => match parse_group(rest, &VALIDATE_USAGE)? {
            ("config", rest) => {
                let level = parse_leaf(rest, &[FILE, HELP], &VALIDATE_CONFIG_USAGE)?;
                Command::ValidateConfig {
                    file: level.value("file").map(PathBuf::from),
                }
            }
            (other, _) => return Err(unrecognized(other, &VALIDATE_USAGE)),
        },
        "benchmark" => {
            let (kind, rest) = parse_group(rest, &BENCHMARK_USAGE)?;
            let kind = match kind {
                "latency" => BenchmarkKind::Latency,
                "throughput" => BenchmarkKind::Throughput,
                other => return Err(unrecognized(other, &BENCHMARK_USAGE)),
            };
            parse_leaf(rest, &[HELP], &BENCHMARK_KIND_USAGE)?;
            Command::Benchmark { kind }
        }
        "help" => return Err(CliExit::help(TOP_USAGE.help)),
        other => return Err(unrecognized(other, &TOP_USAGE)),
    };
    Ok(Cli { log_level, command })
}

fn parse_start(args: &[String]) -> Result<Command, CliExit> {
    let level = parse_leaf(args, &[PORT, GRPC_PORT, HELP], &START_USAGE)?;
    Ok(Command::Start {
        port: parse_port(level.value("port"), DEFAULT_HTTP_PORT, &PORT, &START_USAGE)?,
        grpc_port: parse_port(
            level.value("grpc-port"),
            DEFAULT_GRPC_PORT,
            &GRPC_PORT,
            &START_USAGE,
        )?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(line: &str) -> Vec<String> {
        line.split_whitespace().map(str::to_string).collect()
    }

    fn exit_code(line: &str) -> i32 {
        match parse(&args(line)) {
            Ok(_) => -1,
            Err(exit) => exit.code,
        }
    }

    #[test]
    fn start_defaults_and_port_forms() {
        let cli = parse(&args("start")).unwrap();
        assert_eq!(cli.log_level, Level::Info);
        assert_eq!(
            cli.command,
            Command::Start {
                port: 7432,
                grpc_port: 50051
            }
        );
        for line in [
            "start --port 8080 -g 9090",
            "start --port=8080 --grpc-port=9090",
            "start -p8080 -g=9090",
        ] {
            assert_eq!(
                parse(&args(line)).unwrap().command,
                Command::Start {
                    port: 8080,
                    grpc_port: 9090
                },
                "{line}"
            );
        }
    }

    #[test]
    fn log_level_only_before_the_subcommand() {
        let cli = parse(&args("--log-level debug start")).unwrap();
        assert_eq!(cli.log_level, Level::Debug);
        assert_eq!(
            parse(&args("--log-level=trace status")).unwrap().log_level,
            Level::Trace
        );
        assert_eq!(exit_code("start --log-level debug"), 2);
        assert_eq!(exit_code("--log-level loud start"), 2);
    }

    #[test]
    fn clap_style_errors_exit_2() {
        for line in [
            "start --http-port 8080",
            "start --http-port=8080",
            "start --port",
            "start --port abc",
            "start --port 70000",
            "start --port 1 --port 2",
            "start extra",
            "",
            "frobnicate",
            "space",
            "space create x",
            "validate",
            "benchmark",
            "benchmark everything",
            "status --json=yes",
            "-x start",
        ] {
            assert_eq!(exit_code(line), 2, "{line:?}");
        }
    }

    #[test]
    fn help_and_version_exit_0() {
        for line in [
            "--help",
            "-h",
            "-V",
            "--version",
            "help",
            "start --help",
            "space list -h",
        ] {
            assert_eq!(exit_code(line), 0, "{line:?}");
        }
    }

    #[test]
    fn other_commands() {
        assert_eq!(
            parse(&args("status --json")).unwrap().command,
            Command::Status { json: true }
        );
        assert_eq!(
            parse(&args("space list")).unwrap().command,
            Command::SpaceList
        );
        assert_eq!(
            parse(&args("validate config --file /x.toml"))
                .unwrap()
                .command,
            Command::ValidateConfig {
                file: Some(PathBuf::from("/x.toml"))
            }
        );
        assert_eq!(
            parse(&args("benchmark throughput")).unwrap().command,
            Command::Benchmark {
                kind: BenchmarkKind::Throughput
            }
        );
    }
}
