//! The HTTP accept loop and one thread per connection.
//!
//! The listener is non-blocking and polled, so the loop notices a shutdown request
//! (signal or `POST /shutdown`) within a few milliseconds. On shutdown it stops
//! accepting, lets open requests finish, and waits for connections to close.

use std::io::Read;
use std::net::{Shutdown as SocketShutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use super::http::{self, Incoming, RequestReader, Response};
use super::routes;
use super::state::AppState;

const ACCEPT_POLL: Duration = Duration::from_millis(10);
/// Read timeout of a connection: how quickly an idle one notices shutdown.
const READ_POLL: Duration = Duration::from_millis(200);
const WRITE_TIMEOUT: Duration = Duration::from_secs(30);
const MAX_CONNECTIONS: usize = 1024;
const DRAIN_TIMEOUT: Duration = Duration::from_secs(10);
const CONNECTION_STACK: usize = 512 * 1024;

/// Serves until shutdown is requested, then drains open connections.
pub fn serve(listener: TcpListener, state: Arc<AppState>) {
    if let Err(error) = listener.set_nonblocking(true) {
        error!("Cannot poll the HTTP listener: {error}");
        state.shutdown.request("HTTP listener failure");
    }
    let active = Arc::new(AtomicUsize::new(0));
    while !state.shutdown.is_requested() {
        match listener.accept() {
            Ok((stream, peer)) => spawn_connection(stream, peer, &state, &active),
            Err(error) if error.kind() == std::io::ErrorKind::WouldBlock => {
                thread::sleep(ACCEPT_POLL)
            }
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => {}
            Err(error) => {
                warn!("HTTP accept failed: {error}");
                thread::sleep(Duration::from_millis(100));
            }
        }
    }
    drop(listener);

    info!(
        "Shutting down ({}): no longer accepting connections, {} open",
        state.shutdown.reason(),
        active.load(Ordering::SeqCst)
    );
    let deadline = Instant::now() + DRAIN_TIMEOUT;
    while active.load(Ordering::SeqCst) > 0 && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(20));
    }
    let left = active.load(Ordering::SeqCst);
    if left > 0 {
        warn!("{left} connection(s) still open after {DRAIN_TIMEOUT:?}; leaving them");
    }
}

/// Decrements the open-connection count when the connection thread ends.
struct ActiveConnection(Arc<AtomicUsize>);

impl Drop for ActiveConnection {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

fn spawn_connection(
    mut stream: TcpStream,
    peer: SocketAddr,
    state: &Arc<AppState>,
    active: &Arc<AtomicUsize>,
) {
    if active.load(Ordering::SeqCst) >= MAX_CONNECTIONS {
        let _ = stream.set_nonblocking(false);
        let busy = Response::error(503, "too many open connections");
        let _ = http::write_response(&mut stream, &busy, false, false);
        return;
    }
    active.fetch_add(1, Ordering::SeqCst);
    let guard = ActiveConnection(Arc::clone(active));
    let state = Arc::clone(state);
    let spawned = thread::Builder::new()
        .name("http".to_string())
        .stack_size(CONNECTION_STACK)
        .spawn(move || {
            let _guard = guard;
            handle_connection(stream, peer, &state);
        });
    if let Err(error) = spawned {
        // The closure, and with it the guard and the stream, is dropped here.
        warn!("Cannot start a thread for the connection from {peer}: {error}");
    }
}

fn handle_connection(mut stream: TcpStream, peer: SocketAddr, state: &AppState) {
    trace!("Connection from {peer}");
    let configured = stream.set_nonblocking(false).is_ok()
        && stream.set_read_timeout(Some(READ_POLL)).is_ok()
        && stream.set_write_timeout(Some(WRITE_TIMEOUT)).is_ok();
    if !configured {
        return;
    }
    let _ = stream.set_nodelay(true);

    let mut reader = RequestReader::default();
    loop {
        let request = match reader.next(&mut stream, &state.shutdown) {
            Incoming::Request(request) => request,
            Incoming::Closed => return,
            Incoming::Reject(response) => {
                debug!("Rejected a request from {peer}: HTTP {}", response.status);
                let _ = http::write_response(&mut stream, &response, false, false);
                close_after_reject(stream);
                return;
            }
        };
        let started = Instant::now();
        let Some(response) = routes::handle(state, &request) else {
            return;
        };
        let keep_alive = request.keep_alive() && !state.shutdown.is_requested();
        debug!(
            "{} {} -> {} in {:.3} ms ({peer})",
            request.method,
            request.path,
            response.status,
            started.elapsed().as_secs_f64() * 1000.0
        );
        let written = http::write_response(&mut stream, &response, keep_alive, request.is_head());
        if written.is_err() || !keep_alive {
            return;
        }
    }
}

/// Closing with unread input makes the kernel send a reset, which can destroy the
/// answer in flight: close our side, then read off what the client still sends.
fn close_after_reject(mut stream: TcpStream) {
    let _ = stream.shutdown(SocketShutdown::Write);
    let _ = stream.set_read_timeout(Some(Duration::from_millis(100)));
    let mut sink = [0u8; 8192];
    let mut drained = 0;
    while drained < 1024 * 1024 {
        match stream.read(&mut sink) {
            Ok(0) | Err(_) => return,
            Ok(n) => drained += n,
        }
    }
}
