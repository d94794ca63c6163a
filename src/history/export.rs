//! Exports of stored measurements: CSV (RFC 4180), JSON (an array of flat objects) and
//! InfluxDB line protocol. Pure: rows in, text out. Histograms are not exported.

use std::fmt::Write;

use super::rows::MeasurementRow;

/// An export format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Csv,
    Json,
    Influx,
}

impl ExportFormat {
    pub const NAMES: &'static str = "csv, json, influx";

    /// The format named `name`, if any.
    pub fn parse(name: &str) -> Option<ExportFormat> {
        match name {
            "csv" => Some(ExportFormat::Csv),
            "json" => Some(ExportFormat::Json),
            "influx" => Some(ExportFormat::Influx),
            _ => None,
        }
    }
}

/// The measurement name in line protocol.
pub const INFLUX_MEASUREMENT: &str = "benchmark";

/// The CSV columns, in order.
pub const CSV_COLUMNS: [&str; 24] = [
    "run_id",
    "kind",
    "git_commit",
    "branch",
    "dirty",
    "time",
    "host_fingerprint",
    "config_fingerprint",
    "harness_version",
    "framework",
    "suite",
    "workload",
    "round",
    "status",
    "requests_per_sec",
    "p50_ms",
    "p90_ms",
    "p99_ms",
    "p999_ms",
    "total_requests",
    "errors",
    "cpu_percent",
    "memory_mb",
    "source",
];

/// `rows` in `format`.
pub fn export(rows: &[MeasurementRow], format: ExportFormat) -> String {
    match format {
        ExportFormat::Csv => csv(rows),
        ExportFormat::Json => serde_json::to_string_pretty(rows).unwrap_or_else(|_| "[]".into()) + "\n",
        ExportFormat::Influx => influx(rows),
    }
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn opt<T: ToString>(v: &Option<T>) -> String {
    v.as_ref().map(T::to_string).unwrap_or_default()
}

fn csv(rows: &[MeasurementRow]) -> String {
    let mut out = CSV_COLUMNS.join(",") + "\r\n";
    for r in rows {
        let run = &r.run;
        let fields = [
            run.id.to_string(),
            run.kind.clone(),
            opt(&run.git_commit),
            opt(&run.branch),
            opt(&run.dirty),
            run.time.to_rfc3339(),
            run.host_fingerprint.clone(),
            run.config_fingerprint.clone(),
            run.harness_version.clone(),
            r.framework.clone(),
            r.suite.clone(),
            r.workload.clone(),
            r.round.to_string(),
            r.status.clone(),
            opt(&r.requests_per_sec),
            opt(&r.p50_ms),
            opt(&r.p90_ms),
            opt(&r.p99_ms),
            opt(&r.p999_ms),
            opt(&r.total_requests),
            r.errors.to_string(),
            opt(&r.cpu_percent),
            opt(&r.memory_mb),
            opt(&run.source),
        ];
        out += &fields.iter().map(|f| csv_field(f)).collect::<Vec<_>>().join(",");
        out += "\r\n";
    }
    out
}

/// A tag key or value escaped for line protocol as InfluxDB 1.x reads it (checked against
/// Debian's `influxd` 1.6 by `tests/e2e/history_influx.rs`): commas, equals signs and spaces
/// get a backslash. A backslash is written as it is (InfluxDB keeps `\\` as two), except at
/// the end or before one of those three, where it would escape the separator or the next
/// character: there it is doubled, so the line still parses (InfluxDB then stores both; such a
/// value cannot be written exactly in 1.x line protocol). Line breaks, which line protocol
/// cannot carry, become (escaped) spaces.
pub fn influx_tag(s: &str) -> String {
    let chars: Vec<char> = s.chars().map(|c| if matches!(c, '\n' | '\r') { ' ' } else { c }).collect();
    let mut out = String::with_capacity(s.len() + 4);
    for (i, &ch) in chars.iter().enumerate() {
        match ch {
            ',' | '=' | ' ' => {
                out.push('\\');
                out.push(ch);
            }
            '\\' if matches!(chars.get(i + 1), None | Some(',' | '=' | ' ')) => out.push_str("\\\\"),
            c => out.push(c),
        }
    }
    out
}

/// A string field value, quoted and escaped for line protocol.
pub fn influx_string(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n"))
}

fn influx(rows: &[MeasurementRow]) -> String {
    let mut out = String::new();
    for r in rows {
        let run = &r.run;
        let mut tags = vec![
            ("framework", r.framework.clone()),
            ("suite", r.suite.clone()),
            ("workload", r.workload.clone()),
            ("kind", run.kind.clone()),
            ("status", r.status.clone()),
            ("host", run.host_fingerprint.clone()),
            ("config", run.config_fingerprint.clone()),
            ("run", run.id.to_string()),
            ("round", r.round.to_string()),
        ];
        if let Some(b) = &run.branch {
            tags.push(("branch", b.clone()));
        }
        tags.retain(|(_, v)| !v.is_empty());
        tags.sort();
        let mut fields: Vec<String> = Vec::new();
        let floats = [
            ("requests_per_sec", r.requests_per_sec),
            ("p50_ms", r.p50_ms),
            ("p90_ms", r.p90_ms),
            ("p99_ms", r.p99_ms),
            ("p999_ms", r.p999_ms),
            ("cpu_percent", r.cpu_percent),
            ("memory_mb", r.memory_mb),
        ];
        for (k, v) in floats {
            if let Some(v) = v.filter(|v| v.is_finite()) {
                // `{:?}` keeps a decimal point, so InfluxDB types the field as a float.
                fields.push(format!("{k}={v:?}"));
            }
        }
        fields.push(format!("errors={}i", r.errors));
        if let Some(n) = r.total_requests {
            fields.push(format!("total_requests={n}i"));
        }
        if let Some(c) = &run.git_commit {
            fields.push(format!("commit={}", influx_string(c)));
        }
        let nanos = run.time.timestamp_nanos_opt().unwrap_or(0);
        let _ = write!(out, "{INFLUX_MEASUREMENT}");
        for (k, v) in &tags {
            let _ = write!(out, ",{}={}", influx_tag(k), influx_tag(v));
        }
        let _ = writeln!(out, " {} {nanos}", fields.join(","));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{influx_string, influx_tag};

    #[test]
    fn tags_escape_separators_and_keep_backslashes_as_influxdb_1x_reads_them() {
        assert_eq!(influx_tag("fast api,v=2"), r"fast\ api\,v\=2");
        assert_eq!(influx_tag(r"C:\apps\x"), r"C:\apps\x", "a backslash before a plain character is literal");
        assert_eq!(influx_tag(r"end\"), r"end\\", "a trailing backslash would escape the separator");
        assert_eq!(influx_tag(r"a\ b"), r"a\\\ b");
        assert_eq!(influx_tag("two\nlines"), r"two\ lines", "no raw line break or space");
    }

    #[test]
    fn string_fields_escape_quotes_and_backslashes() {
        assert_eq!(influx_string(r#"a"b\c"#), r#""a\"b\\c""#);
    }
}
