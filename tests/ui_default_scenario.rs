//! Snapshots of the cockpit on the embedded default scenario (`rdma-netpol`): before the
//! NetworkPolicy lands, and at the end of the incident with the Triage and Training panes zoomed.

#[path = "ui_support/mod.rs"]
mod common;

use aicockpit::contract::action::Action;
use aicockpit::contract::scenario;
use aicockpit::sources::embedded;
use aicockpit::state::ui::Pane;
use aicockpit::state::{self, AppState};
use common::{render, state_from};

fn default_text() -> String {
    let s = embedded::load(embedded::DEFAULT_SCENARIO).expect("default scenario");
    scenario::to_text(&s)
}

fn zoom(st: &mut AppState, pane: Pane) {
    st.ui.focus = pane;
    state::update(st, aicockpit::contract::event::Msg::Action(Action::Zoom));
}

#[test]
fn default_scenario_before_the_incident() {
    // 2:00 into the scenario: the policy is applied at 2:30, so nothing needs attention yet.
    let st = state_from(&default_text(), Some(120_000));
    let screen = render(&st, 120, 40);
    assert!(screen.contains("nothing needs attention"), "{screen}");
    insta::assert_snapshot!(screen);
}

#[test]
fn default_scenario_end_cockpit() {
    let st = state_from(&default_text(), None);
    let screen = render(&st, 120, 40);
    assert!(screen.contains("CrashLoopBackOff"), "{screen}");
    insta::assert_snapshot!(screen);
}

#[test]
fn default_scenario_end_triage_zoomed() {
    let mut st = state_from(&default_text(), None);
    zoom(&mut st, Pane::Triage);
    insta::assert_snapshot!(render(&st, 120, 40));
}

#[test]
fn default_scenario_end_training_zoomed() {
    let mut st = state_from(&default_text(), None);
    zoom(&mut st, Pane::Training);
    insta::assert_snapshot!(render(&st, 120, 40));
}
