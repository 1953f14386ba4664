//! Reads latency samples in milliseconds, one per line, and prints percentiles.

use std::io::BufRead;

fn main() {
    let mut samples: Vec<f64> = std::io::stdin()
        .lock()
        .lines()
        .map_while(Result::ok)
        .filter_map(|line| line.trim().parse().ok())
        .collect();
    if samples.is_empty() {
        eprintln!("perf-analyzer: no samples on stdin");
        std::process::exit(1);
    }
    samples.sort_by(f64::total_cmp);
    let percentile = |p: f64| samples[((samples.len() - 1) as f64 * p).round() as usize];
    println!("samples: {}", samples.len());
    println!("p50: {:.3} ms", percentile(0.50));
    println!("p95: {:.3} ms", percentile(0.95));
    println!("p99: {:.3} ms", percentile(0.99));
}
