//! SIGTERM and SIGINT handling with the C library's `signal`, declared here because
//! the stand-in has no `libc` crate. The handler only stores the signal number; the
//! server's loops poll it.

use std::os::raw::c_int;
use std::sync::atomic::{AtomicI32, Ordering};

const SIGINT: c_int = 2;
const SIGTERM: c_int = 15;

static RECEIVED: AtomicI32 = AtomicI32::new(0);

extern "C" {
    /// `sighandler_t signal(int signum, sighandler_t handler)`; glibc and musl give
    /// it BSD semantics (the handler stays installed, system calls restart).
    fn signal(signum: c_int, handler: extern "C" fn(c_int)) -> usize;
}

extern "C" fn on_signal(signum: c_int) {
    // Only async-signal-safe work here: one atomic store.
    RECEIVED.store(signum, Ordering::SeqCst);
}

/// Installs the handler for SIGTERM and SIGINT.
pub fn install() {
    // SAFETY: `on_signal` is async-signal-safe and lives for the whole program.
    unsafe {
        signal(SIGTERM, on_signal);
        signal(SIGINT, on_signal);
    }
}

/// The name of the first shutdown signal received, if any.
pub fn received() -> Option<&'static str> {
    match RECEIVED.load(Ordering::SeqCst) {
        0 => None,
        SIGTERM => Some("SIGTERM"),
        SIGINT => Some("SIGINT"),
        _ => Some("signal"),
    }
}
