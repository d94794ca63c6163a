//! Shell completions and the man page through the real binary: each generates, bash loads
//! its script, `man` renders the page, and an unknown shell is a usage error.

use std::io::Write;
use std::process::{Command, Stdio};

use crate::helpers::{text, Tag};

#[test]
fn completions_generate_for_every_shell_and_bash_loads_its_script() {
    let tag = Tag::new();
    let dir = tempfile::tempdir().unwrap();
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let out = tag.command().args(["completions", shell]).output().unwrap();
        let (stdout, stderr) = text(&out);
        assert_eq!(out.status.code(), Some(0), "{shell}: {stderr}");
        assert!(stdout.contains("compare"), "{shell}: {stdout}");
        // fish spells a long flag `-l NAME`; the others write `--NAME`.
        let flag = if shell == "fish" { "-l frameworks" } else { "--frameworks" };
        assert!(stdout.contains(flag), "{shell}: no `{flag}` in {stdout}");
        std::fs::write(dir.path().join(shell), stdout).unwrap();
    }
    let bash = Command::new("bash")
        .arg("-c")
        .arg(format!("source {} && complete -p benchmark-harness", dir.path().join("bash").display()))
        .output()
        .unwrap();
    let (stdout, stderr) = text(&bash);
    assert!(bash.status.success(), "bash cannot load the script: {stderr}");
    assert!(stdout.contains("benchmark-harness"), "{stdout}");
    tag.assert_no_leftovers();
}

#[test]
fn completions_for_an_unknown_shell_exit_2_listing_the_valid_ones() {
    let out = Tag::new().command().args(["completions", "tcsh"]).output().unwrap();
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stdout}{stderr}");
    assert!(stdout.is_empty(), "{stdout}");
    assert!(stderr.contains("'tcsh'"), "{stderr}");
    assert!(stderr.contains("bash, elvish, fish, powershell, zsh"), "{stderr}");
}

/// The man page renders through `man -l -`. Where no `man` binary is installed the rendering
/// assertion alone is skipped (scripts/install-deps.sh installs man-db, so CI always runs it);
/// the roff checks run everywhere.
#[test]
fn man_prints_roff_that_renders_with_man_when_man_is_installed() {
    let out = Tag::new().command().arg("man").output().unwrap();
    let (page, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(page.starts_with(".TH benchmark-harness 1 "), "{page}");
    assert!(page.contains("benchmark\\-harness\\-compare(1)"), "{page}");
    let Ok(mut man) = Command::new("man")
        .args(["-l", "-"])
        .env("MANPAGER", "cat")
        .env("PAGER", "cat")
        .env("MANWIDTH", "100")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    else {
        #[allow(clippy::print_stderr)]
        {
            eprintln!("skipped the `man -l -` rendering: no man binary (run scripts/install-deps.sh)");
        }
        return;
    };
    man.stdin.take().unwrap().write_all(page.as_bytes()).unwrap();
    let rendered = man.wait_with_output().unwrap();
    let (shown, err) = text(&rendered);
    assert!(rendered.status.success(), "man -l - failed: {err}");
    assert!(shown.contains("NAME"), "{shown}");
    assert!(shown.contains("benchmark-harness - Benchmark and profile HTTP web frameworks"), "{shown}");
    assert!(shown.contains("benchmark-harness-compare(1)"), "{shown}");
    assert!(!shown.contains(".TH"), "roff left unrendered: {shown}");
}

#[test]
fn man_out_writes_one_page_per_subcommand() {
    let dir = tempfile::tempdir().unwrap();
    let pages = dir.path().join("man");
    let out = Tag::new().command().arg("man").arg("--out").arg(&pages).output().unwrap();
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    for page in ["benchmark-harness.1", "benchmark-harness-run.1", "benchmark-harness-completions.1"] {
        let path = pages.join(page);
        assert!(stdout.contains(&path.display().to_string()), "{page} not listed: {stdout}");
        assert!(std::fs::read_to_string(&path).unwrap().starts_with(".TH "), "{page}");
    }
}
