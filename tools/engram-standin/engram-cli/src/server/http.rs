//! HTTP/1.1 on a blocking `TcpStream`: reading requests (Content-Length bodies,
//! keep-alive, pipelining) and writing responses.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use engram_core::json::{object, Value};
use engram_core::url;

use super::shutdown::Shutdown;

const MAX_HEAD_BYTES: usize = 64 * 1024;
const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;
/// A keep-alive connection without a request for this long is closed.
const IDLE_TIMEOUT: Duration = Duration::from_secs(30);
/// A request must arrive completely within this time once it has started.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Debug)]
pub struct Request {
    pub method: String,
    /// The path, still percent-encoded.
    pub path: String,
    pub query: String,
    /// Names in lowercase.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    http_1_0: bool,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// The first value of a query parameter, decoded.
    pub fn query_param(&self, name: &str) -> Option<String> {
        url::parse_query(&self.query)
            .into_iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value)
    }

    pub fn keep_alive(&self) -> bool {
        match self.header("connection").map(str::to_ascii_lowercase) {
            Some(value) if value.contains("close") => false,
            Some(value) if value.contains("keep-alive") => true,
            _ => !self.http_1_0,
        }
    }

    pub fn is_head(&self) -> bool {
        self.method == "HEAD"
    }
}

#[derive(Debug)]
pub struct Response {
    pub status: u16,
    content_type: Option<&'static str>,
    body: Vec<u8>,
}

impl Response {
    pub fn json(status: u16, value: &Value) -> Self {
        Response {
            status,
            content_type: Some("application/json"),
            body: value.to_string().into_bytes(),
        }
    }

    pub fn text(status: u16, content_type: &'static str, body: String) -> Self {
        Response {
            status,
            content_type: Some(content_type),
            body: body.into_bytes(),
        }
    }

    pub fn empty(status: u16) -> Self {
        Response {
            status,
            content_type: None,
            body: Vec::new(),
        }
    }

    /// `{"error": message}`.
    pub fn error(status: u16, message: &str) -> Self {
        Response::json(status, &object([("error", Value::from(message))]))
    }
}

fn reason_phrase(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        400 => "Bad Request",
        401 => "Unauthorized",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        413 => "Payload Too Large",
        415 => "Unsupported Media Type",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        503 => "Service Unavailable",
        505 => "HTTP Version Not Supported",
        507 => "Insufficient Storage",
        _ => "Unknown",
    }
}

/// Writes `response` in one piece (head and body together, so no small-packet delay).
pub fn write_response(
    stream: &mut TcpStream,
    response: &Response,
    keep_alive: bool,
    head_only: bool,
) -> io::Result<()> {
    let mut head = format!(
        "HTTP/1.1 {} {}\r\ncontent-length: {}\r\nconnection: {}\r\n",
        response.status,
        reason_phrase(response.status),
        response.body.len(),
        if keep_alive { "keep-alive" } else { "close" }
    );
    if let Some(content_type) = response.content_type {
        head.push_str(&format!("content-type: {content_type}\r\n"));
    }
    head.push_str("\r\n");
    let mut bytes = head.into_bytes();
    if !head_only {
        bytes.extend_from_slice(&response.body);
    }
    stream.write_all(&bytes)?;
    stream.flush()
}

pub enum Incoming {
    Request(Request),
    /// The peer closed, the connection idled out, or shutdown began between requests.
    Closed,
    /// A malformed or oversized request: answer this and close.
    Reject(Response),
}

/// Reads requests from one connection. The stream must have a short read timeout so
/// that idle connections notice shutdown.
#[derive(Default)]
pub struct RequestReader {
    buffer: Vec<u8>,
}

enum Fill {
    Data,
    Eof,
    TimedOut,
}

impl RequestReader {
    fn fill(&mut self, stream: &mut TcpStream) -> io::Result<Fill> {
        let mut chunk = [0u8; 16 * 1024];
        match stream.read(&mut chunk) {
            Ok(0) => Ok(Fill::Eof),
            Ok(n) => {
                self.buffer.extend_from_slice(&chunk[..n]);
                Ok(Fill::Data)
            }
            Err(error)
                if matches!(
                    error.kind(),
                    io::ErrorKind::WouldBlock
                        | io::ErrorKind::TimedOut
                        | io::ErrorKind::Interrupted
                ) =>
            {
                Ok(Fill::TimedOut)
            }
            Err(error) => Err(error),
        }
    }

    pub fn next(&mut self, stream: &mut TcpStream, shutdown: &Shutdown) -> Incoming {
        let waiting_since = Instant::now();
        let mut request_started: Option<Instant> = None;

        let head_end = loop {
            // Tolerate blank lines between requests (RFC 9112, section 2.2).
            while self.buffer.starts_with(b"\r\n") {
                self.buffer.drain(..2);
            }
            if !self.buffer.is_empty() && request_started.is_none() {
                request_started = Some(Instant::now());
            }
            if let Some(i) = find(&self.buffer, b"\r\n\r\n") {
                break i + 4;
            }
            if self.buffer.len() > MAX_HEAD_BYTES {
                return Incoming::Reject(Response::error(431, "request head too large"));
            }
            match self.fill(stream) {
                Ok(Fill::Data) => {}
                Ok(Fill::Eof) | Err(_) => return Incoming::Closed,
                Ok(Fill::TimedOut) => match request_started {
                    None if shutdown.is_requested() || waiting_since.elapsed() > IDLE_TIMEOUT => {
                        return Incoming::Closed
                    }
                    Some(started) if started.elapsed() > REQUEST_TIMEOUT => {
                        return Incoming::Reject(Response::error(408, "request timed out"))
                    }
                    _ => {}
                },
            }
        };

        let head = String::from_utf8_lossy(&self.buffer[..head_end - 4]).into_owned();
        let mut request = match parse_head(&head) {
            Ok(request) => request,
            Err(response) => return Incoming::Reject(response),
        };
        if request
            .header("transfer-encoding")
            .is_some_and(|value| !value.eq_ignore_ascii_case("identity"))
        {
            return Incoming::Reject(Response::error(
                501,
                "chunked request bodies are not supported; send Content-Length",
            ));
        }
        let length = match request.header("content-length").map(str::parse::<usize>) {
            None => 0,
            Some(Ok(length)) => length,
            Some(Err(_)) => {
                return Incoming::Reject(Response::error(400, "invalid Content-Length"))
            }
        };
        if length > MAX_BODY_BYTES {
            return Incoming::Reject(Response::error(413, "request body too large"));
        }

        // curl and others wait (curl: one second) for this before sending a large body.
        let expects_continue = request
            .header("expect")
            .is_some_and(|value| value.eq_ignore_ascii_case("100-continue"));
        let body_pending = self.buffer.len() < head_end + length;
        if expects_continue
            && body_pending
            && stream.write_all(b"HTTP/1.1 100 Continue\r\n\r\n").is_err()
        {
            return Incoming::Closed;
        }

        let started = request_started.unwrap_or(waiting_since);
        while self.buffer.len() < head_end + length {
            match self.fill(stream) {
                Ok(Fill::Data) => {}
                Ok(Fill::Eof) | Err(_) => return Incoming::Closed,
                Ok(Fill::TimedOut) if started.elapsed() > REQUEST_TIMEOUT => {
                    return Incoming::Reject(Response::error(408, "request timed out"))
                }
                Ok(Fill::TimedOut) => {}
            }
        }
        request.body = self.buffer[head_end..head_end + length].to_vec();
        self.buffer.drain(..head_end + length);
        Incoming::Request(request)
    }
}

fn parse_head(head: &str) -> Result<Request, Response> {
    let mut lines = head.split("\r\n");
    let request_line = lines.next().unwrap_or_default();
    let mut parts = request_line.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(Response::error(400, "malformed request line"));
    };
    let http_1_0 = match version {
        "HTTP/1.1" => false,
        "HTTP/1.0" => true,
        _ => {
            return Err(Response::error(
                505,
                "only HTTP/1.0 and HTTP/1.1 are supported",
            ))
        }
    };
    if method.is_empty() || !method.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(Response::error(400, "malformed method"));
    }

    // Absolute form (`http://host/path`) as sent to proxies.
    let target = match target.split_once("://") {
        Some((_, rest)) => rest.find('/').map_or("/", |i| &rest[i..]),
        None => target,
    };
    if !target.starts_with('/') {
        return Err(Response::error(400, "malformed request target"));
    }
    let (path, query) = target.split_once('?').unwrap_or((target, ""));

    let mut headers = Vec::new();
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            return Err(Response::error(400, "malformed header line"));
        };
        if name.is_empty() || name.ends_with(' ') || name.ends_with('\t') {
            return Err(Response::error(400, "malformed header name"));
        }
        headers.push((name.to_ascii_lowercase(), value.trim().to_string()));
    }
    Ok(Request {
        method: method.to_string(),
        path: path.to_string(),
        query: query.to_string(),
        headers,
        body: Vec::new(),
        http_1_0,
    })
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_request_heads() {
        let request = parse_head(
            "GET /api/v1/memories/search?query=a+b&limit=2 HTTP/1.1\r\nHost: x\r\nX-API-Key:  k1 ",
        )
        .unwrap();
        assert_eq!(request.method, "GET");
        assert_eq!(request.path, "/api/v1/memories/search");
        assert_eq!(request.query_param("query").as_deref(), Some("a b"));
        assert_eq!(request.header("x-api-key"), Some("k1"));
        assert!(request.keep_alive());
    }

    #[test]
    fn connection_semantics() {
        let close = parse_head("GET / HTTP/1.1\r\nConnection: close").unwrap();
        assert!(!close.keep_alive());
        let old = parse_head("GET / HTTP/1.0").unwrap();
        assert!(!old.keep_alive());
        let old_keep = parse_head("GET / HTTP/1.0\r\nConnection: Keep-Alive").unwrap();
        assert!(old_keep.keep_alive());
    }

    #[test]
    fn rejects_malformed_heads() {
        for head in [
            "GET /",
            "GET / HTTP/2.0",
            "get / HTTP/1.1",
            "GET x HTTP/1.1",
            "GET / HTTP/1.1\r\nbad",
        ] {
            assert!(parse_head(head).is_err(), "{head:?}");
        }
    }
}
