//! Background tasks: a periodic consolidation pass. The stand-in only counts the
//! runs (for `engram_consolidation_runs_total`); the first runs at start.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use super::state::AppState;

const CONSOLIDATION_INTERVAL: Duration = Duration::from_secs(10);
const POLL: Duration = Duration::from_millis(100);

pub struct BackgroundTasks {
    stop: Arc<AtomicBool>,
    consolidation: JoinHandle<()>,
}

impl BackgroundTasks {
    pub fn start(state: Arc<AppState>) -> std::io::Result<BackgroundTasks> {
        let stop = Arc::new(AtomicBool::new(false));
        let stop_flag = Arc::clone(&stop);
        let consolidation = thread::Builder::new()
            .name("consolidation".to_string())
            .spawn(move || consolidate_periodically(&state, &stop_flag))?;
        Ok(BackgroundTasks {
            stop,
            consolidation,
        })
    }

    /// Stops the tasks and waits for them (they notice within `POLL`).
    pub fn stop(self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = self.consolidation.join();
    }
}

fn consolidate_periodically(state: &AppState, stop: &AtomicBool) {
    let mut next_run = Instant::now();
    while !stop.load(Ordering::SeqCst) {
        if Instant::now() >= next_run {
            let metrics = &state.metrics;
            let runs = metrics.consolidation_runs.fetch_add(1, Ordering::Relaxed) + 1;
            metrics
                .consolidation_last_run_ms
                .store(engram_core::time::now_unix_ms(), Ordering::Relaxed);
            debug!(
                "Consolidation run {runs} over {} memories",
                state.store.memory_count()
            );
            next_run += CONSOLIDATION_INTERVAL;
        }
        thread::sleep(POLL);
    }
}
