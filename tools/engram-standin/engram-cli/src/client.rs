//! A minimal HTTP/1.1 client for the client commands; it only talks to the local
//! server (127.0.0.1).

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use crate::{api_keys, config::Config, pidfile};

/// Where client commands find the server: the port from the PID file, else 7432.
pub struct Target {
    pub port: u16,
    pub api_key: Option<String>,
}

impl Target {
    pub fn from_pid_file(config: &Config) -> Target {
        let port = pidfile::read(&pidfile::path())
            .ok()
            .flatten()
            .map_or(crate::cli::DEFAULT_HTTP_PORT, |info| info.port);
        Target {
            port,
            api_key: api_keys::client_key(config),
        }
    }

    pub fn address(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.port))
    }
}

pub struct Response {
    pub status: u16,
    pub body: String,
}

impl Response {
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// A keep-alive connection.
pub struct Connection {
    stream: TcpStream,
    buffer: Vec<u8>,
    api_key: Option<String>,
}

fn timed_out() -> io::Error {
    io::Error::new(io::ErrorKind::TimedOut, "no answer in time")
}

fn remaining(deadline: Instant) -> io::Result<Duration> {
    let left = deadline.saturating_duration_since(Instant::now());
    if left.is_zero() {
        Err(timed_out())
    } else {
        Ok(left)
    }
}

impl Connection {
    pub fn open(target: &Target, deadline: Instant) -> io::Result<Connection> {
        let stream = TcpStream::connect_timeout(&target.address(), remaining(deadline)?)?;
        stream.set_nodelay(true)?;
        Ok(Connection {
            stream,
            buffer: Vec::new(),
            api_key: target.api_key.clone(),
        })
    }

    /// Sends one request and reads its response before `deadline`.
    pub fn request(&mut self, method: &str, path: &str, deadline: Instant) -> io::Result<Response> {
        let mut head = format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n");
        if let Some(key) = &self.api_key {
            head.push_str(&format!("X-API-Key: {key}\r\n"));
        }
        if method == "POST" {
            head.push_str("Content-Length: 0\r\n");
        }
        head.push_str("\r\n");
        self.stream.set_write_timeout(Some(remaining(deadline)?))?;
        self.stream.write_all(head.as_bytes())?;

        let head_end = loop {
            if let Some(i) = find(&self.buffer, b"\r\n\r\n") {
                break i + 4;
            }
            self.fill(deadline)?;
        };
        let head = String::from_utf8_lossy(&self.buffer[..head_end]).into_owned();
        let status = head
            .split_whitespace()
            .nth(1)
            .and_then(|code| code.parse().ok())
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "malformed HTTP response"))?;
        let length = head
            .lines()
            .filter_map(|line| line.split_once(':'))
            .find(|(name, _)| name.trim().eq_ignore_ascii_case("content-length"))
            .and_then(|(_, value)| value.trim().parse::<usize>().ok())
            .unwrap_or(0);
        while self.buffer.len() < head_end + length {
            self.fill(deadline)?;
        }
        let body = String::from_utf8_lossy(&self.buffer[head_end..head_end + length]).into_owned();
        self.buffer.drain(..head_end + length);
        Ok(Response { status, body })
    }

    fn fill(&mut self, deadline: Instant) -> io::Result<()> {
        self.stream.set_read_timeout(Some(remaining(deadline)?))?;
        let mut chunk = [0u8; 8192];
        match self.stream.read(&mut chunk) {
            Ok(0) => Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "connection closed by the server",
            )),
            Ok(n) => {
                self.buffer.extend_from_slice(&chunk[..n]);
                Ok(())
            }
            Err(error)
                if matches!(
                    error.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                Err(timed_out())
            }
            Err(error) => Err(error),
        }
    }
}

/// One request on a fresh connection, all within `timeout`.
pub fn request(
    target: &Target,
    method: &str,
    path: &str,
    timeout: Duration,
) -> io::Result<Response> {
    let deadline = Instant::now() + timeout;
    Connection::open(target, deadline)?.request(method, path, deadline)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}
