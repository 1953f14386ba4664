//! Fixture-only endpoints under `/standin/`, for the runtime tests of the deployment
//! artifacts. Engram has none of them, and no generated artifact may rely on them.
//! They need no API key and are not affected by a stall.
//!
//! - `POST /standin/allocate?mb=N`: allocates and touches N MiB and keeps it, so a test
//!   can push the container over its memory limit.
//! - `POST /standin/stall`: every later request (other than `/standin/...`) hangs
//!   without an answer until `POST /standin/unstall` or shutdown, so a test can make
//!   the API stop answering while the process and its ports stay up.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::thread;
use std::time::Duration;

use engram_core::json::{object, Value};

use super::http::{Request, Response};
use super::state::AppState;

const MIB: usize = 1024 * 1024;

#[derive(Default)]
pub struct FixtureKnobs {
    stalled: AtomicBool,
    allocations: Mutex<Vec<Vec<u8>>>,
}

pub fn is_fixture_path(path: &str) -> bool {
    path.starts_with("/standin/")
}

pub fn handle(state: &AppState, request: &Request) -> Response {
    if request.method != "POST" {
        return Response::error(405, "fixture endpoints take POST");
    }
    let knobs = &state.fixture;
    match request.path.as_str() {
        "/standin/allocate" => allocate(knobs, request),
        "/standin/stall" => {
            knobs.stalled.store(true, Ordering::SeqCst);
            warn!("Fixture: HTTP requests now stall until POST /standin/unstall");
            Response::json(200, &object([("stalled", Value::from(true))]))
        }
        "/standin/unstall" => {
            knobs.stalled.store(false, Ordering::SeqCst);
            info!("Fixture: HTTP requests answer again");
            Response::json(200, &object([("stalled", Value::from(false))]))
        }
        _ => Response::error(404, "unknown fixture endpoint"),
    }
}

fn allocate(knobs: &FixtureKnobs, request: &Request) -> Response {
    let Some(mb) = request
        .query_param("mb")
        .and_then(|text| text.parse::<usize>().ok())
        .filter(|mb| (1..=1024 * 1024).contains(mb))
    else {
        return Response::error(
            400,
            "query parameter mb must be an integer from 1 to 1048576",
        );
    };
    let mut block: Vec<u8> = Vec::new();
    if block.try_reserve_exact(mb * MIB).is_err() {
        return Response::error(507, "allocation refused");
    }
    // Writing every byte makes the pages resident, so they count against the limit.
    block.resize(mb * MIB, 0xA5);
    let mut allocations = knobs
        .allocations
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    allocations.push(block);
    let total_mb = allocations.iter().map(Vec::len).sum::<usize>() / MIB;
    warn!("Fixture: allocated {mb} MiB (holding {total_mb} MiB)");
    Response::json(
        200,
        &object([
            ("allocated_mb", Value::from(mb)),
            ("total_allocated_mb", Value::from(total_mb)),
        ]),
    )
}

/// Holds a request while the server is stalled. Returns false when the request
/// should be dropped without an answer (shutdown began while it was held).
pub fn wait_while_stalled(state: &AppState) -> bool {
    while state.fixture.stalled.load(Ordering::SeqCst) {
        if state.shutdown.is_requested() {
            return false;
        }
        thread::sleep(Duration::from_millis(100));
    }
    true
}
