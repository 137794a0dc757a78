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

/// The README's screen: the default demo at 120×40 at the end of the incident, paused there
/// as `]` leaves it. `AICOCKPIT_UPDATE_README=1 cargo test --test ui_default_scenario` rewrites
/// the README's block from the current code.
#[test]
fn readme_screen_is_the_current_screen() {
    let mut st = state_from(&default_text(), None);
    if let Some(mut status) = st.replay_status {
        status.paused = true;
        state::update(&mut st, aicockpit::contract::event::Msg::Replay(status));
    }
    let screen = render(&st, 120, 40);
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md");
    let readme = std::fs::read_to_string(&path).expect("README.md");
    let anchor = "## The screen";
    let at = readme.find(anchor).expect("README has a screen section");
    let open = at + readme[at..].find("```text\n").expect("text block") + "```text\n".len();
    let close = open + readme[open..].find("```").expect("block end");
    let shown: Vec<&str> = readme[open..close].lines().map(str::trim_end).collect();
    let now: Vec<&str> = screen.lines().map(str::trim_end).collect();
    if shown != now && std::env::var_os("AICOCKPIT_UPDATE_README").is_some() {
        let mut text = now.join("\n");
        text.push('\n');
        let updated = format!("{}{text}{}", &readme[..open], &readme[close..]);
        std::fs::write(&path, updated).expect("write README.md");
        return;
    }
    assert_eq!(
        shown.join("\n"),
        now.join("\n"),
        "README's screen is out of date: run AICOCKPIT_UPDATE_README=1 cargo test --test ui_default_scenario"
    );
}
