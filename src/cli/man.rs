//! `benchmark-harness man`: the man page in roff, generated from the clap definitions
//! (`clap_mangen`); `--out DIR` writes one page per subcommand as well.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, CommandFactory};

use super::Cli;

/// `man` flags.
#[derive(Debug, Clone, Args)]
pub struct ManArgs {
    /// Write benchmark-harness.1 and one page per subcommand (benchmark-harness-compare.1, …)
    /// into DIR (created if missing) instead of printing the main page.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

/// The main page (`benchmark-harness.1`) in roff.
pub fn man_text() -> Vec<u8> {
    let mut out = Vec::new();
    clap_mangen::Man::new(Cli::command()).render(&mut out).expect("writing to memory cannot fail");
    title_first(&out)
}

/// The page with its `.TH` line first, where man pages conventionally start (`clap_mangen`
/// puts its quote-string definitions before it; they still come before any text that uses them).
fn title_first(page: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(page);
    let Some(th) = text.lines().find(|l| l.starts_with(".TH ")) else {
        return page.to_vec();
    };
    let rest: Vec<&str> = text.lines().filter(|l| !l.starts_with(".TH ")).collect();
    format!("{th}\n{}\n", rest.join("\n")).into_bytes()
}

/// Write every page into `dir`; returns the files written, sorted.
pub fn write_pages(dir: &std::path::Path) -> std::io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let fresh = tempfile::tempdir_in(dir)?;
    clap_mangen::generate_to(Cli::command(), fresh.path())?;
    let mut pages = Vec::new();
    for entry in std::fs::read_dir(fresh.path())? {
        let from = entry?.path();
        let to = dir.join(from.file_name().unwrap_or_default());
        std::fs::write(&to, title_first(&std::fs::read(&from)?))?;
        pages.push(to);
    }
    pages.sort();
    Ok(pages)
}

pub fn run(args: ManArgs) -> anyhow::Result<i32> {
    use std::io::Write;
    match &args.out {
        None => std::io::stdout().write_all(&man_text())?,
        Some(dir) => {
            let pages =
                write_pages(dir).with_context(|| format!("cannot write man pages into {}", dir.display()))?;
            for page in pages {
                println!("{}", page.display());
            }
        }
    }
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_main_page_is_roff_naming_every_subcommand() {
        let text = String::from_utf8(man_text()).unwrap();
        assert!(text.starts_with(".TH benchmark-harness 1 "), "{}", &text[..200]);
        assert_eq!(text.matches(".TH ").count(), 1, "{text}");
        for sub in ["run", "profile", "compare", "check", "report", "schema", "completions", "man"] {
            assert!(text.contains(&format!("benchmark\\-harness\\-{sub}(1)")), "no {sub} in\n{text}");
        }
    }

    #[test]
    fn out_writes_a_page_per_subcommand() {
        let dir = tempfile::tempdir().unwrap();
        let pages = write_pages(dir.path()).unwrap();
        let names: Vec<String> =
            pages.iter().map(|p| p.file_name().unwrap().to_string_lossy().into_owned()).collect();
        for want in ["benchmark-harness.1", "benchmark-harness-compare.1", "benchmark-harness-suites-show.1"]
        {
            assert!(names.iter().any(|n| n == want), "{want} not in {names:?}");
        }
        let compare = std::fs::read_to_string(dir.path().join("benchmark-harness-compare.1")).unwrap();
        assert!(compare.starts_with(".TH benchmark-harness-compare 1 "), "{compare}");
        assert!(compare.contains("\\-\\-frameworks"), "{compare}");
    }
}
