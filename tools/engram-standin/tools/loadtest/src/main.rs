//! `loadtest [PORT] [REQUESTS]`: sends REQUESTS (default 100, at most 100000)
//! `GET /health/alive` requests to 127.0.0.1:PORT (default 7432), one connection each.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

fn main() {
    let mut args = std::env::args().skip(1);
    let port: u16 = args.next().and_then(|a| a.parse().ok()).unwrap_or(7432);
    let requests: u32 = args
        .next()
        .and_then(|a| a.parse().ok())
        .unwrap_or(100)
        .min(100_000);
    let started = Instant::now();
    let mut failures = 0;
    for _ in 0..requests {
        if !alive(port) {
            failures += 1;
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    println!(
        "{requests} requests, {failures} failed, {:.1} req/s",
        f64::from(requests) / elapsed.max(1e-9)
    );
    if failures > 0 {
        std::process::exit(1);
    }
}

fn alive(port: u16) -> bool {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    let request = "GET /health/alive HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    if stream.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let mut response = String::new();
    let _ = stream.read_to_string(&mut response);
    response.starts_with("HTTP/1.1 200")
}
