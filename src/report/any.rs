//! Reading any saved result file (run, profile, compare or check) for rendering.
//!
//! Calls only `crate::schema` (which rejects newer schema versions).

use std::path::Path;

use crate::schema::{read_result, CheckResult, CompareResult, ReadError, RunResult};

/// A result of any kind, as read from a file.
// One value per file read: boxing the larger variant would buy nothing but harder matching.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum AnyResult {
    /// `"mode": "run"` or `"profile"`.
    Run(RunResult),
    /// `"mode": "compare"`.
    Compare(CompareResult),
    /// `"mode": "check"`: a regression check (rendered again; never the input of a check).
    Check(CheckResult),
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
        Some("check") => serde_json::from_value(value).map(AnyResult::Check).map_err(json),
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
        let check = dir.path().join("check.json");
        let same = [(AnyResult::Run(fixtures::run()), "run.json".to_string())];
        let c = crate::check::check_rounds(&same, &same, &fixtures::check_options()).unwrap();
        crate::schema::write_atomic(&check, &c, true).unwrap();
        assert!(matches!(read_any(&check).unwrap(), AnyResult::Check(c) if c.workloads.len() == 3));
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
