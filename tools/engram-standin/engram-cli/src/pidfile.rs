//! The PID file: the server's process id and HTTP port, one per line. Client
//! commands (`status`, `space list`, `benchmark`) find the server through it.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// `ENGRAM_PID_PATH`, else `engram.pid` in `$TMPDIR` (default `/tmp`).
pub fn path() -> PathBuf {
    match std::env::var_os("ENGRAM_PID_PATH") {
        Some(path) if !path.is_empty() => PathBuf::from(path),
        _ => std::env::temp_dir().join("engram.pid"),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PidInfo {
    pub pid: u32,
    pub port: u16,
}

pub fn write(path: &Path, info: PidInfo) -> io::Result<()> {
    fs::write(path, format!("{}\n{}\n", info.pid, info.port))
}

/// `Ok(None)` when there is no PID file.
pub fn read(path: &Path) -> io::Result<Option<PidInfo>> {
    let text = match fs::read_to_string(path) {
        Ok(text) => text,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(error) => return Err(error),
    };
    let mut lines = text.lines().map(str::trim);
    let pid = lines.next().and_then(|line| line.parse().ok());
    let port = lines.next().and_then(|line| line.parse().ok());
    match (pid, port) {
        (Some(pid), Some(port)) => Ok(Some(PidInfo { pid, port })),
        _ => Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("malformed PID file {}", path.display()),
        )),
    }
}

pub fn remove(path: &Path) {
    let _ = fs::remove_file(path);
}

/// Whether a process with this id exists (Linux `/proc`).
pub fn process_exists(pid: u32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
}
