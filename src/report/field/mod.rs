//! BENCHMARK_RESULTS.md: the field's saved results (a compare result, profile results and
//! the script's run record in one directory) rendered as one document.
//!
//! Reads the files of the directory (`read_field`), then renders without touching anything
//! (`field_markdown`); calls only `crate::schema` and the other renderers of `report`.

mod bindings;
mod figures;
mod render;
#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{read_any, AnyResult};
use crate::schema::{CompareResult, Mode, ReadError, RunResult};

pub use render::field_markdown;

/// The compare result's file name inside the field directory.
pub const COMPARE_FILE: &str = "compare.json";
/// The HTML report `compare --html` writes beside it.
pub const HTML_FILE: &str = "compare.html";
/// The run record `scripts/field-results.sh` writes last.
pub const RUN_FILE: &str = "field.json";

/// How the results were produced, as `scripts/field-results.sh` records it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldRun {
    /// The command line, with the environment it was given (`APPS=… ./scripts/field-results.sh`).
    pub command: String,
    /// Wall time of the whole script: setup, compare and profiles.
    pub wall_secs: f64,
    #[serde(default)]
    pub finished: Option<String>,
}

/// One profile result and the file it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct ProfileFile {
    /// File name inside the field directory, e.g. `profile-fastapi.json`.
    pub file: String,
    pub result: RunResult,
}

/// Everything BENCHMARK_RESULTS.md is generated from.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldResults {
    /// The directory as the document links it (relative to the document when possible).
    pub link_dir: String,
    pub compare: CompareResult,
    /// Whether `compare.html` is there to link.
    pub html: bool,
    /// `profile-*.json`, by file name.
    pub profiles: Vec<ProfileFile>,
    /// `field.json`, when the script wrote it.
    pub run: Option<FieldRun>,
}

/// What can go wrong reading a field directory.
#[derive(Debug, thiserror::Error)]
pub enum FieldError {
    #[error("{dir} has no {COMPARE_FILE}; run ./scripts/field-results.sh (or compare --output DIR/{COMPARE_FILE}) first")]
    NoCompare { dir: PathBuf },
    #[error("cannot list {dir}: {source}")]
    List { dir: PathBuf, source: std::io::Error },
    #[error(transparent)]
    Read(#[from] ReadError),
    #[error("{path} is a {found} result; expected {expected}")]
    WrongMode { path: PathBuf, found: String, expected: &'static str },
    #[error("{path} is not a run record of scripts/field-results.sh: {source}")]
    RunRecord { path: PathBuf, source: serde_json::Error },
}

/// Read the field directory `dir`; `document` is where the markdown goes (for the links).
pub fn read_field(dir: &Path, document: &Path) -> Result<FieldResults, FieldError> {
    let compare_path = dir.join(COMPARE_FILE);
    if !compare_path.is_file() {
        return Err(FieldError::NoCompare { dir: dir.into() });
    }
    let compare = match read_any(&compare_path)? {
        AnyResult::Compare(c) => c,
        AnyResult::Run(r) => {
            return Err(FieldError::WrongMode {
                path: compare_path,
                found: mode_word(r.mode).into(),
                expected: "compare",
            })
        }
        AnyResult::Check(_) => {
            return Err(FieldError::WrongMode {
                path: compare_path,
                found: "check".into(),
                expected: "compare",
            })
        }
    };
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map_err(|source| FieldError::List { dir: dir.into(), source })?
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.starts_with("profile-") && n.ends_with(".json"))
        .collect();
    names.sort();
    let mut profiles = Vec::new();
    for file in names {
        let path = dir.join(&file);
        match read_any(&path)? {
            AnyResult::Run(r) if r.mode == Mode::Profile => profiles.push(ProfileFile { file, result: r }),
            AnyResult::Run(r) => {
                return Err(FieldError::WrongMode {
                    path,
                    found: mode_word(r.mode).into(),
                    expected: "profile",
                })
            }
            AnyResult::Compare(_) => {
                return Err(FieldError::WrongMode { path, found: "compare".into(), expected: "profile" })
            }
            AnyResult::Check(_) => {
                return Err(FieldError::WrongMode { path, found: "check".into(), expected: "profile" })
            }
        }
    }
    let run_path = dir.join(RUN_FILE);
    let run = match std::fs::read_to_string(&run_path) {
        Ok(text) => Some(
            serde_json::from_str(&text).map_err(|source| FieldError::RunRecord { path: run_path, source })?,
        ),
        Err(_) => None,
    };
    Ok(FieldResults {
        link_dir: link_dir(dir, document),
        compare,
        html: dir.join(HTML_FILE).is_file(),
        profiles,
        run,
    })
}

fn mode_word(m: Mode) -> &'static str {
    match m {
        Mode::Run => "run",
        Mode::Profile => "profile",
        Mode::Compare => "compare",
    }
}

/// `dir` as a link from the document's folder: relative when `dir` lies under it, else absolute.
pub fn link_dir(dir: &Path, document: &Path) -> String {
    let base = match document.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let (Ok(dir_abs), Ok(base_abs)) = (dir.canonicalize(), base.canonicalize()) else {
        return dir.display().to_string();
    };
    match dir_abs.strip_prefix(&base_abs) {
        Ok(rel) if rel.as_os_str().is_empty() => ".".into(),
        Ok(rel) => rel.display().to_string(),
        Err(_) => dir_abs.display().to_string(),
    }
}
