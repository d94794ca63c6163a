//! Reading and writing result files: atomic writes, schema-version checks.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde::Serialize;

/// The version written into every result file; readers reject newer ones.
pub const SCHEMA_VERSION: u32 = 1;

/// Why a result file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("cannot read result file {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{path} is not a result file this harness understands: {source}")]
    Json { path: PathBuf, source: serde_json::Error },
    #[error("{path} has schema_version {found}, newer than this harness understands ({known}); upgrade benchmark-harness")]
    TooNew { path: PathBuf, found: u64, known: u32 },
    #[error("{path} has no schema_version (a whole number from 1 to {known}): it is not a result file written by benchmark-harness")]
    NoVersion { path: PathBuf, known: u32 },
}

/// Read a result file, rejecting schema versions newer than [`SCHEMA_VERSION`].
pub fn read_result<T: DeserializeOwned>(path: &Path) -> Result<T, ReadError> {
    let text = std::fs::read_to_string(path).map_err(|source| ReadError::Io { path: path.into(), source })?;
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|source| ReadError::Json { path: path.into(), source })?;
    let Some(found) = value.get("schema_version").and_then(|v| v.as_u64()).filter(|&v| v >= 1) else {
        return Err(ReadError::NoVersion { path: path.into(), known: SCHEMA_VERSION });
    };
    if found > u64::from(SCHEMA_VERSION) {
        return Err(ReadError::TooNew { path: path.into(), found, known: SCHEMA_VERSION });
    }
    serde_json::from_value(value).map_err(|source| ReadError::Json { path: path.into(), source })
}

/// Write `value` as JSON to `path` atomically (a temporary file in the same folder, then a rename).
pub fn write_atomic<T: Serialize>(path: &Path, value: &T, pretty: bool) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir)?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    let bytes = if pretty { serde_json::to_vec_pretty(value) } else { serde_json::to_vec(value) }
        .map_err(std::io::Error::other)?;
    tmp.write_all(&bytes)?;
    tmp.write_all(b"\n")?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newer_schema_version_is_rejected_with_a_clear_message() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.json");
        std::fs::write(&path, r#"{"schema_version": 99}"#).unwrap();
        let err = read_result::<serde_json::Value>(&path).unwrap_err();
        assert!(err.to_string().contains("schema_version 99"), "{err}");
    }

    #[test]
    fn missing_or_bad_schema_version_is_rejected() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.json");
        for text in [r#"{"mode": "run"}"#, r#"{"schema_version": 0}"#, r#"{"schema_version": "1"}"#] {
            std::fs::write(&path, text).unwrap();
            let err = read_result::<serde_json::Value>(&path).unwrap_err();
            assert!(matches!(err, ReadError::NoVersion { .. }), "{text}: {err}");
            assert!(err.to_string().contains("no schema_version"), "{err}");
        }
    }

    #[test]
    fn atomic_write_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/r.json");
        write_atomic(&path, &serde_json::json!({"schema_version": 1, "a": [1, 2]}), true).unwrap();
        let back: serde_json::Value = read_result(&path).unwrap();
        assert_eq!(back["a"][1], 2);
    }
}
