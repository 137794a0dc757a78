//! Snapshots of the cockpit drawn from the mini fixture scenario (plain theme, 120×40), and
//! robustness checks at tiny sizes.

#[path = "ui_support/mod.rs"]
mod common;

use aicockpit::contract::action::Action;
use aicockpit::contract::event::{Msg, NoticeLevel};
use aicockpit::state::ui::Pane;
use aicockpit::state::{self, AppState};
use common::{mini, render, state_from};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

fn act(st: &mut AppState, a: Action) {
    state::update(st, Msg::Action(a));
}

fn key(st: &mut AppState, c: char) {
    state::update(
        st,
        Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)),
    );
}

#[test]
fn cockpit_full() {
    let mut st = state_from(mini(), None);
    state::update(
        &mut st,
        Msg::Notice {
            level: NoticeLevel::Warn,
            text: "prometheus unreachable: latency columns unavailable".into(),
        },
    );
    insta::assert_snapshot!(render(&st, 120, 40));
}

#[test]
fn cockpit_early_in_replay() {
    let st = state_from(mini(), Some(30_000));
    insta::assert_snapshot!(render(&st, 120, 40));
}

fn zoomed(pane: Pane) -> String {
    let mut st = state_from(mini(), None);
    st.ui.focus = pane;
    act(&mut st, Action::Zoom);
    assert!(st.ui.zoom);
    render(&st, 120, 40)
}

#[test]
fn zoom_nodes() {
    insta::assert_snapshot!(zoomed(Pane::Nodes));
}

#[test]
fn zoom_training() {
    insta::assert_snapshot!(zoomed(Pane::Training));
}

#[test]
fn zoom_serving() {
    insta::assert_snapshot!(zoomed(Pane::Serving));
}

#[test]
fn zoom_triage() {
    insta::assert_snapshot!(zoomed(Pane::Triage));
}

#[test]
fn zoom_events() {
    insta::assert_snapshot!(zoomed(Pane::Events));
}

#[test]
fn zoom_log() {
    insta::assert_snapshot!(zoomed(Pane::Log));
}

#[test]
fn focus_log_shows_strip() {
    let mut st = state_from(mini(), None);
    act(&mut st, Action::FocusLog);
    let text = render(&st, 120, 40);
    assert!(text.contains("Log"), "{text}");
}

#[test]
fn help_overlay() {
    let mut st = state_from(mini(), None);
    act(&mut st, Action::Help);
    insta::assert_snapshot!(render(&st, 120, 40));
}

#[test]
fn filter_active() {
    let mut st = state_from(mini(), None);
    act(&mut st, Action::Filter);
    for c in "gpu-node-2".chars() {
        key(&mut st, c);
    }
    let text = render(&st, 120, 40);
    assert!(text.contains("filtered 1/4"), "{text}");
    insta::assert_snapshot!(text);
}

/// `/` with a filter set starts a new one: the old text goes, typing starts afresh.
#[test]
fn slash_starts_a_new_filter() {
    let mut st = state_from(mini(), None);
    act(&mut st, Action::Filter);
    for c in "gpu-node-2".chars() {
        key(&mut st, c);
    }
    state::update(
        &mut st,
        Msg::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)),
    );
    assert_eq!(st.ui.filter(Pane::Nodes), "gpu-node-2");
    act(&mut st, Action::Filter);
    assert_eq!(st.ui.input, "", "typing starts afresh");
    assert_eq!(st.ui.filter(Pane::Nodes), "", "the old filter is cleared");
    for c in "node-1".chars() {
        key(&mut st, c);
    }
    assert_eq!(
        st.ui.filter(Pane::Nodes),
        "node-1",
        "not appended to the old one"
    );
}

#[test]
fn command_mode() {
    let mut st = state_from(mini(), None);
    act(&mut st, Action::Command);
    for c in "tra".chars() {
        key(&mut st, c);
    }
    insta::assert_snapshot!(render(&st, 120, 40));
}

#[test]
fn no_panic_at_tiny_sizes() {
    let mut st = state_from(mini(), None);
    for (w, h) in [(20, 5), (1, 1), (120, 0), (0, 40), (2, 2), (40, 12), (7, 3)] {
        render(&st, w, h);
        act(&mut st, Action::Help);
        render(&st, w, h);
        act(&mut st, Action::Help);
    }
    for pane in Pane::ALL {
        st.ui.focus = pane;
        st.ui.zoom = false;
        render(&st, 20, 5);
        st.ui.zoom = true;
        render(&st, 20, 5);
        render(&st, 1, 1);
    }
    let small = render(&st, 20, 5);
    assert_eq!(small.lines().count(), 5);
}

#[test]
fn selection_is_clamped_and_scrolls() {
    let mut st = state_from(mini(), None);
    st.ui.selected.insert(Pane::Nodes, 1_000);
    let text = render(&st, 120, 40);
    // The last node is shown even though the wanted selection is far past the end.
    assert!(text.contains("gpu-node-3"), "{text}");
}

#[test]
fn footer_hints_come_from_the_keymap() {
    let mut st = state_from(mini(), None);
    let before = render(&st, 120, 40);
    let footer = before.lines().last().unwrap_or_default().to_string();
    assert!(footer.contains("? toggle this help"), "{footer}");
    st.keymap = st
        .keymap
        .merged(
            "[[bind]]\naction = \"help\"\nkeys = [\"F1\"]\ndesc = \"show every key\"\n",
            "test",
        )
        .expect("valid override");
    let after = render(&st, 120, 40);
    let footer = after.lines().last().unwrap_or_default().to_string();
    assert!(footer.contains("F1 show every key"), "{footer}");
    assert!(!footer.contains("? toggle"), "{footer}");
}

#[test]
fn training_scrolls_across_jobs() {
    use aicockpit::contract::event::{SourceEvent, TimedEvent};
    let mut st = state_from(mini(), None);
    let mut evs = Vec::new();
    for job in ["alpha", "bravo", "charlie"] {
        for rank in 0..10 {
            let object = serde_json::json!({"apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": format!("{job}-worker-{rank}"), "namespace": "zz",
                    "labels": {"training.kubeflow.org/job-name": job,
                        "training.kubeflow.org/replica-type": "worker",
                        "training.kubeflow.org/replica-index": rank.to_string()}},
                "status": {"phase": "Running"}});
            evs.push(TimedEvent {
                at_ms: st.now_ms,
                ev: SourceEvent::Upsert { object },
            });
        }
    }
    state::update(&mut st, Msg::Source(evs));
    let now_ms = st.now_ms;
    state::update(&mut st, Msg::Tick { now_ms });
    st.ui.focus = Pane::Training;
    st.ui.zoom = true;
    // Jobs sort by namespace then name: llama-ft (ml), then alpha, bravo, charlie (zz).
    let text = render(&st, 120, 20);
    assert!(text.contains("Training 4"), "{text}");
    st.ui.selected.insert(Pane::Training, 3);
    act(&mut st, Action::Select);
    // The rank grid of charlie: ten ranks, scrolled to rank 8 in a short window.
    st.ui.selected.insert(Pane::Training, 8);
    let text = render(&st, 120, 20);
    assert!(text.contains("charlie-worker-8"), "{text}");
    assert!(!text.contains("charlie-worker-0"), "{text}");
    assert!(!text.contains("charlie-worker-9"), "{text}");
    assert!(!text.contains("bravo-worker"), "{text}");
    act(&mut st, Action::Back);
    assert_eq!(
        st.ui.selected(Pane::Training),
        3,
        "the job selection comes back"
    );
}

#[test]
fn small_terminal_keeps_header_and_footer() {
    let st = state_from(mini(), None);
    let text = render(&st, 40, 12);
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].contains("aicockpit"), "{text}");
    assert!(lines[0].contains("DEMO · READ-ONLY"), "{text}");
    assert!(lines[11].contains("help"), "{text}");
}
