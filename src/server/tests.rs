use super::*;
use std::sync::atomic::AtomicBool;

fn spec(command: &str, dir: &std::path::Path) -> ServerSpec {
    ServerSpec {
        name: "test-app".into(),
        command: command.into(),
        dir: dir.into(),
        env: vec![],
        port: free_port().unwrap(),
        log_path: dir.join("server.log"),
        startup_timeout: Duration::from_millis(800),
        stop_grace: Duration::from_millis(500),
        cpus: None,
    }
}

#[test]
fn stop_kills_the_whole_group_including_children_that_ignore_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Server::spawn(spec("trap '' TERM; sleep 300 & sleep 300 & wait", dir.path())).unwrap();
    std::thread::sleep(Duration::from_millis(200));
    let pgid = s.pgid();
    assert!(group_alive(pgid));
    assert!(crate::monitor::group_members(pgid).len() >= 3);
    s.stop();
    assert!(!group_alive(pgid), "processes left in group {pgid}");
}

#[test]
fn a_child_that_leaves_the_group_is_still_stopped() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Server::spawn(spec("setsid sleep 300 & wait", dir.path())).unwrap();
    std::thread::sleep(Duration::from_millis(200));
    let strays = crate::monitor::descendants(s.pid() as i32);
    assert!(!strays.is_empty());
    s.stop();
    let alive: Vec<i32> = crate::monitor::snapshot()
        .into_iter()
        .filter(|p| strays.contains(&p.pid) && !p.zombie)
        .map(|p| p.pid)
        .collect();
    assert!(alive.is_empty(), "left running: {alive:?}");
}

#[test]
fn drop_stops_the_server() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::spawn(spec("sleep 300", dir.path())).unwrap();
    let pgid = s.pgid();
    drop(s);
    assert!(!group_alive(pgid));
}

#[test]
fn early_exit_is_reported_with_the_log_tail() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Server::spawn(spec("echo 'boom: address in use' >&2; exit 7", dir.path())).unwrap();
    let err = s.wait_ready(|_| false, &AtomicBool::new(false)).unwrap_err().to_string();
    assert!(err.contains("exited") && err.contains("boom: address in use"), "{err}");
}

#[test]
fn never_ready_is_reported_with_the_log_tail_and_the_port() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Server::spawn(spec("echo 'starting slowly'; sleep 300", dir.path())).unwrap();
    let port = s.port();
    let err = s.wait_ready(|_| false, &AtomicBool::new(false)).unwrap_err().to_string();
    assert!(
        err.contains("not ready") && err.contains(&port.to_string()) && err.contains("starting slowly"),
        "{err}"
    );
    let pgid = s.pgid();
    drop(s);
    assert!(!group_alive(pgid));
}

#[test]
fn the_port_is_exported_and_readiness_polls_until_yes() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Server::spawn(spec("echo \"port=$PORT\"; sleep 300", dir.path())).unwrap();
    let mut calls = 0;
    s.wait_ready(
        |_| {
            calls += 1;
            calls >= 3
        },
        &AtomicBool::new(false),
    )
    .unwrap();
    std::thread::sleep(Duration::from_millis(100));
    assert!(s.tail(5).contains(&format!("port={}", s.port())));
}
