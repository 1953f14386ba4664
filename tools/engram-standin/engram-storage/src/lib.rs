//! Storage of the Engram stand-in: one directory per memory space under the data
//! root, each with `wal/`, `hot/`, `warm/` and `cold/`. Memories live in memory and
//! in the space's write-ahead log, which is replayed when the store opens.

mod space;
mod store;
mod wal;

pub use store::{Recovery, SpaceSummary, Store, StoreError};

/// Directory names inside the data root that are not memory spaces.
pub const NOT_A_SPACE: &[&str] = &["lost+found"];

/// Tiers every space directory contains.
pub const SPACE_SUBDIRS: &[&str] = &["wal", "hot", "warm", "cold"];

/// Version of the on-disk layout this build writes (see `migrations/`).
pub fn layout_version() -> usize {
    migration_common::layout_version()
}
