//! Reading any saved result file (run, profile or compare) for rendering.
//!
//! Calls only `crate::schema` (which rejects newer schema versions).

use std::path::Path;

use crate::schema::{read_result, CompareResult, ReadError, RunResult};

/// A result of any kind, as read from a file.
// One value per file read: boxing the larger variant would buy nothing but harder matching.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum AnyResult {
    /// `"mode": "run"` or `"profile"`.
    Run(RunResult),
    /// `"mode": "compare"`.
    Compare(CompareResult),
}

/// Read a result file, choosing the type from its `"mode"` field.
///
/// A file without a known mode is read as a run result, so that the error names the
/// field that is missing or wrong.
pub fn read_any(path: &Path) -> Result<AnyResult, ReadError> {
    let value: serde_json::Value = read_result(path)?;
    let json = |source| ReadError::Json { path: path.into(), source };
    match value.get("mode").and_then(|m| m.as_str()) {
        Some("compare") => serde_json::from_value(value).map(AnyResult::Compare).map_err(json),
        _ => serde_json::from_value(value).map(AnyResult::Run).map_err(json),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixtures;

    #[test]
    fn report_reads_each_mode() {
        assert!(matches!(read_any(&fixtures::path("compare-3.json")).unwrap(), AnyResult::Compare(_)));
        assert!(matches!(read_any(&fixtures::path("run.json")).unwrap(), AnyResult::Run(_)));
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("profile.json");
        let mut run = fixtures::run();
        run.mode = crate::schema::Mode::Profile;
        std::fs::write(&p, serde_json::to_string(&run).unwrap()).unwrap();
        assert!(matches!(read_any(&p).unwrap(), AnyResult::Run(r) if r.mode == crate::schema::Mode::Profile));
    }

    #[test]
    fn report_rejects_newer_schema_and_bad_files() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("r.json");
        std::fs::write(&p, r#"{"mode": "compare", "schema_version": 99}"#).unwrap();
        assert!(matches!(read_any(&p), Err(ReadError::TooNew { .. })));
        std::fs::write(&p, r#"{"mode": "compare", "schema_version": 1}"#).unwrap();
        assert!(matches!(read_any(&p), Err(ReadError::Json { .. })));
    }
}
