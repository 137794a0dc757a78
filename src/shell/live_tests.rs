//! Unit tests of the live sources (kept beside the module, in their own file).
use super::*;
use crate::settings::keymap::Keymap;
use crate::state::{Mode, update};

#[test]
fn training_pods_are_followed_pending_ones_not() {
    let s = crate::sources::embedded::load(crate::sources::embedded::DEFAULT_SCENARIO)
        .expect("default scenario");
    let mut st = AppState::new(Mode::Demo, Keymap::default());
    let batch = s
        .events
        .into_iter()
        .map(|l| TimedEvent {
            at_ms: l.t_ms,
            ev: l.ev,
        })
        .collect();
    update(&mut st, Msg::Source(batch));
    let wanted = wanted_logs(&st);
    assert!(
        !wanted.is_empty(),
        "the default scenario has training ranks"
    );
    for t in &wanted {
        let p = &st.world.pods[&(t.namespace.clone(), t.pod.clone())];
        assert_ne!(p.phase, "Pending");
        assert!(st.world.index.rank_of(&t.namespace, &t.pod).is_some());
        assert!(t.container.is_some(), "{} names its container", t.pod);
    }
    assert!(wanted.len() <= MAX_FOLLOWED);
}

#[tokio::test]
async fn queued_cluster_events_are_coalesced_in_order() {
    let mut live = LiveSources::start(LiveSetup::default());
    live.stop();
    let (tx, rx) = mpsc::unbounded_channel();
    live.rx = rx;
    let ev = |n: i64| TimedEvent {
        at_ms: n,
        ev: SourceEvent::SourceHealth {
            source: "t".into(),
            state: HealthState::Ok,
            message: String::new(),
        },
    };
    for m in [
        Msg::Source(vec![ev(1)]),
        Msg::Source(vec![ev(2), ev(3)]),
        Msg::Tick { now_ms: 9 },
        Msg::Source(vec![ev(4)]),
    ] {
        tx.send(m).expect("send");
    }
    let at = |m: Option<Msg>| match m {
        Some(Msg::Source(b)) => b.iter().map(|t| t.at_ms).collect::<Vec<_>>(),
        other => panic!("not a batch: {other:?}"),
    };
    assert_eq!(at(live.next().await), vec![1, 2, 3]);
    assert_eq!(live.try_next(), Some(Msg::Tick { now_ms: 9 }));
    assert_eq!(at(live.try_next()), vec![4]);
    assert_eq!(live.try_next(), None);
}

#[tokio::test]
async fn a_missing_kubeconfig_is_a_visible_state_not_an_exit() {
    let dir = tempfile::tempdir().expect("tempdir");
    let setup = LiveSetup {
        kubeconfig: Some(dir.path().join("none")),
        read_only: true,
        ..LiveSetup::default()
    };
    assert_eq!(setup.context_name(), "(no kubeconfig context)");
    let mut live = LiveSources::start(setup);
    let msg = loop {
        let m = tokio::time::timeout(Duration::from_secs(5), live.next())
            .await
            .expect("a message in time")
            .expect("channel open");
        if matches!(m, Msg::Source(_)) {
            break m;
        }
    };
    let Msg::Source(evs) = msg else {
        unreachable!()
    };
    assert!(
        matches!(&evs[0].ev, SourceEvent::SourceHealth { source, state: HealthState::Unavailable, message }
        if source == KUBE_SOURCE && message.contains("cannot read kubeconfig"))
    );
}
