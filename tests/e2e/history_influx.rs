//! `history export --format influx` read by a real InfluxDB: Debian's `influxd` (1.6) started
//! on free 127.0.0.1 ports with a throwaway config and data folder, the export written through
//! the HTTP API (`/write`), the points queried back (`/query`) and compared one by one with the
//! store's rows (`history export --format json`). A missing `influxd` fails the test:
//! `scripts/install-deps.sh` installs Debian's `influxdb`.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::helpers::{repo, text, Tag};

/// A running `influxd`; killed (and its folder removed) when dropped, also when the test panics.
struct Influxd {
    child: Child,
    dir: tempfile::TempDir,
    http: u16,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn influxd_binary() -> PathBuf {
    std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .map(|d| d.join("influxd"))
        .find(|p| p.is_file())
        .unwrap_or_else(|| {
            panic!("influxd not found on PATH; run scripts/install-deps.sh (it installs Debian's influxdb)")
        })
}

impl Influxd {
    /// Start `influxd` and wait for `/ping`; panics with its log when it does not come up.
    fn start(tag: &Tag) -> Influxd {
        let bin = influxd_binary();
        let mut logs = String::new();
        for _attempt in 0..3 {
            let dir = tempfile::Builder::new().prefix("bh-influx-").tempdir().unwrap();
            let (rpc, http) = (free_port(), free_port());
            let d = dir.path().display();
            // `reporting-enabled` is Debian's key, `reporting-disabled` upstream's: both off.
            let config = format!(
                "reporting-enabled = false\nreporting-disabled = true\nbind-address = \"127.0.0.1:{rpc}\"\n\
                 [meta]\n  dir = \"{d}/meta\"\n\
                 [data]\n  dir = \"{d}/data\"\n  wal-dir = \"{d}/wal\"\n  query-log-enabled = false\n\
                 [monitor]\n  store-enabled = false\n\
                 [continuous_queries]\n  enabled = false\n\
                 [http]\n  bind-address = \"127.0.0.1:{http}\"\n  log-enabled = false\n"
            );
            std::fs::write(dir.path().join("influxdb.conf"), config).unwrap();
            let mut command = Command::new(&bin);
            // INFLUXDB_* variables would override the config file.
            for (k, _) in std::env::vars_os().filter(|(k, _)| k.to_string_lossy().starts_with("INFLUXDB_")) {
                command.env_remove(k);
            }
            let child = command
                .arg("-config")
                .arg(dir.path().join("influxdb.conf"))
                .env("BH_TEST_TAG", &tag.0)
                .stdin(Stdio::null())
                .stdout(std::fs::File::create(dir.path().join("influxd.log")).unwrap())
                .stderr(std::fs::File::create(dir.path().join("influxd.err")).unwrap())
                .spawn()
                .unwrap_or_else(|e| panic!("cannot start {}: {e}", bin.display()));
            let mut server = Influxd { child, dir, http };
            if server.ready() {
                return server;
            }
            logs = format!("{}{}", server.log("influxd.log"), server.log("influxd.err"));
            // Dropped here: killed, its folder removed; then other ports.
        }
        panic!("influxd did not answer /ping:\n```\n{logs}\n```");
    }

    /// Whether `/ping` answers 204 before the process exits (a port taken meanwhile) or a
    /// minute passes.
    fn ready(&mut self) -> bool {
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if self.child.try_wait().unwrap().is_some() {
                return false;
            }
            if self.request("GET", "/ping", "").is_some_and(|(status, _)| status == 204) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        false
    }

    fn log(&self, name: &str) -> String {
        std::fs::read_to_string(self.dir.path().join(name)).unwrap_or_default()
    }

    /// One HTTP/1.0 request (the server answers and closes; no chunked bodies): status, body.
    fn request(&self, method: &str, path: &str, body: &str) -> Option<(u16, String)> {
        let mut s = TcpStream::connect(("127.0.0.1", self.http)).ok()?;
        s.set_read_timeout(Some(Duration::from_secs(60))).ok()?;
        let head = format!(
            "{method} {path} HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Type: text/plain; charset=utf-8\r\n\
             Content-Length: {}\r\n\r\n",
            body.len()
        );
        s.write_all(head.as_bytes()).ok()?;
        s.write_all(body.as_bytes()).ok()?;
        let mut answer = String::new();
        s.read_to_string(&mut answer).ok()?;
        let (head, body) = answer.split_once("\r\n\r\n")?;
        let status = head.split(' ').nth(1)?.parse().ok()?;
        Some((status, body.to_string()))
    }

    /// `/query` of an InfluxQL statement; panics on an error status or an error in the answer.
    fn query(&self, db: &str, q: &str) -> Value {
        let path = format!("/query?db={db}&epoch=ns&q={}", url_encode(q));
        let (status, body) = self.request("POST", &path, "").expect("influxd answers /query");
        assert_eq!(status, 200, "{q}: {body}");
        let v: Value = serde_json::from_str(&body).unwrap();
        assert!(v["results"][0]["error"].is_null() && v["error"].is_null(), "{q}: {body}");
        v["results"][0].clone()
    }
}

impl Drop for Influxd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn url_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            b => format!("%{b:02X}"),
        })
        .collect()
}

/// The committed baselines, and the run fixture under names that need escaping in line
/// protocol (a space, comma, equals sign, quote and backslash in tags and the commit), and
/// figures written with an exponent.
fn results(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = ["baseline.json", "baseline.round2.json", "baseline.round3.json"]
        .iter()
        .map(|f| repo().join("results/baseline/axum-baseline").join(f))
        .collect();
    let mut r: Value =
        serde_json::from_str(&std::fs::read_to_string(repo().join("tests/fixtures/run.json")).unwrap())
            .unwrap();
    r["metadata"]["framework"] = r#"fast api,v=2 "x""#.into();
    r["metadata"]["git_branch"] = r"feat/a b\c".into();
    r["metadata"]["git_commit"] = r#"c0ffee "quoted" \ back"#.into();
    r["suites"][0]["workloads"][0]["name"] = r"small\json =x".into();
    // Figures whose shortest form has an exponent.
    r["suites"][0]["workloads"][0]["results"]["latency"]["median_ms"] = 1e-7.into();
    r["suites"][0]["workloads"][0]["results"]["latency"]["p999_ms"] = 1e20.into();
    let path = dir.join("odd.json");
    std::fs::write(&path, serde_json::to_string(&r).unwrap()).unwrap();
    files.push(path);
    files
}

#[test]
#[allow(clippy::print_stderr)]
fn influx_export_is_read_back_by_a_real_influxd() {
    let tag = Tag::new();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("h.db");
    let history = |args: &[&str]| -> String {
        let out = tag.command().arg("history").arg("--db").arg(&db).args(args).output().unwrap();
        let (o, e) = text(&out);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {o}{e}");
        o
    };
    let files = results(dir.path());
    let mut args = vec!["import"];
    args.extend(files.iter().map(|f| f.to_str().unwrap()));
    history(&args);
    let rows: Vec<Value> = serde_json::from_str(&history(&["export", "--format", "json"])).unwrap();
    let lines = history(&["export", "--format", "influx"]);
    assert_eq!(lines.lines().count(), rows.len());
    assert!(lines.contains("p50_ms=1e-7,") && lines.contains("p999_ms=1e20,"), "{lines}");

    let server = Influxd::start(&tag);
    server.query("", "CREATE DATABASE bench");
    let (status, body) =
        server.request("POST", "/write?db=bench&precision=ns", &lines).expect("influxd answers /write");
    assert_eq!(status, 204, "influxd refused the export: {body}\n{lines}");

    let count = server.query("bench", "SELECT count(errors) FROM benchmark");
    let read = count["series"][0]["values"][0][1].as_i64();
    eprintln!("influx: {} point(s) written, {read:?} read back", rows.len());
    assert_eq!(read, Some(rows.len() as i64), "{count}");

    // Every point, field by field, against the store's row (matched by its tags).
    let all = server.query("bench", "SELECT * FROM benchmark");
    let series = &all["series"][0];
    let columns: Vec<&str> =
        series["columns"].as_array().unwrap().iter().map(|c| c.as_str().unwrap()).collect();
    let col = |point: &Value, name: &str| point[columns.iter().position(|c| *c == name).unwrap()].clone();
    let points = series["values"].as_array().unwrap();
    assert_eq!(points.len(), rows.len());
    for row in &rows {
        let key = |p: &Value| {
            ["run", "framework", "suite", "workload", "round"]
                .map(|k| col(p, k).as_str().unwrap_or_default().to_string())
        };
        let want = [&row["id"], &row["framework"], &row["suite"], &row["workload"], &row["round"]]
            .map(|v| v.as_str().map(String::from).unwrap_or_else(|| v.to_string()));
        let found: Vec<&Value> = points.iter().filter(|p| key(p) == want).collect();
        assert_eq!(found.len(), 1, "{want:?} in {all}");
        let p = found[0];
        for f in ["requests_per_sec", "p50_ms", "p90_ms", "p99_ms", "p999_ms", "cpu_percent", "memory_mb"] {
            assert_eq!(col(p, f).as_f64(), row[f].as_f64(), "{f} of {want:?}");
        }
        for f in ["errors", "total_requests"] {
            assert_eq!(col(p, f).as_i64(), row[f].as_i64(), "{f} of {want:?}");
        }
        assert_eq!(col(p, "commit"), row["git_commit"], "{want:?}");
        assert_eq!(col(p, "branch"), row["branch"], "{want:?}");
        assert_eq!(col(p, "status"), row["status"], "{want:?}");
        assert_eq!(col(p, "kind"), row["kind"], "{want:?}");
        assert_eq!(col(p, "host"), row["host_fingerprint"], "{want:?}");
        assert_eq!(col(p, "config"), row["config_fingerprint"], "{want:?}");
        let time = chrono::DateTime::parse_from_rfc3339(row["time"].as_str().unwrap()).unwrap();
        assert_eq!(col(p, "time").as_i64(), time.timestamp_nanos_opt(), "{want:?}");
    }
    // The odd names arrived exactly as stored.
    let tags = server.query("bench", "SHOW TAG VALUES FROM benchmark WITH KEY = \"workload\"");
    let workloads: Vec<&str> =
        tags["series"][0]["values"].as_array().unwrap().iter().map(|v| v[1].as_str().unwrap()).collect();
    assert!(workloads.contains(&r"small\json =x"), "{workloads:?}");
    drop(server);
    tag.assert_no_leftovers();
}
