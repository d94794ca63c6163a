//! Errors of suite loading and workload selection, and byte-span → line:column mapping; calls nothing.

use std::ops::Range;
use std::path::PathBuf;
use std::sync::Arc;

/// Everything that can go wrong between a suite name on the command line and a list
/// of validated workloads. Each variant carries what a user needs to fix it.
#[derive(Debug, Clone, thiserror::Error)]
pub enum WorkloadError {
    /// Neither a built-in suite nor something that looks like a suite file path.
    #[error(
        "unknown suite '{name}'; valid suites: {} (or a path to a .toml file)",
        .valid.join(", ")
    )]
    UnknownSuite { name: String, valid: Vec<String> },

    /// A workload name that the suite does not define.
    #[error(
        "unknown workload '{name}' in suite '{suite}'; valid workloads: {}",
        .valid.join(", ")
    )]
    UnknownWorkload { name: String, suite: String, valid: Vec<String> },

    /// The file is not valid TOML, or does not match the suite format
    /// (unknown key, wrong type, missing key).
    #[error("{file}:{line}:{column}: {message}")]
    Syntax { file: String, line: usize, column: usize, message: String },

    /// Well-formed TOML whose content breaks a rule of the suite format
    /// (duplicate name, bad method, missing body file, ...).
    #[error("{file}:{line}:{column}: {message}")]
    Invalid { file: String, line: usize, column: usize, message: String },

    /// The suite file itself could not be read.
    #[error("cannot read suite file '{}': {source}", .path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: Arc<std::io::Error>,
    },
}

impl WorkloadError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        WorkloadError::Io { path: path.into(), source: Arc::new(source) }
    }
}

/// 1-based line and column (in characters) of a byte offset into `text`.
/// Offsets past the end, or inside a multi-byte character, clamp to the nearest
/// earlier character boundary.
pub(crate) fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

/// Builds `Invalid` errors that point into one suite file.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Locator<'a> {
    pub file: &'a str,
    pub text: &'a str,
}

impl Locator<'_> {
    /// An `Invalid` error at the start of `span`.
    pub fn invalid(&self, span: Range<usize>, message: impl Into<String>) -> WorkloadError {
        let (line, column) = line_column(self.text, span.start);
        WorkloadError::Invalid { file: self.file.to_string(), line, column, message: message.into() }
    }

    /// A `Syntax` error from the TOML parser; errors without a span point at 1:1.
    pub fn syntax(&self, error: &toml::de::Error) -> WorkloadError {
        let start = error.span().map_or(0, |span| span.start);
        let (line, column) = line_column(self.text, start);
        WorkloadError::Syntax {
            file: self.file.to_string(),
            line,
            column,
            // Some parser messages span lines ("invalid table header\nexpected ..."): keep one line.
            message: error.message().trim_end().replace('\n', "; "),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_column_is_one_based() {
        let text = "a = 1\nbb = 2\n";
        assert_eq!(line_column(text, 0), (1, 1));
        assert_eq!(line_column(text, 4), (1, 5));
        assert_eq!(line_column(text, 6), (2, 1));
        assert_eq!(line_column(text, 8), (2, 3));
        assert_eq!(line_column(text, 999), (3, 1));
    }

    #[test]
    fn line_column_counts_characters_not_bytes() {
        let text = "name = \"é日\" x";
        let offset = text.find('x').unwrap();
        assert_eq!(line_column(text, offset), (1, 13));
        // Inside the two-byte 'é': clamps to its start.
        assert_eq!(line_column(text, 9), (1, 9));
    }

    #[test]
    fn unknown_suite_message_lists_valid_names() {
        let error = WorkloadError::UnknownSuite {
            name: "jsn-bodies".into(),
            valid: vec!["all".into(), "json-bodies".into()],
        };
        assert_eq!(
            error.to_string(),
            "unknown suite 'jsn-bodies'; valid suites: all, json-bodies (or a path to a .toml file)"
        );
    }

    #[test]
    fn io_error_names_the_path() {
        let error = WorkloadError::io(
            "suites/x.toml",
            std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"),
        );
        assert_eq!(error.to_string(), "cannot read suite file 'suites/x.toml': no such file");
        assert!(std::error::Error::source(&error).is_some());
    }
}
