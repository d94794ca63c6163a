//! Test-only readers of the export formats, written from their specifications (RFC 4180
//! CSV; InfluxDB line protocol), so that the exports are checked by parsing them back.

use std::collections::BTreeMap;

/// RFC 4180 records (quoted fields may hold commas, quotes and line breaks).
pub fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let (mut rows, mut row, mut field) = (Vec::new(), Vec::new(), String::new());
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\r') => {}
            (false, '\n') => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => field.push(c),
        }
    }
    rows
}

/// One line-protocol point.
#[derive(Debug)]
pub struct Point {
    pub measurement: String,
    pub tags: BTreeMap<String, String>,
    /// Raw field values (`1.5`, `3i`, `"text"` with its escapes kept).
    pub fields: BTreeMap<String, String>,
    pub timestamp: i64,
}

/// Split at unescaped `sep` outside double quotes. As InfluxDB 1.x reads tags and keys: a
/// backslash and the character after it are one pair (never a separator), and with
/// `unescape` only `\,`, `\=` and `\ ` lose their backslash; other backslashes are literal.
fn split(s: &str, sep: char, unescape: bool) -> Vec<String> {
    let (mut out, mut cur, mut quoted) = (Vec::new(), String::new(), false);
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                let next = chars.next().unwrap_or('\\');
                if !unescape || quoted || !matches!(next, ',' | '=' | ' ') {
                    cur.push('\\');
                }
                cur.push(next);
            }
            '"' => {
                quoted = !quoted;
                cur.push(c);
            }
            c if c == sep && !quoted => out.push(std::mem::take(&mut cur)),
            c => cur.push(c),
        }
    }
    out.push(cur);
    out
}

/// Points of a line-protocol text.
pub fn parse_influx(text: &str) -> Vec<Point> {
    text.lines()
        .filter(|l| !l.is_empty())
        .map(|line| {
            let parts = split(line, ' ', false);
            assert_eq!(parts.len(), 3, "series, fields, timestamp: {line}");
            let series = split(&parts[0], ',', false);
            let unescape = |s: &str| split(s, '\u{0}', true).remove(0);
            let pair = |kv: &String| {
                let kv = split(kv, '=', false);
                assert_eq!(kv.len(), 2, "{kv:?}");
                (unescape(&kv[0]), unescape(&kv[1]))
            };
            Point {
                measurement: unescape(&series[0]),
                tags: series[1..].iter().map(pair).collect(),
                fields: split(&parts[1], ',', false).iter().map(pair).collect(),
                timestamp: parts[2].parse().expect("timestamp"),
            }
        })
        .collect()
}
