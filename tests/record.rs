//! `aicockpit record` against the replay sandbox: a fixture with secrets planted in a training
//! pod's environment, its last-applied annotation and its log is recorded through the live
//! sources; the file parses with the strict scenario reader, replays into the same pods, keeps the
//! allow-listed variables and contains none of the secret values. Also the binary, stopped by its
//! `--duration`.

use std::net::SocketAddr;
use std::time::Duration;

use aicockpit::contract::event::SourceEvent;
use aicockpit::contract::scenario::{self, Line, Scenario};
use aicockpit::shell::live::LiveSetup;
use aicockpit::shell::record::{self, RecordOpts};
use aicockpit::sources::sandbox::{self, SandboxOpts};
use serde_json::json;

const SECRETS: &[&str] = &[
    "hf_SeCrEtHuggingFaceToken0123456789abcd",
    "sUpErS3cretDbPassw0rd",
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZG1pbiJ9.c2lnbmF0dXJl",
    "wandbKEY0123456789",
];

/// The live-mini fixture with secrets planted in the master pod and its log.
fn fixture() -> Scenario {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/live-mini.jsonl"
    );
    let text = std::fs::read_to_string(path).expect("fixture readable");
    let mut sc = scenario::parse(&text, path).expect("fixture parses");
    let t_ms = sc.duration_ms();
    let mut pod = sc
        .events
        .iter()
        .find_map(|l| match &l.ev {
            SourceEvent::Upsert { object }
                if object["metadata"]["name"] == "llama-ft-master-0" && object["kind"] == "Pod" =>
            {
                Some(object.clone())
            }
            _ => None,
        })
        .expect("master pod in fixture");
    pod["spec"]["containers"][0]["env"] = json!([
        {"name": "NCCL_SOCKET_IFNAME", "value": "eth0"},
        {"name": "MASTER_PORT", "value": "23456"},
        {"name": "HF_TOKEN", "value": SECRETS[0]},
        {"name": "DB_PASSWORD", "value": SECRETS[1]},
    ]);
    pod["metadata"]["annotations"] = json!({
        "kubectl.kubernetes.io/last-applied-configuration": format!("{{\"env\":\"{}\"}}", SECRETS[1])
    });
    sc.events.push(Line {
        t_ms,
        ev: SourceEvent::Upsert { object: pod },
    });
    for line in [
        format!("calling hub with Authorization: Bearer {}", SECRETS[2]),
        format!("wandb: api_key={} logged in", SECRETS[3]),
    ] {
        sc.events.push(Line {
            t_ms,
            ev: SourceEvent::Log {
                namespace: "ml".into(),
                pod: "llama-ft-master-0".into(),
                container: "pytorch".into(),
                line,
            },
        });
    }
    sc
}

async fn sandbox_kubeconfig() -> (
    sandbox::SandboxHandle,
    tempfile::TempDir,
    std::path::PathBuf,
) {
    let addr: SocketAddr = "127.0.0.1:0".parse().expect("addr");
    let handle = sandbox::serve(fixture(), addr, SandboxOpts::default())
        .await
        .expect("serve");
    let dir = tempfile::tempdir().expect("tempdir");
    let kc = dir.path().join("kubeconfig");
    sandbox::write_kubeconfig(&kc, &handle.url()).expect("kubeconfig");
    (handle, dir, kc)
}

fn check_recording(text: &str, file: &str) -> Scenario {
    let rec = scenario::parse(text, file).expect("the recording is a valid scenario");
    for s in SECRETS {
        assert!(!text.contains(s), "secret {s} leaked into the recording");
    }
    assert!(
        text.contains("\"NCCL_SOCKET_IFNAME\",\"value\":\"eth0\""),
        "allow-listed env kept"
    );
    assert!(text.contains("\"MASTER_PORT\",\"value\":\"23456\""));
    assert!(
        text.contains("Bearer REDACTED"),
        "log line recorded, token redacted"
    );
    rec
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn record_from_the_sandbox_is_valid_and_redacted() {
    let (handle, dir, kc) = sandbox_kubeconfig().await;
    let out = dir.path().join("rec.jsonl");
    let opts = RecordOpts {
        out: out.clone(),
        duration: Some(Duration::from_secs(4)),
        setup: LiveSetup {
            kubeconfig: Some(kc),
            read_only: true,
            follow_logs: true,
            ..LiveSetup::default()
        },
    };
    let mut calls = 0;
    let stats = record::record(opts, std::future::pending(), |_| calls += 1)
        .await
        .expect("recorded");
    assert!(
        calls >= 3,
        "progress reported about once a second ({calls})"
    );
    let text = std::fs::read_to_string(&out).expect("read recording");
    let rec = check_recording(&text, "rec.jsonl");
    assert_eq!(stats.events as usize, rec.events.len());
    assert!(stats.logs >= 2);
    // The recording replays into the same pods as the sandbox serves.
    let pods = |s: &Scenario| {
        let mut v: Vec<String> = s
            .events
            .iter()
            .filter_map(|l| match &l.ev {
                SourceEvent::Upsert { object } if object["kind"] == "Pod" => {
                    object["metadata"]["name"].as_str().map(str::to_string)
                }
                _ => None,
            })
            .collect();
        v.sort();
        v.dedup();
        v
    };
    let mut want = pods(&fixture());
    want.retain(|p| p != "llama-ft-stale-0");
    assert_eq!(pods(&rec), want);
    handle.shutdown().await.expect("shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn record_binary_stops_after_its_duration() {
    let (handle, dir, kc) = sandbox_kubeconfig().await;
    let out = dir.path().join("bin.jsonl");
    let bin = env!("CARGO_BIN_EXE_aicockpit");
    let o = tokio::process::Command::new(bin)
        .arg("record")
        .arg("--out")
        .arg(&out)
        .args(["--duration", "3s", "--kubeconfig"])
        .arg(&kc)
        .output()
        .await
        .expect("run record");
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{stderr}");
    assert!(stderr.contains("events"), "{stderr}");
    let text = std::fs::read_to_string(&out).expect("read recording");
    check_recording(&text, "bin.jsonl");
    handle.shutdown().await.expect("shutdown");
}
