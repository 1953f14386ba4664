//! The shutdown request shared by every server thread: set by SIGTERM/SIGINT or by
//! `POST /shutdown`, polled by the accept loops and idle connections.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use crate::signals;

#[derive(Default)]
pub struct Shutdown {
    requested: AtomicBool,
    reason: Mutex<Option<String>>,
}

impl Shutdown {
    pub fn request(&self, reason: &str) {
        if !self.requested.swap(true, Ordering::SeqCst) {
            if let Ok(mut slot) = self.reason.lock() {
                *slot = Some(reason.to_string());
            }
        }
    }

    /// Whether shutdown was requested, counting a signal that arrived meanwhile.
    pub fn is_requested(&self) -> bool {
        if self.requested.load(Ordering::SeqCst) {
            return true;
        }
        match signals::received() {
            Some(signal) => {
                self.request(&format!("received {signal}"));
                true
            }
            None => false,
        }
    }

    pub fn reason(&self) -> String {
        self.reason
            .lock()
            .ok()
            .and_then(|slot| slot.clone())
            .unwrap_or_else(|| "shutdown requested".to_string())
    }
}
