//! Core types shared by the Engram stand-in crates.
//!
//! Everything here uses the standard library only: the stand-in must build inside an
//! image build that has no network access.

pub mod json;
pub mod memory;
pub mod space;
pub mod time;
pub mod toml;
pub mod url;

pub use memory::{ConfidenceCategory, Memory};
pub use space::validate_space_id;
