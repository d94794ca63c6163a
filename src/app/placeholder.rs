//! Placeholders in manifest commands: `{port}`, `{workers}`, `{app_dir}`, `{cache_dir}`.

use std::path::Path;

use super::{cache_dir, App, AppError};

/// The values placeholders expand to in one context (setup has no port or workers).
#[derive(Debug, Clone)]
pub struct Placeholders {
    pub port: Option<u16>,
    pub workers: Option<u32>,
    pub app_dir: String,
    pub cache_dir: String,
}

const NAMES: &[&str] = &["port", "workers", "app_dir", "cache_dir"];

impl Placeholders {
    pub fn new(app: &App, port: Option<u16>, workers: Option<u32>) -> Placeholders {
        Placeholders {
            port,
            workers,
            app_dir: app.dir.display().to_string(),
            cache_dir: cache_dir().display().to_string(),
        }
    }

    fn value(&self, name: &str) -> Option<String> {
        match name {
            "port" => self.port.map(|p| p.to_string()),
            "workers" => self.workers.map(|w| w.to_string()),
            "app_dir" => Some(self.app_dir.clone()),
            "cache_dir" => Some(self.cache_dir.clone()),
            _ => None,
        }
    }

    /// Environment exported to every command: `PORT` (when known), `WORKERS`, `BENCHMARK_HARNESS_CACHE`.
    pub fn env(&self) -> Vec<(String, String)> {
        let mut env = vec![("BENCHMARK_HARNESS_CACHE".to_string(), self.cache_dir.clone())];
        if let Some(p) = self.port {
            env.push(("PORT".into(), p.to_string()));
        }
        if let Some(w) = self.workers {
            env.push(("WORKERS".into(), w.to_string()));
        }
        env
    }
}

/// Expand `{name}` placeholders. A `{lowercase_name}` that is not a placeholder, or one with
/// no value here (e.g. `{port}` in a setup command), is an error naming the manifest.
/// Shell syntax such as `${VAR}` or `{ cmd; }` is left alone.
pub fn expand(text: &str, ph: &Placeholders, manifest: &Path) -> Result<String, AppError> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let close = after.find('}');
        let name = close.map(|c| &after[..c]);
        let is_placeholder = name
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'))
            && !out.ends_with('$');
        match (is_placeholder, name, close) {
            (true, Some(n), Some(c)) => {
                let value = ph.value(n).ok_or_else(|| AppError::Placeholder {
                    path: manifest.into(),
                    message: if NAMES.contains(&n) {
                        format!("placeholder {{{n}}} has no value in `{text}` (only {{app_dir}} and {{cache_dir}} exist during setup)")
                    } else {
                        format!("unknown placeholder {{{n}}} in `{text}`; valid placeholders: {{port}}, {{workers}}, {{app_dir}}, {{cache_dir}}")
                    },
                })?;
                out.push_str(&value);
                rest = &after[c + 1..];
            }
            _ => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ph() -> Placeholders {
        Placeholders { port: Some(8080), workers: Some(2), app_dir: "/a".into(), cache_dir: "/c".into() }
    }

    #[test]
    fn known_placeholders_expand() {
        let s = expand("run --port {port} -w {workers} {app_dir}/x {cache_dir}/t", &ph(), Path::new("m"))
            .unwrap();
        assert_eq!(s, "run --port 8080 -w 2 /a/x /c/t");
    }

    #[test]
    fn shell_braces_are_left_alone() {
        let s = "test -x a || { echo \"${HOME}\" >&2; exit 1; }";
        assert_eq!(expand(s, &ph(), Path::new("m")).unwrap(), s);
    }

    #[test]
    fn unknown_and_missing_placeholders_are_named() {
        let err = expand("x {prot}", &ph(), Path::new("apps/a/benchmark.toml")).unwrap_err().to_string();
        assert!(
            err.contains("{prot}") && err.contains("{port}") && err.contains("apps/a/benchmark.toml"),
            "{err}"
        );
        let setup = Placeholders { port: None, workers: None, ..ph() };
        let err = expand("x {port}", &setup, Path::new("m")).unwrap_err().to_string();
        assert!(err.contains("has no value"), "{err}");
    }
}
