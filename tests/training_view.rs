//! The Training view built through the reducer from raw objects: jobs of every supported kind,
//! FineTuningJob phases, unknown CRDs ignored, NCCL state and env per rank, and the cross-rank
//! correlation naming the laggard and the pod behind a peer address.

use aicockpit::contract::event::{Msg, SourceEvent, TimedEvent};
use aicockpit::settings::keymap::Keymap;
use aicockpit::state::{self, AppState, Mode};
use serde_json::{Value, json};

fn upsert(object: Value) -> TimedEvent {
    TimedEvent {
        at_ms: 1_000,
        ev: SourceEvent::Upsert { object },
    }
}

fn log(pod: &str, line: &str) -> TimedEvent {
    TimedEvent {
        at_ms: 2_000,
        ev: SourceEvent::Log {
            namespace: "ml".into(),
            pod: pod.into(),
            container: "c".into(),
            line: line.into(),
        },
    }
}

fn pod(name: &str, labels: Value, ip: &str, env: Value) -> Value {
    json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": "ml", "labels": labels},
        "spec": {"nodeName": "n1", "containers": [{"name": "c", "env": env,
            "resources": {"limits": {"nvidia.com/gpu": "1"}}}]},
        "status": {"phase": "Running", "podIP": ip,
            "containerStatuses": [{"name": "c", "ready": true, "restartCount": 0,
                "state": {"running": {}}}]}})
}

fn run(events: Vec<TimedEvent>) -> AppState {
    let mut st = AppState::new(Mode::Demo, Keymap::embedded().expect("keymap"));
    state::update(&mut st, Msg::Source(events));
    state::update(&mut st, Msg::Tick { now_ms: 5_000 });
    st
}

#[test]
fn jobs_of_every_kind_and_unknown_crds_ignored() {
    let js = |i: u32| {
        pod(
            &format!("js-{i}"),
            json!({"jobset.sigs.k8s.io/jobset-name": "sweep",
                "batch.kubernetes.io/job-completion-index": i.to_string()}),
            &format!("10.0.1.{i}"),
            json!([]),
        )
    };
    let st = run(vec![
        upsert(
            json!({"apiVersion": "ft.example.com/v1", "kind": "FineTuningJob",
            "metadata": {"name": "lora", "namespace": "ml"}, "status": {"phase": "Preparing"}}),
        ),
        upsert(
            json!({"apiVersion": "x.example.com/v1", "kind": "MysteryJob",
            "metadata": {"name": "nope", "namespace": "ml"}}),
        ),
        upsert(
            json!({"apiVersion": "jobset.x-k8s.io/v1alpha2", "kind": "JobSet",
            "metadata": {"name": "sweep", "namespace": "ml"},
            "status": {"conditions": [{"type": "Completed", "status": "False"}]}}),
        ),
        upsert(js(1)),
        upsert(js(0)),
    ]);
    let jobs = &st.training.jobs;
    let names: Vec<(&str, &str, &str)> = jobs
        .iter()
        .map(|j| (j.name.as_str(), j.kind.as_str(), j.phase.as_str()))
        .collect();
    assert_eq!(
        names,
        [
            ("lora", "FineTuningJob", "Preparing"),
            ("sweep", "JobSet", "Created")
        ]
    );
    let ranks: Vec<Option<u32>> = jobs[1].ranks.iter().map(|r| r.rank()).collect();
    assert_eq!(
        ranks,
        [Some(0), Some(1)],
        "a JobSet's completion index is its rank"
    );
    assert!(jobs[0].ranks.is_empty());
}

#[test]
fn ranks_carry_nccl_state_env_and_correlation() {
    let labels = |i: u32| {
        json!({"training.kubeflow.org/job-name": "ddp",
            "training.kubeflow.org/replica-type": "worker",
            "training.kubeflow.org/replica-index": i.to_string()})
    };
    let env = json!([{"name": "NCCL_IB_DISABLE", "value": "1"},
        {"name": "WORLD_SIZE", "value": "3"}]);
    let mut events: Vec<TimedEvent> = (0..3)
        .map(|i| {
            upsert(pod(
                &format!("w{i}"),
                labels(i),
                &format!("10.0.0.{i}"),
                env.clone(),
            ))
        })
        .collect();
    events.push(log("w0", "w0:1:1 [0] NCCL INFO Using network IB"));
    events.push(log("w0", "w0:1:1 [0] NCCL INFO Using network Socket"));
    for (p, r) in [("w0", 0), ("w1", 1)] {
        events.push(log(
            p,
            &format!("[rank{r}]:[E1122 10:38:30.1 ProcessGroupNCCL.cpp:684] [PG ID 0 PG GUID 0(default_pg) Rank {r}] Timeout at NCCL work: 897, last enqueued NCCL work: 897, last completed NCCL work: 896."),
        ));
    }
    events.push(log(
        "w1",
        "[rank1]: torch.distributed.DistBackendError: NCCL error: remote process exited or there was a network error, NCCL version 2.21.5\nncclRemoteError: Connection closed by remote peer 10.0.0.2<4567>",
    ));
    events.push(log(
        "w1",
        "w1:5:9 [0] misc/socket.cc:538 NCCL WARN socketProgress: Connection closed by remote peer 10.0.0.2<4567>",
    ));
    let st = run(events);
    let job = st.training.jobs.first().expect("job");
    assert_eq!(job.name, "ddp");
    let w0 = &job.ranks[0];
    assert!(w0.nccl.fell_back);
    let ib = w0
        .env
        .iter()
        .find(|e| e.name == "NCCL_IB_DISABLE")
        .expect("env");
    assert!(ib.risky() && ib.differs());
    assert!(w0.shm_default);
    assert_eq!(w0.devices, "gpu×1");
    let c = &job.correlation;
    assert_eq!(c.laggard_ranks(), [2], "rank 2 reported no timeout: {c:?}");
    assert_eq!(c.laggards[0].pod.as_deref(), Some("w2"), "{c:?}");
    assert!(
        c.peers
            .iter()
            .any(|p| p.ip == "10.0.0.2" && p.who.pod.as_deref() == Some("w2")),
        "{c:?}"
    );
    assert_eq!(job.ranks[1].nccl.warns, 1);
}
