//! `auth_mode = "api_key"`: every route, health routes included, needs a key in
//! `X-API-Key` or `Authorization: Bearer`.

use crate::api_keys;
use crate::config::{AuthMode, Config};

use super::http::Request;

pub struct Auth {
    mode: AuthMode,
    keys: Vec<String>,
}

impl Auth {
    pub fn load(config: &Config) -> Auth {
        let keys = match (config.auth_mode, &config.api_key_path) {
            (AuthMode::None, _) => Vec::new(),
            (AuthMode::ApiKey, None) => {
                warn!("auth_mode is api_key but no API key file is configured: every request will be rejected");
                Vec::new()
            }
            (AuthMode::ApiKey, Some(path)) => match api_keys::read(path) {
                Ok(keys) => {
                    info!(
                        "API key authentication enabled ({} key(s) from {})",
                        keys.len(),
                        path.display()
                    );
                    keys
                }
                Err(error) => {
                    warn!(
                        "Cannot read API keys from {}: {error}; every request will be rejected",
                        path.display()
                    );
                    Vec::new()
                }
            },
        };
        Auth {
            mode: config.auth_mode,
            keys,
        }
    }

    pub fn allows(&self, request: &Request) -> bool {
        if self.mode == AuthMode::None {
            return true;
        }
        let presented = request.header("x-api-key").or_else(|| {
            request
                .header("authorization")
                .and_then(|value| value.strip_prefix("Bearer "))
                .map(str::trim)
        });
        presented.is_some_and(|key| self.keys.iter().any(|known| known == key))
    }
}
