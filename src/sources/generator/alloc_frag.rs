//! The `alloc-fragmentation` incident (seeds/004 case 2): a long-running fine-tuning job hits
//! CUDA out of memory although about 17 GiB are reserved by PyTorch's caching allocator but
//! unallocated — fragmentation, not a working set too large. It crashes, restarts, crashes again
//! and ends in CrashLoopBackOff. PYTORCH_CUDA_ALLOC_CONF is not set.

use crate::contract::scenario::Scenario;
use crate::domain::Millis;
use crate::sources::generator::Timeline;
use crate::sources::generator::cluster::NodeKind;
use crate::sources::generator::job_pods::{started, term};
use crate::sources::generator::k8s::{self, CState, PodStatus};
use crate::sources::generator::triage_base::{self as base, NS};
use crate::world::objects::parse_time;

pub const ALLOC_FRAGMENTATION: &str = "alloc-fragmentation";
const START: &str = "2026-11-23T10:00:00Z";
const END: Millis = 600_000;
/// First and second out-of-memory crash.
pub const OOM1: Millis = 240_000;
pub const OOM2: Millis = 450_000;
pub const BACKOFF: Millis = 470_000;

fn oom_lines(
    rank: u32,
    tried: &str,
    free: &str,
    in_use: &str,
    alloc: &str,
    reserved: &str,
) -> Vec<String> {
    vec![
        "Traceback (most recent call last):".into(),
        "  File \"/workspace/train.py\", line 212, in <module>".into(),
        "    loss.backward()".into(),
        format!(
            "[rank{rank}]: torch.OutOfMemoryError: CUDA out of memory. Tried to allocate {tried}. GPU {rank} has a total capacity of 79.19 GiB of which {free} is free. Including non-PyTorch memory, this process has {in_use} memory in use. Of the allocated memory {alloc} is allocated by PyTorch, and {reserved} is reserved by PyTorch but unallocated. If reserved but unallocated memory is large try setting PYTORCH_CUDA_ALLOC_CONF=expandable_segments:True to avoid fragmentation.  See documentation for Memory Management  (https://pytorch.org/docs/stable/notes/cuda.html#environment-variables)"
        ),
    ]
}

pub fn alloc_fragmentation() -> Scenario {
    let start_ms = parse_time(START).unwrap_or(0);
    let mut tl = Timeline::new();
    let nodes = base::cluster(&mut tl, start_ms);
    let node = base::node(&nodes, NodeKind::H100);
    let job = "finetune-7b";
    let created = start_ms - 5 * 3_600_000;
    let p = base::job_pod(
        job,
        node,
        "8",
        &[("NCCL_SOCKET_IFNAME", "eth0"), ("NCCL_DEBUG", "WARN")],
        created,
    );
    let c = "trainer";
    tl.upsert(0, base::job(job, created, 1, 0));
    tl.upsert(0, k8s::pod(&p, &PodStatus::running(created)));
    let step = |tl: &mut Timeline, t: Millis, s: u64| {
        tl.log(
            t,
            NS,
            &p.name,
            c,
            format!(
                "[rank0]: step {s} | loss {:.4} | lr 2.0e-05 | 3.41 s/it | seq_len 8192",
                1.9 - s as f64 * 1e-4
            ),
        );
    };
    let mut t = 5_000;
    while t < OOM1 {
        step(&mut tl, t, 4_100 + (t / 3_410) as u64);
        t += 15_000;
    }
    for (i, l) in oom_lines(
        0,
        "4.00 GiB",
        "3.12 GiB",
        "76.06 GiB",
        "58.43 GiB",
        "16.97 GiB",
    )
    .into_iter()
    .enumerate()
    {
        tl.log(OOM1 + i as Millis * 10, NS, &p.name, c, l);
    }
    let crash1 = term("Error", 1, created, start_ms + OOM1 + 2_000);
    tl.upsert(
        OOM1 + 2_000,
        k8s::pod(
            &p,
            &PodStatus {
                phase: "Running".into(),
                state: crash1.clone(),
                last: None,
                restarts: 0,
                started: created,
            },
        ),
    );
    let restart = OOM1 + 15_000;
    tl.upsert(
        restart,
        k8s::pod(
            &p,
            &started(1, start_ms + restart, Some(crash1.clone()), created),
        ),
    );
    let mut t = restart + 20_000;
    while t < OOM2 {
        step(&mut tl, t, 4_170 + ((t - restart) / 3_410) as u64);
        t += 15_000;
    }
    for (i, l) in oom_lines(
        0,
        "2.50 GiB",
        "1.71 GiB",
        "77.47 GiB",
        "60.12 GiB",
        "16.64 GiB",
    )
    .into_iter()
    .enumerate()
    {
        tl.log(OOM2 + i as Millis * 10, NS, &p.name, c, l);
    }
    let crash2 = term("Error", 1, start_ms + restart, start_ms + OOM2 + 2_000);
    tl.upsert(
        OOM2 + 2_000,
        k8s::pod(
            &p,
            &PodStatus {
                phase: "Running".into(),
                state: crash2.clone(),
                last: Some(crash1),
                restarts: 1,
                started: created,
            },
        ),
    );
    tl.upsert(
        BACKOFF,
        k8s::pod(
            &p,
            &PodStatus {
                phase: "Running".into(),
                state: CState::Waiting {
                    reason: "CrashLoopBackOff".into(),
                    message: format!(
                        "back-off 20s restarting failed container={c} pod={}",
                        p.name
                    ),
                },
                last: Some(crash2),
                restarts: 2,
                started: created,
            },
        ),
    );
    let mut t = BACKOFF;
    let mut n = 1;
    while t < END {
        base::pod_event(
            &mut tl,
            t,
            start_ms,
            &p.name,
            1,
            "Warning",
            "BackOff",
            &format!(
                "Back-off restarting failed container {c} in pod {}_{NS}",
                p.name
            ),
            n,
            BACKOFF,
            "kubelet",
        );
        n += 1;
        t += 20_000;
    }
    tl.finish(
        ALLOC_FRAGMENTATION,
        "CUDA out of memory from allocator fragmentation",
        &format!(
            "Job {NS}/{job} (8×H100 on one node) has trained for five hours when rank 0 hits CUDA \
             out of memory asking for 4 GiB while 17 GiB are reserved by PyTorch but unallocated. \
             It restarts, fails the same way, and ends in CrashLoopBackOff. \
             PYTORCH_CUDA_ALLOC_CONF is not set."
        ),
        START,
        start_ms,
    )
}
