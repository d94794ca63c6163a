//! The `benchmark.toml` manifest of APPS.md: types, parsing with file:line:column errors.

use std::collections::BTreeMap;
use std::path::Path;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::AppError;

/// A whole `benchmark.toml`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub app: AppSection,
    #[serde(default)]
    pub setup: Option<SetupSection>,
    pub start: StartSection,
    #[serde(default)]
    pub version: Option<VersionSection>,
    #[serde(default)]
    pub profile: Option<ProfileSection>,
}

/// `[app]`: who the app is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AppSection {
    /// Unique; what `--framework` / `--frameworks` take.
    pub name: String,
    /// Picks the profiler.
    pub language: Language,
    /// Display name of the framework.
    pub framework: String,
    #[serde(default)]
    pub description: String,
}

/// The app's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    Python,
    Node,
    Ruby,
    Rust,
    Other,
}

impl Language {
    pub fn as_str(self) -> &'static str {
        match self {
            Language::Python => "python",
            Language::Node => "node",
            Language::Ruby => "ruby",
            Language::Rust => "rust",
            Language::Other => "other",
        }
    }
}

/// `[setup]`: commands run once in the app folder; re-run when `inputs` or commands change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SetupSection {
    pub commands: Vec<String>,
    #[serde(default)]
    pub inputs: Vec<String>,
}

/// `[start]`: how to start the server and know it is ready.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StartSection {
    pub command: String,
    #[serde(default = "default_health")]
    pub health: String,
    #[serde(default = "default_startup_timeout")]
    pub startup_timeout_secs: u64,
    #[serde(default)]
    pub env: BTreeMap<String, String>,
}

/// `[profile]`: another build of the app that `profile` starts instead of the normal one
/// (e.g. with a counting allocator); `run`, `compare` and `profile --profiler none` never
/// use it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfileSection {
    /// Setup commands of this build, run instead of `[setup]`'s with a stamp of their own;
    /// empty: `[setup]` runs as usual.
    #[serde(default)]
    pub setup: Vec<String>,
    /// Files whose change re-runs this build's setup (default: `[setup]`'s inputs).
    #[serde(default)]
    pub inputs: Vec<String>,
    /// The start command of this build, instead of `[start]`'s (same placeholders).
    pub command: String,
    /// What this build is, recorded in the profile result's notes.
    #[serde(default)]
    pub description: String,
}

/// `[version]`: commands printing the framework and runtime versions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct VersionSection {
    #[serde(default)]
    pub framework: Option<String>,
    #[serde(default)]
    pub runtime: Option<String>,
}

fn default_health() -> String {
    "/health".to_string()
}

fn default_startup_timeout() -> u64 {
    30
}

/// 1-based line and column of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rfind('\n').map(|i| before.len() - i).unwrap_or(before.len() + 1);
    (line, col)
}

/// Parse and check a manifest; errors name the file, line and column.
pub fn parse(text: &str, path: &Path) -> Result<Manifest, AppError> {
    let manifest: Manifest = toml::from_str(text).map_err(|e| {
        let (line, column) = e.span().map(|s| line_col(text, s.start)).unwrap_or((1, 1));
        AppError::Manifest { path: path.into(), line, column, message: e.message().trim().to_string() }
    })?;
    let at =
        |needle: &str| -> (usize, usize) { text.find(needle).map(|i| line_col(text, i)).unwrap_or((1, 1)) };
    let fail = |needle: &str, message: String| {
        let (line, column) = at(needle);
        Err(AppError::Manifest { path: path.into(), line, column, message })
    };
    if manifest.app.name.trim().is_empty() {
        return fail("name", "app name must not be empty".into());
    }
    if !manifest.app.name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.') {
        return fail(
            "name",
            format!("app name '{}' may hold only letters, digits, '-', '_' and '.'", manifest.app.name),
        );
    }
    if manifest.start.command.trim().is_empty() {
        return fail("command", "[start] command must not be empty".into());
    }
    if !manifest.start.health.starts_with('/') {
        return fail("health", format!("health path '{}' must start with '/'", manifest.start.health));
    }
    if manifest.start.startup_timeout_secs == 0 {
        return fail("startup_timeout_secs", "startup_timeout_secs must be at least 1".into());
    }
    if let Some(setup) = &manifest.setup {
        if let Some(i) = setup.commands.iter().position(|c| c.trim().is_empty()) {
            return fail("commands", format!("[setup] command {} is empty", i + 1));
        }
    }
    if let Some(profile) = &manifest.profile {
        if profile.command.trim().is_empty() {
            return fail("[profile]", "[profile] command must not be empty".into());
        }
        if let Some(i) = profile.setup.iter().position(|c| c.trim().is_empty()) {
            return fail("[profile]", format!("[profile] setup command {} is empty", i + 1));
        }
    }
    Ok(manifest)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"[app]
name = "demo"
language = "python"
framework = "Demo"

[start]
command = "python3 server.py --port {port}"
"#;

    #[test]
    fn a_minimal_manifest_gets_defaults() {
        let m = parse(GOOD, Path::new("benchmark.toml")).unwrap();
        assert_eq!(m.start.health, "/health");
        assert_eq!(m.start.startup_timeout_secs, 30);
        assert!(m.setup.is_none());
    }

    #[test]
    fn unknown_keys_are_errors_with_line_and_column() {
        let text = GOOD.replace("framework = \"Demo\"", "framework = \"Demo\"\nport = 1");
        let err = parse(&text, Path::new("apps/demo/benchmark.toml")).unwrap_err().to_string();
        assert!(err.starts_with("apps/demo/benchmark.toml:5:1:"), "{err}");
        assert!(err.contains("port"), "{err}");
    }

    #[test]
    fn bad_language_lists_valid_ones() {
        let text = GOOD.replace("python", "cobol");
        let err = parse(&text, Path::new("b.toml")).unwrap_err().to_string();
        assert!(err.contains("b.toml:3:"), "{err}");
        assert!(err.contains("python") && err.contains("rust"), "{err}");
    }

    #[test]
    fn empty_command_is_named() {
        let text = GOOD.replace("python3 server.py --port {port}", " ");
        let err = parse(&text, Path::new("b.toml")).unwrap_err().to_string();
        assert!(err.contains("command must not be empty"), "{err}");
    }

    #[test]
    fn a_profile_build_is_optional_and_checked() {
        let text = format!(
            "{GOOD}\n[profile]\nsetup = [\"make alloc\"]\ncommand = \"exec ./alloc --port {{port}}\"\n"
        );
        let p = parse(&text, Path::new("b.toml")).unwrap().profile.unwrap();
        assert_eq!(p.setup, vec!["make alloc"]);
        assert!(p.inputs.is_empty() && p.description.is_empty());
        let err = parse(&format!("{GOOD}\n[profile]\ncommand = \"\"\n"), Path::new("b.toml")).unwrap_err();
        assert!(err.to_string().contains("b.toml:9:1: [profile] command must not be empty"), "{err}");
        let err = parse(&format!("{GOOD}\n[profile]\nsetup = [\"\"]\n"), Path::new("b.toml")).unwrap_err();
        assert!(err.to_string().contains("command"), "{err}");
    }

    #[test]
    fn line_col_counts_from_one() {
        assert_eq!(line_col("ab\ncd", 0), (1, 1));
        assert_eq!(line_col("ab\ncd", 4), (2, 2));
    }
}
