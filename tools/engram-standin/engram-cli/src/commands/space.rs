//! `engram space list`: asks the running server for its memory spaces. Exits 1 when
//! the server is unreachable, answers non-2xx, or takes longer than two seconds, so
//! it works as an exec health check in an image without a shell.

use std::time::Duration;

use engram_core::json::{self, Value};

use crate::client::{self, Target};
use crate::config::Config;

const TIMEOUT: Duration = Duration::from_secs(2);

pub fn list(config: &Config) -> i32 {
    let target = Target::from_pid_file(config);
    let response = match client::request(&target, "GET", "/api/v1/spaces", TIMEOUT) {
        Ok(response) => response,
        Err(error) => {
            eprintln!(
                "Error: cannot reach the Engram server at {}: {error}",
                target.address()
            );
            return 1;
        }
    };
    if !response.is_success() {
        eprintln!(
            "Error: the Engram server answered HTTP {}: {}",
            response.status,
            response.body.trim()
        );
        return 1;
    }
    let spaces = json::parse(&response.body).ok().and_then(|body| {
        body.get("spaces")
            .and_then(Value::as_array)
            .map(<[Value]>::to_vec)
    });
    let Some(spaces) = spaces else {
        eprintln!(
            "Error: unexpected answer from the Engram server: {}",
            response.body.trim()
        );
        return 1;
    };
    println!("Memory spaces ({}):", spaces.len());
    for space in spaces {
        let id = space.get("id").and_then(Value::as_str).unwrap_or("?");
        let memories = space.get("memories").and_then(Value::as_u64).unwrap_or(0);
        println!("  {id:<24} {memories} memories");
    }
    0
}
