//! The HTTP API, with Engram's routes and status codes.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use engram_core::json::{self, object, Value};
use engram_core::memory::DEFAULT_CONFIDENCE;
use engram_core::{time, url, validate_space_id, ConfidenceCategory, Memory};
use engram_storage::StoreError;

use super::fixture;
use super::http::{Request, Response};
use super::metrics::Snapshot;
use super::state::AppState;
use crate::build_info;

const DEFAULT_SEARCH_LIMIT: usize = 10;
const MAX_SEARCH_LIMIT: usize = 1000;

/// Answers one request; `None` drops the connection without an answer.
pub fn handle(state: &AppState, request: &Request) -> Option<Response> {
    state.metrics.http_requests.fetch_add(1, Ordering::Relaxed);
    if fixture::is_fixture_path(&request.path) {
        return Some(fixture::handle(state, request));
    }
    if !fixture::wait_while_stalled(state) {
        return None;
    }
    if !state.auth.allows(request) {
        return Some(Response::error(401, "missing or invalid API key"));
    }
    Some(route(state, request))
}

fn route(state: &AppState, request: &Request) -> Response {
    // HEAD is GET without the body (the writer leaves it out).
    let method = if request.is_head() {
        "GET"
    } else {
        request.method.as_str()
    };
    match request.path.as_str() {
        "/health/alive" => only(method, "GET", || Response::empty(200)),
        "/health" => only(method, "GET", || health(state)),
        "/api/v1/system/health" => only(method, "GET", || system_health(state)),
        "/api/v1/spaces" => only(method, "GET", || spaces(state)),
        "/metrics" => only(method, "GET", || metrics_json(state)),
        "/metrics/prometheus" => only(method, "GET", || metrics_prometheus(state)),
        "/api/v1/memories/remember" => only(method, "POST", || remember(state, request)),
        "/api/v1/memories/search" => only(method, "GET", || search(state, request)),
        "/shutdown" => only(method, "POST", || shutdown(state)),
        path => match path.strip_prefix("/api/v1/memories/") {
            Some(id) if !id.is_empty() && !id.contains('/') => only(method, "GET", || {
                get_memory(state, request, &url::percent_decode(id, false))
            }),
            _ => Response::error(404, "not found"),
        },
    }
}

fn only(method: &str, allowed: &str, handler: impl FnOnce() -> Response) -> Response {
    if method == allowed {
        handler()
    } else {
        Response::error(405, "method not allowed")
    }
}

struct Check {
    name: &'static str,
    healthy: bool,
    message: String,
    latency: Duration,
}

fn run_checks(state: &AppState) -> Vec<Check> {
    let started = Instant::now();
    let storage_ok = state.store.root().is_dir();
    let storage = Check {
        name: "storage",
        healthy: storage_ok,
        message: if storage_ok {
            format!(
                "data directory {} is available",
                state.store.root().display()
            )
        } else {
            format!("data directory {} is missing", state.store.root().display())
        },
        latency: started.elapsed(),
    };

    let started = Instant::now();
    let memories = state.store.memory_count();
    let memory = Check {
        name: "memory",
        healthy: true,
        message: format!("{memories} memories loaded"),
        latency: started.elapsed(),
    };

    let spreading = Check {
        name: "spreading",
        healthy: true,
        message: if state.config.spreading_api_beta {
            "spreading API beta enabled".to_string()
        } else {
            "spreading API beta disabled".to_string()
        },
        latency: Duration::ZERO,
    };

    let grpc = Check {
        name: "grpc",
        healthy: true,
        message: format!("listening on 0.0.0.0:{}", state.grpc_port),
        latency: Duration::ZERO,
    };
    vec![storage, memory, spreading, grpc]
}

fn checks_json(checks: &[Check]) -> Value {
    Value::Array(
        checks
            .iter()
            .map(|check| {
                object([
                    ("name", Value::from(check.name)),
                    (
                        "status",
                        Value::from(if check.healthy {
                            "healthy"
                        } else {
                            "unhealthy"
                        }),
                    ),
                    ("message", Value::from(check.message.as_str())),
                    (
                        "latency_ms",
                        Value::from((check.latency.as_secs_f64() * 1e6).round() / 1e3),
                    ),
                ])
            })
            .collect(),
    )
}

/// `("healthy", 200)` or `("unhealthy", 503)`.
fn overall(checks: &[Check]) -> (&'static str, u16) {
    if checks.iter().all(|check| check.healthy) {
        ("healthy", 200)
    } else {
        ("unhealthy", 503)
    }
}

fn health(state: &AppState) -> Response {
    let checks = run_checks(state);
    let (status, code) = overall(&checks);
    let body = object([
        ("status", Value::from(status)),
        ("service", Value::from("engram")),
        ("version", Value::from(build_info::VERSION)),
        ("timestamp", Value::from(time::now_rfc3339())),
        (
            "uptime_seconds",
            Value::from(state.started_at.elapsed().as_secs()),
        ),
        ("features", Value::from(build_info::features())),
        (
            "spreading_api_beta",
            Value::from(state.config.spreading_api_beta),
        ),
        ("target_cpu", build_info::target_cpu()),
        (
            "hwloc_api_version",
            Value::from(state.hwloc_version.clone()),
        ),
        ("checks", checks_json(&checks)),
    ]);
    Response::json(code, &body)
}

fn system_health(state: &AppState) -> Response {
    let checks = run_checks(state);
    let (status, code) = overall(&checks);
    let body = object([
        ("status", Value::from(status)),
        ("timestamp", Value::from(time::now_rfc3339())),
        ("checks", checks_json(&checks)),
        ("spaces", Value::from(state.store.space_ids())),
        ("cluster", cluster_json(state)),
        ("log_level", Value::from(state.log_level.as_str())),
    ]);
    Response::json(code, &body)
}

/// `null` unless `[cluster] enabled = true`; multi-node operation does not exist yet.
fn cluster_json(state: &AppState) -> Value {
    if state.config.cluster_enabled {
        object([
            ("enabled", Value::from(true)),
            ("members", Value::Array(Vec::new())),
        ])
    } else {
        Value::Null
    }
}

fn spaces(state: &AppState) -> Response {
    let summaries = state.store.space_summaries();
    let list = summaries
        .iter()
        .map(|space| {
            object([
                ("id", Value::from(space.id.as_str())),
                ("memories", Value::from(space.memories)),
            ])
        })
        .collect::<Vec<_>>();
    let body = object([
        ("spaces", Value::Array(list)),
        (
            "default_space",
            Value::from(state.config.default_space.as_str()),
        ),
        ("total", Value::from(summaries.len())),
    ]);
    Response::json(200, &body)
}

fn snapshot(state: &AppState) -> Snapshot {
    Snapshot {
        memories: state.store.memory_count(),
        spaces: state.store.space_ids().len(),
        uptime: state.started_at.elapsed(),
    }
}

fn metrics_json(state: &AppState) -> Response {
    let body = state
        .metrics
        .to_json(&snapshot(state), build_info::features());
    Response::json(200, &body)
}

fn metrics_prometheus(state: &AppState) -> Response {
    Response::text(
        200,
        "text/plain; version=0.0.4; charset=utf-8",
        state.metrics.to_prometheus(&snapshot(state)),
    )
}

/// The memory space a request addresses: `X-Memory-Space` header, then the body's
/// `memory_space_id`, then the `space` query parameter, else the default space.
fn requested_space(
    state: &AppState,
    request: &Request,
    body: Option<&Value>,
) -> Result<String, Response> {
    let space = request
        .header("x-memory-space")
        .map(str::to_string)
        .or_else(|| {
            body.and_then(|b| b.get("memory_space_id"))
                .and_then(Value::as_str)
                .map(str::to_string)
        })
        .or_else(|| request.query_param("space"))
        .unwrap_or_else(|| state.config.default_space.clone());
    validate_space_id(&space).map_err(|message| Response::error(400, &message))?;
    Ok(space)
}

fn memory_json(space: &str, memory: &Memory) -> Value {
    let mut value = memory.to_json();
    if let Value::Object(fields) = &mut value {
        fields.push(("memory_space_id".to_string(), Value::from(space)));
    }
    value
}

fn is_json_content_type(value: Option<&str>) -> bool {
    value.is_some_and(|value| {
        let mime = value
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        mime == "application/json" || (mime.starts_with("application/") && mime.ends_with("+json"))
    })
}

fn remember(state: &AppState, request: &Request) -> Response {
    // Engram's JSON extractor refuses bodies not labelled as JSON.
    if !is_json_content_type(request.header("content-type")) {
        return Response::error(
            415,
            "Expected request with `Content-Type: application/json`",
        );
    }
    let Ok(text) = std::str::from_utf8(&request.body) else {
        return Response::error(400, "request body is not UTF-8");
    };
    let body = match json::parse(text) {
        Ok(body @ Value::Object(_)) => body,
        Ok(_) => return Response::error(400, "request body must be a JSON object"),
        Err(error) => return Response::error(400, &format!("invalid JSON body: {error}")),
    };
    let content = match body.get("content") {
        Some(Value::String(content)) if !content.trim().is_empty() => content.clone(),
        Some(Value::String(_)) => return Response::error(400, "content must not be empty"),
        None | Some(Value::Null) => return Response::error(400, "missing field `content`"),
        Some(_) => return Response::error(400, "content must be a string"),
    };
    let confidence = match body.get("confidence") {
        None | Some(Value::Null) => DEFAULT_CONFIDENCE,
        Some(Value::Number(value)) if (0.0..=1.0).contains(value) => *value,
        Some(_) => return Response::error(400, "confidence must be a number from 0 to 1"),
    };
    let space = match requested_space(state, request, Some(&body)) {
        Ok(space) => space,
        Err(response) => return response,
    };

    match state
        .store
        .remember(&space, Memory::new(content, confidence))
    {
        Ok(memory) => {
            let category = ConfidenceCategory::of(memory.confidence);
            let body = object([
                ("memory_id", Value::from(memory.id.as_str())),
                (
                    "storage_confidence",
                    object([
                        ("value", Value::from(memory.confidence)),
                        ("category", Value::from(category.as_str())),
                        (
                            "reasoning",
                            Value::from("stored in the hot tier and the write-ahead log"),
                        ),
                    ]),
                ),
                ("memory_space_id", Value::from(space.as_str())),
                ("consolidation_state", Value::from("Recent")),
                ("system_message", Value::from("Memory stored")),
            ]);
            Response::json(201, &body)
        }
        Err(StoreError::InvalidSpace(message)) => Response::error(400, &message),
        Err(StoreError::Io(error)) => {
            error!("Cannot store a memory in space '{space}': {error}");
            Response::error(500, "storage error")
        }
    }
}

fn search(state: &AppState, request: &Request) -> Response {
    let Some(query) = request.query_param("query") else {
        return Response::error(
            400,
            "Failed to deserialize query string: missing field `query`",
        );
    };
    let limit = match request.query_param("limit") {
        None => DEFAULT_SEARCH_LIMIT,
        Some(text) => match text.parse::<usize>() {
            Ok(limit) => limit.min(MAX_SEARCH_LIMIT),
            Err(_) => return Response::error(400, "limit must be a non-negative integer"),
        },
    };
    let space = match requested_space(state, request, None) {
        Ok(space) => space,
        Err(response) => return response,
    };

    let started = Instant::now();
    let found = state.store.search(Some(&space), &query, limit);
    state
        .metrics
        .spreading_latency_hot
        .observe(started.elapsed());
    state
        .metrics
        .spreading_activations
        .fetch_add(1, Ordering::Relaxed);

    let memories = found
        .iter()
        .map(|(space, memory)| memory_json(space, memory))
        .collect::<Vec<_>>();
    let body = object([
        ("total", Value::from(memories.len())),
        ("memories", Value::Array(memories)),
        ("query", Value::from(query)),
        ("memory_space_id", Value::from(space)),
    ]);
    Response::json(200, &body)
}

fn get_memory(state: &AppState, request: &Request, id: &str) -> Response {
    let space = request.header("x-memory-space");
    match state.store.get(space, id) {
        Some((space, memory)) => Response::json(200, &memory_json(&space, &memory)),
        None => Response::error(404, &format!("memory '{id}' not found")),
    }
}

fn shutdown(state: &AppState) -> Response {
    info!("Shutdown requested through POST /shutdown");
    state.shutdown.request("POST /shutdown");
    Response::json(
        200,
        &object([
            ("status", Value::from("shutting_down")),
            ("message", Value::from("Server is shutting down")),
        ]),
    )
}
