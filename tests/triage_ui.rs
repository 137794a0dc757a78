//! Snapshots of the Triage pane (findings, a walked playbook, the walkthrough) on the default
//! scenario and of the incident report the walkthrough writes.

mod ui_support;

use aicockpit::contract::action::Action;
use aicockpit::contract::effect::Effect;
use aicockpit::contract::event::Msg;
use aicockpit::state::update;
use aicockpit::triage::view::TriageMode;
use ui_support::{render, state_from};

const DEFAULT: &str = include_str!("../assets/scenarios/rdma-netpol.jsonl");

#[test]
fn whats_wrong_lists_ranked_findings() {
    let mut st = state_from(DEFAULT, None);
    update(&mut st, Msg::Action(Action::Zoom));
    update(&mut st, Msg::Action(Action::WhatsWrong));
    assert_eq!(st.triage.mode, TriageMode::Findings);
    let screen = render(&st, 120, 24);
    assert!(screen.contains("netpol-blocks-rdma"), "{screen}");
    insta::assert_snapshot!("triage_findings", screen);
}

#[test]
fn a_walked_playbook_shows_path_steps_and_fixes() {
    let mut st = state_from(DEFAULT, None);
    update(&mut st, Msg::Action(Action::Zoom));
    update(&mut st, Msg::Action(Action::WhatsWrong));
    update(&mut st, Msg::Action(Action::Select));
    assert_eq!(st.triage.mode, TriageMode::Playbook);
    let conclusion = render(&st, 120, 30);
    assert!(
        conclusion.contains("restrict-training-egress"),
        "{conclusion}"
    );
    // h steps back to the deciding question; l forward again.
    update(&mut st, Msg::Action(Action::HistoryBack));
    let step = render(&st, 120, 30);
    assert!(step.contains("NetworkPolicy select"), "{step}");
    update(&mut st, Msg::Action(Action::HistoryForward));
    assert_eq!(render(&st, 120, 30), conclusion);
    // y copies the selected fix; nothing is run.
    let fx = update(&mut st, Msg::Action(Action::Copy));
    assert!(
        matches!(&fx[..], [Effect::CopyToClipboard(c)] if c.contains("patch networkpolicy restrict-training-egress")),
        "{fx:?}"
    );
    insta::assert_snapshot!("triage_playbook_conclusion", conclusion);
    insta::assert_snapshot!("triage_playbook_step", step);
}

#[test]
fn walkthrough_pane_and_report() {
    let mut st = state_from(DEFAULT, Some(300_000));
    update(&mut st, Msg::Action(Action::Zoom));
    update(&mut st, Msg::Action(Action::Walkthrough));
    let screen = render(&st, 120, 40);
    assert!(
        screen.contains("10-minute triage") && screen.contains("10:00"),
        "{screen}"
    );
    insta::assert_snapshot!("triage_walkthrough", screen);
    let fx = update(&mut st, Msg::Action(Action::Walkthrough));
    let md = fx
        .iter()
        .find_map(|e| match e {
            Effect::WriteFile { path, contents } if path.ends_with(".md") => Some(contents.clone()),
            _ => None,
        })
        .expect("report written");
    assert!(
        md.contains("## Timeline") && md.contains("netpol-blocks-rdma"),
        "{md}"
    );
    insta::assert_snapshot!("triage_incident_report", md);
}
