//! `aicockpit triage` as a user runs it: formats, --out files, user playbooks, signatures and
//! alert rules from the config directory, exit codes.

use std::process::Command;

fn bin(config: &std::path::Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_aicockpit"));
    c.env("AICOCKPIT_CONFIG_DIR", config);
    c.env_remove("AICOCKPIT_LOG");
    c
}

#[test]
fn json_and_out_dir_for_an_embedded_scenario() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("out");
    let o = bin(dir.path())
        .args([
            "triage",
            "--demo",
            "label-mismatch",
            "--format",
            "json",
            "--out",
        ])
        .arg(&out)
        .output()
        .expect("run");
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(v["schema"], 1);
    assert_eq!(v["findings"][0]["conclusion"], "node-selector-key-mismatch");
    assert_eq!(v["findings"][0]["kind"], "root-cause");
    for f in ["report.md", "findings.json", "evidence.jsonl"] {
        let text = std::fs::read_to_string(out.join(f)).expect(f);
        assert!(!text.is_empty(), "{f} empty");
    }
    // The evidence file replays on its own.
    let o = bin(dir.path())
        .args(["triage", "--format", "text", "--replay"])
        .arg(out.join("evidence.jsonl"))
        .output()
        .expect("run");
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(String::from_utf8_lossy(&o.stdout).contains("node-selector-key-mismatch"));
}

#[test]
fn errors_exit_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    let o = bin(dir.path())
        .args(["triage", "--demo", "no-such"])
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no-such"));
    let o = bin(dir.path())
        .args(["triage", "--replay", "/nonexistent/x.jsonl"])
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(2));
    // A broken user playbook stops the run with its file named.
    std::fs::create_dir_all(dir.path().join("playbooks")).expect("mkdir");
    std::fs::write(
        dir.path().join("playbooks/bad.toml"),
        "[[playbook]]\nid = \"x\"\ntitle = \"x\"\ncategory = \"x\"\nentry = \"nope\"\n",
    )
    .expect("write");
    let o = bin(dir.path()).args(["triage"]).output().expect("run");
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("bad.toml") && err.contains("entry \"nope\""),
        "{err}"
    );
}

#[test]
fn markdown_of_the_default_scenario() {
    let dir = tempfile::tempdir().expect("tempdir");
    let o = bin(dir.path())
        .args(["triage", "--format", "markdown"])
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(0));
    let md = String::from_utf8_lossy(&o.stdout);
    assert!(md.starts_with("# Triage: rdma-netpol"), "{md}");
    assert!(md.contains("## 1. netpol-blocks-rdma"), "{md}");
}

#[test]
fn user_signatures_alert_rules_and_playbooks_come_from_the_config_dir() {
    // A site signature for a line of the default scenario, and a site playbook probing it.
    let dir = tempfile::tempdir().expect("tempdir");
    let write = |rel: &str, text: &str| {
        let p = dir.path().join(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, text).expect("write");
    };
    write(
        "signatures/site.toml",
        "[[rule]]\nid = \"site.socket_fallback\"\nseverity = \"warning\"\n\
         patterns = ['NET/Socket']\n",
    );
    write(
        "alerts/site.toml",
        "[[rule]]\nname = \"SiteErrors\"\nkind = \"error_ratio\"\nthreshold = 0.5\n\
         window = \"5m\"\n",
    );
    let playbook = |probe: &str| {
        format!(
            "[[playbook]]\nid = \"site\"\ntitle = \"t\"\ncategory = \"c\"\nentry = \"a\"\n\
             [[playbook.steps]]\nid = \"a\"\nquestion = \"q?\"\nprobe = {probe}\n\
             yes = \"site-socket\"\nno = \"ok\"\n\
             [[playbook.conclusions]]\nid = \"site-socket\"\nroot_cause = \"r\"\n\
             severity = \"info\"\n"
        )
    };
    write(
        "playbooks/site.toml",
        &playbook("{ kind = \"log_signature\", ids = [\"site.socket_fallback\"] }"),
    );
    let o = bin(dir.path())
        .args(["triage", "--format", "json"])
        .output()
        .expect("run");
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{err}");
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let found = v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .any(|f| f["conclusion"] == "site-socket");
    assert!(found, "the site playbook found the site signature: {v}");
    // A playbook naming the site alert rule validates; a broken alert file stops the run.
    write(
        "playbooks/site.toml",
        &playbook("{ kind = \"serving_alert\", rule = \"SiteErrors\" }"),
    );
    let o = bin(dir.path()).args(["triage"]).output().expect("run");
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    write(
        "alerts/site.toml",
        "[[rule]]\nname = \"SiteErrors\"\nkind = \"nope\"\n",
    );
    let o = bin(dir.path()).args(["triage"]).output().expect("run");
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("alerts/site.toml: rule SiteErrors"), "{err}");
}

#[test]
fn the_config_file_bounds_the_world_and_a_broken_one_stops_the_run() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("config.toml"), "[metrics]\npoints = 1\n").expect("write");
    let o = bin(dir.path()).args(["triage"]).output().expect("run");
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("config.toml: metrics.points must be at least 2, not 1"),
        "{err}"
    );
}
