use std::collections::BTreeSet;
use std::path::Path;

use super::sink::Sink;
use super::*;
use crate::history::changepoint::{change_points, ChangePointOptions};

fn event(commit: &str) -> AlertEvent {
    AlertEvent {
        kind: AlertKind::ChangePoint,
        framework: "axum-baseline".into(),
        suite: Some("baseline".into()),
        workload: "json-small".into(),
        metric: "rps".into(),
        higher_is_better: Some(true),
        commit: commit.into(),
        previous_commit: Some("1111111111111111111111111111111111111111".into()),
        before: 12345.6,
        before_ci: Some(Interval { low: 12300.1, high: 12391.0, confidence: 0.95 }),
        after: 10833.2,
        after_ci: Some(Interval { low: 10790.04, high: 10876.4, confidence: 0.95 }),
        p_value: Some(3.2e-12),
        link: Some("https://ci.example.com/runs/42?job=bench&x=1".into()),
    }
}

const COMMIT: &str = "3f2c1a9e5b7d4c6e8f0a1b2c3d4e5f6a7b8c9d0e";

fn config(port: u16) -> AlertConfig {
    let flags = AlertFlags {
        server: Some("127.0.0.1".into()),
        port: Some(port),
        tls: Some("none".into()),
        from: Some("Benchmarks <bench@example.com>".into()),
        to: vec!["team@example.com".into(), "oncall@example.com".into()],
        ..Default::default()
    };
    AlertConfig::resolve(None, &flags, None).unwrap()
}

#[test]
fn the_event_id_is_stable_and_names_the_series_and_commit_not_the_figures() {
    let e = event(COMMIT);
    assert_eq!(e.id(), event(COMMIT).id());
    assert_eq!(e.id().len(), 16);
    assert!(e.id().chars().all(|c| c.is_ascii_hexdigit()));
    // Figures move as points are added: same event.
    let moved = AlertEvent { after: 10900.0, p_value: Some(1e-9), link: None, ..event(COMMIT) };
    assert_eq!(moved.id(), e.id());
    // Another commit, metric, workload, suite or kind: another event.
    let others = [
        event("0000000000000000000000000000000000000000"),
        AlertEvent { metric: "p99_ms".into(), ..event(COMMIT) },
        AlertEvent { workload: "json-large".into(), ..event(COMMIT) },
        AlertEvent { suite: None, ..event(COMMIT) },
        AlertEvent { kind: AlertKind::CheckRegression, ..event(COMMIT) },
    ];
    let ids: BTreeSet<String> = others.iter().map(AlertEvent::id).chain([e.id()]).collect();
    assert_eq!(ids.len(), 6);
}

#[test]
fn a_change_point_becomes_an_event_with_intervals() {
    let mut series: Vec<f64> = (0..60).map(|i| 1000.0 + (i % 5) as f64).collect();
    series.extend((0..40).map(|i| 880.0 + (i % 5) as f64));
    let cp = &change_points(&series, &ChangePointOptions::default()).unwrap()[0];
    let key =
        SeriesKey { framework: "fastapi", suite: Some("baseline"), workload: "json-small", metric: "rps" };
    let e = AlertEvent::from_change_point(key, cp, "abc", Some("abb"), None);
    assert_eq!(
        (e.kind, e.commit.as_str(), e.previous_commit.as_deref()),
        (AlertKind::ChangePoint, "abc", Some("abb"))
    );
    assert_eq!((e.before, e.after), (1002.0, 882.0));
    let (b, a) = (e.before_ci.unwrap(), e.after_ci.unwrap());
    assert!(b.low < 1002.0 && 1002.0 < b.high && a.low < 882.0 && 882.0 < a.high && b.confidence == 0.95);
    assert_eq!((e.higher_is_better, e.is_worse()), (Some(true), Some(true)));
    assert!((e.rel_change() - (882.0 / 1002.0 - 1.0)).abs() < 1e-12);
}

fn check_result(metric: &str) -> crate::schema::CheckResult {
    let workload = |name: &str, rps: (f64, f64), p99: (f64, f64), severity: &str| {
        serde_json::json!({
            "framework": "axum-baseline", "workload": name,
            "baseline_rps": rps.0, "current_rps": rps.1,
            "rps_change_percent": (rps.1 / rps.0 - 1.0) * 100.0,
            "baseline_p99_ms": p99.0, "current_p99_ms": p99.1,
            "p99_change_percent": (p99.1 / p99.0 - 1.0) * 100.0,
            "p_value": 0.002, "significant": true, "severity": severity,
            "warn_percent": 5.0, "fail_percent": 10.0, "reason": "test"
        })
    };
    serde_json::from_value(serde_json::json!({
        "mode": "check", "schema_version": 1, "verdict": "regression",
        "baseline": {"file": "b.json", "mode": "run", "git_commit": "base", "timestamp": "t0"},
        "current": {"file": "c.json", "mode": "run", "git_commit": "head", "timestamp": "t1"},
        "thresholds": {"warn_percent": 5.0, "fail_percent": 10.0, "metric": metric, "alpha": 0.05},
        "workloads": [
            workload("json-small", (1000.0, 850.0), (2.0, 2.1), "regression"),
            workload("plaintext", (1000.0, 990.0), (2.0, 2.0), "pass"),
            workload("json-large", (1000.0, 980.0), (2.0, 3.0), "regression"),
        ],
        "only_in_baseline": [], "only_in_current": []
    }))
    .unwrap()
}

#[test]
fn check_regressions_become_events_on_the_metric_that_moved() {
    let events = AlertEvent::from_check(&check_result("both"), Some("https://ci/run/7"));
    assert_eq!(events.len(), 2, "the passing workload gives none");
    // json-small: -15 % req/s against +5 % p99 → throughput; json-large: -2 % against +50 %.
    let got: Vec<(&str, &str, f64, f64)> =
        events.iter().map(|e| (e.workload.as_str(), e.metric.as_str(), e.before, e.after)).collect();
    assert_eq!(got, [("json-small", "rps", 1000.0, 850.0), ("json-large", "p99_ms", 2.0, 3.0)]);
    assert!(events.iter().all(|e| e.kind == AlertKind::CheckRegression && e.is_worse() == Some(true)));
    assert_eq!((events[0].commit.as_str(), events[0].previous_commit.as_deref()), ("head", Some("base")));
    assert_eq!((events[0].p_value, events[1].p_value), (Some(0.002), None), "Welch's p is for throughput");
    assert_eq!(events[0].link.as_deref(), Some("https://ci/run/7"));
    let rps_only = AlertEvent::from_check(&check_result("rps"), None);
    assert!(rps_only.iter().all(|e| e.metric == "rps"));
}

#[test]
fn the_mail_names_commit_workload_figures_and_link_in_both_bodies() {
    let mail = compose(&event(COMMIT));
    assert_eq!(
        mail.subject,
        "[benchmark-harness] change point: axum-baseline json-small rps -12.3 % (worse) at 3f2c1a9e5b7d"
    );
    for want in [
        COMMIT,
        "previous: 1111111111111111111111111111111111111111",
        "json-small",
        "suite baseline",
        "12345.6 req/s (95 % CI 12300.1 to 12391.0)",
        "10833.2 req/s (95 % CI 10790.0 to 10876.4)",
        "-12.3 % (worse)",
        "3.20e-12",
        "https://ci.example.com/runs/42?job=bench&x=1",
        &mail.id,
    ] {
        assert!(mail.text.contains(want), "text lacks {want:?}:\n{}", mail.text);
    }
    for want in [
        "<code>3f2c1a9e5b7d4c6e8f0a1b2c3d4e5f6a7b8c9d0e (previous: 1111111111111111111111111111111111111111)</code>",
        "<b>json-small</b>",
        "12345.6 req/s (95 % CI 12300.1 to 12391.0)",
        "<span style=\"color:#b00020\">-12.3 % (worse)</span>",
        "<a href=\"https://ci.example.com/runs/42?job=bench&amp;x=1\">",
    ] {
        assert!(mail.html.contains(want), "html lacks {want:?}:\n{}", mail.html);
    }
    // Latency: lower is better, so a drop is good news; unknown metrics say neither.
    let p99 = AlertEvent { metric: "p99_ms".into(), higher_is_better: Some(false), ..event(COMMIT) };
    assert!(compose(&p99).subject.contains("-12.3 % (better)") && compose(&p99).text.contains("ms (95 % CI"));
    let odd = AlertEvent { metric: "score".into(), higher_is_better: None, ..event(COMMIT) };
    assert!(compose(&odd).subject.contains("-12.3 % at"));
}

#[test]
fn names_are_escaped_in_the_html_body() {
    let e = AlertEvent { framework: "<script>alert(1)</script>".into(), link: None, ..event(COMMIT) };
    let mail = compose(&e);
    assert!(!mail.html.contains("<script>") && mail.html.contains("&lt;script&gt;"));
    assert!(!mail.html.contains("<a href"));
}

#[test]
fn the_dry_run_shows_each_new_mail_once_and_is_pure() {
    let (a, b) = (event(COMMIT), event("2222222222222222222222222222222222222222"));
    let sent: BTreeSet<String> = [b.id()].into();
    let events = [a.clone(), b.clone(), a.clone()];
    let text = dry_run(&events, &sent, Some(&config(2525)));
    assert_eq!(text, dry_run(&events, &sent, Some(&config(2525))));
    assert!(text.starts_with("1 new alert event (1 already sent); dry run: nothing is sent\n"), "{text}");
    assert_eq!(text.matches("=== mail ").count(), 1);
    assert!(text.contains("=== mail 1 of 1 ===\nFrom: Benchmarks <bench@example.com>\nTo: team@example.com, oncall@example.com\n"));
    assert!(text.contains(&format!("Message-ID: <{}@benchmark-harness>", a.id())));
    assert!(text.contains("server: 127.0.0.1:2525 (none)"));
    assert!(text.contains(&compose(&a).text) && text.contains(&compose(&a).html));
    assert!(!text.contains("2222222222"));
    let none = dry_run(&[b], &sent, None);
    assert_eq!(none, "no new alert events (1 already sent); nothing would be sent\n");
    assert!(dry_run(&[a], &BTreeSet::new(), None).contains("From: (not configured"));
}

#[test]
fn the_alerts_table_parses_and_flags_win() {
    let text =
        "[check]\nfail = 10\n\n[alerts]\nserver = \"smtp.example.com\"\ntls = \"tls\"\nuser = \"bench\"\n\
                from = \"bench@example.com\"\nto = [\"a@example.com\", \"b@example.com\"]\n";
    let table = parse_alerts_table(text, Path::new("b.toml")).unwrap().unwrap();
    let c = AlertConfig::resolve(Some(&table), &AlertFlags::default(), Some("s3cret".into())).unwrap();
    assert_eq!(
        (c.server.as_str(), c.port, c.tls, c.user.as_deref()),
        ("smtp.example.com", 465, TlsMode::Tls, Some("bench"))
    );
    assert_eq!(c.password.as_deref(), Some("s3cret"));
    assert_eq!(c.to.iter().map(ToString::to_string).collect::<Vec<_>>(), ["a@example.com", "b@example.com"]);
    let flags = AlertFlags {
        server: Some("relay.internal".into()),
        tls: Some("starttls".into()),
        to: vec!["c@example.com".into()],
        ..Default::default()
    };
    let c = AlertConfig::resolve(Some(&table), &flags, Some("s3cret".into())).unwrap();
    assert_eq!((c.server.as_str(), c.port, c.tls), ("relay.internal", 587, TlsMode::StartTls));
    assert_eq!(c.to.len(), 1);
    // The password never shows in Debug output.
    assert!(!format!("{c:?}").contains("s3cret"));
    // No [alerts] table at all.
    assert_eq!(parse_alerts_table("[check]\nfail = 10\n", Path::new("b.toml")).unwrap(), None);
}

#[test]
fn a_password_in_the_file_is_an_error_naming_the_environment_variable() {
    let text = "[alerts]\nserver = \"smtp.example.com\"\n  password = \"hunter2\"\n";
    let err = parse_alerts_table(text, Path::new("b.toml")).unwrap_err();
    let msg = err.to_string();
    assert!(msg.starts_with("b.toml:3:3:") && msg.contains(PASSWORD_ENV), "{msg}");
    assert!(!msg.contains("hunter2") && err.is_bad_input());
    let err = parse_alerts_table("[alerts]\nsever = \"x\"\n", Path::new("b.toml")).unwrap_err().to_string();
    assert!(err.starts_with("b.toml:2:1:") && err.contains("sever"), "{err}");
}

#[test]
fn incomplete_or_unsafe_settings_are_errors_naming_what_to_set() {
    let ok = AlertFlags {
        server: Some("smtp.example.com".into()),
        from: Some("bench@example.com".into()),
        to: vec!["team@example.com".into()],
        ..Default::default()
    };
    let err = |flags: AlertFlags, password: Option<&str>| {
        AlertConfig::resolve(None, &flags, password.map(Into::into)).unwrap_err().to_string()
    };
    assert!(err(AlertFlags { server: None, ..ok.clone() }, None).contains("--smtp-server"));
    assert!(err(AlertFlags { from: None, ..ok.clone() }, None).contains("--smtp-from"));
    assert!(err(AlertFlags { to: vec![], ..ok.clone() }, None).contains("--smtp-to"));
    assert!(err(AlertFlags { tls: Some("ssl".into()), ..ok.clone() }, None)
        .contains("'ssl'; valid modes: starttls"));
    assert!(err(AlertFlags { to: vec!["not an address".into()], ..ok.clone() }, None)
        .contains("'not an address'"));
    assert!(err(AlertFlags { user: Some("bench".into()), ..ok.clone() }, None).contains(PASSWORD_ENV));
    let plain = AlertFlags { user: Some("bench".into()), tls: Some("none".into()), ..ok.clone() };
    assert!(err(plain.clone(), Some("pw")).contains("unencrypted"));
    // To a loopback relay a plain connection may carry the login.
    let local = AlertFlags { server: Some("127.0.0.1".into()), ..plain };
    assert!(AlertConfig::resolve(None, &local, Some("pw".into())).is_ok());
    // A password without a user is not used.
    assert_eq!(AlertConfig::resolve(None, &ok, Some("pw".into())).unwrap().password, None);
    let table = parse_alerts_table("[alerts]\nport = 70000\n", Path::new("b.toml")).unwrap().unwrap();
    let e = AlertConfig::resolve(Some(&table), &ok, None).unwrap_err().to_string();
    assert!(e.contains("port 70000"), "{e}");
}

#[test]
fn the_nearest_config_file_upwards_is_read() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("benchmark-harness.toml"), "[alerts]\nserver = \"x.example.com\"\n")
        .unwrap();
    let sub = dir.path().join("a/b");
    std::fs::create_dir_all(&sub).unwrap();
    let (path, table) = find_alerts_table(&sub).unwrap().unwrap();
    assert_eq!(
        (path, table.server.as_deref()),
        (dir.path().join("benchmark-harness.toml"), Some("x.example.com"))
    );
}

/// Header value of `name` in a message (unfolded), and the decoded text of the part
/// whose Content-Type starts with `mime`.
fn header(msg: &str, name: &str) -> Option<String> {
    let head = msg.split("\r\n\r\n").next().unwrap().replace("\r\n ", " ").replace("\r\n\t", " ");
    head.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.eq_ignore_ascii_case(name).then(|| v.trim().to_string())
    })
}

fn part(msg: &str, mime: &str) -> String {
    let ct = header(msg, "Content-Type").unwrap();
    let boundary = ct.split("boundary=").nth(1).unwrap().trim_matches('"').to_string();
    let body = msg.split_once("\r\n\r\n").unwrap().1;
    for chunk in body.split(&format!("--{boundary}")) {
        let Some((head, content)) = chunk.trim_start_matches("\r\n").split_once("\r\n\r\n") else { continue };
        if !header(&format!("{head}\r\n\r\n"), "Content-Type").is_some_and(|c| c.starts_with(mime)) {
            continue;
        }
        let content = content.trim_end_matches("\r\n");
        return match header(&format!("{head}\r\n\r\n"), "Content-Transfer-Encoding").as_deref() {
            Some("quoted-printable") => quoted_printable(content),
            Some("base64") => {
                use base64::Engine as _;
                let joined: String = content.split_whitespace().collect();
                String::from_utf8(base64::engine::general_purpose::STANDARD.decode(joined).unwrap()).unwrap()
            }
            _ => content.to_string(),
        };
    }
    panic!("no {mime} part in:\n{msg}");
}

fn quoted_printable(s: &str) -> String {
    let s = s.replace("=\r\n", "");
    let mut out = Vec::new();
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'=' && i + 3 <= b.len() {
            if let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap()
}

#[test]
fn new_events_are_mailed_once_each_to_a_local_smtp_server() {
    let sink = Sink::start(None);
    let cfg = config(sink.port);
    let (a, b) = (event(COMMIT), event("2222222222222222222222222222222222222222"));
    let before: BTreeSet<String> = [b.id()].into();
    let sent = send(&[a.clone(), b.clone(), a.clone()], &cfg, &before).unwrap();
    assert_eq!(sent, [a.id()]);
    let got = sink.messages();
    assert_eq!(got.len(), 1, "one mail for the one new event");
    let m = &got[0];
    assert_eq!(
        (m.from.as_str(), m.to.as_slice()),
        ("bench@example.com", &["team@example.com".to_string(), "oncall@example.com".to_string()][..])
    );
    assert_eq!(m.auth, None);
    assert_eq!(header(&m.data, "X-Benchmark-Harness-Event"), Some(a.id()));
    assert_eq!(header(&m.data, "Message-ID"), Some(format!("<{}@benchmark-harness>", a.id())));
    let subject = header(&m.data, "Subject").unwrap();
    assert!(subject.contains("axum-baseline json-small rps -12.3 % (worse) at 3f2c1a9e5b7d"), "{subject}");
    let text = part(&m.data, "text/plain");
    for want in [
        COMMIT,
        "json-small",
        "12345.6 req/s (95 % CI 12300.1 to 12391.0)",
        "10833.2 req/s (95 % CI 10790.0 to 10876.4)",
    ] {
        assert!(text.contains(want), "plain text lacks {want:?}:\n{text}");
    }
    let html = part(&m.data, "text/html");
    assert!(
        html.contains("<b>json-small</b>")
            && html.contains("https://ci.example.com/runs/42?job=bench&amp;x=1"),
        "{html}"
    );
    // What was sent is remembered by the caller: nothing new, no connection.
    let all: BTreeSet<String> = before.union(&sent.into_iter().collect()).cloned().collect();
    assert_eq!(send(&[a, b], &cfg, &all).unwrap(), Vec::<String>::new());
    assert_eq!(sink.messages().len(), 1);
}

#[test]
fn the_login_uses_the_password_from_the_caller() {
    let sink = Sink::start(None);
    let flags = AlertFlags {
        server: Some("127.0.0.1".into()),
        port: Some(sink.port),
        tls: Some("none".into()),
        user: Some("bench".into()),
        from: Some("bench@example.com".into()),
        to: vec!["team@example.com".into()],
    };
    let cfg = AlertConfig::resolve(None, &flags, Some("s3cret".into())).unwrap();
    send(&[event(COMMIT)], &cfg, &BTreeSet::new()).unwrap();
    assert_eq!(sink.messages()[0].auth.as_deref(), Some("\0bench\0s3cret"));
}

#[test]
fn a_refused_mail_stops_sending_and_reports_what_was_sent() {
    let sink = Sink::start(Some(1));
    let events: Vec<AlertEvent> = ["a", "b", "c"].iter().map(|c| event(&c.repeat(40))).collect();
    let err = send(&events, &config(sink.port), &BTreeSet::new()).unwrap_err();
    assert_eq!(err.sent, [events[0].id()]);
    assert!(matches!(&err.error, AlertError::Send { id, .. } if *id == events[1].id()), "{err}");
    assert!(!err.error.is_bad_input());
    assert!(err.to_string().contains("1 alert mail(s) sent before it"), "{err}");
    assert_eq!(sink.messages().len(), 1);
}

#[test]
fn an_unreachable_server_is_a_send_error() {
    // A port that was free a moment ago: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let err = send(&[event(COMMIT)], &config(port), &BTreeSet::new()).unwrap_err();
    assert!(err.sent.is_empty());
    let msg = err.error.to_string();
    assert!(msg.contains(&format!("127.0.0.1:{port}")) && !err.error.is_bad_input(), "{msg}");
}
