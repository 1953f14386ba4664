//! What every request handler can see.

use std::sync::Arc;
use std::time::Instant;

use engram_storage::Store;

use super::auth::Auth;
use super::fixture::FixtureKnobs;
use super::metrics::Metrics;
use super::shutdown::Shutdown;
use crate::config::Config;
use crate::logging::Level;

pub struct AppState {
    pub config: Config,
    pub log_level: Level,
    pub store: Store,
    pub metrics: Metrics,
    pub shutdown: Arc<Shutdown>,
    pub auth: Auth,
    pub fixture: FixtureKnobs,
    pub started_at: Instant,
    pub grpc_port: u16,
    /// The linked hwloc's API version (only with the `monitoring` feature).
    pub hwloc_version: Option<String>,
}
