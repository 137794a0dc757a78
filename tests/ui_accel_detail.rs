//! The Nodes drill-down's device list: ↑/↓ (and PageUp/PageDown, Home/End) move a device cursor
//! instead of the node selection while a node is drilled into, the list scrolls to keep it in
//! view and highlights it, `y` copies the device's identity; an Ascend chip's non-zero
//! `npu_chip_info_error_code` shows in hex under its row and raises a health flag.

#[path = "ui_support/mod.rs"]
mod common;

use std::collections::BTreeMap;

use aicockpit::accel::derive::health::HealthFlag;
use aicockpit::accel::derive::telemetry::Telemetry;
use aicockpit::contract::action::Action;
use aicockpit::contract::effect::Effect;
use aicockpit::contract::event::{Msg, SourceEvent, TimedEvent};
use aicockpit::contract::scenario;
use aicockpit::domain::severity::Severity;
use aicockpit::settings::theme::Theme;
use aicockpit::sources::embedded;
use aicockpit::state::ui::Pane;
use aicockpit::state::{self, AppState};
use common::{render, state_from};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::style::Modifier;

const MIG_NODE: &str = "gpu-a100-01";
const NPU_NODE: &str = "npu-910-02";

fn gpu_health() -> AppState {
    let s = embedded::load("gpu-health").expect("embedded scenario");
    let mut st = state_from(&scenario::to_text(&s), None);
    st.ui.focus = Pane::Nodes;
    state::update(&mut st, Msg::Action(Action::Zoom));
    st
}

fn act(st: &mut AppState, a: Action) -> Vec<Effect> {
    state::update(st, Msg::Action(a))
}

fn row_of(st: &AppState, node: &str) -> usize {
    st.accel
        .rows
        .iter()
        .position(|r| r.name == node)
        .expect("node listed")
}

/// Select the row of `node` and open its drill-down.
fn drill(st: &mut AppState, node: &str) {
    let i = row_of(st, node);
    st.ui.selected.insert(Pane::Nodes, i);
    act(st, Action::Select);
}

fn device_labels(st: &AppState, node: &str) -> Vec<String> {
    let n = st.accel.inventory.node(node).expect("inventory node");
    let Telemetry::Present(t) = &n.telemetry else {
        panic!("{node} has no telemetry");
    };
    t.devices.iter().map(|d| d.label()).collect()
}

/// Screen rows (text, whether the row's first cell inside the border is reversed).
fn screen_rows(st: &AppState, w: u16, h: u16) -> Vec<(String, bool)> {
    let mut term = Terminal::new(TestBackend::new(w, h)).expect("test terminal");
    term.draw(|f| aicockpit::ui::draw(f, st, &Theme::plain()))
        .expect("draw");
    let buf = term.backend().buffer();
    (0..h)
        .map(|y| {
            let text: String = (0..w).map(|x| buf[(x, y)].symbol()).collect();
            (text, buf[(1, y)].modifier.contains(Modifier::REVERSED))
        })
        .collect()
}

#[test]
fn arrows_move_the_device_cursor_not_the_node_selection() {
    let mut st = gpu_health();
    let node_row = row_of(&st, MIG_NODE);
    drill(&mut st, MIG_NODE);
    let count = device_labels(&st, MIG_NODE).len();
    assert!(count > 30, "{count} devices");
    for _ in 0..3 {
        act(&mut st, Action::Down);
    }
    assert_eq!(st.ui.selected(Pane::Nodes), node_row);
    assert_eq!(st.ui.detail_cursor(Pane::Nodes, MIG_NODE), 3);
    act(&mut st, Action::Up);
    assert_eq!(st.ui.detail_cursor(Pane::Nodes, MIG_NODE), 2);
    act(&mut st, Action::Bottom);
    assert_eq!(st.ui.detail_cursor(Pane::Nodes, MIG_NODE), count - 1);
    act(&mut st, Action::Down);
    assert_eq!(st.ui.detail_cursor(Pane::Nodes, MIG_NODE), count - 1);
    act(&mut st, Action::Top);
    assert_eq!(st.ui.detail_cursor(Pane::Nodes, MIG_NODE), 0);
    act(&mut st, Action::PageDown);
    assert!(st.ui.detail_cursor(Pane::Nodes, MIG_NODE) >= 5);
    assert_eq!(st.ui.selected(Pane::Nodes), node_row);
    assert!(st.ui.drilled(Pane::Nodes));
    // Esc closes the drill-down; the arrows move the node selection again
    act(&mut st, Action::Back);
    assert!(!st.ui.drilled(Pane::Nodes));
    act(&mut st, Action::Down);
    assert_eq!(st.ui.selected(Pane::Nodes), node_row + 1);
    act(&mut st, Action::Up);
    assert_eq!(st.ui.selected(Pane::Nodes), node_row);
}

#[test]
fn cursor_below_the_fold_scrolls_the_list_and_is_highlighted() {
    let mut st = gpu_health();
    drill(&mut st, MIG_NODE);
    let labels = device_labels(&st, MIG_NODE);
    let before = render(&st, 120, 40);
    let want = 25;
    // not on screen before the cursor moves there
    assert!(
        !before.contains(&format!("│{:<20.20} ", labels[want])),
        "{before}"
    );
    for _ in 0..want {
        act(&mut st, Action::Down);
    }
    let rows = screen_rows(&st, 120, 40);
    // rows inside the pane's border (the header badge is reversed too)
    let selected: Vec<&String> = rows
        .iter()
        .filter(|r| r.1 && r.0.starts_with('│'))
        .map(|r| &r.0)
        .collect();
    assert_eq!(selected.len(), 1, "one highlighted row: {selected:?}");
    assert!(
        selected[0].starts_with(&format!("│{:<20.20} ", labels[want])),
        "{selected:?}"
    );
    let screen = render(&st, 120, 40);
    assert!(
        screen.contains(&format!("› {} {}/{}", labels[want], want + 1, labels.len())),
        "{screen}"
    );
    // the head (facts, MIG layout) stays; the list scrolled past its first device
    assert!(
        screen.contains("MIG layout (from dcgm-exporter"),
        "{screen}"
    );
    assert!(!screen.contains("│gpu0/mig1 (3g.40gb) "), "{screen}");
    insta::assert_snapshot!(screen);
}

#[test]
fn cursor_resets_on_another_node_and_is_clamped_to_the_list() {
    let mut st = gpu_health();
    drill(&mut st, MIG_NODE);
    act(&mut st, Action::Down);
    act(&mut st, Action::Down);
    act(&mut st, Action::Back);
    drill(&mut st, NPU_NODE);
    assert_eq!(st.ui.detail_cursor(Pane::Nodes, NPU_NODE), 0);
    assert!(render(&st, 120, 40).contains("› npu0 1/8"));
    // a cursor past the end (the list shrank) reads as the last device and moves from there
    st.ui
        .detail_cursor
        .insert(Pane::Nodes, (NPU_NODE.to_string(), 99));
    assert!(render(&st, 120, 40).contains("› npu7 8/8"));
    act(&mut st, Action::Up);
    assert_eq!(st.ui.detail_cursor(Pane::Nodes, NPU_NODE), 6);
}

#[test]
fn copy_gives_the_selected_gpu_uuid() {
    let mut st = gpu_health();
    drill(&mut st, MIG_NODE);
    act(&mut st, Action::Down);
    let n = st.accel.inventory.node(MIG_NODE).expect("node");
    let Telemetry::Present(t) = &n.telemetry else {
        panic!("no telemetry");
    };
    let uuid = t.devices[1].uuid.clone().expect("dcgm labels a UUID");
    let effects = act(&mut st, Action::Copy);
    assert_eq!(effects, vec![Effect::CopyToClipboard(uuid)]);
    // an NPU chip without a UUID: node and chip
    act(&mut st, Action::Back);
    drill(&mut st, NPU_NODE);
    act(&mut st, Action::Bottom);
    let effects = act(&mut st, Action::Copy);
    assert_eq!(
        effects,
        vec![Effect::CopyToClipboard(format!("{NPU_NODE} npu7"))]
    );
}

/// `npu_chip_info_error_code` for chip `id` of the NPU node at the world's newest time.
fn error_code(st: &AppState, id: &str, value: f64) -> TimedEvent {
    let labels: BTreeMap<String, String> = [
        ("id", id),
        ("model_name", "Ascend910B3"),
        ("node", NPU_NODE),
        ("namespace", "npu-lab"),
        ("pod_name", "resnet50-npu-worker-1"),
        ("container_name", "ascend"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    TimedEvent {
        at_ms: st.world.last_event_ms,
        ev: SourceEvent::Metric {
            name: "npu_chip_info_error_code".into(),
            labels,
            value,
        },
    }
}

#[test]
fn npu_error_code_is_flagged_and_shown_in_hex() {
    let mut st = gpu_health();
    let events = vec![
        error_code(&st, "2", 0.0),
        error_code(&st, "3", f64::from(0x80E1_8402_u32)),
        error_code(&st, "5", f64::from(0x80CB_8009_u32)),
    ];
    state::update(&mut st, Msg::Source(events));
    let now = st.now_ms + 1000;
    state::update(&mut st, Msg::Tick { now_ms: now });
    let n = st.accel.inventory.node(NPU_NODE).expect("npu node");
    let codes: Vec<(&HealthFlag, Severity)> = n
        .flags
        .iter()
        .filter(|f| f.id() == "npu.error_code")
        .map(|f| (f, f.severity()))
        .collect();
    assert_eq!(
        codes,
        vec![
            (
                &HealthFlag::NpuErrorCode {
                    chip: "npu3".into(),
                    code: 0x80E1_8402,
                    unhealthy: true
                },
                Severity::Critical
            ),
            (
                &HealthFlag::NpuErrorCode {
                    chip: "npu5".into(),
                    code: 0x80CB_8009,
                    unhealthy: false
                },
                Severity::Warning
            ),
        ],
        "chip 2 reports 0: no flag"
    );
    let row = &st.accel.rows[row_of(&st, NPU_NODE)];
    assert!(
        row.tags.iter().any(|t| t.text == "NPU error code"),
        "{:?}",
        row.tags
    );
    drill(&mut st, NPU_NODE);
    let screen = render(&st, 120, 40);
    assert!(screen.contains("└ err 0x80E18402"), "{screen}");
    assert!(screen.contains("└ err 0x80CB8009"), "{screen}");
    assert!(!screen.contains("0x00000000"), "{screen}");
    assert!(
        screen.contains("NPU npu5: error code 0x80CB8009 (npu_chip_info_error_code)"),
        "{screen}"
    );
    insta::assert_snapshot!(screen);
}

#[test]
fn small_panes_keep_the_cursor_in_view() {
    let mut st = gpu_health();
    // not zoomed: the Nodes pane shares the screen
    act(&mut st, Action::Zoom);
    drill(&mut st, MIG_NODE);
    for _ in 0..30 {
        act(&mut st, Action::Down);
    }
    let want = &device_labels(&st, MIG_NODE)[30];
    // a pane with no room inside its border draws nothing, without panicking
    assert!(render(&st, 30, 8).contains("Nodes"));
    for (w, h) in [(120, 40), (80, 24), (60, 16)] {
        let screen = render(&st, w, h);
        let shown: String = want.chars().take(usize::from(w) / 3).collect();
        assert!(screen.contains(&format!("│{shown}")), "{w}x{h}\n{screen}");
    }
}

/// The node the view's device facts were worked out for, and how many devices they cover.
fn facts_of(st: &AppState) -> Option<(String, usize)> {
    st.accel
        .drilled
        .as_ref()
        .map(|f| (f.node.clone(), f.devices.len()))
}

#[test]
fn device_facts_follow_the_drilled_node_at_once() {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    let mut st = gpu_health();
    assert_eq!(facts_of(&st), None, "nothing drilled, no facts");
    drill(&mut st, MIG_NODE);
    let count = device_labels(&st, MIG_NODE).len();
    assert_eq!(facts_of(&st), Some((MIG_NODE.to_string(), count)));
    act(&mut st, Action::Back);
    assert_eq!(facts_of(&st), None);
    drill(&mut st, NPU_NODE);
    assert_eq!(facts_of(&st), Some((NPU_NODE.to_string(), 8)));
    // a sort while drilled puts another row under the selection: the facts follow it
    act(&mut st, Action::Sort);
    let row = aicockpit::accel::view::selected_row(&st).expect("a row");
    let name = row.name.clone();
    assert_eq!(facts_of(&st).map(|f| f.0), Some(name));
    // so does a filter typed while drilled
    act(&mut st, Action::Filter);
    for c in NPU_NODE.chars() {
        let key = KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE);
        state::update(&mut st, Msg::Key(key));
    }
    assert_eq!(facts_of(&st), Some((NPU_NODE.to_string(), 8)));
    let screen = render(&st, 120, 40);
    assert!(screen.contains(&format!("› {NPU_NODE}")), "{screen}");
    assert!(screen.contains("resnet50-npu-worker"), "{screen}");
}
