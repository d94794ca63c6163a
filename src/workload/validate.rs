//! Turns a parsed suite file into validated `Suite` values, pointing every rejection at
//! its line and column; calls `format`, `builtin` and the file system (for body files).

use std::collections::HashMap;
use std::ops::Range;
use std::path::Path;

use toml::Spanned;

use super::error::{line_column, Locator};
use super::format::{toml_to_json, RawExpect, RawFilePart, RawMultipart, RawSuite, RawWorkload};
use super::multipart::{self, FilePart};
use super::{builtin, Expect, ExpectBody, Suite, Variant, Workload, WorkloadError};

/// HTTP methods a workload may use.
pub const METHODS: &[&str] = &["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

/// Where `body_file` and `json_file` paths are resolved.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Fixtures<'a> {
    /// Relative to this directory (the suite file's directory).
    Dir(&'a Path),
    /// From the fixtures embedded in the binary.
    Embedded,
}

impl Fixtures<'_> {
    /// The bytes of `relative`, or a message saying where it was looked for.
    pub(super) fn read(&self, key: &str, relative: &str) -> Result<Vec<u8>, String> {
        match self {
            Fixtures::Dir(dir) => {
                let path = dir.join(relative);
                std::fs::read(&path).map_err(|e| {
                    format!(
                        "cannot read {key} '{relative}' (resolved to '{}'): {e}; \
                         paths are relative to the suite file",
                        path.display()
                    )
                })
            }
            Fixtures::Embedded => builtin::fixture(relative).map(<[u8]>::to_vec).ok_or_else(|| {
                format!(
                    "no embedded fixture '{relative}' for {key}; embedded fixtures: {}",
                    builtin::fixture_paths().join(", ")
                )
            }),
        }
    }
}

/// Parses and validates the text of one suite file. `file` names it in errors,
/// `origin` is recorded in the suite ("built-in" or the file path).
pub(crate) fn build_suite(
    text: &str,
    file: &str,
    origin: &str,
    fixtures: Fixtures,
) -> Result<Suite, WorkloadError> {
    let at = Locator { file, text };
    let raw: RawSuite = toml::from_str(text).map_err(|e| at.syntax(&e))?;
    let name = raw.name.get_ref().trim();
    if name.is_empty() {
        return Err(at.invalid(raw.name.span(), "suite name is empty; give the suite a name"));
    }
    let raw_workloads = match raw.workloads {
        Some(workloads) if !workloads.get_ref().is_empty() => workloads,
        empty => {
            return Err(at.invalid(
                empty.map_or(0..0, |w| w.span()),
                format!("suite '{name}' has no workloads; add at least one [[workloads]] table"),
            ))
        }
    };

    let mixed = match raw.mode.as_ref().map(|m| m.get_ref().as_str()) {
        None | Some("separate") => false,
        Some("mixed") => true,
        Some(other) => {
            let span = raw.mode.as_ref().map_or(0..0, |m| m.span());
            return Err(
                at.invalid(span, format!("mode '{other}' is not known; use \"separate\" or \"mixed\""))
            );
        }
    };
    let mut first_seen: HashMap<String, Range<usize>> = HashMap::new();
    let mut workloads = Vec::new();
    for raw in raw_workloads.into_inner() {
        let protocol = raw.protocol.as_ref().map(Spanned::span);
        let mut workload = build_workload(raw, at, fixtures, &mut first_seen)?;
        if let (true, Some(span)) = (mixed, protocol) {
            return Err(at.invalid(
                span,
                format!(
                    "workload '{}' streams, and a mixed suite interleaves requests and responses;                      move it to a suite without mode = \"mixed\"",
                    workload.name
                ),
            ));
        }
        workload.mix = mixed.then(|| name.to_string());
        workloads.push(workload);
    }
    Ok(Suite {
        name: name.to_string(),
        description: raw.description.unwrap_or_default(),
        workloads,
        origin: origin.to_string(),
    })
}

fn build_workload(
    raw: RawWorkload,
    at: Locator,
    fixtures: Fixtures,
    first_seen: &mut HashMap<String, Range<usize>>,
) -> Result<Workload, WorkloadError> {
    let name = raw.name.get_ref();
    let name_ok =
        !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if !name_ok {
        return Err(at.invalid(
            raw.name.span(),
            format!("invalid workload name '{name}'; use letters, digits, '-', '_' and '.'"),
        ));
    }
    if let Some(first) = first_seen.get(name) {
        let (line, _) = line_column(at.text, first.start);
        return Err(at.invalid(
            raw.name.span(),
            format!("duplicate workload name '{name}' (first defined on line {line}); names must be unique within a suite"),
        ));
    }
    first_seen.insert(name.clone(), raw.name.span());

    if raw.category.get_ref().trim().is_empty() {
        return Err(at.invalid(
            raw.category.span(),
            format!("workload '{name}' has an empty category; name one, e.g. \"json-bodies\""),
        ));
    }
    let method = raw.method.get_ref();
    if !METHODS.contains(&method.as_str()) {
        return Err(at.invalid(
            raw.method.span(),
            format!("unknown method '{method}'; valid methods: {}", METHODS.join(", ")),
        ));
    }
    let path = raw.path.get_ref();
    if !path.starts_with('/') {
        return Err(
            at.invalid(raw.path.span(), format!("path '{path}' must start with '/', e.g. \"/{path}\""))
        );
    }
    if path.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(at.invalid(
            raw.path.span(),
            format!("path '{path}' contains whitespace or control characters; percent-encode them (a space is %20)"),
        ));
    }
    if let Some(content_type) = &raw.content_type {
        check_header_value(at, content_type, "content_type")?;
    }
    let headers = check_headers(at, &raw)?;
    let stream = super::streaming::build(at, name, &raw)?;
    let weight = match &raw.weight {
        None => 1,
        Some(w) => u32::try_from(*w.get_ref()).ok().filter(|&w| w >= 1).ok_or_else(|| {
            at.invalid(
                w.span(),
                format!("weight {} is out of range; use an integer from 1 to {}", w.get_ref(), u32::MAX),
            )
        })?,
    };

    let form = match &raw.multipart {
        Some(m) => Some(build_multipart(at, name, &raw, m)?),
        None => None,
    };
    let body = match (&raw.body, &raw.body_file) {
        _ if form.is_some() => {
            form.as_ref().map_or_else(Vec::new, |f| multipart::body(&f.boundary, &f.files))
        }
        (Some(_), Some(file)) => {
            return Err(at.invalid(
                file.span(),
                format!("workload '{name}' sets both body and body_file; keep one of them"),
            ))
        }
        (Some(body), None) => body.get_ref().as_bytes().to_vec(),
        (None, Some(file)) => {
            fixtures.read("body_file", file.get_ref()).map_err(|message| at.invalid(file.span(), message))?
        }
        (None, None) => Vec::new(),
    };
    let body_span = raw.body.as_ref().or(raw.body_file.as_ref()).map(Spanned::span);
    let expect =
        build_expect(raw.expect.as_ref(), name, body_span.clone(), &body, form.as_ref(), at, fixtures)?;
    let mut variants = build_variants(at, name, raw.expect.as_ref(), form.as_ref(), expect.status)?;
    if let Some(declared) = &raw.variants {
        if form.is_some() {
            return Err(at.invalid(
                declared.span(),
                format!(
                    "workload '{name}' is multipart, whose variant is [workloads.multipart] variant_files; \
                     remove its [[workloads.variants]]"
                ),
            ));
        }
        let base = super::variants::Base {
            name,
            path: raw.path.get_ref(),
            body: &body,
            content_type: raw.content_type.as_ref().map(|c| c.get_ref().as_str()),
            body_span,
        };
        variants.extend(super::variants::build(at, &base, declared, fixtures)?);
    }
    let content_type = match &form {
        Some(f) => Some(multipart::content_type(&f.boundary)),
        None => raw.content_type.map(Spanned::into_inner),
    };

    Ok(Workload {
        name: name.clone(),
        category: raw.category.into_inner(),
        method: raw.method.into_inner(),
        path: raw.path.into_inner(),
        content_type,
        headers,
        body,
        weight,
        mix: None,
        expect,
        variants,
        stream,
    })
}

fn check_header_value(at: Locator, value: &Spanned<String>, key: &str) -> Result<(), WorkloadError> {
    let text = value.get_ref();
    if text.trim().is_empty() || text.chars().any(|c| c.is_control() && c != '\t') {
        return Err(at.invalid(
            value.span(),
            format!("{key} {text:?} must be non-empty and free of control characters (no line breaks)"),
        ));
    }
    Ok(())
}

fn check_headers(at: Locator, raw: &RawWorkload) -> Result<Vec<(String, String)>, WorkloadError> {
    let Some(headers) = &raw.headers else {
        return Ok(Vec::new());
    };
    for (name, value) in &headers.get_ref().0 {
        let token = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
        if name.is_empty() || !name.chars().all(token) {
            return Err(at.invalid(
                headers.span(),
                format!("invalid header name '{name}'; use letters, digits and '-' (e.g. \"X-Request-Id\")"),
            ));
        }
        if value.chars().any(|c| c.is_control() && c != '\t') {
            return Err(at.invalid(
                headers.span(),
                format!("header '{name}' has a control character in its value {value:?}; remove line breaks"),
            ));
        }
        if name.eq_ignore_ascii_case("content-length") {
            return Err(at.invalid(
                headers.span(),
                "header 'Content-Length' is computed from the body; remove it from headers",
            ));
        }
        if name.eq_ignore_ascii_case("content-type") && raw.multipart.is_some() {
            return Err(at.invalid(
                headers.span(),
                "Content-Type is set by [workloads.multipart] (with its boundary); remove it from headers",
            ));
        }
        if name.eq_ignore_ascii_case("content-type") && raw.content_type.is_some() {
            return Err(at.invalid(
                headers.span(),
                "Content-Type is set twice, by content_type and in headers; keep content_type",
            ));
        }
    }
    Ok(headers.get_ref().0.clone())
}

/// The expected answer of workload `name` (or of its variant) whose request body is `body`,
/// written at `body_span` when the file gives one.
pub(super) fn build_expect(
    expect: Option<&RawExpect>,
    name: &str,
    body_span: Option<Range<usize>>,
    body: &[u8],
    form: Option<&Form>,
    at: Locator,
    fixtures: Fixtures,
) -> Result<Expect, WorkloadError> {
    let Some(expect) = expect else {
        return Ok(Expect { status: 200, body: ExpectBody::Any });
    };
    let status = match &expect.status {
        None => 200,
        Some(s) => u16::try_from(*s.get_ref()).ok().filter(|s| (100..=599).contains(s)).ok_or_else(|| {
            at.invalid(s.span(), format!("status {} is not an HTTP status; use 100 to 599", s.get_ref()))
        })?,
    };

    // Which kinds are set, in file order, so that the error points at the later one.
    let echo = expect.echo_body.as_ref().filter(|e| *e.get_ref());
    let summary = expect.multipart_summary.as_ref().filter(|m| *m.get_ref());
    let mut kinds: Vec<(&str, Range<usize>)> = [
        echo.map(|e| ("echo_body", e.span())),
        expect.json.as_ref().map(|j| ("json", j.span())),
        expect.json_file.as_ref().map(|j| ("json_file", j.span())),
        expect.text.as_ref().map(|t| ("text", t.span())),
        summary.map(|m| ("multipart_summary", m.span())),
    ]
    .into_iter()
    .flatten()
    .collect();
    kinds.sort_by_key(|(_, span)| span.start);
    if let [(first, _), (second, span), ..] = kinds.as_slice() {
        return Err(at.invalid(
            span.clone(),
            format!(
                "expect sets both {first} and {second}; use at most one of echo_body, json, json_file, text, multipart_summary"
            ),
        ));
    }

    let body_kind = if let Some(summary) = summary {
        let Some(form) = form else {
            return Err(at.invalid(
                summary.span(),
                format!("multipart_summary = true needs a [workloads.multipart] table in workload '{name}'"),
            ));
        };
        ExpectBody::Json(multipart::summary(&form.files))
    } else if let Some(echo) = echo {
        let Some(body_span) = body_span.filter(|_| !body.is_empty()) else {
            return Err(at.invalid(
                echo.span(),
                format!("echo_body = true needs a request body; add body or body_file to workload '{name}'"),
            ));
        };
        if let Err(e) = serde_json::from_slice::<serde_json::Value>(body) {
            return Err(at.invalid(
                body_span,
                format!("echo_body compares JSON, but the body of workload '{name}' is not valid JSON: {e}"),
            ));
        }
        ExpectBody::Echo
    } else if let Some(json) = &expect.json {
        ExpectBody::Json(toml_to_json(json.get_ref(), "expect.json").map_err(|m| at.invalid(json.span(), m))?)
    } else if let Some(file) = &expect.json_file {
        let bytes =
            fixtures.read("json_file", file.get_ref()).map_err(|message| at.invalid(file.span(), message))?;
        let value = serde_json::from_slice(&bytes).map_err(|e| {
            at.invalid(file.span(), format!("json_file '{}' is not valid JSON: {e}", file.get_ref()))
        })?;
        ExpectBody::Json(value)
    } else if let Some(text) = &expect.text {
        ExpectBody::Text(text.get_ref().clone())
    } else {
        ExpectBody::Any
    };
    Ok(Expect { status, body: body_kind })
}

/// A validated `[workloads.multipart]` table.
#[derive(Debug)]
pub(crate) struct Form {
    boundary: String,
    files: Vec<FilePart>,
    /// `variant_files` as written, with where they were written.
    variant: Option<(Vec<FilePart>, Range<usize>)>,
}

fn build_multipart(
    at: Locator,
    name: &str,
    raw: &RawWorkload,
    form: &Spanned<RawMultipart>,
) -> Result<Form, WorkloadError> {
    let clash = [
        ("body", raw.body.as_ref()),
        ("body_file", raw.body_file.as_ref()),
        ("content_type", raw.content_type.as_ref()),
    ];
    if let Some((key, value)) = clash.iter().find_map(|(key, v)| v.map(|v| (key, v))) {
        return Err(at.invalid(
            value.span(),
            format!(
                "workload '{name}' sets both {key} and [workloads.multipart], which builds the body and its \
                 Content-Type; remove {key}"
            ),
        ));
    }
    let form = form.get_ref();
    let boundary = match &form.boundary {
        None => multipart::DEFAULT_BOUNDARY.to_string(),
        Some(b) => match multipart::boundary_problem(b.get_ref()) {
            Some(problem) => return Err(at.invalid(b.span(), problem)),
            None => b.get_ref().clone(),
        },
    };
    let files = file_parts(at, &form.files, "files")?;
    let variant = match &form.variant_files {
        Some(v) => Some((file_parts(at, v, "variant_files")?, v.span())),
        None => None,
    };
    Ok(Form { boundary, files, variant })
}

/// The files of `files` or `variant_files` (`key`), with their defaults filled in.
fn file_parts(
    at: Locator,
    raw: &Spanned<Vec<RawFilePart>>,
    key: &str,
) -> Result<Vec<FilePart>, WorkloadError> {
    if raw.get_ref().is_empty() {
        return Err(at.invalid(raw.span(), format!("multipart.{key} is empty; list at least one file")));
    }
    let mut out = Vec::new();
    for (index, file) in raw.get_ref().iter().enumerate() {
        let text =
            |value: &Option<Spanned<String>>, what: &str, default: String| -> Result<String, WorkloadError> {
                match value {
                    None => Ok(default),
                    Some(v) => match multipart::name_problem(
                        &format!("multipart.{key}[{index}].{what}"),
                        v.get_ref(),
                    ) {
                        Some(problem) => Err(at.invalid(v.span(), problem)),
                        None => Ok(v.get_ref().clone()),
                    },
                }
            };
        let size =
            usize::try_from(*file.size.get_ref()).ok().filter(|&s| s <= MAX_FILE_BYTES).ok_or_else(|| {
                at.invalid(
                    file.size.span(),
                    format!(
                        "multipart.{key}[{index}].size {} is out of range; use 0 to {MAX_FILE_BYTES} bytes",
                        file.size.get_ref()
                    ),
                )
            })?;
        out.push(FilePart {
            field: text(&file.field, "field", multipart::DEFAULT_FIELD.into())?,
            filename: text(&file.filename, "filename", format!("file-{}.bin", index + 1))?,
            content_type: text(&file.content_type, "content_type", multipart::DEFAULT_FILE_TYPE.into())?,
            size,
        });
    }
    Ok(out)
}

/// The largest file a multipart workload may send (64 MiB).
const MAX_FILE_BYTES: usize = 64 * 1024 * 1024;

/// The verification variants: with `multipart_summary`, the `variant_files` (or the default
/// variant) and the summary they imply. `variant_files` without it has no answer to check.
fn build_variants(
    at: Locator,
    name: &str,
    expect: Option<&RawExpect>,
    form: Option<&Form>,
    status: u16,
) -> Result<Vec<Variant>, WorkloadError> {
    let Some(form) = form else { return Ok(Vec::new()) };
    let summary = expect.and_then(|e| e.multipart_summary.as_ref()).is_some_and(|m| *m.get_ref());
    if !summary {
        return match &form.variant {
            Some((_, span)) => Err(at.invalid(
                span.clone(),
                format!(
                    "variant_files of workload '{name}' need expect.multipart_summary = true, \
                     which computes the answer they must get"
                ),
            )),
            None => Ok(Vec::new()),
        };
    }
    let files = match &form.variant {
        Some((files, span)) => {
            if multipart::summary(files) == multipart::summary(&form.files) {
                return Err(at.invalid(
                    span.clone(),
                    format!(
                        "variant_files of workload '{name}' have the same file count and total size as \
                         files, so a constant answer would pass; change a count or a size"
                    ),
                ));
            }
            files.clone()
        }
        None => multipart::default_variant(&form.files),
    };
    let expected = multipart::summary(&files);
    Ok(vec![Variant {
        label: format!(
            "variant with {} file{}, {} bytes",
            files.len(),
            if files.len() == 1 { "" } else { "s" },
            expected["total_bytes"]
        ),
        path: None,
        content_type: Some(multipart::content_type(&form.boundary)),
        body: multipart::body(&form.boundary, &files),
        expect: Expect { status, body: ExpectBody::Json(expected) },
        rotate: false,
    }])
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str = "name = \"t\"\ndescription = \"d\"\n\n[[workloads]]\n";
    const GET: &str = "name = \"a\"\ncategory = \"c\"\nmethod = \"GET\"\npath = \"/a\"\n";

    fn parse(text: &str) -> Result<Suite, WorkloadError> {
        build_suite(text, "suites/x.toml", "suites/x.toml", Fixtures::Embedded)
    }

    fn error(text: &str) -> String {
        parse(text).unwrap_err().to_string()
    }

    /// A suite with one GET workload named `a` (lines 4-8), then `extra`.
    fn one(extra: &str) -> String {
        format!("{HEAD}{GET}{extra}")
    }

    #[test]
    fn unknown_key_points_at_the_key() {
        let text = "name = \"t\"\n[[workloads]]\nname = \"a\"\nmethd = \"GET\"\n";
        let error = parse(text).unwrap_err();
        assert!(matches!(error, WorkloadError::Syntax { line: 4, column: 1, .. }), "{error:?}");
        let message = error.to_string();
        assert!(
            message.starts_with("suites/x.toml:4:1: unknown field `methd`, expected one of `name`"),
            "{message}"
        );
        assert!(message.contains("`method`"), "{message}");
    }

    #[test]
    fn unknown_key_in_expect_and_top_level_are_errors() {
        let message = error(&one("[workloads.expect]\nstatuss = 200\n"));
        assert!(message.starts_with("suites/x.toml:10:1: unknown field `statuss`"), "{message}");
        let message = error("nme = \"t\"\n");
        assert!(message.starts_with("suites/x.toml:1:1: unknown field `nme`"), "{message}");
    }

    #[test]
    fn syntax_errors_and_wrong_types_carry_line_and_column() {
        let message = error("name = \"t\"\n[[workloads]\n");
        assert!(message.starts_with("suites/x.toml:2:12: invalid table header"), "{message}");
        assert!(!message.contains('\n'), "{message}");
        let message = error(&one("headers = { a = 1 }\n"));
        assert!(
            message.starts_with("suites/x.toml:9:17: invalid type: integer `1`, expected a string"),
            "{message}"
        );
        let message = error(&format!("{HEAD}name = \"a\"\n"));
        assert!(message.starts_with("suites/x.toml:4:1: missing field `category`"), "{message}");
    }

    #[test]
    fn defaults_are_status_200_weight_1_and_any_body() {
        let suite = parse(&one("")).unwrap();
        let w = &suite.workloads[0];
        assert_eq!((w.weight, w.expect.status), (1, 200));
        assert_eq!(w.expect.body, ExpectBody::Any);
        assert!(w.body.is_empty() && w.headers.is_empty() && w.content_type.is_none());
    }

    #[test]
    fn duplicate_names_point_at_the_second_one() {
        let text = format!("{}\n[[workloads]]\n{GET}", one(""));
        let message = error(&text);
        assert_eq!(
            message,
            "suites/x.toml:11:8: duplicate workload name 'a' (first defined on line 5); names must be unique within a suite"
        );
    }

    #[test]
    fn body_and_body_file_together_are_rejected() {
        let message = error(&one("body = \"x\"\nbody_file = \"fixtures/json-small.json\"\n"));
        assert_eq!(
            message,
            "suites/x.toml:10:13: workload 'a' sets both body and body_file; keep one of them"
        );
    }

    #[test]
    fn a_missing_body_file_names_where_it_was_looked_for() {
        let message = error(&one("body_file = \"fixtures/nope.json\"\n"));
        assert!(message.starts_with("suites/x.toml:9:13: no embedded fixture 'fixtures/nope.json' for body_file; embedded fixtures: fixtures/json-small.json"), "{message}");
        let dir = tempfile::tempdir().unwrap();
        let error =
            build_suite(&one("body_file = \"nope.json\"\n"), "x.toml", "x.toml", Fixtures::Dir(dir.path()))
                .unwrap_err()
                .to_string();
        assert!(
            error.starts_with("x.toml:9:13: cannot read body_file 'nope.json' (resolved to '"),
            "{error}"
        );
        assert!(error.contains("paths are relative to the suite file"), "{error}");
    }

    #[test]
    fn echo_body_needs_a_json_body() {
        let message = error(&one("[workloads.expect]\necho_body = true\n"));
        assert_eq!(
            message,
            "suites/x.toml:10:13: echo_body = true needs a request body; add body or body_file to workload 'a'"
        );
        let message = error(&one("body = \"a=1\"\n[workloads.expect]\necho_body = true\n"));
        assert!(
            message.starts_with(
                "suites/x.toml:9:8: echo_body compares JSON, but the body of workload 'a' is not valid JSON"
            ),
            "{message}"
        );
    }

    #[test]
    fn bad_method_and_path_list_what_is_valid() {
        let text = one("").replace("\"GET\"", "\"get\"");
        assert_eq!(
            error(&text),
            "suites/x.toml:7:10: unknown method 'get'; valid methods: GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS"
        );
        let text = one("").replace("\"/a\"", "\"a\"");
        assert_eq!(error(&text), "suites/x.toml:8:8: path 'a' must start with '/', e.g. \"/a\"");
        let text = one("").replace("\"/a\"", "\"/a b\"");
        assert!(error(&text).contains("percent-encode"));
    }

    #[test]
    fn an_empty_suite_is_rejected() {
        assert_eq!(
            error("name = \"t\"\n"),
            "suites/x.toml:1:1: suite 't' has no workloads; add at least one [[workloads]] table"
        );
        assert!(error("name = \"t\"\nworkloads = []\n")
            .starts_with("suites/x.toml:2:13: suite 't' has no workloads"));
    }

    #[test]
    fn at_most_one_expect_kind() {
        let message = error(&one("[workloads.expect]\ntext = \"x\"\njson = 1\n"));
        assert_eq!(
            message,
            "suites/x.toml:11:8: expect sets both text and json; use at most one of echo_body, json, json_file, text, multipart_summary"
        );
        // echo_body = false is the same as leaving it out.
        let suite = parse(&one("[workloads.expect]\necho_body = false\ntext = \"x\"\n")).unwrap();
        assert_eq!(suite.workloads[0].expect.body, ExpectBody::Text("x".into()));
    }

    #[test]
    fn a_mixed_suite_takes_no_streaming_workload() {
        let text = format!(
            "mode = \"mixed\"\n{}",
            one("protocol = \"websocket\"\n").replace("\"/a\"", "\"/stream/ws\"")
        );
        let err = parse(&text).unwrap_err().to_string();
        assert!(err.starts_with("suites/x.toml:10:12: workload 'a' streams, and a mixed suite"), "{err}");
    }

    #[test]
    fn mode_is_separate_or_mixed() {
        let mixed = parse(&format!("mode = \"mixed\"\n{}", one(""))).unwrap();
        assert_eq!(mixed.workloads[0].mix.as_deref(), Some("t"));
        let separate = parse(&format!("mode = \"separate\"\n{}", one(""))).unwrap();
        assert_eq!(separate.workloads[0].mix, None);
        let err = error(&format!("mode = \"interleaved\"\n{}", one("")));
        assert_eq!(err, "suites/x.toml:1:8: mode 'interleaved' is not known; use \"separate\" or \"mixed\"");
    }

    #[test]
    fn out_of_range_numbers_are_rejected() {
        assert_eq!(
            error(&one("weight = 0\n")),
            "suites/x.toml:9:10: weight 0 is out of range; use an integer from 1 to 4294967295"
        );
        assert_eq!(
            error(&one("[workloads.expect]\nstatus = 1000\n")),
            "suites/x.toml:10:10: status 1000 is not an HTTP status; use 100 to 599"
        );
    }

    #[test]
    fn inline_json_converts_and_datetimes_are_rejected() {
        let suite =
            parse(&one("[workloads.expect]\njson = { id = 42, price = 2.5, tags = [\"x\"] }\n")).unwrap();
        let ExpectBody::Json(value) = &suite.workloads[0].expect.body else {
            panic!("expected json");
        };
        assert_eq!(*value, serde_json::json!({"id": 42, "price": 2.5, "tags": ["x"]}));
        assert_eq!(value["id"].as_i64(), Some(42));
        let message = error(&one("[workloads.expect]\njson = { day = 2024-01-15 }\n"));
        assert!(
            message.starts_with("suites/x.toml:10:8: expect.json.day is the TOML datetime 2024-01-15"),
            "{message}"
        );
    }

    #[test]
    fn headers_are_checked() {
        let message = error(&one("headers = { \"Content-Length\" = \"3\" }\n"));
        assert!(message.contains("Content-Length' is computed from the body"), "{message}");
        let message = error(&one("headers = { \"X Y\" = \"3\" }\n"));
        assert!(message.starts_with("suites/x.toml:9:11: invalid header name 'X Y'"), "{message}");
        let message = error(&one("content_type = \"a/b\"\nheaders = { \"content-type\" = \"c/d\" }\n"));
        assert!(message.contains("Content-Type is set twice"), "{message}");
    }
}
