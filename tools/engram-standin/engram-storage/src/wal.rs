//! The write-ahead log of one memory space: JSON lines, synced after every append.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use engram_core::Memory;

/// The file new records are appended to.
const ACTIVE_FILE: &str = "wal-000001.log";

pub struct Wal {
    file: File,
}

/// What replaying a log found.
pub struct Replay {
    pub memories: Vec<Memory>,
    /// Lines that could not be read (e.g. a record cut short by a crash).
    pub skipped_lines: usize,
}

impl Wal {
    /// Replays every `*.log` file in `dir` (in name order), repairs a torn last record
    /// of the active file, and opens that file for appending.
    pub fn open(dir: &Path) -> io::Result<(Wal, Replay)> {
        fs::create_dir_all(dir)?;
        let mut replay = Replay {
            memories: Vec::new(),
            skipped_lines: 0,
        };
        for path in log_files(dir)? {
            let text = String::from_utf8_lossy(&fs::read(&path)?).into_owned();
            for line in text.lines().filter(|line| !line.trim().is_empty()) {
                match Memory::from_json_line(line) {
                    Ok(memory) => replay.memories.push(memory),
                    Err(_) => replay.skipped_lines += 1,
                }
            }
        }

        let mut file = OpenOptions::new()
            .create(true)
            .read(true)
            .append(true)
            .open(dir.join(ACTIVE_FILE))?;
        truncate_torn_tail(&mut file)?;
        Ok((Wal { file }, replay))
    }

    /// Appends one record and syncs it to disk before returning.
    pub fn append(&mut self, memory: &Memory) -> io::Result<()> {
        let mut line = memory.to_json().to_string();
        line.push('\n');
        self.file.write_all(line.as_bytes())?;
        self.file.sync_data()
    }
}

fn log_files(dir: &Path) -> io::Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = fs::read_dir(dir)?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.is_file() && path.extension().is_some_and(|ext| ext == "log"))
        .collect();
    files.sort();
    Ok(files)
}

/// A crash can leave a last line without its newline; appending after it would glue
/// the next record to the torn one. Cut the file back to its last complete line.
fn truncate_torn_tail(file: &mut File) -> io::Result<()> {
    let mut contents = Vec::new();
    file.seek(SeekFrom::Start(0))?;
    file.read_to_end(&mut contents)?;
    if contents.last().is_some_and(|byte| *byte != b'\n') {
        let keep = contents
            .iter()
            .rposition(|byte| *byte == b'\n')
            .map_or(0, |i| i + 1);
        file.set_len(keep as u64)?;
        file.sync_data()?;
    }
    Ok(())
}
