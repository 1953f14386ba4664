//! What this binary was built with, reported by `/health` and `/metrics`.

use engram_core::json::{object, Value};

pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Cargo features compiled in.
pub fn features() -> Vec<&'static str> {
    let mut features = Vec::new();
    if cfg!(feature = "monitoring") {
        features.push("monitoring");
    }
    if cfg!(feature = "spreading-extras") {
        features.push("spreading-extras");
    }
    features
}

/// `ENGRAM_TARGET_CPU` as set when the binary was compiled, and whether the compiler
/// was allowed to use SSE4.2 (true for `-C target-cpu=x86-64-v2` and newer).
pub fn target_cpu() -> Value {
    object([
        ("configured", Value::from(option_env!("ENGRAM_TARGET_CPU"))),
        ("sse4_2", Value::from(cfg!(target_feature = "sse4.2"))),
    ])
}
