//! The headless `scan-logs` command: JSON shape, exit codes, user rules, bounded lines.

use std::io::Write;

use aicockpit::shell::cmd::scan_logs::{ScanArgs, for_each_line, run};
use clap::Parser;

#[derive(Parser)]
struct Cli {
    #[command(flatten)]
    args: ScanArgs,
}

fn fixture(name: &str) -> String {
    format!("{}/tests/fixtures/logs/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn scan(argv: &[&str]) -> (i32, String, String) {
    let cli = Cli::try_parse_from(std::iter::once("scan-logs").chain(argv.iter().copied()))
        .expect("arguments parse");
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let rc = run(&cli.args, None, &mut out, &mut err);
    (
        rc,
        String::from_utf8_lossy(&out).into_owned(),
        String::from_utf8_lossy(&err).into_owned(),
    )
}

#[test]
fn json_output_has_the_documented_shape() {
    let dup = fixture("duplicate-gpu-2ranks.log");
    let healthy = fixture("healthy-1rank-info.log");
    let (rc, out, _) = scan(&["--format", "json", &dup, &healthy]);
    assert_eq!(rc, 0);
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["schema_version"], 1);
    assert_eq!(v["files"].as_array().map(Vec::len), Some(2));
    assert_eq!(v["files"][1]["lines"], 97);
    let findings = v["findings"].as_array().expect("findings");
    let dupf = findings
        .iter()
        .find(|f| f["id"] == "nccl.duplicate_gpu")
        .expect("duplicate finding");
    for key in [
        "severity",
        "source",
        "line_no",
        "rank",
        "excerpt",
        "explanation",
        "fields",
    ] {
        assert!(dupf.get(key).is_some(), "missing {key}");
    }
    assert_eq!(dupf["severity"], "critical");
    assert_eq!(dupf["source"], dup.as_str());
    assert!(v["summary"]["critical"].as_u64().is_some_and(|n| n >= 2));
    assert_eq!(
        v["correlation"]["first_failure"]["finding"]["id"],
        "nccl.duplicate_gpu"
    );
}

#[test]
fn text_output_and_min_severity() {
    let (rc, out, _) = scan(&[
        "--min-severity",
        "critical",
        &fixture("cuda-oom-torchrun.log"),
    ]);
    assert_eq!(rc, 0);
    assert!(out.contains("CRITICAL cuda.oom"), "{out}");
    assert!(!out.contains("nccl.socket_transport"), "{out}");
    assert!(
        out.contains("summary: 2 critical, 0 warning, 0 info"),
        "{out}"
    );
}

#[test]
fn missing_file_is_exit_2_but_others_are_scanned() {
    let (rc, out, err) = scan(&["/nonexistent/x.log", &fixture("dmesg-xid43.txt")]);
    assert_eq!(rc, 2);
    assert!(err.contains("/nonexistent/x.log"), "{err}");
    assert!(out.contains("gpu.xid"), "{out}");
}

#[test]
fn user_rules_extend_and_bad_rules_are_reported() {
    let mut good = tempfile::NamedTempFile::new().expect("tmp");
    writeln!(good, "[[rule]]\nid = \"site.rc_line\"\nseverity = \"warning\"\npatterns = ['^rc=(?P<rc>[1-9]\\d*)$']").expect("write");
    let path = good.path().to_string_lossy().into_owned();
    let (rc, out, _) = scan(&[
        "--signatures",
        &path,
        "--format",
        "json",
        &fixture("cuda-device-side-assert.log"),
    ]);
    assert_eq!(rc, 0);
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    let f = v["findings"].as_array().expect("findings");
    assert!(
        f.iter()
            .any(|f| f["id"] == "site.rc_line" && f["fields"]["rc"] == "1"),
        "{out}"
    );

    let mut bad = tempfile::NamedTempFile::new().expect("tmp");
    writeln!(
        bad,
        "[[rule]]\nid = \"site.bad\"\nseverity = \"critical\"\npatterns = ['(']"
    )
    .expect("write");
    let bpath = bad.path().to_string_lossy().into_owned();
    let (rc, _, err) = scan(&["--signatures", &bpath, &fixture("dmesg-xid43.txt")]);
    assert_eq!(rc, 2);
    assert!(err.contains(&bpath) && err.contains("site.bad"), "{err}");
}

#[test]
fn rules_in_the_config_dir_are_used_and_the_command_line_file_wins() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(dir.path().join("signatures")).expect("mkdir");
    let rule = |sev: &str| {
        format!("[[rule]]\nid = \"site.rc_line\"\nseverity = \"{sev}\"\npatterns = ['^rc=[1-9]']\n")
    };
    std::fs::write(dir.path().join("signatures/site.toml"), rule("warning")).expect("write");
    let cli = Cli::try_parse_from([
        "scan-logs",
        "--format",
        "json",
        &fixture("cuda-device-side-assert.log"),
    ])
    .expect("arguments parse");
    let sev = |args: &ScanArgs| {
        let (mut out, mut err) = (Vec::new(), Vec::new());
        assert_eq!(run(args, Some(dir.path()), &mut out, &mut err), 0);
        let v: serde_json::Value = serde_json::from_slice(&out).expect("json");
        v["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .find(|f| f["id"] == "site.rc_line")
            .map(|f| f["severity"].to_string())
    };
    assert_eq!(sev(&cli.args).as_deref(), Some("\"warning\""));
    let extra = dir.path().join("extra.toml");
    std::fs::write(&extra, rule("critical")).expect("write");
    let mut args = cli.args.clone();
    args.signatures = Some(extra);
    assert_eq!(sev(&args).as_deref(), Some("\"critical\""));
    std::fs::write(
        dir.path().join("signatures/site.toml"),
        "[[rule]]\nid = 1\n",
    )
    .expect("write");
    let (mut out, mut err) = (Vec::new(), Vec::new());
    assert_eq!(run(&cli.args, Some(dir.path()), &mut out, &mut err), 2);
    let err = String::from_utf8_lossy(&err);
    assert!(err.contains("signatures/site.toml"), "{err}");
}

#[test]
fn bad_peer_argument_is_a_usage_error() {
    let (rc, _, err) = scan(&["--peer", "nonsense", &fixture("dmesg-xid43.txt")]);
    assert_eq!(rc, 2);
    assert!(err.contains("IP=POD"), "{err}");
}

#[test]
fn long_lines_are_capped_and_crlf_trimmed() {
    let mut data = vec![b'x'; 300_000];
    data.extend_from_slice(b"\r\nshort\r\nlast");
    let mut seen = Vec::new();
    let total = for_each_line(&mut &data[..], |n, l, _| {
        seen.push((n, l.len(), l.to_vec()))
    })
    .expect("read");
    assert_eq!(total, data.len() as u64);
    assert_eq!(seen.len(), 3);
    assert_eq!(seen[0].1, aicockpit::training::derive::nccl::line::MAX_LINE);
    assert_eq!(seen[1].2, b"short");
    assert_eq!((seen[2].0, seen[2].2.as_slice()), (3, &b"last"[..]));
}
