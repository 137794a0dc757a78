//! Snapshots of the Serving pane and its drill-down on the embedded serving scenarios, replayed
//! tick by tick as the app plays them (plain theme, 120×40, the pane zoomed).

#[path = "ui_support/mod.rs"]
mod common;

use aicockpit::contract::action::Action;
use aicockpit::contract::event::{Msg, TimedEvent};
use aicockpit::settings::keymap::Keymap;
use aicockpit::sources::generator;
use aicockpit::state::ui::Pane;
use aicockpit::state::{self, AppState, Mode};
use common::render;

/// Replay an embedded scenario up to `until_ms` in 15 s ticks, then focus and zoom Serving.
fn serving_at(name: &str, until_ms: i64) -> AppState {
    let s = generator::generate(name).expect("known scenario");
    let mut st = AppState::new(Mode::Demo, Keymap::embedded().expect("keymap"));
    let mut i = 0;
    let mut t = 0;
    while t <= until_ms {
        let mut batch = Vec::new();
        while i < s.events.len() && s.events[i].t_ms <= t {
            batch.push(TimedEvent {
                at_ms: s.start_ms + s.events[i].t_ms,
                ev: s.events[i].ev.clone(),
            });
            i += 1;
        }
        state::update(&mut st, Msg::Source(batch));
        state::update(
            &mut st,
            Msg::Tick {
                now_ms: s.start_ms + t,
            },
        );
        t += 15_000;
    }
    state::update(
        &mut st,
        Msg::Resize {
            width: 120,
            height: 40,
        },
    );
    state::update(&mut st, Msg::Action(Action::FocusServing));
    state::update(&mut st, Msg::Action(Action::Zoom));
    st
}

fn drilled(mut st: AppState) -> AppState {
    state::update(&mut st, Msg::Action(Action::Select));
    assert!(st.ui.drilled(Pane::Serving));
    st
}

#[test]
fn vllm_queue_pane_at_the_end() {
    let st = serving_at("vllm-queue", 900_000);
    let text = render(&st, 120, 40);
    assert!(text.contains("llama3-inference"), "{text}");
    assert!(text.contains("FIRING"), "{text}");
    insta::assert_snapshot!(text);
}

#[test]
fn vllm_queue_drill_down_at_the_end() {
    let st = drilled(serving_at("vllm-queue", 900_000));
    let text = render(&st, 120, 40);
    assert!(text.contains("ScalingLimited"), "{text}");
    insta::assert_snapshot!(text);
}

#[test]
fn bad_rollout_pane_pending() {
    let st = serving_at("bad-rollout", 450_000);
    let text = render(&st, 120, 40);
    assert!(text.contains("pending"), "{text}");
    insta::assert_snapshot!(text);
}

#[test]
fn bad_rollout_drill_down_at_the_end() {
    let st = drilled(serving_at("bad-rollout", 900_000));
    let text = render(&st, 120, 40);
    assert!(text.contains("5f7b8c9d6f"), "{text}");
    insta::assert_snapshot!(text);
}

/// In the drill-down `j` moves a cursor over the endpoint's pods and Enter opens the one under
/// it: a serving pod is listed by its node's drill-down, which opens with that node selected.
#[test]
fn enter_on_a_serving_pod_opens_its_node() {
    let mut st = drilled(serving_at("bad-rollout", 900_000));
    let rows = aicockpit::serving::pane::rows(&st);
    let e = rows[st.ui.selected(Pane::Serving)];
    let name = e.endpoint.key.name.clone();
    assert!(e.pods.len() >= 2, "{:?}", e.pods);
    let second = e.pods[1].clone();
    state::update(&mut st, Msg::Action(Action::Down));
    assert!(st.ui.drilled(Pane::Serving), "j stays in the drill-down");
    assert_eq!(st.ui.detail_cursor(Pane::Serving, &name), 1);
    state::update(&mut st, Msg::Action(Action::Select));
    let node = second.node.clone().expect("the pod is scheduled");
    assert_eq!(st.ui.focus, Pane::Nodes);
    assert!(st.ui.drilled(Pane::Nodes));
    let row = aicockpit::accel::view::selected_row(&st).expect("a node row");
    assert_eq!(row.name, node);
}
