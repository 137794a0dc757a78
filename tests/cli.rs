//! The real binary, run as a user would: subcommands, exit codes and error messages.

use std::path::Path;
use std::process::{Command, Output};

use aicockpit::contract::scenario;
use aicockpit::domain::text::mmss;
use aicockpit::sources::{embedded, nvml};

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_aicockpit"));
    for k in [
        "AICOCKPIT_LOG",
        "AICOCKPIT_CONFIG_DIR",
        "AICOCKPIT_DATA_DIR",
        "AICOCKPIT_STATE_DIR",
        "XDG_CONFIG_HOME",
        "XDG_DATA_HOME",
        "XDG_STATE_HOME",
        "KUBECONFIG",
        "NO_COLOR",
    ] {
        c.env_remove(k);
    }
    c
}

fn run(c: &mut Command) -> (Output, String, String) {
    let out = c.output().expect("run aicockpit");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    (out, stdout, stderr)
}

#[test]
fn scenarios_lists_the_default_with_title_and_duration() {
    let (out, stdout, _) = run(bin().arg("scenarios"));
    assert!(out.status.success());
    let list = embedded::list();
    let default = list
        .iter()
        .find(|i| i.name == embedded::DEFAULT_SCENARIO)
        .expect("the default scenario is embedded");
    let row = stdout
        .lines()
        .find(|l| l.starts_with(default.name))
        .unwrap_or_else(|| panic!("no row for {}:\n{stdout}", default.name));
    assert!(row.contains(&default.title), "{row}");
    assert!(row.contains(&mmss(default.duration_ms)), "{row}");
    for i in &list {
        assert!(stdout.contains(i.name), "{} missing:\n{stdout}", i.name);
    }
}

fn write_kubeconfig(path: &Path, context: &str) {
    std::fs::write(
        path,
        format!(
            "apiVersion: v1\nkind: Config\ncurrent-context: {context}\n\
             clusters:\n- name: c1\n  cluster:\n    server: https://127.0.0.1:6443\n\
             contexts:\n- name: {context}\n  context:\n    cluster: c1\n    user: u1\n\
             users:\n- name: u1\n  user:\n    token: redacted\n"
        ),
    )
    .expect("write kubeconfig");
}

#[test]
fn info_reports_version_paths_context_and_nvml() {
    let home = tempfile::tempdir().expect("tempdir");
    let cfg = home.path().join("cfg");
    let kc = home.path().join("kubeconfig");
    write_kubeconfig(&kc, "gpu-prod-west");
    let (out, stdout, stderr) = run(bin()
        .arg("info")
        .env("HOME", home.path())
        .env("AICOCKPIT_CONFIG_DIR", &cfg)
        .env("KUBECONFIG", &kc));
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.contains(env!("CARGO_PKG_VERSION")), "{stdout}");
    let line = |key: &str| {
        stdout
            .lines()
            .find(|l| l.starts_with(key))
            .unwrap_or_else(|| panic!("no {key} line:\n{stdout}"))
            .to_string()
    };
    assert!(line("config dir").contains(&cfg.display().to_string()));
    let home_s = home.path().display().to_string();
    assert!(line("data dir").contains(&home_s), "{stdout}");
    assert!(line("state dir").contains(&home_s), "{stdout}");
    assert!(line("kube context").contains("gpu-prod-west"), "{stdout}");
    match nvml::probe() {
        Err(why) => assert!(
            line("nvml").contains(&format!("NVML not available: {why}")),
            "{stdout}"
        ),
        Ok(_) => assert!(line("nvml").contains("available: driver"), "{stdout}"),
    }
}

#[test]
fn info_reports_a_broken_config_file() {
    let home = tempfile::tempdir().expect("tempdir");
    let cfg = home.path().join("cfg");
    std::fs::create_dir_all(&cfg).expect("mkdir");
    let (_, stdout, _) = run(bin()
        .arg("info")
        .env("HOME", home.path())
        .env("AICOCKPIT_CONFIG_DIR", &cfg));
    assert!(stdout.contains("not present: defaults"), "{stdout}");
    std::fs::write(cfg.join("config.toml"), "[ui]\nno_such_key = 1\n").expect("write");
    let (out, stdout, _) = run(bin()
        .arg("info")
        .env("HOME", home.path())
        .env("AICOCKPIT_CONFIG_DIR", &cfg));
    assert!(out.status.success());
    let line = stdout
        .lines()
        .find(|l| l.starts_with("config file"))
        .expect("config file line");
    assert!(
        line.contains("error:") && line.contains("no_such_key"),
        "{line}"
    );
}

#[test]
fn info_without_kubeconfig_says_why() {
    let home = tempfile::tempdir().expect("tempdir");
    let (out, stdout, _) = run(bin().arg("info").env("HOME", home.path()));
    assert!(out.status.success());
    let kube = stdout
        .lines()
        .find(|l| l.starts_with("kube context"))
        .expect("kube context line");
    assert!(kube.contains("none (no kubeconfig at"), "{kube}");
}

#[test]
fn corrupt_replay_file_names_file_and_line_and_leaves_the_terminal_alone() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("broken.jsonl");
    std::fs::write(
        &file,
        "{\"schema\":1,\"scenario\":\"b\",\"title\":\"Broken\",\"start\":\"2026-01-01T00:00:00Z\"}\n\
         {\"t_ms\":0,\"ev\":{\"kind\":\"log\",\"namespace\":\"a\",\"pod\":\"p\",\"line\":\"ok\"}}\n\
         {\"t_ms\":10,\"ev\":{\"kind\":\"log\",\n",
    )
    .expect("write");
    let (out, stdout, stderr) = run(bin().arg("--replay").arg(&file));
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    let want = format!("error: {}:3:", file.display());
    assert!(stderr.starts_with(&want), "want {want:?} in {stderr:?}");
    assert!(stdout.is_empty(), "terminal was written to: {stdout:?}");
}

#[test]
fn unknown_demo_lists_the_known_names() {
    let (out, stdout, stderr) = run(bin().args(["--demo", "no-such-incident"]));
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr.contains("no-such-incident"), "{stderr}");
    for i in embedded::list() {
        assert!(stderr.contains(i.name), "{} not listed: {stderr}", i.name);
    }
    assert!(stdout.is_empty());
}

#[test]
fn live_mode_without_a_terminal_says_it_needs_one() {
    // No --demo / --replay: live mode, which needs the terminal before it connects anywhere.
    let dir = tempfile::tempdir().expect("tempdir");
    let kc = dir.path().join("missing-kubeconfig");
    let (out, stdout, stderr) = run(bin().arg("--kubeconfig").arg(&kc));
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("interactive terminal"), "{stderr}");
    assert!(stdout.is_empty(), "terminal was written to: {stdout:?}");
}

#[test]
fn completions_bash_prints_a_script() {
    let (out, stdout, _) = run(bin().args(["completions", "bash"]));
    assert!(out.status.success());
    assert!(stdout.contains("complete -F _aicockpit"), "{stdout}");
    assert!(stdout.contains("--demo") && stdout.contains("scenarios"));
}

#[test]
fn generate_writes_a_readable_synthetic_scenario() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("syn.jsonl");
    let (out, stdout, stderr) = run(bin()
        .args(["generate", "synthetic", "--nodes", "4", "--pods", "10"])
        .args(["--duration", "30", "--seed", "7", "--out"])
        .arg(&file));
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.contains(&file.display().to_string()), "{stdout}");
    let text = std::fs::read_to_string(&file).expect("file written");
    let s = scenario::parse(&text, "syn.jsonl").expect("the file reads back");
    let names = |k: &str| {
        s.events
            .iter()
            .filter_map(|l| match &l.ev {
                aicockpit::contract::event::SourceEvent::Upsert { object }
                    if object["kind"] == k =>
                {
                    Some(
                        object["metadata"]["name"]
                            .as_str()
                            .unwrap_or("")
                            .to_string(),
                    )
                }
                _ => None,
            })
            .collect::<std::collections::BTreeSet<_>>()
            .len()
    };
    // `--nodes` counts accelerator nodes; the cluster may add control-plane and CPU nodes.
    assert!(names("Node") >= 4, "{} nodes", names("Node"));
    // `--pods` counts workload pods; every node also runs its system DaemonSet pods
    let workload = s
        .events
        .iter()
        .filter(|l| {
            matches!(&l.ev, aicockpit::contract::event::SourceEvent::Upsert { object }
                if object["kind"] == "Pod"
                    && object["metadata"]["ownerReferences"][0]["kind"] != "DaemonSet")
        })
        .count();
    assert_eq!(workload, 10);
    assert!(names("Pod") > 10, "system pods beside the workload");

    // Same seed, same file.
    let again = dir.path().join("again.jsonl");
    let (out, _, stderr) = run(bin()
        .args(["generate", "synthetic", "--nodes", "4", "--pods", "10"])
        .args(["--duration", "30", "--seed", "7", "--out"])
        .arg(&again));
    assert!(out.status.success(), "{stderr}");
    assert_eq!(std::fs::read_to_string(&again).expect("second file"), text);
}

#[test]
fn generate_unknown_name_fails_cleanly() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("x.jsonl");
    let (out, _, stderr) = run(bin()
        .args(["generate", "no-such-thing", "--out"])
        .arg(&file));
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr.contains("no-such-thing"), "{stderr}");
    assert!(!file.exists());
}

#[test]
fn scan_logs_reports_the_signature_as_json_and_fails_cleanly_on_a_missing_file() {
    let log = format!(
        "{}/tests/fixtures/logs/no-socket-interface.log",
        env!("CARGO_MANIFEST_DIR")
    );
    let (out, stdout, _) = run(bin().args(["scan-logs", &log, "--format", "json"]));
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_str(&stdout).expect("JSON output");
    let ids: Vec<&str> = v["findings"]
        .as_array()
        .expect("findings array")
        .iter()
        .filter_map(|f| f["id"].as_str())
        .collect();
    assert!(ids.contains(&"nccl.no_socket_interface"), "{ids:?}");

    let (out, _, stderr) = run(bin().args(["scan-logs", "/nonexistent/x.log"]));
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("/nonexistent/x.log"), "{stderr}");
}

#[test]
fn broken_user_rule_files_stop_the_cockpit_before_the_screen() {
    let bad_signature = "[[rule]]\nid = \"site.x\"\nseverity = \"info\"\npatterns = ['(']\n";
    for (rel, text, want) in [
        (
            "alerts/site.toml",
            "[[rule]]\nname = \"x\"\n",
            "rule x: missing `kind`",
        ),
        (
            "signatures/site.toml",
            bad_signature,
            "rule `site.x`: pattern 1",
        ),
        ("playbooks/site.toml", "[[playbook]]\nid = 3\n", "site.toml"),
    ] {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join(rel);
        std::fs::create_dir_all(file.parent().expect("parent")).expect("mkdir");
        std::fs::write(&file, text).expect("write");
        let (out, stdout, stderr) = run(bin()
            .env("AICOCKPIT_CONFIG_DIR", dir.path())
            .env("AICOCKPIT_STATE_DIR", dir.path())
            .arg("--demo"));
        assert_eq!(out.status.code(), Some(2), "{rel}: {stderr}");
        let named = format!("error: {}", file.display());
        assert!(
            stderr.starts_with(&named),
            "{rel}: want {named:?} in {stderr:?}"
        );
        assert!(stderr.contains(want), "{rel}: want {want:?} in {stderr:?}");
        assert!(stdout.is_empty(), "terminal was written to: {stdout:?}");
    }
}
