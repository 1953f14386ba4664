//! Configuration: the built-in defaults (`config/default.toml`) with the user's file
//! laid over them, then the environment overrides.
//!
//! The file is `$XDG_CONFIG_HOME/engram/config.toml`, else
//! `$HOME/.config/engram/config.toml`; no flag or other variable names it. A missing
//! file is fine, unknown keys are ignored, and a file that is not valid TOML or gives a
//! known key the wrong type is an error for every command.

use std::env;
use std::fmt;
use std::fs;
use std::io;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use engram_core::toml::{self, Table, Value};
use engram_core::validate_space_id;

/// The built-in defaults, embedded from `engram-cli/config/default.toml`.
pub const DEFAULT_CONFIG: &str = include_str!("../config/default.toml");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMode {
    None,
    ApiKey,
}

impl AuthMode {
    fn parse(text: &str) -> Option<AuthMode> {
        match text {
            "none" => Some(AuthMode::None),
            "api_key" => Some(AuthMode::ApiKey),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            AuthMode::None => "none",
            AuthMode::ApiKey => "api_key",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Config {
    /// The file that was (or would have been) read.
    pub path: PathBuf,
    /// Whether that file exists.
    pub file_found: bool,
    pub http_bind: String,
    pub spreading_api_beta: bool,
    pub default_space: String,
    pub bootstrap_spaces: Vec<String>,
    pub auth_mode: AuthMode,
    pub api_key_path: Option<PathBuf>,
    pub persistence: Persistence,
    pub cluster_enabled: bool,
}

/// `[persistence]`: parsed and checked by `validate config`, not used by the server.
#[derive(Debug, Clone)]
pub struct Persistence {
    pub data_root: Option<String>,
    pub hot_capacity: i64,
    pub warm_capacity: i64,
    pub cold_capacity: i64,
}

#[derive(Debug)]
pub struct ConfigError(String);

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

fn env_value(name: &str) -> Option<String> {
    env::var(name).ok().filter(|value| !value.is_empty())
}

/// Where the configuration file is looked for.
pub fn default_path() -> Result<PathBuf, ConfigError> {
    // Like the `dirs` crate: a relative XDG_CONFIG_HOME is ignored.
    if let Some(xdg) = env_value("XDG_CONFIG_HOME").map(PathBuf::from) {
        if xdg.is_absolute() {
            return Ok(xdg.join("engram").join("config.toml"));
        }
    }
    match env_value("HOME") {
        Some(home) => Ok(PathBuf::from(home)
            .join(".config")
            .join("engram")
            .join("config.toml")),
        None => Err(ConfigError(
            "cannot locate the configuration directory: neither XDG_CONFIG_HOME nor HOME is set"
                .to_string(),
        )),
    }
}

impl Config {
    /// Loads the configuration every command starts from.
    pub fn load() -> Result<Config, ConfigError> {
        Config::load_file(&default_path()?, false)
    }

    /// Loads `path` over the defaults; a missing file is an error only if `must_exist`.
    pub fn load_file(path: &Path, must_exist: bool) -> Result<Config, ConfigError> {
        let (user, file_found) = match fs::read_to_string(path) {
            Ok(text) => {
                let table = toml::parse(&text).map_err(|error| {
                    ConfigError(format!(
                        "invalid configuration file {}: {error}",
                        path.display()
                    ))
                })?;
                (table, true)
            }
            Err(error) if error.kind() == io::ErrorKind::NotFound && !must_exist => {
                (Table::new(), false)
            }
            Err(error) => {
                return Err(ConfigError(format!(
                    "cannot read configuration file {}: {error}",
                    path.display()
                )))
            }
        };
        let mut merged = toml::parse(DEFAULT_CONFIG)
            .map_err(|error| ConfigError(format!("built-in default configuration: {error}")))?;
        toml::merge(&mut merged, &user);
        let mut config = Config::from_table(&merged, path, file_found)?;
        config.apply_environment()?;
        Ok(config)
    }

    fn from_table(table: &Table, path: &Path, file_found: bool) -> Result<Config, ConfigError> {
        let reader = Reader { table, path };
        let auth_mode = match reader.string("security.auth_mode")? {
            None => AuthMode::None,
            Some(text) => AuthMode::parse(&text).ok_or_else(|| {
                reader.error(&format!(
                    "unknown variant `{text}` for `security.auth_mode`, expected `none` or `api_key`"
                ))
            })?,
        };
        Ok(Config {
            path: path.to_path_buf(),
            file_found,
            http_bind: reader
                .string("server.http_bind")?
                .unwrap_or_else(|| "127.0.0.1".to_string()),
            spreading_api_beta: reader
                .boolean("feature_flags.spreading_api_beta")?
                .unwrap_or(true),
            default_space: reader
                .string("memory_spaces.default_space")?
                .unwrap_or_else(|| "default".to_string()),
            bootstrap_spaces: reader
                .string_list("memory_spaces.bootstrap_spaces")?
                .unwrap_or_default(),
            auth_mode,
            api_key_path: reader
                .string("security.api_keys.storage_path")?
                .map(PathBuf::from),
            persistence: Persistence {
                data_root: reader.string("persistence.data_root")?,
                hot_capacity: reader
                    .integer("persistence.hot_capacity")?
                    .unwrap_or(100_000),
                warm_capacity: reader
                    .integer("persistence.warm_capacity")?
                    .unwrap_or(1_000_000),
                cold_capacity: reader
                    .integer("persistence.cold_capacity")?
                    .unwrap_or(10_000_000),
            },
            cluster_enabled: reader.boolean("cluster.enabled")?.unwrap_or(false),
        })
    }

    /// `ENGRAM_HTTP_BIND`, `ENGRAM_AUTH_MODE` and `ENGRAM_API_KEY_PATH`.
    fn apply_environment(&mut self) -> Result<(), ConfigError> {
        if let Some(bind) = env_value("ENGRAM_HTTP_BIND") {
            self.http_bind = bind;
        }
        if let Some(mode) = env_value("ENGRAM_AUTH_MODE") {
            self.auth_mode = AuthMode::parse(&mode).ok_or_else(|| {
                ConfigError(format!(
                    "invalid ENGRAM_AUTH_MODE '{mode}': expected 'none' or 'api_key'"
                ))
            })?;
        }
        if let Some(path) = env_value("ENGRAM_API_KEY_PATH") {
            self.api_key_path = Some(PathBuf::from(path));
        }
        Ok(())
    }

    /// Every memory space the server creates at start: the default space first.
    pub fn startup_spaces(&self) -> Vec<String> {
        let mut spaces = vec![self.default_space.clone()];
        for space in &self.bootstrap_spaces {
            if !spaces.contains(space) {
                spaces.push(space.clone());
            }
        }
        spaces
    }

    /// Problems that make the configuration unusable, beyond parsing and types.
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if let Err(message) = validate_space_id(&self.default_space) {
            problems.push(format!("memory_spaces.default_space: {message}"));
        }
        for space in &self.bootstrap_spaces {
            if let Err(message) = validate_space_id(space) {
                problems.push(format!("memory_spaces.bootstrap_spaces: {message}"));
            }
        }
        if parse_bind_address(&self.http_bind).is_none() {
            problems.push(format!(
                "server.http_bind: '{}' is not an IP address",
                self.http_bind
            ));
        }
        let capacities = [
            ("hot_capacity", self.persistence.hot_capacity),
            ("warm_capacity", self.persistence.warm_capacity),
            ("cold_capacity", self.persistence.cold_capacity),
        ];
        for (key, value) in capacities {
            if value <= 0 {
                problems.push(format!("persistence.{key}: must be positive (is {value})"));
            }
        }
        if self.persistence.data_root.as_deref() == Some("") {
            problems.push("persistence.data_root: must not be empty".to_string());
        }
        if self.auth_mode == AuthMode::ApiKey && self.api_key_path.is_none() {
            problems.push(
                "security.auth_mode = \"api_key\" needs security.api_keys.storage_path \
                 (or ENGRAM_API_KEY_PATH)"
                    .to_string(),
            );
        }
        problems
    }
}

/// `server.http_bind` as an IP address (`[::]` style brackets allowed).
pub fn parse_bind_address(bind: &str) -> Option<IpAddr> {
    let bare = bind
        .strip_prefix('[')
        .and_then(|b| b.strip_suffix(']'))
        .unwrap_or(bind);
    bare.parse().ok()
}

/// Typed lookups with serde-like error messages.
struct Reader<'a> {
    table: &'a Table,
    path: &'a Path,
}

impl Reader<'_> {
    fn error(&self, message: &str) -> ConfigError {
        ConfigError(format!(
            "invalid configuration file {}: {message}",
            self.path.display()
        ))
    }

    fn typed<T>(
        &self,
        key: &str,
        expected: &str,
        convert: impl Fn(&Value) -> Option<T>,
    ) -> Result<Option<T>, ConfigError> {
        match toml::get(self.table, key) {
            None => Ok(None),
            Some(value) => convert(value).map(Some).ok_or_else(|| {
                self.error(&format!(
                    "invalid type for `{key}`: expected {expected}, found {}",
                    value.type_name()
                ))
            }),
        }
    }

    fn string(&self, key: &str) -> Result<Option<String>, ConfigError> {
        self.typed(key, "a string", |v| v.as_str().map(str::to_string))
    }

    fn boolean(&self, key: &str) -> Result<Option<bool>, ConfigError> {
        self.typed(key, "a boolean", Value::as_bool)
    }

    fn integer(&self, key: &str) -> Result<Option<i64>, ConfigError> {
        self.typed(key, "an integer", Value::as_integer)
    }

    fn string_list(&self, key: &str) -> Result<Option<Vec<String>>, ConfigError> {
        self.typed(key, "an array of strings", |v| {
            v.as_array()?
                .iter()
                .map(|item| item.as_str().map(str::to_string))
                .collect()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config_from(text: &str) -> Result<Config, ConfigError> {
        let mut merged = toml::parse(DEFAULT_CONFIG).unwrap();
        let user = toml::parse(text).map_err(|e| ConfigError(e.to_string()))?;
        toml::merge(&mut merged, &user);
        Config::from_table(&merged, Path::new("/test/config.toml"), true)
    }

    #[test]
    fn defaults() {
        let config = config_from("").unwrap();
        assert_eq!(config.http_bind, "127.0.0.1");
        assert!(config.spreading_api_beta);
        assert_eq!(config.default_space, "default");
        assert_eq!(config.auth_mode, AuthMode::None);
        assert!(config.problems().is_empty());
    }

    #[test]
    fn user_values_and_unknown_keys() {
        let config = config_from(
            "[server]\nhttp_bind = \"0.0.0.0\"\nworkers = 8\n\
             [memory_spaces]\nbootstrap_spaces = [\"alpha1\", \"beta2\"]\n\
             [consolidation]\ninterval = 5\n",
        )
        .unwrap();
        assert_eq!(config.http_bind, "0.0.0.0");
        assert_eq!(config.startup_spaces(), vec!["default", "alpha1", "beta2"]);
    }

    #[test]
    fn wrong_types_and_variants_are_errors() {
        assert!(config_from("[server]\nhttp_bind = 1").is_err());
        assert!(config_from("[feature_flags]\nspreading_api_beta = \"yes\"").is_err());
        assert!(config_from("[memory_spaces]\nbootstrap_spaces = [1]").is_err());
        assert!(config_from("[security]\nauth_mode = \"token\"").is_err());
    }

    #[test]
    fn problems_name_the_key() {
        let config = config_from(
            "[memory_spaces]\nbootstrap_spaces = [\"ok42\", \"Bad-Space\", \"abc\"]\n\
             [persistence]\nhot_capacity = 0\n",
        )
        .unwrap();
        let problems = config.problems();
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(problems[0].contains("Bad-Space"));
    }
}
