//! The attention list is the one list of what needs attention, and it never claims all is well
//! when it cannot know: the serving scenarios replayed through the reducer as the app plays them
//! (events, tick, replay status every 15 s) keep every pending or firing alert in the list, under
//! the root cause that explains it; a replay still loading, a watch still syncing, a forbidden
//! resource or an unreachable Prometheus are said, and "nothing needs attention" appears only on
//! a synced, healthy, quiet world.

mod ui_support;

use aicockpit::contract::action::Action;
use aicockpit::contract::event::{HealthState, Msg, SourceEvent, TimedEvent};
use aicockpit::contract::scenario::{self, Line, Scenario};
use aicockpit::serving::derive::alert_eval::AlertState;
use aicockpit::settings::keymap::Keymap;
use aicockpit::sources::generator::{self, SyntheticOpts, synthetic};
use aicockpit::sources::replay::Replayer;
use aicockpit::state::ui::Pane;
use aicockpit::state::{AppState, Mode, update};
use aicockpit::triage::attention_rank::Key;
use serde_json::json;
use ui_support::{render, state_from};

const ALL_CLEAR: &str = "nothing needs attention";

fn demo() -> AppState {
    AppState::new(Mode::Demo, Keymap::embedded().expect("keymap"))
}

fn live() -> AppState {
    let mode = Mode::Live {
        context: "prod".into(),
        read_only: true,
    };
    AppState::new(mode, Keymap::embedded().expect("keymap"))
}

/// The Triage pane zoomed, as text.
fn triage_screen(st: &mut AppState) -> String {
    st.ui.focus = Pane::Triage;
    if !st.ui.zoom {
        update(st, Msg::Action(Action::Zoom));
    }
    render(st, 120, 40)
}

/// Hand `rp`'s due events to the reducer the way the replay task does: events, tick, status.
fn step(st: &mut AppState, rp: &Replayer, events: Vec<TimedEvent>) {
    update(st, Msg::Source(events));
    update(
        st,
        Msg::Tick {
            now_ms: rp.now_ms(),
        },
    );
    update(st, Msg::Replay(rp.status()));
}

/// Every pending or firing alert of the Serving view is in the attention list, firing as
/// critical and pending as warning; returns how many were active.
fn alerts_listed(st: &AppState, at: &str) -> usize {
    let active: Vec<_> = st.serving.alerts.iter().filter(|a| a.active()).collect();
    for a in &active {
        let want = match a.state {
            AlertState::Firing { .. } => aicockpit::domain::severity::Severity::Critical,
            _ => aicockpit::domain::severity::Severity::Warning,
        };
        let listed = st.attention.iter().any(|r| match &r.key {
            Key::Alert(b) => {
                b.endpoint == a.endpoint && b.rule == a.rule && b.state == a.state
            }
            _ => false,
        } && r.severity == want);
        assert!(
            listed,
            "{at}: {} {} not listed as {want:?}",
            a.endpoint.name, a.rule
        );
    }
    active.len()
}

/// Replay a built-in serving scenario to its end in 15 s steps, checking the list at each.
fn replayed_to_the_end(name: &str) -> AppState {
    let sc = generator::generate(name).expect("known scenario");
    let mut st = demo();
    let mut rp = Replayer::new(sc);
    update(&mut st, Msg::ReplayLoaded(rp.info(120)));
    let first = rp.prime();
    step(&mut st, &rp, first);
    let mut seen_active = false;
    let mut pos = 0;
    while !rp.finished() {
        pos += 15_000;
        let evs = rp.advance_to(pos);
        step(&mut st, &rp, evs);
        if alerts_listed(&st, &format!("{name} +{}s", pos / 1000)) > 0 {
            seen_active = true;
            let screen = triage_screen(&mut st);
            assert!(!screen.contains(ALL_CLEAR), "{name} +{pos}: {screen}");
        }
    }
    assert!(seen_active, "{name}: no alert went pending or firing");
    st
}

/// Row index of the first line of `screen` containing `needle`.
fn row(screen: &str, needle: &str) -> usize {
    screen
        .lines()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("no {needle:?} in\n{screen}"))
}

#[test]
fn vllm_queue_ends_with_the_firing_alert_under_its_root_cause() {
    let mut st = replayed_to_the_end("vllm-queue");
    let screen = triage_screen(&mut st);
    assert!(!screen.contains(ALL_CLEAR), "{screen}");
    let alert = row(&screen, "FIRING p99 > 10s");
    let cause = row(&screen, "cause: ");
    assert!(
        cause < alert,
        "the root cause leads what it explains:\n{screen}"
    );
    assert!(screen.contains("↳ FIRING p99 > 10s"), "{screen}");
    assert!(
        screen.contains("deployment ml-serving/llama3-inference"),
        "{screen}"
    );
    insta::assert_snapshot!(screen);
}

#[test]
fn bad_rollout_ends_with_the_firing_alert_under_its_root_cause() {
    let mut st = replayed_to_the_end("bad-rollout");
    let screen = triage_screen(&mut st);
    assert!(!screen.contains(ALL_CLEAR), "{screen}");
    let alert = row(&screen, "FIRING errors > 5%");
    let cause = row(&screen, "cause: ");
    assert!(cause < alert, "{screen}");
    assert!(
        screen.contains("5f7b8c9d6f"),
        "the cause names the revision:\n{screen}"
    );
    insta::assert_snapshot!(screen);
}

#[test]
fn a_replay_still_loading_says_how_far_it_got() {
    let opts = SyntheticOpts {
        nodes: 40,
        pods: 400,
        duration_s: 30,
        ..SyntheticOpts::default()
    };
    let mut rp = Replayer::new(synthetic(&opts));
    rp.set_batch_limit(500);
    let mut st = demo();
    update(&mut st, Msg::ReplayLoaded(rp.info(120)));
    let first = rp.prime();
    step(&mut st, &rp, first);
    let screen = triage_screen(&mut st);
    assert!(!screen.contains(ALL_CLEAR), "{screen}");
    let due = rp.status().due;
    let loading = format!("replay loading {} %", 500 * 100 / due);
    assert!(screen.contains(&loading), "{loading:?} in\n{screen}");
    // What is not known leads the list.
    assert!(
        row(&screen, "replay loading") < row(&screen, "CrashLoopBackOff"),
        "{screen}"
    );
    while rp.status().cursor < rp.status().due {
        let evs = rp.advance(0);
        step(&mut st, &rp, evs);
    }
    let screen = triage_screen(&mut st);
    assert!(!screen.contains("replay loading"), "{screen}");
}

fn health(st: &mut AppState, at_ms: i64, source: &str, state: HealthState, message: &str) {
    let ev = SourceEvent::SourceHealth {
        source: source.into(),
        state,
        message: message.into(),
    };
    update(st, Msg::Source(vec![TimedEvent { at_ms, ev }]));
    update(st, Msg::Tick { now_ms: at_ms });
}

fn quiet_cluster(st: &mut AppState) {
    let node = json!({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n1"},
        "status": {"conditions": [{"type": "Ready", "status": "True"}]}});
    let pod = json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "p1", "namespace": "ml"},
        "spec": {"nodeName": "n1", "containers": [{"name": "c"}]},
        "status": {"phase": "Running", "containerStatuses": [{"name": "c", "ready": true,
            "restartCount": 0, "state": {"running": {}}}]}});
    let batch = [node, pod]
        .into_iter()
        .map(|object| TimedEvent {
            at_ms: 1_000,
            ev: SourceEvent::Upsert { object },
        })
        .collect();
    update(st, Msg::Source(batch));
}

#[test]
fn a_live_session_says_what_it_does_not_know_until_it_is_synced_and_healthy() {
    let mut st = live();
    assert!(triage_screen(&mut st).contains("not looked at yet"));
    update(&mut st, Msg::Tick { now_ms: 500 });
    assert!(triage_screen(&mut st).contains("connecting: no source has answered yet"));
    health(&mut st, 1_000, "kube", HealthState::Ok, "context prod");
    let screen = triage_screen(&mut st);
    assert!(
        screen.contains("connected: no resource listed yet"),
        "{screen}"
    );
    for w in ["kube/nodes", "kube/pods", "kube/events"] {
        health(
            &mut st,
            1_000,
            w,
            HealthState::Syncing,
            "waiting for the first list",
        );
    }
    quiet_cluster(&mut st);
    health(
        &mut st,
        2_000,
        "kube/pods",
        HealthState::Syncing,
        "12,400 listed so far",
    );
    health(
        &mut st,
        2_000,
        "kube/nodes",
        HealthState::Ok,
        "synced 1 objects",
    );
    let screen = triage_screen(&mut st);
    assert!(!screen.contains(ALL_CLEAR), "{screen}");
    assert!(
        screen.contains("pods syncing: 12,400 listed so far"),
        "{screen}"
    );
    assert!(
        screen.contains("events syncing: waiting for the first list"),
        "{screen}"
    );
    assert!(!screen.contains("nodes syncing"), "{screen}");
    health(
        &mut st,
        3_000,
        "kube/pods",
        HealthState::Ok,
        "synced 1 objects",
    );
    health(
        &mut st,
        3_000,
        "kube/events",
        HealthState::Forbidden,
        "forbidden: list events in all namespaces",
    );
    let screen = triage_screen(&mut st);
    assert!(!screen.contains(ALL_CLEAR), "{screen}");
    assert!(
        screen.contains("forbidden: list events in all namespaces"),
        "{screen}"
    );
    assert!(!screen.contains("syncing"), "{screen}");
    health(
        &mut st,
        4_000,
        "kube/events",
        HealthState::Ok,
        "synced 0 objects",
    );
    let screen = triage_screen(&mut st);
    assert!(
        screen.contains(ALL_CLEAR),
        "synced, healthy and quiet:\n{screen}"
    );
}

#[test]
fn an_endpoint_without_metrics_is_not_known_to_be_fine() {
    // vLLM's objects without a single sample, and a Prometheus that does not answer.
    let sc = generator::generate("vllm-queue").expect("known scenario");
    let mut events: Vec<Line> = sc
        .events
        .iter()
        .filter(|l| {
            matches!(
                l.ev,
                SourceEvent::Upsert { .. } | SourceEvent::Delete { .. }
            )
        })
        .cloned()
        .collect();
    let t_ms = events.last().map_or(0, |l| l.t_ms);
    let ev = SourceEvent::SourceHealth {
        source: "prometheus".into(),
        state: HealthState::Unavailable,
        message: "connection refused".into(),
    };
    events.push(Line { t_ms, ev });
    let text = scenario::to_text(&Scenario { events, ..sc });
    let mut st = state_from(&text, None);
    let screen = triage_screen(&mut st);
    assert!(!screen.contains(ALL_CLEAR), "{screen}");
    assert!(
        screen.contains("alerts unknown, no metrics: Prometheus unavailable: connection refused"),
        "{screen}"
    );
    assert!(screen.contains("source prometheus"), "{screen}");
}

#[test]
fn a_synced_healthy_quiet_replay_says_nothing_needs_attention() {
    // The default scenario two minutes in, before the NetworkPolicy lands.
    let text = include_str!("../assets/scenarios/rdma-netpol.jsonl");
    let mut st = state_from(text, Some(120_000));
    assert!(st.triage.unknown.is_empty(), "{:?}", st.triage.unknown);
    assert!(triage_screen(&mut st).contains(ALL_CLEAR));
    // The same replay while its last events are not applied yet is not all clear.
    let behind = aicockpit::contract::event::ReplayStatus {
        cursor: 3,
        due: 4,
        ..st.replay_status.unwrap_or_default()
    };
    update(&mut st, Msg::Replay(behind));
    let screen = triage_screen(&mut st);
    assert!(screen.contains("replay loading 75 %"), "{screen}");
    assert!(!screen.contains(ALL_CLEAR), "{screen}");
}

#[test]
fn root_causes_are_looked_for_again_at_most_every_15_s_and_a_quiet_tick_catches_up() {
    let t0 = 1_800_000_000_000;
    let mut st = demo();
    quiet_cluster(&mut st);
    update(&mut st, Msg::Tick { now_ms: t0 });
    assert_eq!(
        st.triage.findings_at,
        Some(t0),
        "looked for on the first refresh"
    );
    // The world changes 5 s later: the list is ranked again at once, "what's wrong?" waits.
    let pod = json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "p2", "namespace": "ml"},
        "spec": {"nodeName": "n1", "containers": [{"name": "c"}]},
        "status": {"phase": "Running", "containerStatuses": [{"name": "c", "restartCount": 4,
            "state": {"waiting": {"reason": "CrashLoopBackOff"}}}]}});
    let ev = SourceEvent::Upsert { object: pod };
    update(
        &mut st,
        Msg::Source(vec![TimedEvent {
            at_ms: t0 + 5_000,
            ev,
        }]),
    );
    update(&mut st, Msg::Tick { now_ms: t0 + 5_000 });
    assert!(triage_screen(&mut st).contains("pod ml/p2"));
    assert_eq!(st.triage.findings_at, Some(t0));
    update(
        &mut st,
        Msg::Tick {
            now_ms: t0 + 10_000,
        },
    );
    assert_eq!(st.triage.findings_at, Some(t0));
    // With nothing new arriving, a tick runs the one held back once its time has come ...
    update(
        &mut st,
        Msg::Tick {
            now_ms: t0 + 15_000,
        },
    );
    assert_eq!(st.triage.findings_at, Some(t0 + 15_000));
    // ... and no more while the world stays as it is.
    update(
        &mut st,
        Msg::Tick {
            now_ms: t0 + 60_000,
        },
    );
    assert_eq!(st.triage.findings_at, Some(t0 + 15_000));
}
