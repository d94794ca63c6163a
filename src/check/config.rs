//! `[check]` thresholds in a `benchmark-harness.toml` at the repository root.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// The file name looked for in the current folder and its parents.
pub const CONFIG_FILE: &str = "benchmark-harness.toml";

/// Per-workload thresholds.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Override {
    pub warn: Option<f64>,
    pub fail: Option<f64>,
}

/// The `[check]` table.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckConfig {
    pub warn: Option<f64>,
    pub fail: Option<f64>,
    pub metric: Option<String>,
    pub alpha: Option<f64>,
    /// Percent: a change whose whole interval lies within ± this passes (default 2).
    pub noise_floor: Option<f64>,
    #[serde(default)]
    pub workloads: BTreeMap<String, Override>,
}

/// The `[ci]` table: what `scripts/ci-benchmark.sh` measures by default (its environment
/// variables `FRAMEWORKS`, `SUITES`, `DURATION`, `WARMUP` win). The harness itself only
/// validates it; the scripts read it.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CiConfig {
    #[serde(default)]
    pub frameworks: Vec<String>,
    #[serde(default)]
    pub suites: Vec<String>,
    pub duration: Option<f64>,
    pub warmup: Option<f64>,
    /// Measurements per framework × suite, so `check` can apply its significance gate.
    pub rounds: Option<u32>,
    /// The sampler for round 1 (`auto`, `python`, `node`, `ruby`, `perf`, `none`).
    pub profiler: Option<String>,
}

/// Other top-level tables are accepted (and ignored) so that later tools can add their own.
#[derive(Debug, Default, Deserialize)]
struct File {
    #[serde(default)]
    check: CheckConfig,
    #[serde(default)]
    #[allow(dead_code)]
    ci: CiConfig,
}

/// A malformed config file.
#[derive(Debug, thiserror::Error)]
#[error("{}:{line}:{column}: {message}", path.display())]
pub struct ConfigError {
    pub path: PathBuf,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// The nearest `benchmark-harness.toml` from `dir` upwards, parsed (`None` when there is none).
pub fn find_config(dir: &Path) -> Result<Option<(PathBuf, CheckConfig)>, ConfigError> {
    for d in dir.ancestors() {
        let path = d.join(CONFIG_FILE);
        if let Ok(text) = std::fs::read_to_string(&path) {
            return parse(&text, &path).map(|c| Some((path, c)));
        }
    }
    Ok(None)
}

fn parse(text: &str, path: &Path) -> Result<CheckConfig, ConfigError> {
    let file: File = toml::from_str(text).map_err(|e| {
        let (line, column) = e.span().map(|s| crate::app::line_col(text, s.start)).unwrap_or((1, 1));
        ConfigError { path: path.into(), line, column, message: e.message().trim().to_string() }
    })?;
    Ok(file.check)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds_and_overrides_parse() {
        let c = parse(
            "[check]\nwarn = 3\nfail = 8\nmetric = \"rps\"\n\n[check.workloads.json-very-large]\nfail = 20\n",
            Path::new("b.toml"),
        )
        .unwrap();
        assert_eq!((c.warn, c.fail, c.metric.as_deref()), (Some(3.0), Some(8.0), Some("rps")));
        assert_eq!(c.workloads["json-very-large"], Override { warn: None, fail: Some(20.0) });
    }

    #[test]
    fn the_ci_table_and_other_tables_do_not_disturb_check() {
        let text = "[ci]\nframeworks = [\"axum-baseline\"]\nsuites = [\"baseline\"]\nduration = 5\n\n\
                    [check]\nwarn = 5\nfail = 10\n\n[future]\nx = 1\n";
        let file: File = toml::from_str(text).unwrap();
        assert_eq!(file.ci.frameworks, ["axum-baseline"]);
        assert_eq!((file.ci.suites.as_slice(), file.ci.duration), (&["baseline".to_string()][..], Some(5.0)));
        let c = parse(text, Path::new("b.toml")).unwrap();
        assert_eq!((c.warn, c.fail), (Some(5.0), Some(10.0)));
        // A typo inside [ci] is still caught.
        let err = parse("[ci]\nframework = []\n", Path::new("b.toml")).unwrap_err().to_string();
        assert!(err.starts_with("b.toml:2:1:") && err.contains("framework"), "{err}");
    }

    #[test]
    fn the_repository_config_parses() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(CONFIG_FILE);
        let text = std::fs::read_to_string(&path).unwrap();
        let file: File = toml::from_str(&text).unwrap();
        assert!(!file.ci.frameworks.is_empty() && !file.ci.suites.is_empty());
        assert!(parse(&text, &path).unwrap().fail.is_some());
    }

    #[test]
    fn unknown_keys_name_file_line_and_column() {
        let err = parse("[check]\nwarn = 3\nfial = 8\n", Path::new("b.toml")).unwrap_err().to_string();
        assert!(err.starts_with("b.toml:3:1:") && err.contains("fial"), "{err}");
    }

    #[test]
    fn the_nearest_file_upwards_is_found() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(CONFIG_FILE), "[check]\nfail = 12\n").unwrap();
        let sub = dir.path().join("a/b");
        std::fs::create_dir_all(&sub).unwrap();
        let (path, c) = find_config(&sub).unwrap().unwrap();
        assert_eq!(path, dir.path().join(CONFIG_FILE));
        assert_eq!(c.fail, Some(12.0));
    }
}
