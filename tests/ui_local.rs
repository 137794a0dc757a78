//! `--local` as the screen shows it: the Nodes pane and the drill-down of this machine's H100
//! fed by the real NVML readings (`fixtures/h100-local.jsonl`, replayed through the reducer),
//! the MIG variant's layout, and without NVML the reason in the pane and the header.

#[path = "ui_support/mod.rs"]
mod common;
#[path = "local_support/mod.rs"]
mod local;

use aicockpit::contract::action::Action;
use aicockpit::contract::event::Msg;
use aicockpit::contract::scenario;
use aicockpit::settings::keymap::Keymap;
use aicockpit::sources::nvml;
use aicockpit::state::ui::Pane;
use aicockpit::state::{self, AppState, Mode};
use common::{render, state_from};

/// The scenario replayed to its end, the Nodes pane focused and zoomed as `--local` opens it.
fn zoomed(text: &str) -> AppState {
    let mut st = state_from(text, None);
    st.ui.focus = Pane::Nodes;
    state::update(&mut st, Msg::Action(Action::Zoom));
    st
}

fn drilled(text: &str) -> AppState {
    let mut st = zoomed(text);
    let i = st
        .accel
        .rows
        .iter()
        .position(|r| r.name == local::HOST)
        .expect("local node listed");
    st.ui.selected.insert(Pane::Nodes, i);
    state::update(&mut st, Msg::Action(Action::Select));
    st
}

#[test]
fn local_h100_nodes_pane() {
    let st = zoomed(local::h100_text());
    let screen = render(&st, 120, 20);
    assert!(screen.contains("H100 80GB HBM3"), "{screen}");
    assert!(
        screen.contains("99%") && screen.contains("58°C"),
        "{screen}"
    );
    assert!(screen.contains("699W"), "{screen}");
    assert!(screen.contains("read through NVML"), "{screen}");
    assert!(!screen.contains("plugin missing"), "{screen}");
    insta::assert_snapshot!(screen);
}

#[test]
fn local_h100_drill_down() {
    let st = drilled(local::h100_text());
    let screen = render(&st, 120, 24);
    assert!(screen.contains("› vm"), "{screen}");
    assert!(
        screen.contains("local: this machine through NVML"),
        "{screen}"
    );
    assert!(screen.contains("driver 580.159.04"), "{screen}");
    assert!(screen.contains("device plugin: n/a"), "{screen}");
    assert!(screen.contains("gpu0"), "{screen}");
    insta::assert_snapshot!(screen);
}

#[test]
fn local_mig_layout_from_nvml() {
    let text = scenario::to_text(&local::mig_variant());
    let st = drilled(&text);
    let screen = render(&st, 120, 28);
    assert!(
        screen.contains("3g.40gb") && screen.contains("4g.40gb"),
        "{screen}"
    );
    assert!(!screen.contains("inferred"), "{screen}");
    assert!(screen.contains("MIG layout (observed)"), "{screen}");
    assert!(
        screen.contains("read through NVML on this machine"),
        "{screen}"
    );
    assert!(screen.contains("MIG instance: no utilisation"), "{screen}");
    insta::assert_snapshot!(screen);
}

#[test]
fn without_nvml_the_pane_and_header_say_why() {
    let mut st = AppState::new(
        Mode::Live {
            context: "local mode · vm · NVML only".into(),
            read_only: true,
        },
        Keymap::embedded().expect("keymap"),
    );
    let why = "a libloading error occurred: libnvidia-ml.so.1: cannot open shared object file";
    state::update(&mut st, Msg::Source(vec![nvml::unavailable(1_000, why)]));
    state::update(&mut st, Msg::Tick { now_ms: 2_000 });
    state::update(&mut st, Msg::Action(Action::Zoom));
    let screen = render(&st, 120, 12);
    let reason = format!("NVML not available: {why}");
    let in_pane: Vec<&str> = screen.lines().filter(|l| l.contains(&reason)).collect();
    assert_eq!(
        in_pane.len(),
        1,
        "the pane says the whole reason:\n{screen}"
    );
    assert!(in_pane[0].starts_with('│'), "{screen}");
    // the header's health note says it too (cut to the width)
    assert!(screen.contains("⚠ nvml: NVML not avail"), "{screen}");
    assert!(screen.contains("local mode · vm"), "{screen}");
    assert!(!screen.contains("no nodes seen yet"), "{screen}");
}
