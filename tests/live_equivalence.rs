//! The live path against the replay path on the default embedded scenario: the scenario served by
//! the sandbox and read back through the live session's sources (`live::LiveSources`, as the app
//! runs them) ends in the same derived state — nodes, pods, accelerator inventory, training jobs
//! and ranks, the attention ranking — as the scenario's cluster objects replayed directly. Logs
//! and metrics are not part of the Kubernetes object API, so the direct replay keeps only upserts
//! and deletes. Also: a 403 on pods is a visible state while the rest syncs.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Duration;

use aicockpit::accel::derive::inventory::{self, Inventory};
use aicockpit::contract::event::{HealthState, Msg, SourceEvent, TimedEvent};
use aicockpit::contract::scenario::Scenario;
use aicockpit::settings::keymap::Keymap;
use aicockpit::shell::live::{LiveSetup, LiveSources};
use aicockpit::sources::embedded;
use aicockpit::sources::sandbox::{self, SandboxHandle, SandboxOpts};
use aicockpit::state::{AppState, Mode, refresh_views, update};
use aicockpit::triage::attention_rank::{Key, Ranked};
use aicockpit::world::World;

fn scenario() -> Scenario {
    embedded::load(embedded::DEFAULT_SCENARIO).expect("default scenario")
}

fn new_state() -> AppState {
    let mode = Mode::Live {
        context: "aicockpit-sandbox".into(),
        read_only: true,
    };
    AppState::new(mode, Keymap::embedded().expect("embedded keymap"))
}

/// The scenario's cluster objects (upserts and deletes) replayed directly, in file order.
fn replayed(sc: &Scenario) -> AppState {
    let mut st = new_state();
    let batch = sc
        .events
        .iter()
        .filter(|l| {
            matches!(
                l.ev,
                SourceEvent::Upsert { .. } | SourceEvent::Delete { .. }
            )
        })
        .map(|l| TimedEvent {
            at_ms: sc.start_ms + l.t_ms,
            ev: l.ev.clone(),
        })
        .collect();
    update(&mut st, Msg::Source(batch));
    refresh_views(&mut st);
    st
}

async fn serve(opts: SandboxOpts) -> (SandboxHandle, tempfile::TempDir, LiveSetup) {
    let addr: SocketAddr = "127.0.0.1:0".parse().expect("addr");
    let handle = sandbox::serve(scenario(), addr, opts).await.expect("serve");
    let dir = tempfile::tempdir().expect("tempdir");
    let kc = dir.path().join("kubeconfig");
    sandbox::write_kubeconfig(&kc, &handle.url()).expect("kubeconfig");
    let setup = LiveSetup {
        kubeconfig: Some(kc),
        read_only: true,
        ..LiveSetup::default()
    };
    (handle, dir, setup)
}

/// Fold live messages in until `done` holds (panic after 30 s, naming the health seen).
async fn until(
    live: &mut LiveSources,
    st: &mut AppState,
    what: &str,
    done: impl Fn(&World) -> bool,
) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while !done(&st.world) {
        match tokio::time::timeout_at(deadline, live.next()).await {
            Ok(Some(msg)) => {
                update(st, msg);
            }
            Ok(None) => panic!("live source ended before {what}"),
            Err(_) => panic!(
                "timed out waiting for {what}; health: {:#?}",
                st.world.health
            ),
        }
    }
    refresh_views(st);
}

fn healthy(w: &World, source: &str) -> bool {
    w.health
        .get(source)
        .is_some_and(|h| h.state == HealthState::Ok)
}

/// Every watch reported, none unhealthy, and as many pods and nodes as `want`.
fn synced_like(w: &World, want: &World) -> bool {
    let watches = w.health.keys().filter(|k| k.starts_with("kube/")).count();
    watches >= 12
        && w.health.values().all(|h| h.state == HealthState::Ok)
        && w.pods.len() == want.pods.len()
        && w.nodes.len() == want.nodes.len()
        && w.objects.len() == want.objects.len()
}

/// The attention list without timestamps and without the live session's own source entries
/// (its sick sources, and what it cannot vouch for: the direct replay has no sources at all).
fn ranking(r: &[Ranked]) -> Vec<String> {
    r.iter()
        .filter(|x| !matches!(x.key, Key::Source(_) | Key::Unknown(_)))
        .map(|x| format!("{:?} {:?}", x.severity, x.key))
        .collect()
}

fn inventory_of(w: &World) -> Inventory {
    inventory::build(w, &Default::default())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_sources_through_the_sandbox_equal_direct_replay() {
    let sc = scenario();
    let want = replayed(&sc);
    assert!(
        !want.world.index.jobs.is_empty(),
        "scenario has training jobs"
    );
    let (handle, _dir, setup) = serve(SandboxOpts::default()).await;
    let setup = LiveSetup {
        follow_logs: false,
        ..setup
    };
    let mut live = LiveSources::start(setup);
    let mut got = new_state();
    until(&mut live, &mut got, "a full sync", |w| {
        synced_like(w, &want.world)
    })
    .await;
    assert!(healthy(&got.world, "kube"), "connection reported");

    assert_eq!(got.world.nodes, want.world.nodes);
    let pods = |w: &World| {
        w.pods
            .iter()
            .map(|(k, p)| {
                (
                    k.clone(),
                    (
                        p.status.clone(),
                        p.restarts,
                        p.node.clone(),
                        p.labels.clone(),
                    ),
                )
            })
            .collect::<BTreeMap<_, _>>()
    };
    assert_eq!(pods(&got.world), pods(&want.world));

    let (gi, wi) = (inventory_of(&got.world), inventory_of(&want.world));
    assert!(!wi.nodes.is_empty(), "scenario has accelerator nodes");
    assert_eq!(gi.by_class, wi.by_class);
    assert_eq!(
        gi.nodes
            .iter()
            .map(|n| (&n.name, &n.resources, &n.flags))
            .collect::<Vec<_>>(),
        wi.nodes
            .iter()
            .map(|n| (&n.name, &n.resources, &n.flags))
            .collect::<Vec<_>>()
    );

    assert_eq!(
        got.world.index.jobs, want.world.index.jobs,
        "training jobs and ranks"
    );
    for ((ns, _), job) in &want.world.index.jobs {
        for (_, _, pod) in &job.pods {
            assert_eq!(
                got.world.index.rank_of(ns, pod),
                want.world.index.rank_of(ns, pod)
            );
        }
    }
    let (ga, wa) = (ranking(&got.attention), ranking(&want.attention));
    assert!(!wa.is_empty(), "the incident needs attention");
    assert_eq!(ga, wa, "attention ranking");
    handle.shutdown().await.expect("shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forbidden_pods_are_a_state_while_nodes_sync() {
    let opts = SandboxOpts {
        forbidden: vec!["pods".into()],
        ..SandboxOpts::default()
    };
    let (handle, _dir, setup) = serve(opts).await;
    let mut live = LiveSources::start(setup);
    let mut st = new_state();
    until(&mut live, &mut st, "pods forbidden, nodes synced", |w| {
        w.health
            .get("kube/pods")
            .is_some_and(|h| h.state == HealthState::Forbidden)
            && healthy(w, "kube/nodes")
    })
    .await;
    assert_eq!(
        st.world.health["kube/pods"].message,
        "forbidden: list pods in all namespaces"
    );
    assert!(st.world.pods.is_empty());
    assert!(!st.world.nodes.is_empty());
    let (state, text, _) = aicockpit::ui::health::headline(&st).expect("shown in the header");
    assert_eq!(state, HealthState::Forbidden);
    assert_eq!(text, "forbidden: list pods in all namespaces");
    handle.shutdown().await.expect("shutdown");
}
