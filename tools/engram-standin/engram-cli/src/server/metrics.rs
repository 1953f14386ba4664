//! Counters and latency histograms, rendered as JSON (`/metrics`) and in the
//! Prometheus text format (`/metrics/prometheus`) with Engram's family names.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use engram_core::json::{object, Value};

/// Upper bounds in seconds of the latency histogram buckets.
const LATENCY_BUCKETS: [f64; 10] = [
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05, 0.1, 0.5,
];

pub struct Histogram {
    /// Observations per bucket (not cumulative); the last one is `+Inf`.
    buckets: [AtomicU64; LATENCY_BUCKETS.len() + 1],
    sum_nanos: AtomicU64,
    count: AtomicU64,
}

impl Histogram {
    fn new() -> Self {
        Histogram {
            buckets: std::array::from_fn(|_| AtomicU64::new(0)),
            sum_nanos: AtomicU64::new(0),
            count: AtomicU64::new(0),
        }
    }

    pub fn observe(&self, elapsed: Duration) {
        let seconds = elapsed.as_secs_f64();
        let index = LATENCY_BUCKETS
            .iter()
            .position(|bound| seconds <= *bound)
            .unwrap_or(LATENCY_BUCKETS.len());
        self.buckets[index].fetch_add(1, Ordering::Relaxed);
        self.sum_nanos
            .fetch_add(elapsed.as_nanos() as u64, Ordering::Relaxed);
        self.count.fetch_add(1, Ordering::Relaxed);
    }

    fn render(&self, out: &mut String, name: &str, help: &str) {
        let _ = writeln!(out, "# HELP {name} {help}");
        let _ = writeln!(out, "# TYPE {name} histogram");
        let mut cumulative = 0;
        for (i, bound) in LATENCY_BUCKETS.iter().enumerate() {
            cumulative += self.buckets[i].load(Ordering::Relaxed);
            let _ = writeln!(out, "{name}_bucket{{le=\"{bound}\"}} {cumulative}");
        }
        cumulative += self.buckets[LATENCY_BUCKETS.len()].load(Ordering::Relaxed);
        let _ = writeln!(out, "{name}_bucket{{le=\"+Inf\"}} {cumulative}");
        let sum = self.sum_nanos.load(Ordering::Relaxed) as f64 / 1e9;
        let _ = writeln!(out, "{name}_sum {sum}");
        let _ = writeln!(out, "{name}_count {}", self.count.load(Ordering::Relaxed));
    }
}

pub struct Metrics {
    pub http_requests: AtomicU64,
    pub spreading_activations: AtomicU64,
    pub spreading_failures: AtomicU64,
    pub spreading_latency_hot: Histogram,
    pub spreading_latency_warm: Histogram,
    pub spreading_latency_cold: Histogram,
    pub consolidation_runs: AtomicU64,
    pub consolidation_failures: AtomicU64,
    /// Unix milliseconds of the last consolidation run (0: none yet).
    pub consolidation_last_run_ms: AtomicU64,
    pub wal_recovery_nanos: AtomicU64,
}

/// Values computed at scrape time.
pub struct Snapshot {
    pub memories: usize,
    pub spaces: usize,
    pub uptime: Duration,
}

impl Metrics {
    pub fn new(wal_recovery: Duration) -> Self {
        Metrics {
            http_requests: AtomicU64::new(0),
            spreading_activations: AtomicU64::new(0),
            spreading_failures: AtomicU64::new(0),
            spreading_latency_hot: Histogram::new(),
            spreading_latency_warm: Histogram::new(),
            spreading_latency_cold: Histogram::new(),
            consolidation_runs: AtomicU64::new(0),
            consolidation_failures: AtomicU64::new(0),
            consolidation_last_run_ms: AtomicU64::new(0),
            wal_recovery_nanos: AtomicU64::new(wal_recovery.as_nanos() as u64),
        }
    }

    fn consolidation_freshness_seconds(&self) -> f64 {
        match self.consolidation_last_run_ms.load(Ordering::Relaxed) {
            0 => 0.0,
            last => engram_core::time::now_unix_ms().saturating_sub(last) as f64 / 1000.0,
        }
    }

    pub fn to_json(&self, snapshot: &Snapshot, features: Vec<&'static str>) -> Value {
        let load = |counter: &AtomicU64| Value::from(counter.load(Ordering::Relaxed));
        object([
            ("timestamp", Value::from(engram_core::time::now_rfc3339())),
            ("uptime_seconds", Value::from(snapshot.uptime.as_secs())),
            ("memories_total", Value::from(snapshot.memories)),
            ("memory_spaces", Value::from(snapshot.spaces)),
            ("http_requests_total", load(&self.http_requests)),
            (
                "spreading_activations_total",
                load(&self.spreading_activations),
            ),
            ("spreading_failures_total", load(&self.spreading_failures)),
            ("consolidation_runs_total", load(&self.consolidation_runs)),
            (
                "consolidation_failures_total",
                load(&self.consolidation_failures),
            ),
            (
                "consolidation_freshness_seconds",
                Value::from(self.consolidation_freshness_seconds()),
            ),
            (
                "wal_recovery_duration_seconds",
                Value::from(self.wal_recovery_nanos.load(Ordering::Relaxed) as f64 / 1e9),
            ),
            ("features", Value::from(features)),
        ])
    }

    pub fn to_prometheus(&self, snapshot: &Snapshot) -> String {
        let mut out = String::new();
        let mut family = |name: &str, kind: &str, help: &str, value: String| {
            let _ = writeln!(out, "# HELP {name} {help}");
            let _ = writeln!(out, "# TYPE {name} {kind}");
            let _ = writeln!(out, "{name} {value}");
        };
        let load = |counter: &AtomicU64| counter.load(Ordering::Relaxed).to_string();
        family(
            "engram_memories_total",
            "counter",
            "Memories stored across all memory spaces",
            snapshot.memories.to_string(),
        );
        family(
            "engram_spreading_activations_total",
            "counter",
            "Spreading activation (recall) operations",
            load(&self.spreading_activations),
        );
        family(
            "engram_spreading_failures_total",
            "counter",
            "Spreading activation operations that failed",
            load(&self.spreading_failures),
        );
        family(
            "engram_consolidation_runs_total",
            "counter",
            "Completed consolidation runs",
            load(&self.consolidation_runs),
        );
        family(
            "engram_consolidation_failures_total",
            "counter",
            "Failed consolidation runs",
            load(&self.consolidation_failures),
        );
        family(
            "engram_consolidation_freshness_seconds",
            "gauge",
            "Seconds since the last consolidation run",
            self.consolidation_freshness_seconds().to_string(),
        );
        family(
            "engram_wal_recovery_duration_seconds",
            "gauge",
            "Time the write-ahead log replay took at start",
            (self.wal_recovery_nanos.load(Ordering::Relaxed) as f64 / 1e9).to_string(),
        );
        family(
            "engram_wal_compaction_runs_total",
            "counter",
            "Write-ahead log compactions",
            "0".to_string(),
        );
        family(
            "engram_streaming_queue_depth",
            "gauge",
            "Events waiting in the streaming queue",
            "0".to_string(),
        );
        family(
            "engram_http_requests_total",
            "counter",
            "HTTP requests served",
            load(&self.http_requests),
        );
        family(
            "engram_memory_spaces",
            "gauge",
            "Memory spaces loaded",
            snapshot.spaces.to_string(),
        );
        self.spreading_latency_hot.render(
            &mut out,
            "engram_spreading_latency_hot_seconds",
            "Spreading activation latency in the hot tier",
        );
        self.spreading_latency_warm.render(
            &mut out,
            "engram_spreading_latency_warm_seconds",
            "Spreading activation latency in the warm tier",
        );
        self.spreading_latency_cold.render(
            &mut out,
            "engram_spreading_latency_cold_seconds",
            "Spreading activation latency in the cold tier",
        );
        out
    }
}
