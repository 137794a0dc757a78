//! The `gpu-taint` incident (seeds/003 X2): the GPU nodes carry
//! `nvidia.com/gpu=present:NoSchedule` and a new training Job has no toleration for it. Its pod
//! stays Pending; FailedScheduling repeats every minute.

use crate::contract::scenario::Scenario;
use crate::domain::Millis;
use crate::sources::generator::Timeline;
use crate::sources::generator::triage_base::{self as base, NS};
use crate::world::objects::parse_time;

pub const GPU_TAINT: &str = "gpu-taint";
const START: &str = "2026-11-23T09:00:00Z";
const END: Millis = 600_000;
/// When the Job is created.
pub const CREATED: Millis = 30_000;

pub fn gpu_taint() -> Scenario {
    let start_ms = parse_time(START).unwrap_or(0);
    let mut tl = Timeline::new();
    let _nodes = base::cluster(&mut tl, start_ms);
    let job = "pretrain-moe";
    let p = base::job_pod(
        job,
        None,
        "8",
        &[("NCCL_SOCKET_IFNAME", "eth0"), ("NCCL_IB_DISABLE", "0")],
        start_ms + CREATED,
    );
    let msg = "0/5 nodes are available: 1 Insufficient nvidia.com/gpu, 1 node(s) had untolerated \
               taint {node-role.kubernetes.io/control-plane: }, 3 node(s) had untolerated taint \
               {nvidia.com/gpu: present}. preemption: 0/5 nodes are available: 5 Preemption is \
               not helpful for scheduling.";
    tl.upsert(CREATED, base::job(job, start_ms + CREATED, 1, 0));
    tl.upsert(
        CREATED,
        base::unschedulable(&p, msg, start_ms + CREATED + 1_000),
    );
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
        GPU_TAINT,
        "A training Job does not tolerate the GPU nodes' taint",
        &format!(
            "The three H100 nodes carry nvidia.com/gpu=present:NoSchedule. Job {NS}/{job} asks \
             for 8 GPUs but has no toleration for the taint, so its pod stays Pending with \
             FailedScheduling every minute."
        ),
        START,
        start_ms,
    )
}
