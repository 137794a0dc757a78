//! End to end, live: the real binary in a real terminal (a detached tmux session, 140×40) with no
//! `--demo`, pointed by `--kubeconfig` at the replay sandbox served from this test. The header
//! shows the live read-only badge and the sandbox context, the panes fill from the cluster,
//! `:ns` narrows the scope, the API server going away shows in the header, and `q` quits with 0.
//!
//! Skipped, with a message, when tmux is not installed (except under CI, where it must be).

use std::net::SocketAddr;
use std::time::{Duration, Instant};

mod tmux_support;
use tmux_support::{Tmux, WAIT, tmux_available};

use aicockpit::sources::embedded;
use aicockpit::sources::sandbox::{self, SandboxOpts};

/// Poll the screen until `pred` holds, yielding to the runtime that serves the sandbox.
async fn wait_for(tmux: &Tmux, what: &str, pred: impl Fn(&str) -> bool) -> String {
    let start = Instant::now();
    loop {
        let screen = tmux.capture();
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
            matches!(&l.ev, aicockpit::contract::event::SourceEvent::Upsert { object } if object["kind"] == "Node")
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
    tmux.start(140, 40, &script);

    let ready = format!("nodes {nodes}/{nodes} ready");
    // Nodes, pods and the training job arrive from separate watches, in any order.
    wait_for(
        &tmux,
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
    wait_for(&tmux, "the namespace switch", |s| {
        s.contains("watching namespace ml-serving") && !s.contains("llm-pretrain-worker")
    })
    .await;

    let header_warning = |s: &str| {
        s.lines()
            .take(2)
            .any(|l| l.contains("⚠") && !l.contains("connecting"))
    };
    wait_for(&tmux, "every source healthy again", |s| {
        s.lines()
            .nth(1)
            .is_some_and(|l| l.contains("nodes") && !l.contains("⚠"))
    })
    .await;

    // The API server goes away: the header says so instead of the app dying.
    handle.shutdown().await.expect("shutdown");
    wait_for(&tmux, "the outage in the header", header_warning).await;

    tmux.keys(&["q"]);
    wait_for(&tmux, "a clean exit", |s| s.contains("AFTER-0")).await;
}
