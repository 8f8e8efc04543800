//! What the tests that run the real binary share: a temporary directory
//! removed on drop, and reading `serve --demo`'s banner.

// Each test binary uses part of this module.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::ChildStdout;

/// A directory removed, with everything in it, when dropped.
pub struct TempDir(pub PathBuf);

impl TempDir {
    /// A new empty directory under the system's temporary directory.
    pub fn new(prefix: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("{prefix}-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        Self(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// What `serve --demo` prints before it serves.
pub struct Banner {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    /// The `parent` persona's token.
    pub parent_token: Option<String>,
}

impl Banner {
    /// `127.0.0.1:PORT`.
    pub fn address(&self) -> &str {
        self.url.trim_start_matches("http://")
    }
}

/// Reads the banner up to its last persona, then keeps draining stdout in
/// a thread so the hub never blocks on a full pipe.
pub fn read_banner(stdout: ChildStdout) -> Banner {
    let mut lines = BufReader::new(stdout).lines();
    let (mut url, mut parent_token, mut in_parent) = (None, None, false);
    for line in lines.by_ref() {
        let line = line.expect("banner line");
        if url.is_none()
            && let Some(at) = line.find("http://127.0.0.1:")
        {
            let rest = &line[at..];
            let end = rest["http://".len()..]
                .find(|c: char| c == '/' || c.is_whitespace())
                .map_or(rest.len(), |e| e + "http://".len());
            url = Some(rest[..end].to_owned());
        }
        if line.starts_with("== ") {
            in_parent = line.starts_with("== parent ");
        }
        if in_parent && let Some(t) = line.strip_prefix("TOKEN=") {
            parent_token = Some(t.to_owned());
        }
        if line.starts_with("== ig-auditor") {
            break;
        }
    }
    std::thread::spawn(move || lines.for_each(drop));
    Banner {
        url: url.expect("the banner names the address"),
        parent_token,
    }
}
