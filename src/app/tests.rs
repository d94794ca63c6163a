use super::*;
use std::sync::atomic::AtomicBool;

fn write_app(root: &Path, name: &str, extra: &str) -> PathBuf {
    let dir = root.join(name);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join(MANIFEST),
        format!(
            "[app]\nname = \"{name}\"\nlanguage = \"other\"\nframework = \"Demo\"\n\n[start]\ncommand = \"exec sleep 60 # {{port}}\"\n{extra}"
        ),
    )
    .unwrap();
    dir
}

#[test]
fn discover_finds_apps_sorted_and_find_names_the_valid_ones() {
    let root = tempfile::tempdir().unwrap();
    write_app(root.path(), "zeta", "");
    write_app(root.path(), "alpha", "");
    std::fs::create_dir_all(root.path().join("not-an-app")).unwrap();
    let apps = discover(root.path()).unwrap();
    let names: Vec<&str> = apps.iter().map(|a| a.name()).collect();
    assert_eq!(names, vec!["alpha", "zeta"]);
    let err = find(root.path(), "alpah").unwrap_err().to_string();
    assert!(err.contains("'alpah'") && err.contains("alpha, zeta"), "{err}");
}

#[test]
fn duplicate_names_are_an_error_naming_both_manifests() {
    let root = tempfile::tempdir().unwrap();
    write_app(root.path(), "a", "");
    let b = root.path().join("b");
    std::fs::create_dir_all(&b).unwrap();
    std::fs::copy(root.path().join("a").join(MANIFEST), b.join(MANIFEST)).unwrap();
    let err = discover(root.path()).unwrap_err().to_string();
    assert!(err.contains("used by both"), "{err}");
}

#[test]
fn setup_runs_once_and_again_when_an_input_changes() {
    let root = tempfile::tempdir().unwrap();
    let dir = write_app(
        root.path(),
        "s",
        "\n[setup]\ncommands = [\"echo ran >> count.txt\"]\ninputs = [\"req.txt\"]\n",
    );
    std::fs::write(dir.join("req.txt"), "a==1").unwrap();
    let app = load(&dir).unwrap();
    let stop = AtomicBool::new(false);
    assert!(matches!(setup(&app, false, &stop).unwrap(), SetupOutcome::Ran { .. }));
    assert_eq!(setup(&app, false, &stop).unwrap(), SetupOutcome::Cached);
    std::fs::write(dir.join("req.txt"), "a==2").unwrap();
    assert!(matches!(setup(&app, false, &stop).unwrap(), SetupOutcome::Ran { .. }));
    assert!(matches!(setup(&app, true, &stop).unwrap(), SetupOutcome::Ran { .. }));
    assert_eq!(std::fs::read_to_string(dir.join("count.txt")).unwrap().lines().count(), 3);
}

#[test]
fn failed_setup_quotes_the_log_tail_and_leaves_no_stamp() {
    let root = tempfile::tempdir().unwrap();
    let dir = write_app(
        root.path(),
        "bad",
        "\n[setup]\ncommands = [\"echo step one\", \"echo 'no such package: foo' >&2; exit 3\"]\n",
    );
    let app = load(&dir).unwrap();
    let err = setup(&app, false, &AtomicBool::new(false)).unwrap_err().to_string();
    assert!(err.contains("setup of app 'bad' failed"), "{err}");
    assert!(err.contains("no such package: foo"), "{err}");
    assert!(err.contains("exit status: 3"), "{err}");
    assert!(!app.state_dir().join("setup.stamp").exists());
}

#[test]
fn version_probes_report_output_or_a_note() {
    let root = tempfile::tempdir().unwrap();
    let dir = write_app(root.path(), "v", "\n[version]\nframework = \"echo 1.2.3\"\nruntime = \"exit 1\"\n");
    let v = versions(&load(&dir).unwrap());
    assert_eq!(v.framework.as_deref(), Some("1.2.3"));
    assert_eq!(v.runtime, None);
    assert!(v.notes[0].contains("runtime version probe"), "{:?}", v.notes);
}

#[test]
fn server_spec_expands_placeholders_in_command_and_env() {
    let root = tempfile::tempdir().unwrap();
    let dir = write_app(root.path(), "e", "env = { SERVER_PORT = \"{port}\", W = \"{workers}\" }\n");
    let app = load(&dir).unwrap();
    let spec = app.server_spec(4321, 3, None).unwrap();
    assert_eq!(spec.command, "exec sleep 60 # 4321");
    assert!(spec.env.contains(&("SERVER_PORT".into(), "4321".into())));
    assert!(spec.env.contains(&("W".into(), "3".into())));
    assert!(spec.env.contains(&("PORT".into(), "4321".into())));
}

#[test]
fn the_profile_build_has_its_own_setup_stamp_and_start_command() {
    let root = tempfile::tempdir().unwrap();
    let dir = write_app(
        root.path(),
        "p",
        "\n[setup]\ncommands = [\"echo normal >> ran.txt\"]\ninputs = [\"req.txt\"]\n\n[profile]\nsetup = [\"echo profile >> ran.txt\"]\ncommand = \"exec sleep 61 # {port}\"\n",
    );
    std::fs::write(dir.join("req.txt"), "a").unwrap();
    let app = load(&dir).unwrap();
    let profile = app.profile_build().unwrap();
    assert_eq!(profile.server_spec(1, 1, None).unwrap().command, "exec sleep 61 # 1");
    assert_eq!(app.server_spec(1, 1, None).unwrap().command, "exec sleep 60 # 1");
    let plan = profile.setup_plan().unwrap();
    assert_eq!((plan.name, plan.inputs), ("profile-setup", &["req.txt".to_string()][..]));
    let stop = AtomicBool::new(false);
    // run → profile → run → profile: each setup runs once.
    for a in [&app, &profile, &app, &profile] {
        setup(a, false, &stop).unwrap();
    }
    assert_eq!(std::fs::read_to_string(dir.join("ran.txt")).unwrap(), "normal\nprofile\n");
    assert!(app.state_dir().join("profile-setup.stamp").is_file());
    // Without [profile] there is no profile build.
    assert!(load(&write_app(root.path(), "q", "")).unwrap().profile_build().is_none());
}
