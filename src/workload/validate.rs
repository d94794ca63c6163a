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
use form::{build_multipart, build_variants, Form};

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

#[path = "validate_multipart.rs"]
mod form;

#[cfg(test)]
#[path = "tests_validate.rs"]
mod tests;
