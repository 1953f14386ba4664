//! One memory space: its directory, its memories and its write-ahead log.

use std::collections::HashMap;
use std::fs;
use std::io;
use std::path::Path;

use engram_core::Memory;

use crate::wal::Wal;
use crate::SPACE_SUBDIRS;

pub struct Space {
    memories: Vec<Memory>,
    by_id: HashMap<String, usize>,
    wal: Wal,
}

impl Space {
    /// Creates the space's directories if needed and replays its log.
    /// Returns the space and the number of unreadable log lines.
    pub fn open(dir: &Path) -> io::Result<(Space, usize)> {
        for subdir in SPACE_SUBDIRS {
            fs::create_dir_all(dir.join(subdir))?;
        }
        let (wal, replay) = Wal::open(&dir.join("wal"))?;
        let mut space = Space {
            memories: Vec::with_capacity(replay.memories.len()),
            by_id: HashMap::new(),
            wal,
        };
        for memory in replay.memories {
            if !space.by_id.contains_key(&memory.id) {
                space.insert(memory);
            }
        }
        Ok((space, replay.skipped_lines))
    }

    fn insert(&mut self, memory: Memory) {
        self.by_id.insert(memory.id.clone(), self.memories.len());
        self.memories.push(memory);
    }

    pub fn len(&self) -> usize {
        self.memories.len()
    }

    /// Logs the memory durably, then makes it visible.
    pub fn remember(&mut self, memory: Memory) -> io::Result<Memory> {
        self.wal.append(&memory)?;
        self.insert(memory.clone());
        Ok(memory)
    }

    pub fn get(&self, id: &str) -> Option<&Memory> {
        self.by_id.get(id).map(|i| &self.memories[*i])
    }

    /// Newest first, case-insensitive substring match on the content.
    pub fn search<'a>(&'a self, query_lowercase: &'a str) -> impl Iterator<Item = &'a Memory> {
        self.memories
            .iter()
            .rev()
            .filter(move |m| m.content.to_lowercase().contains(query_lowercase))
    }
}
