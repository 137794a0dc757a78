//! The `label-mismatch` incident (seeds/003 X1): a fine-tuning Job copied from another cluster
//! selects nodes with `os: linux`, but nodes here carry `kubernetes.io/os=linux`. Its pod stays
//! Pending and the scheduler repeats FailedScheduling every minute.

use serde_json::json;

use crate::contract::scenario::Scenario;
use crate::domain::Millis;
use crate::sources::generator::Timeline;
use crate::sources::generator::triage_base::{self as base, NS};
use crate::world::objects::parse_time;

pub const LABEL_MISMATCH: &str = "label-mismatch";
const START: &str = "2026-11-23T08:00:00Z";
const END: Millis = 600_000;
/// When the Job is created.
pub const CREATED: Millis = 20_000;

pub fn label_mismatch() -> Scenario {
    let start_ms = parse_time(START).unwrap_or(0);
    let mut tl = Timeline::new();
    let _nodes = base::cluster(&mut tl, start_ms);
    let job = "finetune-llama3";
    let mut p = base::job_pod(
        job,
        None,
        "8",
        &[("NCCL_SOCKET_IFNAME", "eth0")],
        start_ms + CREATED,
    );
    p.tolerations = vec![("nvidia.com/gpu".into(), "NoSchedule".into())];
    let msg = "0/5 nodes are available: 5 node(s) didn't match Pod's node affinity/selector. \
               preemption: 0/5 nodes are available: 5 Preemption is not helpful for scheduling.";
    tl.upsert(CREATED, base::job(job, start_ms + CREATED, 1, 0));
    let mut pod = base::unschedulable(&p, msg, start_ms + CREATED + 1_000);
    pod["spec"]["nodeSelector"] = json!({"os": "linux"});
    tl.upsert(CREATED, pod);
    let mut t = CREATED + 1_000;
    let mut n = 1;
    while t < END {
        base::pod_event(
            &mut tl,
            t,
            start_ms,
            &p.name,
            0,
            "Warning",
            "FailedScheduling",
            msg,
            n,
            CREATED + 1_000,
            "default-scheduler",
        );
        n += 1;
        t += 60_000;
    }
    tl.finish(
        LABEL_MISMATCH,
        "A Job's nodeSelector uses a label key no node carries",
        &format!(
            "Job {NS}/{job} was copied from a cluster whose nodes carry os=linux; here kubelet \
             labels nodes kubernetes.io/os=linux. Its pod asks for 8 GPUs, tolerates the GPU \
             taint, and stays Pending: FailedScheduling every minute."
        ),
        START,
        start_ms,
    )
}
