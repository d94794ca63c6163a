//! `multipart/form-data` request bodies for `[workloads.multipart]`: deterministic file
//! contents, a fixed boundary, and the answer the files imply; calls nothing.
//!
//! File contents are printable ASCII (letters and digits, never CR or LF), so no content can
//! contain the delimiter `CRLF--boundary` whatever the boundary is. The same suite always
//! gives the same bytes.

/// The boundary used when the suite does not set one.
pub const DEFAULT_BOUNDARY: &str = "benchmark-harness-boundary-7d3f1c9a0b2e4d68";
/// The form field the files are sent in when a file does not name one.
pub const DEFAULT_FIELD: &str = "files";
/// The Content-Type of a file part when a file does not name one.
pub const DEFAULT_FILE_TYPE: &str = "application/octet-stream";
/// Size of the file that the default variant adds (a size no built-in file has).
pub const VARIANT_EXTRA_BYTES: usize = 333;

/// The bytes a file's content cycles through.
const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

/// One file part of a multipart body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilePart {
    /// The form field name (`name="…"`).
    pub field: String,
    /// The file name (`filename="…"`).
    pub filename: String,
    /// The part's Content-Type.
    pub content_type: String,
    /// Content size in bytes.
    pub size: usize,
}

impl FilePart {
    /// A file in the default field with the default type.
    pub fn new(filename: impl Into<String>, size: usize) -> Self {
        FilePart {
            field: DEFAULT_FIELD.into(),
            filename: filename.into(),
            content_type: DEFAULT_FILE_TYPE.into(),
            size,
        }
    }
}

/// The deterministic content of the `index`-th file (0-based): the alphabet, cycled from an
/// offset that depends on the index, so that files differ.
pub fn content(index: usize, size: usize) -> Vec<u8> {
    let start = index * 7;
    (0..size).map(|i| ALPHABET[(start + i) % ALPHABET.len()]).collect()
}

/// The request's `Content-Type` header value for `boundary`.
pub fn content_type(boundary: &str) -> String {
    format!("multipart/form-data; boundary={boundary}")
}

/// The whole request body: each file as a part (RFC 7578), then the closing delimiter.
pub fn body(boundary: &str, files: &[FilePart]) -> Vec<u8> {
    let overhead: usize = files.iter().map(|f| 160 + f.field.len() + f.filename.len()).sum();
    let mut out = Vec::with_capacity(overhead + files.iter().map(|f| f.size).sum::<usize>());
    for (index, file) in files.iter().enumerate() {
        out.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        out.extend_from_slice(
            format!(
                "Content-Disposition: form-data; name=\"{}\"; filename=\"{}\"\r\n",
                file.field, file.filename
            )
            .as_bytes(),
        );
        out.extend_from_slice(format!("Content-Type: {}\r\n\r\n", file.content_type).as_bytes());
        out.extend_from_slice(&content(index, file.size));
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    out
}

/// The answer an app computes from these files: `{"files_received": n, "total_bytes": b}`.
pub fn summary(files: &[FilePart]) -> serde_json::Value {
    let total: usize = files.iter().map(|f| f.size).sum();
    serde_json::json!({ "files_received": files.len(), "total_bytes": total })
}

/// The default verification variant of `files`: the same files and one more of
/// `VARIANT_EXTRA_BYTES`, so that both the count and the total differ.
pub fn default_variant(files: &[FilePart]) -> Vec<FilePart> {
    let mut variant = files.to_vec();
    let mut extra = FilePart::new(format!("variant-{}.bin", files.len() + 1), VARIANT_EXTRA_BYTES);
    if let Some(first) = files.first() {
        extra.field.clone_from(&first.field);
        extra.content_type.clone_from(&first.content_type);
    }
    variant.push(extra);
    variant
}

/// Why a boundary is unusable, or `None` when RFC 2046 allows it (1 to 70 characters of
/// letters, digits and `'()+_,-./:=?`; spaces are left out to avoid quoting).
pub fn boundary_problem(boundary: &str) -> Option<String> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || "'()+_,-./:=?".contains(c);
    if boundary.is_empty() || boundary.len() > 70 {
        return Some(format!("boundary {boundary:?} must be 1 to 70 characters long"));
    }
    if let Some(bad) = boundary.chars().find(|&c| !allowed(c)) {
        return Some(format!("boundary {boundary:?} contains {bad:?}; use letters, digits and '()+_,-./:=?"));
    }
    None
}

/// Why a field or file name cannot go into a `Content-Disposition` header unescaped, or `None`.
pub fn name_problem(what: &str, name: &str) -> Option<String> {
    if name.is_empty() {
        return Some(format!("{what} is empty; name it, e.g. \"files\""));
    }
    if name.chars().any(|c| c == '"' || c == '\\' || c.is_control()) {
        return Some(format!("{what} {name:?} contains a quote, backslash or control character; remove it"));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A parsed part: its headers (lowercase names) and its content.
    #[derive(Debug)]
    struct Part {
        headers: Vec<(String, String)>,
        content: Vec<u8>,
    }

    /// Parses a multipart body by hand, strictly: the preamble must be empty, every
    /// delimiter `--boundary` starts a line, and the body ends with `--boundary--\r\n`.
    fn parse(body: &[u8], boundary: &str) -> Vec<Part> {
        let delimiter = format!("\r\n--{boundary}");
        let body = [b"\r\n".as_slice(), body].concat();
        let mut pieces = split(&body, delimiter.as_bytes());
        assert_eq!(pieces.remove(0), b"", "no preamble");
        assert_eq!(pieces.pop().unwrap(), b"--\r\n", "closing delimiter");
        pieces
            .into_iter()
            .map(|piece| {
                let piece = piece.strip_prefix(b"\r\n").expect("CRLF after the delimiter");
                let end = find(piece, b"\r\n\r\n").expect("a blank line ends the headers");
                let headers = std::str::from_utf8(&piece[..end])
                    .unwrap()
                    .split("\r\n")
                    .map(|line| {
                        let (name, value) = line.split_once(": ").unwrap();
                        (name.to_ascii_lowercase(), value.to_string())
                    })
                    .collect();
                Part { headers, content: piece[end + 4..].to_vec() }
            })
            .collect()
    }

    fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
        haystack.windows(needle.len()).position(|w| w == needle)
    }

    fn split<'a>(mut haystack: &'a [u8], needle: &[u8]) -> Vec<&'a [u8]> {
        let mut out = Vec::new();
        while let Some(at) = find(haystack, needle) {
            out.push(&haystack[..at]);
            haystack = &haystack[at + needle.len()..];
        }
        out.push(haystack);
        out
    }

    fn header<'a>(part: &'a Part, name: &str) -> &'a str {
        &part.headers.iter().find(|(n, _)| n == name).unwrap().1
    }

    #[test]
    fn the_body_parses_back_into_the_files() {
        let files = vec![
            FilePart::new("a.bin", 5 * 1024),
            FilePart {
                field: "other".into(),
                filename: "b.txt".into(),
                content_type: "text/plain".into(),
                size: 100,
            },
            FilePart::new("empty.bin", 0),
        ];
        let body = body(DEFAULT_BOUNDARY, &files);
        let parts = parse(&body, DEFAULT_BOUNDARY);
        assert_eq!(parts.len(), 3);
        for (index, (part, file)) in parts.iter().zip(&files).enumerate() {
            assert_eq!(part.content, content(index, file.size), "file {index}");
            assert_eq!(part.content.len(), file.size);
            assert_eq!(
                header(part, "content-disposition"),
                format!("form-data; name=\"{}\"; filename=\"{}\"", file.field, file.filename)
            );
            assert_eq!(header(part, "content-type"), file.content_type);
        }
        assert_eq!(summary(&files), serde_json::json!({"files_received": 3, "total_bytes": 5220}));
    }

    #[test]
    fn contents_are_deterministic_distinct_and_free_of_line_breaks() {
        assert_eq!(content(0, 5), b"abcde");
        assert_eq!(content(1, 5), b"hijkl");
        assert_eq!(content(0, 70).len(), 70);
        assert_ne!(content(0, 1024), content(1, 1024));
        let files = [FilePart::new("a", 1024), FilePart::new("b", 1024)];
        assert_eq!(body("x", &files), body("x", &files));
        assert!(content(3, 10_000).iter().all(u8::is_ascii_alphanumeric));
    }

    #[test]
    fn a_boundary_made_of_content_letters_still_splits_right() {
        // Content never holds CRLF, so even a boundary that occurs inside it is safe.
        let boundary = "abcdef";
        let files = [FilePart::new("a.bin", 200), FilePart::new("b.bin", 300)];
        let parts = parse(&body(boundary, &files), boundary);
        assert_eq!(parts.iter().map(|p| p.content.len()).collect::<Vec<_>>(), [200, 300]);
    }

    #[test]
    fn the_default_variant_differs_in_count_and_total() {
        let files = [FilePart::new("file-1.bin", 1024)];
        let variant = default_variant(&files);
        assert_eq!(variant.len(), 2);
        assert_eq!(variant[1].filename, "variant-2.bin");
        assert_eq!(variant[1].field, "files");
        assert_eq!(summary(&variant), serde_json::json!({"files_received": 2, "total_bytes": 1357}));
    }

    #[test]
    fn boundaries_and_names_are_checked() {
        assert_eq!(boundary_problem(DEFAULT_BOUNDARY), None);
        assert!(boundary_problem("").is_some());
        assert!(boundary_problem(&"a".repeat(71)).is_some());
        let message = boundary_problem("a b").unwrap();
        assert!(message.contains("' '"), "{message}");
        assert_eq!(name_problem("field", "files"), None);
        assert!(name_problem("filename", "a\"b").unwrap().contains("quote"));
        assert!(name_problem("field", "").unwrap().contains("empty"));
    }

    #[test]
    fn the_content_type_names_the_boundary() {
        assert_eq!(content_type("xyz"), "multipart/form-data; boundary=xyz");
    }
}
