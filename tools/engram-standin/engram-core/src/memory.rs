//! Memories: what the server stores and returns.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::json::{self, object, Value};
use crate::time;

/// Confidence used when a request does not give one.
pub const DEFAULT_CONFIDENCE: f64 = 0.7;

/// One stored memory.
#[derive(Debug, Clone, PartialEq)]
pub struct Memory {
    pub id: String,
    pub content: String,
    /// In `[0, 1]`.
    pub confidence: f64,
    pub created_at_ms: u64,
}

/// Coarse buckets of a confidence value, as reported in `storage_confidence`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfidenceCategory {
    Low,
    Medium,
    High,
}

impl ConfidenceCategory {
    pub fn of(confidence: f64) -> Self {
        if confidence >= 0.8 {
            ConfidenceCategory::High
        } else if confidence >= 0.5 {
            ConfidenceCategory::Medium
        } else {
            ConfidenceCategory::Low
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ConfidenceCategory::Low => "Low",
            ConfidenceCategory::Medium => "Medium",
            ConfidenceCategory::High => "High",
        }
    }
}

static ID_SEQUENCE: AtomicU64 = AtomicU64::new(0);

impl Memory {
    /// A new memory with a fresh id and the current time.
    pub fn new(content: String, confidence: f64) -> Self {
        Memory {
            id: generate_id(),
            content,
            confidence: confidence.clamp(0.0, 1.0),
            created_at_ms: time::now_unix_ms(),
        }
    }

    /// The JSON form used in API responses and in the write-ahead log.
    pub fn to_json(&self) -> Value {
        object([
            ("id", Value::from(self.id.as_str())),
            ("content", Value::from(self.content.as_str())),
            ("confidence", Value::from(self.confidence)),
            (
                "created_at",
                Value::from(time::rfc3339_millis(self.created_at_ms)),
            ),
            ("created_at_ms", Value::from(self.created_at_ms)),
        ])
    }

    /// Reads the form written by [`Memory::to_json`].
    pub fn from_json(value: &Value) -> Result<Self, String> {
        let field = |name: &str| {
            value
                .get(name)
                .ok_or_else(|| format!("missing field '{name}'"))
        };
        Ok(Memory {
            id: field("id")?
                .as_str()
                .ok_or("field 'id' is not a string")?
                .to_string(),
            content: field("content")?
                .as_str()
                .ok_or("field 'content' is not a string")?
                .to_string(),
            confidence: field("confidence")?
                .as_f64()
                .ok_or("field 'confidence' is not a number")?,
            created_at_ms: field("created_at_ms")?
                .as_u64()
                .ok_or("field 'created_at_ms' is not an integer")?,
        })
    }

    /// Parses one JSON line of the write-ahead log.
    pub fn from_json_line(line: &str) -> Result<Self, String> {
        let value = json::parse(line).map_err(|e| e.to_string())?;
        Memory::from_json(&value)
    }
}

/// `mem_` followed by the creation time in nanoseconds and a per-process sequence
/// number, all hex: unique across restarts and sortable by creation time.
fn generate_id() -> String {
    let sequence = ID_SEQUENCE.fetch_add(1, Ordering::Relaxed) & 0xffff;
    format!("mem_{:x}{sequence:04x}", time::now_unix_nanos())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_prefixed() {
        let a = Memory::new("a".into(), 0.5);
        let b = Memory::new("b".into(), 0.5);
        assert!(a.id.starts_with("mem_"));
        assert_ne!(a.id, b.id);
    }

    #[test]
    fn json_round_trip() {
        let memory = Memory::new("hello \"world\"\n".into(), 1.7);
        assert_eq!(memory.confidence, 1.0);
        let line = memory.to_json().to_string();
        assert_eq!(Memory::from_json_line(&line).unwrap(), memory);
    }

    #[test]
    fn categories() {
        assert_eq!(ConfidenceCategory::of(0.9), ConfidenceCategory::High);
        assert_eq!(ConfidenceCategory::of(0.6), ConfidenceCategory::Medium);
        assert_eq!(ConfidenceCategory::of(0.1), ConfidenceCategory::Low);
    }
}
