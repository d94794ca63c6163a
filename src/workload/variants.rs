//! The `[[workloads.variants]]` of a workload: other paths or bodies with their own expected
//! answers, verified before measuring and sent in turn with the workload's request while it
//! is measured, so that an app cannot pass, or be measured, with one constant answer.

use std::ops::Range;

use toml::Spanned;

use super::error::Locator;
use super::format::RawVariant;
use super::validate::{build_expect, Fixtures};
use super::{Variant, WorkloadError};

/// Most variants one workload may declare.
const MAX_VARIANTS: usize = 64;

/// What a variant inherits from its workload.
pub(super) struct Base<'a> {
    pub name: &'a str,
    pub path: &'a str,
    pub body: &'a [u8],
    pub content_type: Option<&'a str>,
    /// Where the workload's body is written, if it is.
    pub body_span: Option<Range<usize>>,
}

/// Validates the declared variants of workload `base.name`, in file order.
pub(super) fn build(
    at: Locator,
    base: &Base,
    declared: &Spanned<Vec<RawVariant>>,
    fixtures: Fixtures,
) -> Result<Vec<Variant>, WorkloadError> {
    let name = base.name;
    if declared.get_ref().is_empty() || declared.get_ref().len() > MAX_VARIANTS {
        return Err(at.invalid(
            declared.span(),
            format!(
                "workload '{name}' declares {} variants; give 1 to {MAX_VARIANTS} [[workloads.variants]] tables",
                declared.get_ref().len()
            ),
        ));
    }
    let mut out: Vec<Variant> = Vec::with_capacity(declared.get_ref().len());
    for (i, raw) in declared.get_ref().iter().enumerate() {
        let number = i + 1;
        let path = match &raw.path {
            Some(p) => Some(check_path(at, name, number, p)?),
            None => None,
        };
        let (body, body_span) = match (&raw.body, &raw.body_file) {
            (Some(_), Some(file)) => {
                return Err(at.invalid(
                    file.span(),
                    format!(
                    "variant {number} of workload '{name}' sets both body and body_file; keep one of them"
                ),
                ))
            }
            (Some(body), None) => (body.get_ref().as_bytes().to_vec(), Some(body.span())),
            (None, Some(file)) => {
                let bytes = fixtures
                    .read("body_file", file.get_ref())
                    .map_err(|message| at.invalid(file.span(), message))?;
                (bytes, Some(file.span()))
            }
            (None, None) => (base.body.to_vec(), base.body_span.clone()),
        };
        let same_path = path.as_deref().unwrap_or(base.path);
        let twin =
            (same_path == base.path && body == base.body).then(|| "the workload".to_string()).or_else(|| {
                out.iter()
                    .position(|v| v.path.as_deref().unwrap_or(base.path) == same_path && v.body == body)
                    .map(|j| format!("variant {}", j + 1))
            });
        if let Some(twin) = twin {
            let span = raw.path.as_ref().map(Spanned::span).or(body_span).unwrap_or_else(|| declared.span());
            return Err(at.invalid(
                span,
                format!(
                    "variant {number} of workload '{name}' sends the same path and body as {twin}; \
                     change its path or body"
                ),
            ));
        }
        // Errors point at the variant's own line; the message names the workload.
        let expect = build_expect(raw.expect.as_ref(), name, body_span, &body, None, at, fixtures)?;
        let label = match &path {
            Some(p) => format!("variant {number} ({p})"),
            None => format!("variant {number} ({} body bytes)", body.len()),
        };
        let content_type = base.content_type.map(str::to_string);
        out.push(Variant { label, path, content_type, body, expect, rotate: true });
    }
    Ok(out)
}

/// The variant's path, checked like a workload's.
fn check_path(
    at: Locator,
    name: &str,
    number: usize,
    path: &Spanned<String>,
) -> Result<String, WorkloadError> {
    let p = path.get_ref();
    if !p.starts_with('/') || p.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(at.invalid(
            path.span(),
            format!(
                "path '{p}' of variant {number} of workload '{name}' must start with '/' and contain no \
                 whitespace or control characters (percent-encode them)"
            ),
        ));
    }
    Ok(p.clone())
}

#[cfg(test)]
mod tests {
    use super::super::validate::{build_suite, Fixtures};
    use super::super::{ExpectBody, Suite, WorkloadError};

    const HEAD: &str = "name = \"t\"\n\n[[workloads]]\nname = \"a\"\ncategory = \"c\"\n";

    fn parse(rest: &str) -> Result<Suite, WorkloadError> {
        build_suite(&format!("{HEAD}{rest}"), "suites/x.toml", "suites/x.toml", Fixtures::Embedded)
    }

    fn error(rest: &str) -> String {
        parse(rest).unwrap_err().to_string()
    }

    #[test]
    fn a_path_variant_keeps_method_and_headers_and_rotates() {
        let suite = parse(
            "method = \"GET\"\npath = \"/p/1\"\nheaders = { \"X-A\" = \"1\" }\n[workloads.expect]\njson = { id = 1 }\n\
             [[workloads.variants]]\npath = \"/p/7\"\n[workloads.variants.expect]\njson = { id = 7 }\n",
        )
        .unwrap();
        let w = &suite.workloads[0];
        assert_eq!(w.variants.len(), 1);
        let v = &w.variants[0];
        assert_eq!(v.path.as_deref(), Some("/p/7"));
        assert_eq!(v.label, "variant 1 (/p/7)");
        assert!(v.rotate && v.body.is_empty());
        assert_eq!(v.expect.status, 200);
        assert_eq!(v.expect.body, ExpectBody::Json(serde_json::json!({"id": 7})));
    }

    #[test]
    fn a_body_variant_inherits_path_and_content_type_and_may_echo() {
        let suite = parse(
            "method = \"POST\"\npath = \"/e\"\ncontent_type = \"application/json\"\nbody = '{\"a\":1}'\n\
             [workloads.expect]\necho_body = true\n\
             [[workloads.variants]]\nbody = '{\"a\":2}'\n[workloads.variants.expect]\necho_body = true\n",
        )
        .unwrap();
        let v = &suite.workloads[0].variants[0];
        assert_eq!(v.path, None);
        assert_eq!(v.content_type.as_deref(), Some("application/json"));
        assert_eq!(v.body, br#"{"a":2}"#);
        assert_eq!(v.expect.body, ExpectBody::Echo);
    }

    #[test]
    fn a_variant_that_changes_nothing_is_refused_at_its_line() {
        let e = error("method = \"GET\"\npath = \"/p/1\"\n[[workloads.variants]]\npath = \"/p/1\"\n");
        assert!(e.contains("suites/x.toml:9"), "{e}");
        assert!(e.contains("variant 1 of workload 'a' sends the same path and body as the workload"), "{e}");
        let e = error(
            "method = \"GET\"\npath = \"/p/1\"\n[[workloads.variants]]\npath = \"/p/2\"\n\
             [[workloads.variants]]\npath = \"/p/2\"\n",
        );
        assert!(e.contains("variant 2 of workload 'a' sends the same path and body as variant 1"), "{e}");
    }

    #[test]
    fn bad_variants_name_the_value_and_what_is_valid() {
        let e = error("method = \"GET\"\npath = \"/p\"\n[[workloads.variants]]\npath = \"p 2\"\n");
        assert!(e.contains("path 'p 2' of variant 1 of workload 'a' must start with '/'"), "{e}");
        let e = error("method = \"GET\"\npath = \"/p\"\n[[workloads.variants]]\npath = \"/q\"\nbody = \"x\"\nbody_file = \"y\"\n");
        assert!(e.contains("sets both body and body_file"), "{e}");
        let e = error(
            "method = \"GET\"\npath = \"/p\"\n[[workloads.variants]]\npath = \"/q\"\nmethod = \"PUT\"\n",
        );
        assert!(e.contains("method"), "{e}");
        let e = error(
            "method = \"POST\"\npath = \"/p\"\n[[workloads.variants]]\npath = \"/q\"\n\
             [workloads.variants.expect]\necho_body = true\n",
        );
        assert!(e.contains("echo_body = true needs a request body"), "{e}");
        let e = error(
            "method = \"POST\"\npath = \"/m\"\n[workloads.multipart]\nfiles = [{ size = 1 }]\n\
             [[workloads.variants]]\npath = \"/n\"\n",
        );
        assert!(e.contains("variant_files"), "{e}");
    }
}
