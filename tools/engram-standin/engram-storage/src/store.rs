//! All memory spaces under one data root.

use std::collections::BTreeMap;
use std::fmt;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use engram_core::{validate_space_id, Memory};

use crate::space::Space;
use crate::NOT_A_SPACE;

pub struct Store {
    root: PathBuf,
    spaces: Mutex<BTreeMap<String, Space>>,
}

/// What opening the store replayed.
#[derive(Debug, Clone)]
pub struct Recovery {
    /// Every space with the number of memories replayed into it.
    pub spaces: Vec<SpaceSummary>,
    /// Unreadable log lines that were skipped.
    pub skipped_lines: usize,
    pub duration: Duration,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SpaceSummary {
    pub id: String,
    pub memories: usize,
}

#[derive(Debug)]
pub enum StoreError {
    /// The space id is not valid.
    InvalidSpace(String),
    Io(io::Error),
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::InvalidSpace(message) => f.write_str(message),
            StoreError::Io(error) => write!(f, "storage error: {error}"),
        }
    }
}

impl std::error::Error for StoreError {}

impl From<io::Error> for StoreError {
    fn from(error: io::Error) -> Self {
        StoreError::Io(error)
    }
}

impl Store {
    /// Opens every space directory under `root` plus the `bootstrap` spaces (created
    /// if missing) and replays their logs. `root` must exist.
    pub fn open(root: &Path, bootstrap: &[String]) -> io::Result<(Store, Recovery)> {
        let started = Instant::now();
        let mut ids = existing_space_dirs(root)?;
        for id in bootstrap {
            if !ids.contains(id) {
                ids.push(id.clone());
            }
        }

        let mut spaces = BTreeMap::new();
        let mut skipped_lines = 0;
        for id in ids {
            let (space, skipped) = Space::open(&root.join(&id))?;
            skipped_lines += skipped;
            spaces.insert(id, space);
        }
        let store = Store {
            root: root.to_path_buf(),
            spaces: Mutex::new(spaces),
        };
        let recovery = Recovery {
            spaces: store.space_summaries(),
            skipped_lines,
            duration: started.elapsed(),
        };
        Ok((store, recovery))
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    fn lock(&self) -> MutexGuard<'_, BTreeMap<String, Space>> {
        // A poisoned lock only means another request panicked; the data is intact.
        self.spaces
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Space ids, sorted.
    pub fn space_ids(&self) -> Vec<String> {
        self.lock().keys().cloned().collect()
    }

    pub fn space_summaries(&self) -> Vec<SpaceSummary> {
        self.lock()
            .iter()
            .map(|(id, space)| SpaceSummary {
                id: id.clone(),
                memories: space.len(),
            })
            .collect()
    }

    pub fn memory_count(&self) -> usize {
        self.lock().values().map(Space::len).sum()
    }

    /// Stores a memory in `space` (created on first use) and returns it once its log
    /// record is on disk.
    pub fn remember(&self, space: &str, memory: Memory) -> Result<Memory, StoreError> {
        let mut spaces = self.lock();
        if !spaces.contains_key(space) {
            validate_space_id(space).map_err(StoreError::InvalidSpace)?;
            let (opened, _) = Space::open(&self.root.join(space))?;
            spaces.insert(space.to_string(), opened);
        }
        let target = spaces.get_mut(space).expect("space inserted above");
        Ok(target.remember(memory)?)
    }

    /// Memories whose content contains `query` (case-insensitive), newest first, in
    /// `space` or in every space. Returns `(space id, memory)` pairs.
    pub fn search(&self, space: Option<&str>, query: &str, limit: usize) -> Vec<(String, Memory)> {
        let needle = query.to_lowercase();
        let spaces = self.lock();
        let mut found: Vec<(String, Memory)> = spaces
            .iter()
            .filter(|(id, _)| space.is_none_or(|wanted| wanted == id.as_str()))
            .flat_map(|(id, space)| space.search(&needle).map(move |m| (id.clone(), m.clone())))
            .collect();
        found.sort_by_key(|(_, memory)| std::cmp::Reverse(memory.created_at_ms));
        found.truncate(limit);
        found
    }

    /// The memory with `id`, looked up in `space` or in every space.
    pub fn get(&self, space: Option<&str>, id: &str) -> Option<(String, Memory)> {
        self.lock()
            .iter()
            .filter(|(space_id, _)| space.is_none_or(|wanted| wanted == space_id.as_str()))
            .find_map(|(space_id, s)| s.get(id).map(|m| (space_id.clone(), m.clone())))
    }
}

/// Every directory in the data root is a memory space, except `lost+found`.
fn existing_space_dirs(root: &Path) -> io::Result<Vec<String>> {
    let mut ids = Vec::new();
    for entry in fs::read_dir(root)? {
        let entry = entry?;
        if !entry.path().is_dir() {
            continue;
        }
        if let Some(name) = entry.file_name().to_str() {
            if !NOT_A_SPACE.contains(&name) {
                ids.push(name.to_string());
            }
        }
    }
    ids.sort();
    Ok(ids)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn temp_root(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("engram-storage-test-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn memories_survive_reopen() {
        let root = temp_root("reopen");
        let (store, _) = Store::open(&root, &["default".to_string()]).unwrap();
        let stored = store
            .remember("default", Memory::new("the cat sat".into(), 0.9))
            .unwrap();
        drop(store);

        let (store, recovery) = Store::open(&root, &[]).unwrap();
        assert_eq!(
            recovery.spaces,
            vec![SpaceSummary {
                id: "default".into(),
                memories: 1
            }]
        );
        assert_eq!(store.get(None, &stored.id).unwrap().1, stored);
        assert_eq!(store.search(None, "CAT", 10).len(), 1);
        for tier in ["wal", "hot", "warm", "cold"] {
            assert!(root.join("default").join(tier).is_dir());
        }
        fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn torn_record_is_skipped_and_repaired() {
        let root = temp_root("torn");
        let (store, _) = Store::open(&root, &["default".to_string()]).unwrap();
        store
            .remember("default", Memory::new("kept".into(), 0.5))
            .unwrap();
        drop(store);
        let log = root.join("default/wal/wal-000001.log");
        let mut file = fs::OpenOptions::new().append(true).open(&log).unwrap();
        file.write_all(b"{\"id\":\"mem_torn\",\"cont").unwrap();
        drop(file);

        let (store, _) = Store::open(&root, &[]).unwrap();
        store
            .remember("default", Memory::new("after crash".into(), 0.5))
            .unwrap();
        drop(store);
        let (store, recovery) = Store::open(&root, &[]).unwrap();
        assert_eq!(recovery.skipped_lines, 0);
        assert_eq!(store.memory_count(), 2);
        fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn lost_and_found_and_files_are_not_spaces() {
        let root = temp_root("lostfound");
        fs::create_dir_all(root.join("lost+found")).unwrap();
        fs::create_dir_all(root.join("alpha1")).unwrap();
        fs::write(root.join("stray.txt"), "x").unwrap();
        let (store, _) = Store::open(&root, &["default".to_string()]).unwrap();
        assert_eq!(
            store.space_ids(),
            vec!["alpha1".to_string(), "default".to_string()]
        );
        assert!(matches!(
            store.remember("Bad-Id", Memory::new("x".into(), 0.5)),
            Err(StoreError::InvalidSpace(_))
        ));
        fs::remove_dir_all(&root).unwrap();
    }
}
