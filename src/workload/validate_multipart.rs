//! The `[workloads.multipart]` table of a suite file, validated: its boundary and files, and
//! the verification variant its `variant_files` (or the default variant) imply.

use super::*;

/// A validated `[workloads.multipart]` table.
#[derive(Debug)]
pub(crate) struct Form {
    pub(super) boundary: String,
    pub(super) files: Vec<FilePart>,
    /// `variant_files` as written, with where they were written.
    pub(super) variant: Option<(Vec<FilePart>, Range<usize>)>,
}

pub(super) fn build_multipart(
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
pub(super) fn build_variants(
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
