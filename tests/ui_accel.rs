//! The Nodes pane as the accelerators view: the table (summary, pending pods, XID line, sort
//! and filter), the drill-down (agents, flags, decoded XIDs, devices with sparklines) and the MIG
//! layout, on the default scenario and on `gpu-health`.

#[path = "ui_support/mod.rs"]
mod common;

use aicockpit::contract::action::Action;
use aicockpit::contract::event::Msg;
use aicockpit::contract::scenario;
use aicockpit::sources::embedded;
use aicockpit::state::ui::Pane;
use aicockpit::state::{self, AppState};
use common::{render, state_from};

fn text_of(name: &str) -> String {
    let s = embedded::load(name).expect("embedded scenario");
    scenario::to_text(&s)
}

fn zoomed(name: &str) -> AppState {
    let mut st = state_from(&text_of(name), None);
    st.ui.focus = Pane::Nodes;
    state::update(&mut st, Msg::Action(Action::Zoom));
    st
}

/// Select the row of `node` and open its drill-down.
fn drill(st: &mut AppState, node: &str) {
    let i = st
        .accel
        .rows
        .iter()
        .position(|r| r.name == node)
        .expect("node listed");
    st.ui.selected.insert(Pane::Nodes, i);
    state::update(st, Msg::Action(Action::Select));
}

fn names(st: &AppState) -> Vec<String> {
    st.accel.rows.iter().map(|r| r.name.clone()).collect()
}

#[test]
fn default_scenario_nodes_pane() {
    let st = zoomed(embedded::DEFAULT_SCENARIO);
    let screen = render(&st, 120, 40);
    assert!(screen.contains("MIG slices 64 total"), "{screen}");
    assert!(screen.contains("no MIG utilisation"), "{screen}");
    insta::assert_snapshot!(screen);
}

#[test]
fn default_scenario_drill_serving_gpu() {
    let mut st = zoomed(embedded::DEFAULT_SCENARIO);
    drill(&mut st, "gpu-h100-05");
    let screen = render(&st, 120, 40);
    assert!(screen.contains("› gpu-h100-05"), "{screen}");
    assert!(screen.contains("DEVICE"), "{screen}");
    insta::assert_snapshot!(screen);
}

#[test]
fn default_scenario_mig_layout_inferred() {
    let mut st = zoomed(embedded::DEFAULT_SCENARIO);
    drill(&mut st, "gpu-a100-01");
    let screen = render(&st, 120, 40);
    assert!(screen.contains("MIG layout (inferred)"), "{screen}");
    assert!(screen.contains("3g.40gb notebook-bob-0"), "{screen}");
    insta::assert_snapshot!(screen);
}

#[test]
fn gpu_health_nodes_pane() {
    let st = zoomed("gpu-health");
    let screen = render(&st, 120, 40);
    assert!(
        screen.contains("XID 79 GPU has fallen off the bus"),
        "{screen}"
    );
    assert!(
        screen.contains("nvidia.com/mig-7g.80gb: no node offers this resource"),
        "{screen}"
    );
    assert!(screen.contains("MIG reconfig failed"), "{screen}");
    insta::assert_snapshot!(screen);
}

#[test]
fn gpu_health_drill_xid_node() {
    let mut st = zoomed("gpu-health");
    drill(&mut st, "gpu-h100-02");
    let screen = render(&st, 120, 40);
    assert!(
        screen.contains("→ pod ml-training/llama-ft-worker-1"),
        "{screen}"
    );
    assert!(screen.contains("action: drain the node"), "{screen}");
    assert!(screen.contains("stopped reporting"), "{screen}");
    insta::assert_snapshot!(screen);
}

#[test]
fn gpu_health_drill_plugin_node_says_why_no_telemetry() {
    let mut st = zoomed("gpu-health");
    drill(&mut st, "gpu-h100-03");
    let screen = render(&st, 120, 40);
    assert!(
        screen.contains("no telemetry: dcgm-exporter not scraped"),
        "{screen}"
    );
    assert!(screen.contains("CrashLoopBackOff"), "{screen}");
    insta::assert_snapshot!(screen);
}

#[test]
fn gpu_health_mig_layout_observed() {
    let mut st = zoomed("gpu-health");
    drill(&mut st, "gpu-a100-01");
    let screen = render(&st, 120, 40);
    assert!(
        screen.contains("MIG layout (from dcgm-exporter GPU_I_ID series)"),
        "{screen}"
    );
    assert!(screen.contains("2g.20gb notebook-chen-0"), "{screen}");
    insta::assert_snapshot!(screen);
}

#[test]
fn gpu_health_npu_chips() {
    let mut st = zoomed("gpu-health");
    drill(&mut st, "npu-910-02");
    let screen = render(&st, 120, 40);
    assert!(screen.contains("npu3 UNHEALTHY"), "{screen}");
    assert!(screen.contains("unhealthy: Ascend910-3"), "{screen}");
    insta::assert_snapshot!(screen);
}

#[test]
fn sort_cycles_and_reverses() {
    let mut st = zoomed("gpu-health");
    // health first: the critical nodes lead, healthy CPU nodes trail
    let by_health = names(&st);
    assert!(by_health[..4].contains(&"gpu-h100-03".to_string()));
    state::update(&mut st, Msg::Action(Action::Sort));
    assert_eq!(st.accel.sort_label(), "name");
    let by_name = names(&st);
    let mut sorted = by_name.clone();
    sorted.sort();
    assert_eq!(by_name, sorted);
    state::update(&mut st, Msg::Action(Action::SortReverse));
    let mut rev = by_name.clone();
    rev.reverse();
    assert_eq!(names(&st), rev);
    assert!(render(&st, 120, 40).contains("sort: name▲"));
}

#[test]
fn filter_matches_health_tags() {
    let mut st = zoomed("gpu-health");
    st.ui.filters.insert(Pane::Nodes, "xid".into());
    let screen = render(&st, 120, 40);
    assert!(screen.contains("filtered 1/9"), "{screen}");
    assert!(screen.contains("gpu-h100-02"), "{screen}");
    assert!(!screen.contains("gpu-h100-03"), "{screen}");
}

#[test]
fn esc_closes_the_drill_down() {
    let mut st = zoomed("gpu-health");
    drill(&mut st, "gpu-h100-02");
    assert!(st.ui.drilled(Pane::Nodes));
    state::update(&mut st, Msg::Action(Action::Back));
    assert!(!st.ui.drilled(Pane::Nodes));
    assert!(render(&st, 120, 40).contains("sort: health"));
}
