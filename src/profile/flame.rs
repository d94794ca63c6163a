//! Folded stacks (`a;b;c 42` lines) to flamegraph SVGs, with inferno used as a library.

use std::collections::BTreeMap;
use std::path::Path;

/// Sum duplicate stacks and drop malformed lines; returns sorted `stack count` lines.
pub fn fold_lines(text: &str) -> Vec<String> {
    let mut sums: BTreeMap<&str, u64> = BTreeMap::new();
    for line in text.lines() {
        let Some((stack, count)) = line.trim_end().rsplit_once(' ') else { continue };
        let (Ok(n), false) = (count.parse::<u64>(), stack.is_empty()) else { continue };
        *sums.entry(stack).or_default() += n;
    }
    sums.into_iter().map(|(s, n)| format!("{s} {n}")).collect()
}

/// Write the flamegraph of `folded` to `path`; `Err` says why (e.g. no samples).
pub fn write_flamegraph(folded: &str, title: &str, path: &Path) -> Result<(), String> {
    let lines = fold_lines(folded);
    if lines.is_empty() {
        return Err("no stack samples were recorded".into());
    }
    let mut options = inferno::flamegraph::Options::default();
    options.title = title.to_string();
    options.count_name = "samples".into();
    let file = std::fs::File::create(path).map_err(|e| format!("cannot create {}: {e}", path.display()))?;
    let writer = std::io::BufWriter::new(file);
    inferno::flamegraph::from_lines(&mut options, lines.iter().map(String::as_str), writer)
        .map_err(|e| format!("cannot draw the flamegraph: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicate_stacks_are_summed_and_junk_dropped() {
        let f = fold_lines("main;a;b 3\nmain;a 1\nmain;a;b 2\nnot a count x\n\n");
        assert_eq!(f, vec!["main;a 1".to_string(), "main;a;b 5".to_string()]);
    }

    #[test]
    fn a_flamegraph_is_a_well_formed_svg() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.svg");
        write_flamegraph("main;handler;json_dumps 7\nmain;handler 3\n", "test", &path).unwrap();
        let svg = std::fs::read_to_string(&path).unwrap();
        assert!(svg.contains("<svg") && svg.trim_end().ends_with("</svg>"), "{}", &svg[..200]);
        assert!(svg.contains("json_dumps"));
        assert!(write_flamegraph("", "t", &path).unwrap_err().contains("no stack samples"));
    }
}
