//! `engram start`: the server's start sequence and shutdown.
//!
//! Order, as in Engram: PID file, data directory and write-ahead log replay, gRPC on
//! 0.0.0.0, then (after the startup delay) HTTP on `http_bind`, moving to the next
//! free port if the requested one is busy. On SIGTERM, SIGINT or `POST /shutdown`
//! the server stops accepting, finishes open requests, stops background tasks,
//! removes the PID file and logs `Server stopped gracefully`.

mod auth;
mod background;
mod connection;
mod fixture;
mod grpc;
mod http;
mod metrics;
mod routes;
mod shutdown;
mod state;

use std::env;
use std::fs;
use std::io;
use std::net::{IpAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use engram_core::validate_space_id;
use engram_storage::Store;

use crate::build_info;
use crate::config::{parse_bind_address, Config};
use crate::logging::Level;
use crate::pidfile::{self, PidInfo};
use crate::signals;

use auth::Auth;
use background::BackgroundTasks;
use fixture::FixtureKnobs;
use metrics::Metrics;
use shutdown::Shutdown;
use state::AppState;

/// Time between the gRPC server being ready and the HTTP server starting. Engram
/// needs up to about ten seconds; fixture-only knob: `ENGRAM_STANDIN_STARTUP_DELAY_MS`.
const DEFAULT_STARTUP_DELAY: Duration = Duration::from_millis(2000);
const STARTUP_DELAY_VARIABLE: &str = "ENGRAM_STANDIN_STARTUP_DELAY_MS";
/// How many ports above the requested one the HTTP server tries.
const PORT_SEARCH_SPAN: u16 = 100;

pub struct Ports {
    pub http: u16,
    pub grpc: u16,
}

/// Runs the server until shutdown; returns the exit status.
pub fn run(config: Config, log_level: Level, ports: Ports) -> i32 {
    signals::install();
    info!("Starting Engram server v{}", build_info::VERSION);
    if config.file_found {
        info!("Loaded configuration from {}", config.path.display());
    } else {
        info!(
            "No configuration file at {}; using built-in defaults",
            config.path.display()
        );
    }
    debug!("Features: {:?}", build_info::features());
    info!("Authentication mode: {}", config.auth_mode.as_str());

    for space in config.startup_spaces() {
        if let Err(message) = validate_space_id(&space) {
            error!("Invalid memory space configuration: {message}");
            return 1;
        }
    }
    let Some(bind_ip) = parse_bind_address(&config.http_bind) else {
        error!("Invalid HTTP bind address '{}'", config.http_bind);
        return 1;
    };

    let pid_path = pidfile::path();
    let pid_info = PidInfo {
        pid: std::process::id(),
        port: ports.http,
    };
    if let Err(error) = pidfile::write(&pid_path, pid_info) {
        error!("Cannot write PID file {}: {error}", pid_path.display());
        return 1;
    }
    let status = run_with_pid_file(config, log_level, &ports, bind_ip, &pid_path);
    pidfile::remove(&pid_path);
    if status == 0 {
        info!("Server stopped gracefully");
    }
    status
}

fn run_with_pid_file(
    config: Config,
    log_level: Level,
    ports: &Ports,
    bind_ip: IpAddr,
    pid_path: &Path,
) -> i32 {
    let hwloc_version = hwloc_version();

    let data_dir = match data_dir() {
        Ok(dir) => dir,
        Err(message) => {
            error!("{message}");
            return 1;
        }
    };
    info!("Data directory: {}", data_dir.display());
    let (store, recovery) = match Store::open(&data_dir, &config.startup_spaces()) {
        Ok(opened) => opened,
        Err(error) => {
            error!(
                "Cannot open the memory spaces in {}: {error}",
                data_dir.display()
            );
            return 1;
        }
    };
    for space in &recovery.spaces {
        info!(
            "Memory space '{}' ready ({} memories recovered from the WAL)",
            space.id, space.memories
        );
    }
    if recovery.skipped_lines > 0 {
        warn!(
            "Skipped {} unreadable WAL record(s) during recovery",
            recovery.skipped_lines
        );
    }
    debug!(
        "WAL recovery took {:?} (storage layout version {})",
        recovery.duration,
        engram_storage::layout_version()
    );

    let shutdown = Arc::new(Shutdown::default());
    let grpc_listener = match grpc::bind(ports.grpc) {
        Ok(listener) => listener,
        Err(error) => {
            error!(
                "Cannot bind the gRPC server to 0.0.0.0:{}: {error}",
                ports.grpc
            );
            return 1;
        }
    };
    let grpc_port = grpc_listener
        .local_addr()
        .map_or(ports.grpc, |address| address.port());
    let grpc_thread = match grpc::spawn(grpc_listener, Arc::clone(&shutdown)) {
        Ok(handle) => handle,
        Err(error) => {
            error!("Cannot start the gRPC server: {error}");
            return 1;
        }
    };
    info!("gRPC server listening on 0.0.0.0:{grpc_port}");
    debug!("gRPC service {}", engram_proto::FULL_SERVICE_NAME);

    // Like Engram, HTTP starts only after gRPC is ready: nothing answers before.
    wait_for_startup(&shutdown);
    let status = if shutdown.is_requested() {
        info!(
            "Shutting down ({}) before the HTTP server started",
            shutdown.reason()
        );
        0
    } else {
        let server = Server {
            config,
            log_level,
            store,
            wal_recovery: recovery.duration,
            shutdown: Arc::clone(&shutdown),
            grpc_port,
            hwloc_version,
        };
        server.serve_http(bind_ip, ports.http, pid_path)
    };
    shutdown.request("server stopped");
    let _ = grpc_thread.join();
    status
}

/// What the HTTP phase needs from the start sequence.
struct Server {
    config: Config,
    log_level: Level,
    store: Store,
    wal_recovery: Duration,
    shutdown: Arc<Shutdown>,
    grpc_port: u16,
    hwloc_version: Option<String>,
}

impl Server {
    fn serve_http(self, bind_ip: IpAddr, port: u16, pid_path: &Path) -> i32 {
        let listener = match bind_http(bind_ip, port) {
            Ok(listener) => listener,
            Err(error) => {
                error!("Cannot bind the HTTP server to {bind_ip}:{port}: {error}");
                return 1;
            }
        };
        let address = match listener.local_addr() {
            Ok(address) => address,
            Err(error) => {
                error!("Cannot read the HTTP listener address: {error}");
                return 1;
            }
        };
        if port != 0 && address.port() != port {
            debug!("Port {port} is in use; using {}", address.port());
        }
        info!("HTTP server listening on {address}");
        let pid_info = PidInfo {
            pid: std::process::id(),
            port: address.port(),
        };
        if let Err(error) = pidfile::write(pid_path, pid_info) {
            error!("Cannot write PID file {}: {error}", pid_path.display());
            return 1;
        }

        let state = Arc::new(AppState {
            auth: Auth::load(&self.config),
            config: self.config,
            log_level: self.log_level,
            store: self.store,
            metrics: Metrics::new(self.wal_recovery),
            shutdown: self.shutdown,
            fixture: FixtureKnobs::default(),
            started_at: Instant::now(),
            grpc_port: self.grpc_port,
            hwloc_version: self.hwloc_version,
        });
        let background = match BackgroundTasks::start(Arc::clone(&state)) {
            Ok(tasks) => tasks,
            Err(error) => {
                error!("Cannot start background tasks: {error}");
                return 1;
            }
        };
        connection::serve(listener, Arc::clone(&state));
        background.stop();
        info!("Background tasks stopped");
        0
    }
}

#[cfg(feature = "monitoring")]
fn hwloc_version() -> Option<String> {
    let version = crate::monitoring::hwloc_api_version();
    info!("Monitoring enabled (hwloc API version {version})");
    Some(version)
}

#[cfg(not(feature = "monitoring"))]
fn hwloc_version() -> Option<String> {
    debug!("Monitoring disabled at build time");
    None
}

/// `ENGRAM_DATA_DIR`, else `engram-data` in the working directory; created if missing.
fn data_dir() -> Result<PathBuf, String> {
    let dir = match env::var_os("ENGRAM_DATA_DIR") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => env::current_dir()
            .map_err(|error| format!("Cannot determine the working directory: {error}"))?
            .join("engram-data"),
    };
    fs::create_dir_all(&dir)
        .map_err(|error| format!("Cannot create data directory {}: {error}", dir.display()))?;
    Ok(dir)
}

fn startup_delay() -> Duration {
    match env::var(STARTUP_DELAY_VARIABLE) {
        Err(_) => DEFAULT_STARTUP_DELAY,
        Ok(text) => match text.trim().parse::<u64>() {
            Ok(millis) => Duration::from_millis(millis),
            Err(_) => {
                warn!("Ignoring {STARTUP_DELAY_VARIABLE}='{text}': not a number of milliseconds");
                DEFAULT_STARTUP_DELAY
            }
        },
    }
}

/// Sleeps for the startup delay, returning early if shutdown is requested.
fn wait_for_startup(shutdown: &Shutdown) {
    let deadline = Instant::now() + startup_delay();
    while Instant::now() < deadline && !shutdown.is_requested() {
        thread::sleep(Duration::from_millis(20));
    }
}

/// Binds `ip:port`, or the next free port above it (Engram moves silently).
fn bind_http(ip: IpAddr, port: u16) -> io::Result<TcpListener> {
    let last = port.saturating_add(PORT_SEARCH_SPAN);
    let mut candidate = port;
    loop {
        match TcpListener::bind((ip, candidate)) {
            Ok(listener) => return Ok(listener),
            Err(error)
                if error.kind() == io::ErrorKind::AddrInUse && port != 0 && candidate < last =>
            {
                candidate += 1;
            }
            Err(error) => return Err(error),
        }
    }
}
