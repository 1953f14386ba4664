//! `cargo bench -p engram-cli`: times parsing of the built-in configuration and of a
//! JSON request body (no harness: the stand-in has no dependencies).

use std::hint::black_box;
use std::time::Instant;

fn time(name: &str, iterations: u32, mut f: impl FnMut()) {
    let started = Instant::now();
    for _ in 0..iterations {
        f();
    }
    let per_iteration = started.elapsed() / iterations;
    println!("{name}: {per_iteration:?} per iteration ({iterations} iterations)");
}

fn main() {
    time("toml::parse(default config)", 10_000, || {
        black_box(engram_core::toml::parse(black_box(engram_cli::DEFAULT_CONFIG)).unwrap());
    });
    let body = r#"{"content": "The hippocampus binds episodes \"fast\"", "confidence": 0.9}"#;
    time("json::parse(remember body)", 100_000, || {
        black_box(engram_core::json::parse(black_box(body)).unwrap());
    });
}
