//! `engram-bench`: points at the benchmarks of the engram command.

fn main() {
    println!(
        "Run `engram benchmark latency` or `engram benchmark throughput` against a running server."
    );
}
