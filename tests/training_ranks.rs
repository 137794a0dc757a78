//! "The overview never lies" for training jobs: one rank numbering (the global rank) in the rank
//! grid, the cross-rank correlation and the laggard fix of the `rdma-netpol` scenario; SINCE is
//! when a pod's condition began, not its age; a job whose pod stays Pending past
//! `[training] stuck_after` is Stuck, in the pane and in the header, also with time alone.

#[path = "ui_support/mod.rs"]
mod common;

use aicockpit::contract::action::Action;
use aicockpit::contract::event::{Msg, SourceEvent, TimedEvent};
use aicockpit::domain::Millis;
use aicockpit::settings::config::Config;
use aicockpit::settings::keymap::Keymap;
use aicockpit::settings::rules::Rules;
use aicockpit::shell::app::initial_state;
use aicockpit::shell::tuning::Tuning;
use aicockpit::sources::embedded;
use aicockpit::state::ui::Pane;
use aicockpit::state::{self, AppState, Mode};
use aicockpit::training::derive::health::JobHealth;
use aicockpit::training::derive::ranks::RankSource;
use aicockpit::training::view::correlation::RankRef;
use aicockpit::triage::engine::findings::whats_wrong;
use aicockpit::world::objects::parse_time;
use common::{render, state_from};
use serde_json::{Value, json};

fn rdma_netpol() -> AppState {
    let s = embedded::load("rdma-netpol").expect("embedded scenario");
    state_from(&aicockpit::contract::scenario::to_text(&s), None)
}

#[test]
fn grid_correlation_and_laggard_fix_name_the_same_rank_and_pod() {
    let mut st = rdma_netpol();
    let job = st
        .training
        .jobs
        .iter()
        .find(|j| j.name == "llm-pretrain")
        .expect("the PyTorchJob");
    // The grid: global ranks 0..3 in order, replica index beside them.
    let grid: Vec<(Option<u32>, String, &str)> = job
        .ranks
        .iter()
        .map(|r| (r.rank(), r.replica(), r.pod.as_str()))
        .collect();
    assert_eq!(
        grid,
        [
            (Some(0), "master/0".into(), "llm-pretrain-master-0"),
            (Some(1), "worker/0".into(), "llm-pretrain-worker-0"),
            (Some(2), "worker/1".into(), "llm-pretrain-worker-1"),
            (Some(3), "worker/2".into(), "llm-pretrain-worker-2"),
        ]
    );
    assert!(
        job.ranks
            .iter()
            .all(|r| r.global.source == Some(RankSource::Logs)),
        "every rank logs [rankN]: prefixes"
    );
    // The correlation: the silent rank 2 is the laggard, and it is worker-1's pod.
    let laggard = RankRef {
        rank: Some(2),
        pod: Some("llm-pretrain-worker-1".into()),
        replica: Some("worker/1".into()),
    };
    assert_eq!(job.correlation.laggards, [laggard]);
    let (first, _) = job
        .correlation
        .first_failure
        .as_ref()
        .expect("a first failure");
    let row = job
        .ranks
        .iter()
        .find(|r| first.pod.as_deref() == Some(r.pod.as_str()))
        .expect("the first failure is one of the job's pods");
    assert_eq!(
        first.rank,
        row.rank(),
        "first failure rank as the grid numbers it"
    );
    // The laggard fix reads that pod's log, and names that rank.
    let rules = Rules::builtin().expect("built-in rules");
    let findings = whats_wrong(rules, &st.world, st.now_ms);
    let timeout = findings
        .iter()
        .find(|f| f.conclusion == "timeout-on-socket-fallback")
        .expect("the watchdog conclusion");
    let fix = timeout
        .fixes
        .iter()
        .find(|x| x.title.contains("laggard"))
        .expect("a laggard fix");
    assert!(
        fix.command.contains("logs llm-pretrain-worker-1 "),
        "{}",
        fix.command
    );
    assert!(
        fix.title.contains("rank 2 in llm-pretrain-worker-1"),
        "{}",
        fix.title
    );
    // The pane shows the same: rank 2, worker/1, worker-1's pod on one line; the laggard named.
    st.ui.focus = Pane::Training;
    state::update(&mut st, Msg::Action(Action::Zoom));
    let idx = st
        .training
        .jobs
        .iter()
        .position(|j| j.name == "llm-pretrain")
        .expect("job");
    st.ui.selected.insert(Pane::Training, idx);
    state::update(&mut st, Msg::Action(Action::Select));
    let screen = render(&st, 160, 40);
    let line = screen
        .lines()
        .find(|l| l.contains("llm-pretrain-worker-1 gpu-h100"))
        .expect("worker-1's row");
    assert!(
        line.starts_with("│2 ") && line.contains(" worker/1 "),
        "{line}"
    );
    assert!(
        screen.contains("laggard rank 2 · llm-pretrain-worker-1 · worker/1"),
        "{screen}"
    );
}

#[test]
fn since_is_when_the_condition_began_not_the_pods_age() {
    let st = rdma_netpol();
    let job = st
        .training
        .jobs
        .iter()
        .find(|j| j.name == "llm-pretrain")
        .expect("job");
    let start = parse_time("2026-11-22T10:30:00Z").expect("scenario start");
    for r in &job.ranks {
        assert_eq!(r.status, "CrashLoopBackOff");
        // The third crash (548 s in) ended the run the pod now backs off from; it was created
        // two hours before the scenario.
        assert_eq!(r.since_ms, Some(start + 548_000), "{}", r.pod);
        assert!(r.created_ms < Some(start - 3_600_000));
    }
    // The Triage attention list dates the same pods the same way.
    let none = aicockpit::triage::attention::Inputs {
        unknown: &[],
        alerts: &[],
        findings: &[],
    };
    let items = aicockpit::triage::attention::attention(&st.world, none);
    let w1 = items
        .iter()
        .find(|i| i.place() == "pod ml-training/llm-pretrain-worker-1")
        .expect("attention row");
    assert_eq!(w1.since_ms, Some(start + 548_000));

    // A pod running for 3 minutes in a pod two hours old: SINCE is 3 minutes.
    let t0 = parse_time("2026-11-22T12:00:00Z").expect("t0");
    let mut st = session(None);
    let pod = json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "w-0", "namespace": "ml", "creationTimestamp": "2026-11-22T10:00:00Z",
            "labels": {"training": "distributed", "job-name": "j"}},
        "spec": {"containers": [{"name": "c"}]},
        "status": {"phase": "Running", "containerStatuses": [{"name": "c", "restartCount": 1,
            "state": {"running": {"startedAt": "2026-11-22T11:57:00Z"}}}]}});
    feed(&mut st, t0, vec![pod]);
    let r = &st.training.jobs[0].ranks[0];
    assert_eq!(r.since_ms, Some(t0 - 180_000));
    assert_eq!(st.training.jobs[0].since_ms, Some(t0 - 180_000));
}

/// A session as the shell starts it, with `config` (a user config.toml text) over the
/// embedded defaults.
fn session(config: Option<&str>) -> AppState {
    let c = match config {
        Some(text) => Config::from_user_toml(text, "config.toml").expect("config"),
        None => Config::defaults().expect("embedded config"),
    };
    let rules = Rules::builtin().expect("built-in rules");
    initial_state(
        Mode::Demo,
        Keymap::embedded().expect("keymap"),
        rules,
        &Tuning::from_config(&c),
        false,
    )
}

fn feed(st: &mut AppState, now_ms: Millis, objects: Vec<Value>) {
    let batch = objects
        .into_iter()
        .map(|object| TimedEvent {
            at_ms: now_ms,
            ev: SourceEvent::Upsert { object },
        })
        .collect();
    state::update(st, Msg::Source(batch));
    state::update(st, Msg::Tick { now_ms });
}

/// A batch Job with one active pod that has been Pending since `created`.
fn pending_job(created: &str) -> Vec<Value> {
    vec![
        json!({"apiVersion": "batch/v1", "kind": "Job",
            "metadata": {"name": "finetune", "namespace": "ml", "creationTimestamp": created,
                "labels": {"training": "distributed"}},
            "status": {"active": 1, "startTime": created}}),
        json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "finetune-0", "namespace": "ml", "creationTimestamp": created,
                "labels": {"training": "distributed", "job-name": "finetune"},
                "ownerReferences": [{"kind": "Job", "name": "finetune"}]},
            "spec": {"containers": [{"name": "c",
                "resources": {"limits": {"nvidia.com/gpu": "8"}}}]},
            "status": {"phase": "Pending", "conditions": [{"type": "PodScheduled",
                "status": "False", "reason": "Unschedulable",
                "lastTransitionTime": created}]}}),
    ]
}

#[test]
fn a_job_pending_past_the_threshold_is_stuck_and_counted_in_the_header() {
    let created = "2026-11-22T10:00:00Z";
    let t0 = parse_time(created).expect("t0");
    let mut st = session(None);
    feed(&mut st, t0 + 60_000, pending_job(created));
    let job = &st.training.jobs[0];
    assert_eq!((job.phase.as_str(), job.health), ("Running", JobHealth::Ok));
    assert_eq!(st.summary.jobs_stuck, 0);
    // Nine minutes on, with no new event: only the clock moved.
    state::update(
        &mut st,
        Msg::Tick {
            now_ms: t0 + 540_000,
        },
    );
    let job = &st.training.jobs[0];
    assert_eq!(
        (job.phase.as_str(), job.health),
        ("Stuck", JobHealth::Stuck)
    );
    assert_eq!(job.since_ms, Some(t0));
    assert_eq!(
        (
            st.summary.jobs_stuck,
            st.summary.jobs_failing,
            st.summary.jobs_total
        ),
        (1, 0, 1)
    );
    let screen = render(&st, 160, 30);
    let header = screen.lines().nth(1).expect("counts line");
    assert!(header.contains("jobs failing 0/1 · stuck 1"), "{header}");
    assert!(
        screen
            .lines()
            .any(|l| l.contains("finetune") && l.contains("Stuck") && l.contains(" 9m ")),
        "{screen}"
    );

    // The config key reaches the session: with stuck_after = "10m" it is not stuck yet.
    let mut patient = session(Some("[training]\nstuck_after = \"10m\"\n"));
    feed(&mut patient, t0 + 540_000, pending_job(created));
    assert_eq!(patient.training.jobs[0].phase, "Running");
    assert_eq!(patient.summary.jobs_stuck, 0);
}
