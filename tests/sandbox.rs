//! The replay sandbox and the live Kubernetes source prove each other: a scenario served by the
//! sandbox and read back through `sources::kube::run` must give the same derived state as the
//! scenario replayed directly. Also: forbidden resources, an API server that goes away and comes
//! back, and hostile log streams.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Duration;

use aicockpit::contract::event::{HealthState, Msg};
use aicockpit::contract::scenario::{self, Scenario};
use aicockpit::settings::keymap::Keymap;
use aicockpit::sources::kube::{self, KubeOpts};
use aicockpit::sources::kube_logs::{self, LogOpts, LogTarget};
use aicockpit::sources::replay::Replayer;
use aicockpit::sources::sandbox::{self, Pace, SandboxOpts};
use aicockpit::state::{AppState, Mode, update};
use aicockpit::world::World;
use serde_json::Value;
use tokio::sync::mpsc;

fn fixture() -> Scenario {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/live-mini.jsonl"
    );
    let text = std::fs::read_to_string(path).expect("fixture readable");
    scenario::parse(&text, path).expect("fixture parses")
}

fn loopback() -> SocketAddr {
    "127.0.0.1:0".parse().expect("addr")
}

fn new_state() -> AppState {
    let mode = Mode::Live {
        context: "aicockpit-sandbox".into(),
        read_only: true,
    };
    AppState::new(mode, Keymap::embedded().expect("embedded keymap"))
}

/// The world after replaying the whole scenario directly.
fn replayed(sc: Scenario) -> World {
    let mut r = Replayer::new(sc);
    let mut st = new_state();
    let mut evs = r.prime();
    let end = r.duration_ms();
    evs.extend(r.advance_to(end));
    update(&mut st, Msg::Source(evs));
    st.world
}

struct Live {
    state: AppState,
    rx: mpsc::UnboundedReceiver<Msg>,
    _task: tokio::task::JoinHandle<()>,
    _dir: tempfile::TempDir,
}

async fn connect(url: &str, opts: KubeOpts) -> Live {
    let dir = tempfile::tempdir().expect("tempdir");
    let kc = dir.path().join("kubeconfig");
    sandbox::write_kubeconfig(&kc, url).expect("kubeconfig");
    let client = kube::client_from(Some(&kc), None).await.expect("client");
    let (tx, rx) = mpsc::unbounded_channel();
    let task = tokio::spawn(kube::run(client, tx, opts));
    Live {
        state: new_state(),
        rx,
        _task: task,
        _dir: dir,
    }
}

impl Live {
    /// Fold messages in until `done` holds (or panic after 20 s, naming what was seen).
    async fn until(&mut self, what: &str, done: impl Fn(&World) -> bool) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        while !done(&self.state.world) {
            match tokio::time::timeout_at(deadline, self.rx.recv()).await {
                Ok(Some(msg)) => {
                    update(&mut self.state, msg);
                }
                Ok(None) => panic!("source ended before {what}"),
                Err(_) => panic!(
                    "timed out waiting for {what}; health: {:#?}",
                    self.state.world.health
                ),
            }
        }
    }
}

fn health_is(w: &World, source: &str, state: HealthState) -> bool {
    w.health.get(source).is_some_and(|h| h.state == state)
}

const CORE: &[&str] = &[
    "kube/nodes",
    "kube/namespaces",
    "kube/pods",
    "kube/events",
    "kube/jobs",
    "kube/deployments",
    "kube/statefulsets",
    "kube/daemonsets",
    "kube/horizontalpodautoscalers",
    "kube/networkpolicies",
    "kube/configmaps",
];

fn synced(w: &World, extra: &[&str]) -> bool {
    CORE.iter()
        .chain(extra)
        .all(|s| health_is(w, s, HealthState::Ok))
}

/// An object without the fields only a server adds.
fn strip(v: &Value) -> Value {
    let mut v = v.clone();
    if let Some(m) = v.get_mut("metadata").and_then(Value::as_object_mut) {
        m.remove("resourceVersion");
    }
    v
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_source_through_sandbox_equals_direct_replay() {
    let sc = fixture();
    let want = replayed(sc.clone());
    let handle = sandbox::serve(sc, loopback(), SandboxOpts::default())
        .await
        .expect("serve");
    // Pages of two objects: the initial lists go through limit/continue chunking.
    let opts = KubeOpts {
        page_size: 2,
        ..KubeOpts::default()
    };
    let mut live = connect(&handle.url(), opts).await;
    live.until("every watcher synced", |w| {
        synced(w, &["kube/pytorchjobs.kubeflow.org"])
    })
    .await;
    let got = &live.state.world;

    // Nodes: the derived records are equal, and the fixture's facts survived the trip.
    assert_eq!(got.nodes, want.nodes);
    assert_eq!(got.nodes.len(), 3);
    assert_eq!(got.nodes["gpu-a1"].accel_capacity, 8.0);

    // Pods: equal apart from the resourceVersion the server stamped into the raw text.
    let norm = |w: &World| {
        w.pods
            .iter()
            .map(|(k, p)| {
                let raw: Value = serde_json::from_str(&p.raw).expect("raw pod is JSON");
                let mut p = (**p).clone();
                p.raw = String::new();
                (k.clone(), (p, strip(&raw)))
            })
            .collect::<BTreeMap<_, _>>()
    };
    assert_eq!(norm(got), norm(&want));
    let worker = &got.pods[&("ml".to_string(), "llama-ft-worker-0".to_string())];
    assert_eq!(
        (
            worker.status.as_str(),
            worker.restarts,
            worker.node.as_deref()
        ),
        ("CrashLoopBackOff", 3, Some("gpu-a2"))
    );
    assert!(
        !got.pods
            .contains_key(&("ml".to_string(), "llama-ft-stale-0".to_string()))
    );

    // Events: the same set (the order of a list differs from the order of arrival).
    let events = |w: &World| {
        let mut v: Vec<_> = w
            .events
            .iter()
            .map(|e| format!("{}/{} {} {}", e.namespace, e.name, e.reason, e.count))
            .collect();
        v.sort();
        v
    };
    assert_eq!(events(got), events(&want));
    assert!(events(got).iter().any(|e| e.contains("BackOff 3")));

    // Every other kind, raw.
    let objects = |w: &World| {
        w.objects
            .iter()
            .map(|(k, v)| (k.clone(), strip(v)))
            .collect::<BTreeMap<_, _>>()
    };
    assert_eq!(objects(got), objects(&want));
    for kind in [
        "PyTorchJob",
        "Deployment",
        "NetworkPolicy",
        "ConfigMap",
        "Namespace",
    ] {
        assert!(got.objects_of(kind).count() > 0, "no {kind} arrived");
    }
    handle.shutdown().await.expect("shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forbidden_resource_reports_while_others_sync() {
    let opts = SandboxOpts {
        forbidden: vec!["events".into()],
        ..SandboxOpts::default()
    };
    let handle = sandbox::serve(fixture(), loopback(), opts)
        .await
        .expect("serve");
    let mut live = connect(&handle.url(), KubeOpts::default()).await;
    live.until("events forbidden, nodes and pods synced", |w| {
        health_is(w, "kube/events", HealthState::Forbidden)
            && health_is(w, "kube/pods", HealthState::Ok)
            && health_is(w, "kube/nodes", HealthState::Ok)
    })
    .await;
    let w = &live.state.world;
    assert_eq!(
        w.health["kube/events"].message,
        "forbidden: list events in all namespaces"
    );
    assert!(w.events.is_empty());
    assert_eq!(w.nodes.len(), 3);
    assert_eq!(w.pods.len(), 3);
    handle.shutdown().await.expect("shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_server_outage_degrades_then_recovers() {
    let handle = sandbox::serve(fixture(), loopback(), SandboxOpts::default())
        .await
        .expect("serve");
    let addr = handle.addr();
    let opts = KubeOpts {
        probe_every: Duration::from_millis(200),
        discover_crds: false,
        ..KubeOpts::default()
    };
    let mut live = connect(&handle.url(), opts).await;
    live.until("synced", |w| synced(w, &[])).await;
    handle.shutdown().await.expect("shutdown");
    live.until("pods unhealthy", |w| {
        health_is(w, "kube/pods", HealthState::Unavailable)
            || health_is(w, "kube/pods", HealthState::Degraded)
    })
    .await;
    let down = live.state.world.health["kube/pods"].message.clone();
    assert!(!down.is_empty());
    let again = sandbox::serve(fixture(), addr, SandboxOpts::default())
        .await
        .expect("serve again on the same port");
    live.until("pods healthy again", |w| {
        health_is(w, "kube/pods", HealthState::Ok)
    })
    .await;
    assert_eq!(
        live.state.world.pods.len(),
        3,
        "state kept across the outage"
    );
    again.shutdown().await.expect("shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_and_huge_log_lines_do_not_panic() {
    let mut prefix = b"\xff\xfe\x00garbage \xc3\x28\n".to_vec();
    prefix.extend(std::iter::repeat_n(b'x', 1 << 20));
    prefix.push(b'\n');
    let opts = SandboxOpts {
        log_prefix: prefix,
        ..SandboxOpts::default()
    };
    let handle = sandbox::serve(fixture(), loopback(), opts)
        .await
        .expect("serve");
    let dir = tempfile::tempdir().expect("tempdir");
    let kc = dir.path().join("kubeconfig");
    sandbox::write_kubeconfig(&kc, &handle.url()).expect("kubeconfig");
    let client = kube::client_from(Some(&kc), None).await.expect("client");
    let (tx, mut rx) = mpsc::unbounded_channel();
    let target = LogTarget {
        namespace: "ml".into(),
        pod: "llama-ft-master-0".into(),
        container: Some("pytorch".into()),
    };
    let opts = LogOpts {
        follow: false,
        tail_lines: None,
        ..LogOpts::default()
    };
    let n = kube_logs::follow_logs(client, target, tx, opts)
        .await
        .expect("log read");
    assert_eq!(n, 6, "2 injected + 4 recorded lines");
    let mut st = new_state();
    while let Ok(msg) = rx.try_recv() {
        update(&mut st, msg);
    }
    let lines: Vec<&str> = st
        .world
        .logs
        .lines()
        .iter()
        .map(|l| l.line.as_str())
        .collect();
    assert!(
        lines[0].contains("garbage") && lines[0].contains('\u{fffd}'),
        "{:?}",
        lines[0]
    );
    assert!(lines[1].len() < 70 * 1024, "long line was bounded");
    assert!(lines[1].ends_with(&format!(
        "[truncated {} bytes]",
        (1 << 20) - kube_logs::MAX_LINE_BYTES
    )));
    assert!(lines[5].contains("Watchdog caught collective operation timeout"));
    handle.shutdown().await.expect("shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paced_replay_streams_changes_to_watchers() {
    let opts = SandboxOpts {
        pace: Pace::Speed(4),
        ..SandboxOpts::default()
    };
    let handle = sandbox::serve(fixture(), loopback(), opts)
        .await
        .expect("serve");
    assert!(!handle.finished(), "a paced replay starts at t = 0");
    let kopts = KubeOpts {
        discover_crds: false,
        ..KubeOpts::default()
    };
    let mut live = connect(&handle.url(), kopts).await;
    live.until("the worker crash-loops", |w| {
        w.pods
            .get(&("ml".to_string(), "llama-ft-worker-0".to_string()))
            .is_some_and(|p| p.restarts == 3)
    })
    .await;
    live.until("the stale pod is deleted", |w| {
        !w.pods
            .contains_key(&("ml".to_string(), "llama-ft-stale-0".to_string()))
    })
    .await;
    for _ in 0..100 {
        if handle.finished() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(handle.finished(), "the replay reaches its last event");
    handle.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn sandbox_refuses_non_loopback_addresses() {
    let addr: SocketAddr = "0.0.0.0:0".parse().expect("addr");
    let err = sandbox::serve(fixture(), addr, SandboxOpts::default())
        .await
        .err()
        .expect("refused");
    assert!(err.to_string().contains("loopback"), "{err}");
}
