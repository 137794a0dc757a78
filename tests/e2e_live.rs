//! End to end, live: the real binary in a real terminal (a detached tmux session, 140×40) with no
//! `--demo`, pointed by `--kubeconfig` at the replay sandbox served from this test. The header
//! shows the live read-only badge and the sandbox context, the panes fill from the cluster,
//! `:ns` narrows the scope, the API server going away shows in the header, and `q` quits with 0.
//!
//! Skipped, with a message, when tmux is not installed (except under CI, where it must be).

use std::net::SocketAddr;
use std::process::Command;
use std::time::{Duration, Instant};

use aicockpit::sources::embedded;
use aicockpit::sources::sandbox::{self, SandboxOpts};

const WAIT: Duration = Duration::from_secs(20);

struct Tmux {
    socket: String,
}

impl Tmux {
    fn cmd(&self, args: &[&str]) -> std::process::Output {
        Command::new("tmux")
            .args(["-L", &self.socket, "-f", "/dev/null"])
            .args(args)
            .output()
            .expect("run tmux")
    }

    fn capture(&self) -> String {
        String::from_utf8_lossy(&self.cmd(&["capture-pane", "-p", "-t", "t"]).stdout).into_owned()
    }

    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "t"];
        args.extend_from_slice(keys);
        assert!(self.cmd(&args).status.success(), "send-keys {keys:?}");
    }

    async fn wait_for(&self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let screen = self.capture();
            if pred(&screen) {
                return screen;
            }
            assert!(
                start.elapsed() < WAIT,
                "timed out waiting for {what}; screen:\n{screen}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.cmd(&["kill-server"]);
    }
}

fn tmux_available() -> bool {
    let ok = Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            std::env::var_os("CI").is_none(),
            "tmux is required under CI (.ci/run installs it)"
        );
        eprintln!("SKIPPED: tmux not found");
    }
    ok
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_mode_connects_switches_namespace_and_shows_an_outage() {
    if !tmux_available() {
        return;
    }
    let sc = embedded::load(embedded::DEFAULT_SCENARIO).expect("scenario");
    let nodes = sc
        .events
        .iter()
        .filter(|l| {
            matches!(&l.ev, aicockpit::event::SourceEvent::Upsert { object } if object["kind"] == "Node")
        })
        .count();
    let addr: SocketAddr = "127.0.0.1:0".parse().expect("addr");
    let handle = sandbox::serve(sc, addr, SandboxOpts::default())
        .await
        .expect("serve");
    let home = tempfile::tempdir().expect("tempdir");
    let kc = home.path().join("kubeconfig");
    sandbox::write_kubeconfig(&kc, &handle.url()).expect("kubeconfig");
    let tmux = Tmux {
        socket: format!("aicockpit-e2e-live-{}", std::process::id()),
    };
    let script = format!(
        "env HOME='{home}' AICOCKPIT_CONFIG_DIR='{home}/cfg' '{bin}' --kubeconfig '{kc}'; \
         echo AFTER-$?; sleep 600",
        home = home.path().display(),
        bin = env!("CARGO_BIN_EXE_aicockpit"),
        kc = kc.display(),
    );
    let started = tmux.cmd(&[
        "new-session",
        "-d",
        "-s",
        "t",
        "-x",
        "140",
        "-y",
        "40",
        "sh",
        "-c",
        &script,
    ]);
    assert!(started.status.success(), "tmux new-session failed");

    let ready = format!("nodes {nodes}/{nodes} ready");
    // Nodes, pods and the training job arrive from separate watches, in any order.
    tmux.wait_for(
        "the live header, the synced nodes and the training job",
        |s| {
            s.contains("LIVE · READ-ONLY")
                && s.contains("aicockpit-sandbox")
                && s.contains(&ready)
                && s.contains("llm-pretrain-worker")
        },
    )
    .await;

    // `:ns ml-serving` narrows the pods; the training job (in another namespace) goes away.
    tmux.keys(&[":", "ns ml-serving", "Enter"]);
    tmux.wait_for("the namespace switch", |s| {
        s.contains("watching namespace ml-serving") && !s.contains("llm-pretrain-worker")
    })
    .await;

    let header_warning = |s: &str| {
        s.lines()
            .take(2)
            .any(|l| l.contains("⚠") && !l.contains("connecting"))
    };
    tmux.wait_for("every source healthy again", |s| {
        s.lines()
            .nth(1)
            .is_some_and(|l| l.contains("nodes") && !l.contains("⚠"))
    })
    .await;

    // The API server goes away: the header says so instead of the app dying.
    handle.shutdown().await.expect("shutdown");
    tmux.wait_for("the outage in the header", header_warning)
        .await;

    tmux.keys(&["q"]);
    tmux.wait_for("a clean exit", |s| s.contains("AFTER-0"))
        .await;
}
