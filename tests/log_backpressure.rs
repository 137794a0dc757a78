//! A chatty pod cannot run ahead of the cockpit: a 20 MB log read through a bounded sink stops
//! after the sink fills (the follower waits, the stream waits), and once the cockpit drains it
//! every line arrives, in order, none lost.

use std::net::SocketAddr;
use std::time::Duration;

use aicockpit::contract::event::{Msg, SourceEvent};
use aicockpit::contract::scenario;
use aicockpit::sources::kube;
use aicockpit::sources::kube_logs::{self, LogOpts, LogTarget};
use aicockpit::sources::sandbox::{self, SandboxOpts};
use tokio::sync::mpsc;

const LINES: usize = 200_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chatty_log_waits_for_the_cockpit_and_loses_nothing() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/live-mini.jsonl"
    );
    let text = std::fs::read_to_string(path).expect("fixture readable");
    let sc = scenario::parse(&text, path).expect("fixture parses");
    let mut prefix = Vec::with_capacity(LINES * 100);
    for i in 0..LINES {
        prefix.extend_from_slice(format!("{i:08} {}\n", "x".repeat(90)).as_bytes());
    }
    let opts = SandboxOpts {
        log_prefix: prefix,
        ..SandboxOpts::default()
    };
    let addr: SocketAddr = "127.0.0.1:0".parse().expect("addr");
    let handle = sandbox::serve(sc, addr, opts).await.expect("serve");
    let dir = tempfile::tempdir().expect("tempdir");
    let kc = dir.path().join("kubeconfig");
    sandbox::write_kubeconfig(&kc, &handle.url()).expect("kubeconfig");
    let client = kube::client_from(Some(&kc), None).await.expect("client");

    let (tx, mut rx) = mpsc::channel::<Msg>(2);
    let target = LogTarget {
        namespace: "ml".into(),
        pod: "llama-ft-master-0".into(),
        container: Some("pytorch".into()),
    };
    let lopts = LogOpts {
        follow: false,
        tail_lines: None,
        ..LogOpts::default()
    };
    let follower = tokio::spawn(kube_logs::follow_logs(client, target, tx, lopts));
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert!(
        !follower.is_finished(),
        "the follower waits for room instead of reading the whole stream"
    );
    let queued = rx.len();
    assert!(
        queued <= 2,
        "at most the sink's capacity is queued ({queued})"
    );

    let mut lines = Vec::new();
    while let Some(msg) = tokio::time::timeout(Duration::from_secs(30), rx.recv())
        .await
        .expect("lines keep coming")
    {
        let Msg::Source(batch) = msg else { continue };
        for te in batch {
            if let SourceEvent::Log { line, .. } = te.ev {
                lines.push(line);
            }
        }
    }
    let sent = follower.await.expect("join").expect("log read");
    assert_eq!(sent, lines.len());
    assert_eq!(
        lines.len(),
        LINES + 4,
        "every injected line and the 4 recorded ones"
    );
    for (i, l) in lines.iter().take(LINES).enumerate().step_by(9973) {
        assert!(
            l.starts_with(&format!("{i:08} ")),
            "line {i} in order: {l:.20}"
        );
    }
    handle.shutdown().await.expect("shutdown");
}
