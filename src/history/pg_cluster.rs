//! Test-only: a throwaway PostgreSQL cluster (Debian's server binaries): `initdb` into a
//! temporary folder, `postgres` on a free 127.0.0.1 port, stopped when dropped (also when
//! a test panics). As root it runs as the `postgres` user (initdb refuses root).
//! Missing binaries fail the test: `scripts/install-deps.sh` installs them. The store test
//! suite (`tests::BEHAVIOURS`) runs against it here.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::process::Command;

use super::tests::BEHAVIOURS;
use super::{HistoryStore, PostgresStore, StoreError};

/// A running cluster; stopped on drop.
pub struct PgCluster {
    dir: tempfile::TempDir,
    bin: PathBuf,
    port: u16,
    as_postgres: bool,
}

/// The newest `/usr/lib/postgresql/N/bin` holding `initdb` and `pg_ctl`.
fn bin_dir() -> PathBuf {
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| Some((e.file_name().to_str()?.parse::<u32>().ok()?, e.path().join("bin"))))
        .filter(|(_, bin)| bin.join("initdb").exists() && bin.join("pg_ctl").exists())
        .collect();
    found.sort();
    match found.pop() {
        Some((_, bin)) => bin,
        None => panic!(
            "PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin; \
             run scripts/install-deps.sh (it installs Debian's postgresql)"
        ),
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

impl PgCluster {
    /// Create and start a cluster; panics with the server's log when it does not start.
    pub fn start() -> PgCluster {
        let bin = bin_dir();
        // SAFETY: geteuid has no preconditions and cannot fail.
        let as_postgres = unsafe { libc::geteuid() } == 0;
        let dir = tempfile::Builder::new().prefix("bh-pg-").tempdir().expect("a temp dir");
        if as_postgres {
            let id = |flag: &str| -> u32 {
                let out = Command::new("id").args([flag, "postgres"]).output().expect("id runs");
                String::from_utf8_lossy(&out.stdout).trim().parse().expect("the postgres user exists")
            };
            std::os::unix::fs::chown(dir.path(), Some(id("-u")), Some(id("-g"))).expect("chown the temp dir");
        }
        let mut cluster = PgCluster { dir, bin, port: 0, as_postgres };
        let data = cluster.data();
        cluster.run("initdb", &["-D", &data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync"]);
        for _attempt in 0..3 {
            cluster.port = free_port();
            let opts = format!(
                "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off",
                cluster.port,
                cluster.dir.path().display()
            );
            let log = cluster.dir.path().join("server.log").display().to_string();
            if cluster
                .try_run("pg_ctl", &["-D", &data, "-l", &log, "-o", &opts, "-w", "-t", "60", "start"])
                .is_ok()
            {
                return cluster;
            }
        }
        let log = std::fs::read_to_string(cluster.dir.path().join("server.log")).unwrap_or_default();
        panic!("postgres did not start:\n```\n{log}\n```");
    }

    fn data(&self) -> String {
        self.dir.path().join("data").display().to_string()
    }

    fn command(&self, tool: &str) -> Command {
        let path = self.bin.join(tool);
        if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(path);
            c
        } else {
            Command::new(path)
        }
    }

    fn try_run(&self, tool: &str, args: &[&str]) -> Result<(), String> {
        let out =
            self.command(tool).args(args).current_dir(Path::new("/")).output().map_err(|e| e.to_string())?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
        }
    }

    fn run(&self, tool: &str, args: &[&str]) {
        if let Err(e) = self.try_run(tool, args) {
            panic!("{tool} failed:\n```\n{e}\n```");
        }
    }

    /// The URL of database `db` (trust authentication: no password).
    pub fn url(&self, db: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{db}", self.port)
    }

    /// Create an empty database and return its URL.
    pub fn database(&self, name: &str) -> String {
        let mut client = postgres::Client::connect(&self.url("postgres"), postgres::NoTls).expect("connect");
        client.batch_execute(&format!("CREATE DATABASE \"{name}\"")).expect("create database");
        self.url(name)
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        let data = self.data();
        let _ = self.try_run("pg_ctl", &["-D", &data, "-m", "immediate", "-w", "stop"]);
    }
}

#[test]
fn postgres_store_passes_every_behaviour() {
    let cluster = PgCluster::start();
    let mut failed = Vec::new();
    for (i, (name, behaviour)) in BEHAVIOURS.iter().enumerate() {
        let url = cluster.database(&format!("b{i}"));
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            let mut store = PostgresStore::connect(&url).unwrap();
            assert!(store.notes().iter().any(|n| n.contains("TimescaleDB")), "{:?}", store.notes());
            behaviour(&mut store);
        }));
        if outcome.is_err() {
            failed.push(*name);
        }
    }
    let errors = catch_unwind(AssertUnwindSafe(|| postgres_errors(&cluster)));
    let grafana = catch_unwind(AssertUnwindSafe(|| dashboard_queries(&cluster)));
    drop(cluster);
    assert!(failed.is_empty(), "behaviours failing on PostgreSQL: {failed:?}");
    assert!(errors.is_ok(), "PostgreSQL error handling failed");
    assert!(grafana.is_ok(), "a Grafana dashboard query failed on PostgreSQL");
}

/// Every SQL query of the shipped Grafana dashboards, run against imported samples: each
/// returns rows, with the columns its panel reads.
fn dashboard_queries(cluster: &PgCluster) {
    use super::grafana_check::{expand_for_postgres, output_columns, queries};
    let url = cluster.database("grafana");
    super::tests::dashboard_samples(&mut PostgresStore::connect(&url).unwrap());
    let mut client = ::postgres::Client::connect(&url, ::postgres::NoTls).unwrap();
    let mut distinct =
        |sql: &str| -> Vec<String> { client.query(sql, &[]).unwrap().iter().map(|r| r.get(0)).collect() };
    let vars: std::collections::BTreeMap<&str, Vec<String>> = [
        ("framework", distinct("SELECT DISTINCT framework FROM measurements")),
        ("suite", distinct("SELECT DISTINCT suite FROM measurements")),
        ("workload", distinct("SELECT DISTINCT workload FROM measurements")),
        ("host", distinct("SELECT DISTINCT host_fingerprint FROM runs")),
    ]
    .into();
    let all = queries();
    assert!(all.len() >= 8, "{} queries", all.len());
    for q in all {
        let sql = expand_for_postgres(&q.sql, &vars, "2025-01-01T00:00:00Z", "2025-12-31T00:00:00Z");
        let rows = client.query(sql.as_str(), &[]).unwrap_or_else(|e| panic!("{}: {e}\n{sql}", q.source));
        assert!(!rows.is_empty(), "{}: no rows\n{sql}", q.source);
        let names: Vec<String> = rows[0].columns().iter().map(|c| c.name().to_string()).collect();
        assert_eq!(names, output_columns(&q.sql), "{}", q.source);
    }
}

/// PostgreSQL-only: unreachable server (exit 1), missing database and newer schema (bad
/// input), and the password never in a message.
fn postgres_errors(cluster: &PgCluster) {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let err = PostgresStore::connect(&format!("postgres://ci:s3cret@127.0.0.1:{closed}/x")).err().unwrap();
    assert!(matches!(err, StoreError::Unreachable { .. }) && !err.is_bad_input(), "{err}");
    assert!(err.to_string().contains(&format!("postgres://ci:***@127.0.0.1:{closed}/x")), "{err}");
    assert!(!err.to_string().contains("s3cret"), "{err}");
    let err = PostgresStore::connect(&cluster.url("no_such_db")).err().unwrap();
    assert!(matches!(err, StoreError::Open { .. }) && err.is_bad_input(), "{err}");
    assert!(err.to_string().contains("no_such_db"), "{err}");
    let err = PostgresStore::connect("postgres://u:pw@127.0.0.1:notaport/x").err().unwrap();
    assert!(err.is_bad_input() && !err.to_string().contains(":pw@"), "{err}");
    let url = cluster.database("future");
    drop(PostgresStore::connect(&url).unwrap());
    let mut client = ::postgres::Client::connect(&url, ::postgres::NoTls).unwrap();
    client.batch_execute("INSERT INTO schema_migrations VALUES (99, 'future', 'x')").unwrap();
    let err = PostgresStore::connect(&url).err().unwrap();
    assert!(matches!(err, StoreError::TooNew { found: 99, .. }), "{err}");
}
