//! Checks of the HTML pages: well-formedness basics, escaping, and a render in headless
//! Chromium (Debian's `chromium`, installed by scripts/install-deps.sh).

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::report::{fixtures, read_any, AnyResult, HtmlReport, Report};

fn page(name: &str) -> String {
    HtmlReport.render(&read_any(&fixtures::path(name)).unwrap())
}

fn assert_well_formed(html: &str, names: &[&str], min_svgs: usize) {
    assert!(html.starts_with("<!DOCTYPE html>"), "doctype");
    assert!(html.trim_end().ends_with("</html>"));
    let opened = html.matches("<svg").count();
    assert!(opened >= min_svgs, "{opened} charts");
    assert_eq!(opened, html.matches("</svg>").count(), "every <svg> closed");
    for tag in ["table", "tr", "ul", "details", "h2", "h3", "p", "text", "title"] {
        let open = html.matches(&format!("<{tag}>")).count() + html.matches(&format!("<{tag} ")).count();
        assert_eq!(open, html.matches(&format!("</{tag}>")).count(), "<{tag}> balanced");
    }
    for forbidden in ["http://", "https://", "<script", "<link", "@import", "url("] {
        assert!(!html.contains(forbidden), "self-contained: found {forbidden}");
    }
    for n in names {
        assert!(html.contains(n), "mentions {n}");
    }
}

#[test]
fn report_html_compare_is_self_contained() {
    let html = page("compare-3.json");
    assert_well_formed(&html, &["axum-baseline", "fastapi", "fastify", "deep-route"], 3);
    assert!(html.contains("axum-baseline wins overall"));
    assert!(html.contains("95 % confidence interval"));
}

#[test]
fn report_html_run_is_self_contained() {
    let html = page("run.json");
    assert_well_formed(&html, &["fastapi", "small-json", "stream-body"], 2);
}

#[test]
fn report_html_escapes_user_text() {
    let mut c = fixtures::compare3();
    let evil = "<script>alert('x')</script>";
    c.frameworks[2].name = evil.into();
    c.suites[1].workloads[1].unranked_because.insert(evil.into(), "<img src=x onerror=alert(1)>".into());
    let html = HtmlReport.render(&AnyResult::Compare(c));
    assert!(!html.contains("<script") && !html.contains("<img"), "user text escaped");
    assert!(html.contains("&lt;script&gt;"));
}

/// Run `cmd`, killing it after `limit`; its stdout, or `None` on failure or timeout.
fn run_with_limit(cmd: &mut Command, limit: Duration) -> Option<Vec<u8>> {
    let dir = tempfile::tempdir().ok()?;
    let out_path = dir.path().join("stdout");
    let out = std::fs::File::create(&out_path).ok()?;
    let mut child = cmd.stdout(out).stderr(Stdio::null()).spawn().ok()?;
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().ok()? {
            return status.success().then(|| std::fs::read(&out_path).ok()).flatten();
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn chromium(profile: &Path, extra: &[&str], url: &str) -> Command {
    let mut cmd = Command::new("/usr/bin/chromium");
    cmd.args(["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        .args(["--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars"])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .arg(url);
    cmd
}

/// Renders both pages in headless Chromium: the screenshot is not blank and the DOM holds
/// the charts. Set `REPORT_OUT_DIR` to keep the pages and screenshots there.
#[test]
fn report_html_renders_in_chromium() {
    assert!(
        Path::new("/usr/bin/chromium").exists(),
        "this test renders the report in Debian's chromium: apt-get install -y chromium (scripts/install-deps.sh does)"
    );
    let keep = std::env::var_os("REPORT_OUT_DIR").map(std::path::PathBuf::from);
    let dir = tempfile::tempdir().unwrap();
    let out = keep.clone().unwrap_or_else(|| dir.path().to_path_buf());
    std::fs::create_dir_all(&out).unwrap();
    for (name, stem) in [("compare-3.json", "compare"), ("run.json", "run")] {
        let file = out.join(format!("{stem}.html"));
        std::fs::write(&file, page(name)).unwrap();
        let url = format!("file://{}", file.display());
        let png = out.join(format!("{stem}.png"));
        let profile = tempfile::tempdir().unwrap();
        let shot = format!("--screenshot={}", png.display());
        run_with_limit(
            &mut chromium(profile.path(), &[&shot, "--window-size=1200,2000"], &url),
            Duration::from_secs(120),
        )
        .expect("chromium takes a screenshot");
        let bytes = std::fs::read(&png).unwrap();
        assert!(bytes.starts_with(b"\x89PNG"), "a PNG");
        // A blank 1200×2000 page compresses to a few KB; charts and text make it far larger.
        assert!(bytes.len() > 40_000, "{stem}: screenshot of {} bytes looks blank", bytes.len());
        let profile = tempfile::tempdir().unwrap();
        let dom =
            run_with_limit(&mut chromium(profile.path(), &["--dump-dom"], &url), Duration::from_secs(120))
                .expect("chromium dumps the DOM");
        let dom = String::from_utf8_lossy(&dom);
        assert!(dom.matches("<svg class=\"chart\"").count() >= 2, "{stem}: charts in the DOM");
        assert!(dom.contains("<rect class=\"bar\""), "{stem}: bars in the DOM");
    }
}

/// A check result made by the check code on the run fixture (small-json 20 % slower,
/// large-json 7 % slower, path-params unchanged), saved as `check --json` saves it, read
/// back by `read_any` and rendered again: every workload keeps its verdict in the markdown,
/// and the HTML page is self-contained.
#[test]
fn report_renders_a_saved_check_result_again() {
    use crate::check::check_rounds;
    use crate::report::MarkdownReport;
    let base = fixtures::run();
    let mut cur = base.clone();
    for w in cur.suites.iter_mut().flat_map(|s| s.workloads.iter_mut()) {
        let f = match w.name.as_str() {
            "small-json" => 0.8,
            "large-json" => 0.93,
            _ => 1.0,
        };
        if let Some(m) = w.results.as_mut() {
            m.throughput.requests_per_sec *= f;
        }
    }
    let o = fixtures::check_options();
    let check = check_rounds(
        &[(AnyResult::Run(base), "base.json".into())],
        &[(AnyResult::Run(cur), "head.json".into())],
        &o,
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("check.json");
    crate::schema::write_atomic(&path, &check, true).unwrap();
    let any = read_any(&path).unwrap();
    assert_eq!(any, AnyResult::Check(check));

    let md = MarkdownReport.render(&any);
    assert!(
        md.starts_with("## ❌ Performance regression in 1 workload (3 checked: 1 warning, 0 inconclusive)"),
        "{md}"
    );
    assert!(md.contains("| ❌ | small-json | fastapi | "), "{md}");
    assert!(md.contains("| ⚠️ | large-json | fastapi | "), "{md}");
    assert!(md.contains("| ✅ | path-params | fastapi | "), "{md}");

    let html = HtmlReport.render(&any);
    assert_well_formed(&html, &["small-json", "large-json", "path-params", "base.json", "head.json"], 0);
    assert!(html.contains("<tr><td>❌</td><td>small-json</td><td>fastapi</td>"), "{html}");
    assert!(html.contains("<tr><td>⚠️</td><td>large-json</td><td>fastapi</td>"), "{html}");
    assert!(html.contains("<tr><td>✅</td><td>path-params</td><td>fastapi</td>"), "{html}");

    let table = crate::report::check_table(match &any {
        AnyResult::Check(c) => c,
        _ => unreachable!(),
    });
    let row =
        |name: &str| table.lines().find(|l| l.contains(name)).unwrap_or_else(|| panic!("{name}: {table}"));
    assert!(row("small-json").starts_with("REGRESSION") && row("small-json").contains("-20.0%"), "{table}");
    assert!(row("large-json").starts_with("warning") && row("large-json").contains("-7.0%"), "{table}");
    assert!(row("path-params").starts_with("pass"), "{table}");
}
