//! `engram benchmark latency|throughput`: measures the running server found through
//! the PID file and prints the results as text.

use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use crate::cli::BenchmarkKind;
use crate::client::{Connection, Target};
use crate::config::Config;
use crate::pidfile;

const LATENCY_REQUESTS: usize = 200;
const THROUGHPUT_CONNECTIONS: usize = 4;
const THROUGHPUT_DURATION: Duration = Duration::from_secs(2);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);
const SEARCH_PATH: &str = "/api/v1/memories/search?query=benchmark&limit=5";

pub fn run(config: &Config, kind: BenchmarkKind) -> i32 {
    let path = pidfile::path();
    match pidfile::read(&path) {
        Ok(Some(_)) => {}
        Ok(None) => {
            eprintln!(
                "Error: no running Engram server (no PID file at {}); start one with `engram start`",
                path.display()
            );
            return 1;
        }
        Err(error) => {
            eprintln!("Error: {error}");
            return 1;
        }
    }
    let target = Target::from_pid_file(config);
    let result = match kind {
        BenchmarkKind::Latency => latency(&target),
        BenchmarkKind::Throughput => throughput(&target),
    };
    match result {
        Ok(()) => 0,
        Err(error) => {
            eprintln!(
                "Error: benchmark against {} failed: {error}",
                target.address()
            );
            1
        }
    }
}

fn latency(target: &Target) -> Result<(), String> {
    let mut connection =
        Connection::open(target, Instant::now() + REQUEST_TIMEOUT).map_err(|e| e.to_string())?;
    let mut samples = Vec::with_capacity(LATENCY_REQUESTS);
    for _ in 0..LATENCY_REQUESTS {
        let started = Instant::now();
        let response = connection
            .request("GET", SEARCH_PATH, started + REQUEST_TIMEOUT)
            .map_err(|e| e.to_string())?;
        if !response.is_success() {
            return Err(format!(
                "HTTP {}: {}",
                response.status,
                response.body.trim()
            ));
        }
        samples.push(started.elapsed());
    }
    samples.sort();
    let percentile = |p: f64| samples[((samples.len() - 1) as f64 * p).round() as usize];
    let mean = samples.iter().sum::<Duration>() / samples.len() as u32;
    println!("Latency benchmark: {LATENCY_REQUESTS} x GET {SEARCH_PATH}");
    println!("  mean: {:.3} ms", millis(mean));
    println!("  p50:  {:.3} ms", millis(percentile(0.50)));
    println!("  p90:  {:.3} ms", millis(percentile(0.90)));
    println!("  p99:  {:.3} ms", millis(percentile(0.99)));
    println!("  max:  {:.3} ms", millis(samples[samples.len() - 1]));
    Ok(())
}

fn throughput(target: &Target) -> Result<(), String> {
    let completed = AtomicU64::new(0);
    let failed = AtomicU64::new(0);
    let started = Instant::now();
    let end = started + THROUGHPUT_DURATION;
    thread::scope(|scope| {
        for _ in 0..THROUGHPUT_CONNECTIONS {
            scope.spawn(|| {
                let mut connection = None;
                while Instant::now() < end {
                    if connection.is_none() {
                        connection =
                            Connection::open(target, Instant::now() + REQUEST_TIMEOUT).ok();
                    }
                    let Some(open) = connection.as_mut() else {
                        failed.fetch_add(1, Ordering::Relaxed);
                        thread::sleep(Duration::from_millis(50));
                        continue;
                    };
                    match open.request("GET", SEARCH_PATH, Instant::now() + REQUEST_TIMEOUT) {
                        Ok(response) if response.is_success() => {
                            completed.fetch_add(1, Ordering::Relaxed);
                        }
                        _ => {
                            failed.fetch_add(1, Ordering::Relaxed);
                            connection = None;
                        }
                    }
                }
            });
        }
    });
    let elapsed = started.elapsed().as_secs_f64();
    let completed = completed.load(Ordering::Relaxed);
    let failed = failed.load(Ordering::Relaxed);
    println!(
        "Throughput benchmark: {THROUGHPUT_CONNECTIONS} connections for {elapsed:.1} s, GET {SEARCH_PATH}"
    );
    println!("  requests:   {completed}");
    println!("  errors:     {failed}");
    println!("  throughput: {:.0} requests/s", completed as f64 / elapsed);
    if completed == 0 {
        return Err("no request succeeded".to_string());
    }
    Ok(())
}

fn millis(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}
