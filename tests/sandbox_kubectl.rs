//! The replay sandbox against the real `kubectl`: discovery, table printing, logs, watch and a
//! refused write. Skipped (with the reason printed) where kubectl is not on PATH.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use aicockpit::contract::scenario;
use aicockpit::sources::sandbox::{self, Pace, SandboxHandle, SandboxOpts};

fn fixture() -> scenario::Scenario {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/live-mini.jsonl"
    );
    let text = std::fs::read_to_string(path).expect("fixture readable");
    scenario::parse(&text, path).expect("fixture parses")
}

fn kubectl_present() -> bool {
    let ok = Command::new("kubectl")
        .args(["version", "--client"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        eprintln!("skipped: kubectl is not on PATH");
    }
    ok
}

struct Ctl {
    kubeconfig: PathBuf,
    cache: PathBuf,
    _dir: tempfile::TempDir,
    handle: SandboxHandle,
}

async fn start() -> Ctl {
    start_with(SandboxOpts::default()).await
}

async fn start_with(opts: SandboxOpts) -> Ctl {
    let handle = sandbox::serve(fixture(), "127.0.0.1:0".parse().expect("addr"), opts)
        .await
        .expect("sandbox serves");
    let dir = tempfile::tempdir().expect("tempdir");
    let kubeconfig = dir.path().join("kubeconfig");
    sandbox::write_kubeconfig(&kubeconfig, &handle.url()).expect("kubeconfig written");
    Ctl {
        cache: dir.path().join("cache"),
        kubeconfig,
        _dir: dir,
        handle,
    }
}

async fn run(kc: &Path, cache: &Path, args: &[&str], timeout_s: Option<u32>) -> Output {
    let mut cmd = match timeout_s {
        Some(t) => {
            let mut c = Command::new("timeout");
            c.arg(t.to_string()).arg("kubectl");
            c
        }
        None => Command::new("kubectl"),
    };
    cmd.arg("--kubeconfig")
        .arg(kc)
        .arg("--cache-dir")
        .arg(cache)
        .args(args);
    tokio::task::spawn_blocking(move || cmd.output().expect("kubectl runs"))
        .await
        .expect("join")
}

fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_gets_nodes_pods_and_events() {
    if !kubectl_present() {
        return;
    }
    let c = start().await;
    let (kc, cache) = (&c.kubeconfig, &c.cache);

    let o = run(kc, cache, &["get", "nodes"], None).await;
    let (out, err) = text(&o);
    assert!(o.status.success(), "get nodes failed: {err}");
    let header = out.lines().next().unwrap_or("");
    assert!(
        header.contains("STATUS") && header.contains("ROLES"),
        "{out}"
    );
    for n in ["cp-1", "gpu-a1", "gpu-a2"] {
        assert!(out.contains(n), "node {n} missing from:\n{out}");
    }
    assert!(out.contains("control-plane"), "{out}");

    let o = run(kc, cache, &["get", "pods", "-A", "-o", "wide"], None).await;
    let (out, err) = text(&o);
    assert!(o.status.success(), "get pods failed: {err}");
    let worker = out
        .lines()
        .find(|l| l.contains("llama-ft-worker-0"))
        .unwrap_or_else(|| panic!("worker missing:\n{out}"));
    for cell in ["ml", "0/1", "CrashLoopBackOff", "3", "gpu-a2"] {
        assert!(worker.contains(cell), "{cell} missing from {worker:?}");
    }
    assert!(out.contains("vllm-llama-7d9f-abcde"), "{out}");
    assert!(
        !out.contains("llama-ft-stale-0"),
        "deleted pod listed:\n{out}"
    );

    let o = run(kc, cache, &["get", "events", "-A"], None).await;
    let (out, err) = text(&o);
    assert!(o.status.success(), "get events failed: {err}");
    assert!(
        out.contains("BackOff") && out.contains("pod/llama-ft-worker-0"),
        "{out}"
    );

    let o = run(kc, cache, &["-n", "ml", "get", "pytorchjobs"], None).await;
    let (out, err) = text(&o);
    assert!(o.status.success(), "get pytorchjobs failed: {err}");
    assert!(out.contains("llama-ft"), "{out}");

    let o = run(
        kc,
        cache,
        &[
            "-n",
            "ml",
            "get",
            "po",
            "-l",
            "training.kubeflow.org/replica-type=master",
            "-o",
            "name",
        ],
        None,
    )
    .await;
    let (out, err) = text(&o);
    assert!(o.status.success(), "label selector failed: {err}");
    assert_eq!(out.trim(), "pod/llama-ft-master-0");
    drop(c.handle);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_reads_logs_and_watches() {
    if !kubectl_present() {
        return;
    }
    let c = start().await;
    let (kc, cache) = (&c.kubeconfig, &c.cache);

    let o = run(kc, cache, &["-n", "ml", "logs", "llama-ft-master-0"], None).await;
    let (out, err) = text(&o);
    assert!(o.status.success(), "logs failed: {err}");
    assert_eq!(out.lines().count(), 4, "{out}");
    assert!(
        out.contains("Watchdog caught collective operation timeout"),
        "{out}"
    );

    let o = run(
        kc,
        cache,
        &[
            "-n",
            "ml",
            "logs",
            "llama-ft-master-0",
            "--tail=1",
            "--timestamps",
        ],
        None,
    )
    .await;
    let (out, _) = text(&o);
    assert_eq!(out.lines().count(), 1, "{out}");
    assert!(out.starts_with("2026-03-14T02:00:03"), "{out}");

    let o = run(kc, cache, &["-n", "ml", "get", "pods", "--watch"], Some(3)).await;
    let (out, err) = text(&o);
    assert_eq!(
        o.status.code(),
        Some(124),
        "watch should run until killed: {err}"
    );
    assert!(
        out.contains("llama-ft-master-0") && out.contains("llama-ft-worker-0"),
        "{out}"
    );
    drop(c.handle);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_writes_are_refused() {
    if !kubectl_present() {
        return;
    }
    let c = start().await;
    let (kc, cache) = (&c.kubeconfig, &c.cache);
    for args in [
        &["-n", "ml", "delete", "pod", "llama-ft-master-0"][..],
        &["-n", "ml", "label", "pod", "llama-ft-master-0", "x=y"][..],
    ] {
        let o = run(kc, cache, args, None).await;
        let (_, err) = text(&o);
        assert!(!o.status.success(), "{args:?} succeeded");
        assert!(err.contains("read-only sandbox"), "{args:?}: {err}");
    }
    let o = run(
        kc,
        cache,
        &["-n", "ml", "get", "pod", "llama-ft-master-0", "-o", "name"],
        None,
    )
    .await;
    assert_eq!(text(&o).0.trim(), "pod/llama-ft-master-0");
    drop(c.handle);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_watch_sees_replayed_changes() {
    if !kubectl_present() {
        return;
    }
    let c = start_with(SandboxOpts {
        pace: Pace::Speed(1),
        ..SandboxOpts::default()
    })
    .await;
    let (kc, cache) = (&c.kubeconfig, &c.cache);
    let o = run(kc, cache, &["-n", "ml", "get", "pods", "--watch"], Some(5)).await;
    let (out, err) = text(&o);
    assert_eq!(
        o.status.code(),
        Some(124),
        "watch should run until killed: {err}"
    );
    assert_eq!(
        out.lines().filter(|l| l.starts_with("NAME")).count(),
        1,
        "{out}"
    );
    let worker: Vec<&str> = out
        .lines()
        .filter(|l| l.contains("llama-ft-worker-0"))
        .collect();
    assert!(
        worker.first().is_some_and(|l| l.contains("Running")),
        "{out}"
    );
    assert!(
        worker
            .last()
            .is_some_and(|l| l.contains("CrashLoopBackOff") && l.contains(" 3 ")),
        "the crash arrives through the watch:\n{out}"
    );
    drop(c.handle);
}
