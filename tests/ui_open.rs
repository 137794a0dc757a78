//! Enter opens what a row names, through the reducer on the default scenario (`rdma-netpol`):
//! on the Triage pane's attention list and on the Events pane, a training rank's pod opens its
//! log, a root cause its playbook, a node or an endpoint its drill-down; what has no view says
//! so in a notice. Enter is never a silent no-op.

#[path = "ui_support/mod.rs"]
mod common;

use aicockpit::contract::action::Action;
use aicockpit::contract::event::Msg;
use aicockpit::state::ui::Pane;
use aicockpit::state::{self, AppState};
use aicockpit::training::view::Level;
use aicockpit::triage::attention_rank::Key;
use aicockpit::triage::view::TriageMode;
use common::{render, state_from};

const DEFAULT: &str = include_str!("../assets/scenarios/rdma-netpol.jsonl");

fn act(st: &mut AppState, a: Action) {
    state::update(st, Msg::Action(a));
}

fn at_triage() -> AppState {
    let mut st = state_from(DEFAULT, None);
    st.ui.focus = Pane::Triage;
    st
}

/// Where the first attention entry matching `pick` is listed.
fn row_of(st: &AppState, pick: impl Fn(&Key) -> bool) -> Option<usize> {
    st.attention.iter().position(|r| pick(&r.key))
}

fn training_pod(st: &AppState, ns: &str, pod: &str) -> bool {
    st.training
        .jobs
        .iter()
        .any(|j| j.namespace == ns && j.ranks.iter().any(|r| r.pod == pod))
}

#[test]
fn enter_on_a_root_cause_opens_its_playbook() {
    let mut st = at_triage();
    let i = row_of(&st, |k| matches!(k, Key::Cause { .. })).expect("a root cause is listed");
    let Key::Cause { conclusion, .. } = st.attention[i].key.clone() else {
        unreachable!()
    };
    st.ui.selected.insert(Pane::Triage, i);
    act(&mut st, Action::Select);
    assert_eq!(st.triage.mode, TriageMode::Playbook);
    let run = st.triage.run.as_ref().expect("a playbook is walked");
    assert_eq!(run.finding.conclusion, conclusion);
    // Esc goes back to the findings, the cause still selected
    act(&mut st, Action::Back);
    assert_eq!(st.triage.mode, TriageMode::Findings);
}

#[test]
fn enter_on_a_training_pod_opens_its_rank_log() {
    let mut st = at_triage();
    let i = row_of(
        &st,
        |k| matches!(k, Key::Pod(ns, p) if training_pod(&st, ns, p)),
    )
    .expect("a training rank's pod is listed");
    let Key::Pod(_, pod) = st.attention[i].key.clone() else {
        unreachable!()
    };
    st.ui.selected.insert(Pane::Triage, i);
    act(&mut st, Action::Select);
    assert_eq!(st.ui.focus, Pane::Training);
    assert_eq!(st.training.level, Level::Logs);
    let v = st.training.viewer.as_ref().expect("the log viewer is open");
    assert_eq!(v.title, pod);
    assert!(v.pods.values().any(|p| p.contains(&pod)));
    // Esc goes back to the rank grid with that rank selected
    act(&mut st, Action::Back);
    assert_eq!(st.training.level, Level::Ranks);
    let job = st.training.open_job().expect("its job is open");
    assert_eq!(job.ranks[st.ui.selected(Pane::Training)].pod, pod);
    act(&mut st, Action::Zoom);
    act(&mut st, Action::Select);
    insta::assert_snapshot!(render(&st, 140, 30));
}

/// Every entry on the list opens something or says why not.
#[test]
fn enter_on_any_attention_row_is_never_silent() {
    let st = at_triage();
    assert!(!st.attention.is_empty());
    for i in 0..st.attention.len() {
        let mut s = st.clone();
        s.ui.selected.insert(Pane::Triage, i);
        let notices = s.ui.notices.len();
        act(&mut s, Action::Select);
        let opened = s.ui.focus != Pane::Triage
            || s.triage.mode != TriageMode::Attention
            || s.ui.drilled(s.ui.focus);
        let said = s.ui.notices.len() > notices;
        assert!(
            opened || said,
            "Enter on {:?} did nothing",
            st.attention[i].key
        );
        match &st.attention[i].key {
            Key::NodeNotReady(n) | Key::NodeProblems(n) => {
                assert_eq!(s.ui.focus, Pane::Nodes);
                assert!(s.ui.drilled(Pane::Nodes));
                let row = aicockpit::accel::view::selected_row(&s).expect("a node row");
                assert_eq!(&row.name, n);
            }
            Key::Alert(a) => {
                assert_eq!(s.ui.focus, Pane::Serving);
                assert!(s.ui.drilled(Pane::Serving));
                let rows = aicockpit::serving::pane::rows(&s);
                let sel = s.ui.selected(Pane::Serving);
                assert_eq!(rows[sel].endpoint.key, a.endpoint);
            }
            _ => {}
        }
    }
}

#[test]
fn enter_on_an_event_opens_its_object_or_says_why_not() {
    let mut st = state_from(DEFAULT, None);
    st.ui.focus = Pane::Events;
    // the pane lists events newest first
    let newest: Vec<_> = st.world.events.iter().rev().cloned().collect();
    let i = newest
        .iter()
        .position(|e| e.object_kind == "Pod" && training_pod(&st, &e.namespace, &e.object_name))
        .expect("an event on a training rank's pod");
    let mut s = st.clone();
    s.ui.selected.insert(Pane::Events, i);
    act(&mut s, Action::Select);
    assert_eq!(s.ui.focus, Pane::Training);
    assert_eq!(s.training.level, Level::Logs);
    let v = s.training.viewer.as_ref().expect("the log viewer is open");
    assert_eq!(v.title, newest[i].object_name);
    // an object no pane lists
    let mut s = st.clone();
    s.world.events.push_back(aicockpit::domain::KEvent {
        namespace: "ml".into(),
        name: "cm-event".into(),
        type_: "Normal".into(),
        reason: "Updated".into(),
        message: "changed".into(),
        object_kind: "ConfigMap".into(),
        object_name: "x".into(),
        count: 1,
        last_ms: None,
    });
    s.ui.selected.insert(Pane::Events, 0);
    act(&mut s, Action::Select);
    assert_eq!(s.ui.focus, Pane::Events);
    let last = s.ui.notices.back().expect("a notice").text.clone();
    assert_eq!(last, "no view for ConfigMap ml/x yet");
}
