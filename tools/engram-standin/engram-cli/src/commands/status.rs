//! `engram status [--json]`: reads the PID file, asks `GET /health/alive`, prints a
//! report. Like Engram's, it exits 0 whatever it finds, so its exit status says
//! nothing about health.

use std::time::Duration;

use engram_core::json::{object, Value};

use crate::client::{self, Target};
use crate::config::Config;
use crate::pidfile;

pub fn run(config: &Config, json: bool) -> i32 {
    let path = pidfile::path();
    let (pid_info, problem) = match pidfile::read(&path) {
        Ok(info) => (info, None),
        Err(error) => (None, Some(error.to_string())),
    };
    let process_running = pid_info.is_some_and(|info| pidfile::process_exists(info.pid));
    let health = pid_info.map(|info| {
        let target = Target {
            port: info.port,
            api_key: crate::api_keys::client_key(config),
        };
        match client::request(&target, "GET", "/health/alive", Duration::from_secs(2)) {
            Ok(response) if response.is_success() => Ok(response.status),
            Ok(response) => Err(format!("HTTP {}", response.status)),
            Err(error) => Err(error.to_string()),
        }
    });
    let healthy = matches!(health, Some(Ok(_)));

    if json {
        let report = object([
            ("running", Value::from(process_running)),
            ("healthy", Value::from(healthy)),
            ("pid_file", Value::from(path.display().to_string())),
            ("pid", Value::from(pid_info.map(|info| info.pid))),
            ("port", Value::from(pid_info.map(|info| info.port))),
            (
                "error",
                Value::from(
                    problem
                        .clone()
                        .or_else(|| health.clone().and_then(Result::err)),
                ),
            ),
        ]);
        println!("{report}");
        return 0;
    }

    match (pid_info, problem) {
        (None, Some(problem)) => println!("Engram server status unknown: {problem}"),
        (None, None) => println!(
            "Engram server is not running (no PID file at {})",
            path.display()
        ),
        (Some(info), _) => {
            println!("Engram server");
            println!("  PID file:  {}", path.display());
            println!(
                "  PID:       {} ({})",
                info.pid,
                if process_running {
                    "running"
                } else {
                    "no such process"
                }
            );
            println!("  HTTP port: {}", info.port);
            match health {
                Some(Ok(status)) => println!("  Health:    alive (GET /health/alive -> {status})"),
                Some(Err(error)) => println!("  Health:    not responding ({error})"),
                None => {}
            }
        }
    }
    0
}
