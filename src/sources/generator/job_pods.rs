//! The training pods' side of the `rdma-netpol` story: status changes (running, terminated,
//! CrashLoopBackOff) and the kubelet Events that go with them.

use crate::domain::Millis;
use crate::sources::generator::Timeline;
use crate::sources::generator::job::{IMAGE, Job, NS, Rank};
use crate::sources::generator::k8s::{self, CState, Involved, PodStatus};
use crate::sources::generator::story::{END, at};

pub fn set(tl: &mut Timeline, t: Millis, r: &Rank, st: PodStatus) {
    tl.upsert(t, k8s::pod(&r.pod, &st));
}

pub fn started(restarts: u32, since: Millis, last: Option<CState>, created: Millis) -> PodStatus {
    PodStatus {
        phase: "Running".into(),
        state: CState::Running { since },
        last,
        restarts,
        started: created,
    }
}

pub fn term(reason: &str, code: i32, from: Millis, to: Millis) -> CState {
    CState::Terminated {
        reason: reason.into(),
        exit_code: code,
        started: from,
        finished: to,
    }
}

pub fn log(tl: &mut Timeline, t: Millis, r: &Rank, line: String) {
    tl.log(t, NS, &r.pod.name, "pytorch", line);
}

/// After the third crash: every rank waits in CrashLoopBackOff; the kubelet's BackOff Event
/// repeats every 15 s until the end.
pub fn crash_loop(tl: &mut Timeline, job: &Job, start_ms: Millis) {
    for r in &job.ranks {
        let last = Some(term(
            "Error",
            1,
            start_ms + at::RESTART2,
            start_ms + at::CRASH3,
        ));
        set(
            tl,
            at::CRASH3,
            r,
            PodStatus {
                state: term("Error", 1, start_ms + at::RESTART2, start_ms + at::CRASH3),
                ..started(2, 0, None, job.created)
            },
        );
        let uid = k8s::uid("Pod", NS, &r.pod.name);
        let mut n = 0;
        let mut t = at::BACKOFF + i64::from(r.index) * 700;
        while t <= END {
            n += 1;
            let wait = CState::Waiting {
                reason: "CrashLoopBackOff".into(),
                message: format!(
                    "back-off {}s restarting failed container=pytorch pod={}_{NS}({uid})",
                    10 * (1 << n.min(4)),
                    r.pod.name
                ),
            };
            set(
                tl,
                t,
                r,
                PodStatus {
                    phase: "Running".into(),
                    state: wait,
                    last: last.clone(),
                    restarts: 3,
                    started: job.created,
                },
            );
            let obj = Involved {
                api_version: "v1".into(),
                kind: "Pod".into(),
                namespace: NS.into(),
                name: r.pod.name.clone(),
                field_path: "spec.containers{pytorch}".into(),
            };
            let msg = format!(
                "Back-off restarting failed container pytorch in pod {}_{NS}({uid})",
                r.pod.name
            );
            tl.upsert(
                t,
                k8s::event(
                    &obj,
                    99,
                    "Warning",
                    "BackOff",
                    &msg,
                    n,
                    start_ms + at::BACKOFF,
                    start_ms + t,
                    "kubelet",
                    &r.node,
                ),
            );
            t += 15_000;
        }
    }
}

/// Normal events of a container restart.
pub fn pod_events(tl: &mut Timeline, r: &Rank, t: Millis, first: Millis, last: Millis, count: u32) {
    let obj = Involved {
        api_version: "v1".into(),
        kind: "Pod".into(),
        namespace: NS.into(),
        name: r.pod.name.clone(),
        field_path: "spec.containers{pytorch}".into(),
    };
    for (seq, reason, msg) in [
        (
            1,
            "Pulled",
            format!("Container image \"{IMAGE}\" already present on machine"),
        ),
        (2, "Created", "Created container: pytorch".to_string()),
        (3, "Started", "Started container pytorch".to_string()),
    ] {
        tl.upsert(
            t,
            k8s::event(
                &obj, seq, "Normal", reason, &msg, count, first, last, "kubelet", &r.node,
            ),
        );
    }
}
