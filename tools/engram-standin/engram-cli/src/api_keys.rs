//! API keys for `auth_mode = "api_key"`: a text file with one key per line
//! (blank lines and `#` comments ignored), at `[security.api_keys] storage_path` or
//! `ENGRAM_API_KEY_PATH`.

use std::fs;
use std::io;
use std::path::Path;

use crate::config::{AuthMode, Config};

pub fn read(path: &Path) -> io::Result<Vec<String>> {
    Ok(fs::read_to_string(path)?
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(str::to_string)
        .collect())
}

/// The key client commands send: the first one in the key file, when auth is on.
pub fn client_key(config: &Config) -> Option<String> {
    if config.auth_mode != AuthMode::ApiKey {
        return None;
    }
    read(config.api_key_path.as_deref()?)
        .ok()?
        .into_iter()
        .next()
}
