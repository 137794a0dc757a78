//! The 10-minute walkthrough on every incident scenario, replayed at speed through the reducer
//! in 15-second steps from the incident's onset: it reaches the expected root cause before its
//! clock runs out, its seven checks come in the quick-diagnosis order, and finishing writes a
//! report and an evidence file that parses as a scenario. A check is pending, never a green
//! pass, until it ran: before any data, mitigation before a root cause, evidence until the shell
//! says both files are written.

use aicockpit::contract::action::Action;
use aicockpit::contract::effect::Effect;
use aicockpit::contract::event::{Msg, TimedEvent};
use aicockpit::contract::scenario;
use aicockpit::settings::keymap::Keymap;
use aicockpit::sources::embedded;
use aicockpit::state::{AppState, Mode, update};
use aicockpit::triage::engine::walkthrough::{BUDGET_MS, STEPS, Status, Walkthrough};

/// (scenario, onset in scenario ms, expected root cause).
const CASES: &[(&str, i64, &str)] = &[
    ("rdma-netpol", 150_000, "netpol-blocks-rdma"),
    ("alloc-fragmentation", 240_000, "alloc-fragmentation"),
    ("label-mismatch", 20_000, "node-selector-key-mismatch"),
    ("gpu-taint", 30_000, "missing-gpu-toleration"),
    ("gpu-health", 95_000, "gpu-xid"),
    ("vllm-queue", 240_000, "autoscaling-at-max"),
    ("bad-rollout", 180_000, "bad-revision"),
];

fn feed(st: &mut AppState, s: &scenario::Scenario, from: i64, to: i64) {
    let batch: Vec<TimedEvent> = s
        .events
        .iter()
        .filter(|l| l.t_ms > from && l.t_ms <= to)
        .map(|l| TimedEvent {
            at_ms: s.start_ms + l.t_ms,
            ev: l.ev.clone(),
        })
        .collect();
    update(st, Msg::Source(batch));
    update(
        st,
        Msg::Tick {
            now_ms: s.start_ms + to,
        },
    );
}

#[test]
fn walkthrough_finds_the_root_cause_in_time_on_every_incident() {
    assert_eq!(
        CASES.len(),
        embedded::names().len(),
        "a case per embedded scenario"
    );
    for (name, onset, want) in CASES {
        let s = embedded::load(name).expect("embedded");
        let mut st = AppState::new(Mode::Demo, Keymap::embedded().expect("keymap"));
        feed(&mut st, &s, -1, *onset);
        update(&mut st, Msg::Action(Action::Walkthrough));
        let w = st.triage.walkthrough.as_ref().expect("started");
        assert_eq!(w.started_ms, s.start_ms + onset);
        let mut t = *onset;
        while t < onset + BUDGET_MS && t < s.duration_ms() {
            let next = (t + 15_000).min(s.duration_ms());
            feed(&mut st, &s, t, next);
            t = next;
            if st
                .triage
                .walkthrough
                .as_ref()
                .is_some_and(|w| w.found_ms.is_some())
            {
                break;
            }
        }
        let w = st.triage.walkthrough.as_ref().expect("still there");
        assert!(w.in_time(), "{name}: no root cause within 10 minutes");
        let rc = w.root_cause.as_ref().expect("root cause");
        assert_eq!(&rc.conclusion, want, "{name}");
        let titles: Vec<&str> = w.checks.iter().map(|c| c.title).collect();
        assert_eq!(titles, STEPS.to_vec(), "{name}: seven steps in order");
        assert!(
            w.checks
                .iter()
                .any(|c| c.status != aicockpit::triage::engine::walkthrough::Status::Pass),
            "{name}: every check passed during an incident"
        );

        // Finishing writes the report and an evidence scenario that --replay can open.
        let fx = update(&mut st, Msg::Action(Action::Walkthrough));
        let files: Vec<(&String, &String)> = fx
            .iter()
            .filter_map(|e| match e {
                Effect::WriteFile { path, contents } => Some((path, contents)),
                _ => None,
            })
            .collect();
        assert_eq!(files.len(), 2, "{name}: {fx:?}");
        let (_, md) = files
            .iter()
            .find(|(p, _)| p.ends_with(".md"))
            .expect("report");
        assert!(
            md.contains(want) && md.contains("MTTR target"),
            "{name}: {md}"
        );
        let (p, ev) = files
            .iter()
            .find(|(p, _)| p.ends_with(".jsonl"))
            .expect("evidence");
        let back = scenario::parse(ev, p).expect("evidence parses");
        assert!(!back.events.is_empty(), "{name}: empty evidence");
        // Replaying the evidence alone reaches the same conclusion.
        let st2 = aicockpit::shell::cmd::triage::state_at(&back, None);
        let pbs = aicockpit::settings::rules::Rules::builtin().expect("rule data");
        let f = aicockpit::triage::engine::findings::whats_wrong(pbs, &st2.world, st2.now_ms);
        assert!(
            f.iter().any(|x| &x.conclusion == want),
            "{name}: evidence replay lost {want}: {:?}",
            f.iter().map(|x| &x.conclusion).collect::<Vec<_>>()
        );
    }
}

fn statuses(w: &Walkthrough) -> Vec<Status> {
    w.checks.iter().map(|c| c.status).collect()
}

fn walkthrough(st: &AppState) -> &Walkthrough {
    st.triage.walkthrough.as_ref().expect("started")
}

#[test]
fn with_no_data_yet_no_check_passes() {
    let s = embedded::load("rdma-netpol").expect("embedded");
    let mut st = AppState::new(Mode::Demo, Keymap::embedded().expect("keymap"));
    update(&mut st, Msg::Tick { now_ms: s.start_ms });
    update(&mut st, Msg::Action(Action::Walkthrough));
    let w = walkthrough(&st);
    assert_eq!(statuses(w), vec![Status::Pending; 7], "{:?}", w.checks);
    assert!(
        w.checks[0].notes[0].contains("no node or pod received yet"),
        "{:?}",
        w.checks[0].notes
    );
    assert!(w.checks[5].notes[0].contains("no root cause found yet"));
}

#[test]
fn the_evidence_check_passes_only_once_both_files_are_written() {
    let s = embedded::load("rdma-netpol").expect("embedded");
    let mut st = AppState::new(Mode::Demo, Keymap::embedded().expect("keymap"));
    feed(&mut st, &s, -1, 300_000);
    update(&mut st, Msg::Action(Action::Walkthrough));
    let w = walkthrough(&st);
    assert_ne!(w.checks[0].status, Status::Pending, "checks 1-5 ran");
    assert_eq!(w.checks[6].status, Status::Pending, "nothing written yet");
    assert!(w.checks[6].notes[0].starts_with("finishing (T or ctrl-s) writes"));

    let fx = update(&mut st, Msg::Action(Action::Walkthrough));
    let paths: Vec<String> = fx
        .iter()
        .filter_map(|e| match e {
            Effect::WriteFile { path, .. } => Some(path.clone()),
            _ => None,
        })
        .collect();
    let md = fx
        .iter()
        .find_map(|e| match e {
            Effect::WriteFile { path, contents } if path.ends_with(".md") => Some(contents),
            _ => None,
        })
        .expect("report");
    assert!(
        md.contains("| 7 | Evidence retention | pending | writing "),
        "the report does not claim its own evidence is written: {md}"
    );
    assert!(!md.contains("| Evidence retention | pass |"), "{md}");
    assert_eq!(walkthrough(&st).evidence_status(), Status::Pending);

    update(
        &mut st,
        Msg::Written {
            path: paths[0].clone(),
            result: Ok(100),
        },
    );
    assert_eq!(
        walkthrough(&st).evidence_status(),
        Status::Pending,
        "one of two"
    );
    update(
        &mut st,
        Msg::Written {
            path: paths[1].clone(),
            result: Ok(200),
        },
    );
    let w = walkthrough(&st);
    assert_eq!(w.evidence_status(), Status::Pass);
    assert_eq!(
        w.checks[6].notes,
        paths
            .iter()
            .map(|p| format!("wrote {p}"))
            .collect::<Vec<_>>()
    );
}

#[test]
fn a_failed_write_fails_the_evidence_check() {
    let s = embedded::load("gpu-taint").expect("embedded");
    let mut st = AppState::new(Mode::Demo, Keymap::embedded().expect("keymap"));
    feed(&mut st, &s, -1, 120_000);
    update(&mut st, Msg::Action(Action::Walkthrough));
    let fx = update(&mut st, Msg::Action(Action::Walkthrough));
    let Some(Effect::WriteFile { path, .. }) = fx.first() else {
        panic!("{fx:?}");
    };
    update(
        &mut st,
        Msg::Written {
            path: path.clone(),
            result: Err("Permission denied (os error 13)".into()),
        },
    );
    let w = walkthrough(&st);
    assert_eq!(w.evidence_status(), Status::Fail);
    assert!(
        w.checks[6].notes[0].starts_with("could not write ")
            && w.checks[6].notes[0].ends_with("Permission denied (os error 13)"),
        "{:?}",
        w.checks[6].notes
    );
    let n = st.ui.notices.back().expect("a notice");
    assert!(n.text.starts_with("could not write"), "{}", n.text);
}
