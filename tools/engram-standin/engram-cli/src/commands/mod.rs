//! Client commands: they talk to the running server found through the PID file.

pub mod benchmark;
pub mod space;
pub mod status;
pub mod validate;
