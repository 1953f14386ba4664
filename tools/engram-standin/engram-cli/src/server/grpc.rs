//! The gRPC port. Engram serves `engram.v1.EngramService` there (0.0.0.0, no health
//! service, no reflection); the stand-in only accepts TCP connections and closes
//! them, which is all a `tcpSocket` probe can see.

use std::io;
use std::net::TcpListener;
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::Duration;

use super::shutdown::Shutdown;

pub fn bind(port: u16) -> io::Result<TcpListener> {
    TcpListener::bind(("0.0.0.0", port))
}

pub fn spawn(listener: TcpListener, shutdown: Arc<Shutdown>) -> io::Result<JoinHandle<()>> {
    listener.set_nonblocking(true)?;
    thread::Builder::new()
        .name("grpc".to_string())
        .spawn(move || {
            while !shutdown.is_requested() {
                match listener.accept() {
                    Ok((stream, peer)) => {
                        trace!(
                            "gRPC connection from {peer} closed (no gRPC protocol in this build)"
                        );
                        drop(stream);
                    }
                    Err(error) if error.kind() == io::ErrorKind::WouldBlock => {
                        thread::sleep(Duration::from_millis(20));
                    }
                    Err(error) => {
                        debug!("gRPC accept failed: {error}");
                        thread::sleep(Duration::from_millis(100));
                    }
                }
            }
        })
}
