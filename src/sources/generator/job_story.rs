//! What happens to the training job in the `rdma-netpol` story, from the healthy start to
//! CrashLoopBackOff: pod status changes, PyTorchJob conditions, Kubernetes Events, and the NCCL
//! and PyTorch lines each rank writes (formats from real NCCL 2.28 / PyTorch 2.11 output).

use serde_json::json;

use crate::domain::Millis;
use crate::sources::generator::Timeline;
use crate::sources::generator::job::{CHECKPOINT, FIRST_STEP, Job, NAME, NS, SEQ};
use crate::sources::generator::job_pods::{crash_loop, log, pod_events, set, started, term};
use crate::sources::generator::k8s::{self, Involved, PodStatus, kv};
use crate::sources::generator::k8s_apps;
use crate::sources::generator::nccl_lines::{init_lines, pg, step_line};
use crate::sources::generator::story::at;

/// Everything that happens to the job, from the healthy start to CrashLoopBackOff.
pub fn story(tl: &mut Timeline, job: &Job, start_ms: Millis) {
    let abs = |t: Millis| start_ms + t;
    let cond = |ty, st, reason, msg, t| (ty, st, reason, msg, abs(t));
    let created = cond(
        "Created",
        "True",
        "PyTorchJobCreated",
        "PyTorchJob llm-pretrain is created.",
        -7_200_000,
    );
    let running = |t| {
        cond(
            "Running",
            "True",
            "PyTorchJobRunning",
            "PyTorchJob ml-training/llm-pretrain is running.",
            t,
        )
    };
    let restarting = |t, msg| cond("Restarting", "True", "PyTorchJobRestarting", msg, t);
    let pj = |conds: &[k8s_apps::Condition], active, failed| {
        k8s_apps::pytorchjob(
            NS,
            NAME,
            job.created,
            &job.container,
            3,
            conds,
            active,
            failed,
        )
    };
    tl.upsert(0, pj(&[created, running(-7_000_000)], 4, 0));

    // t = 0: the pods have run for two hours; the recorder tailed their first lines.
    for r in &job.ranks {
        set(tl, 0, r, started(0, abs(-7_000_000), None, job.created));
        for l in init_lines(r, true, 0x5571_a3c0) {
            log(tl, 0, r, l);
        }
    }
    let Some(r0) = job.ranks.first() else { return };
    let mut t = 2_000;
    while t < at::IB_ERROR {
        log(tl, t, r0, step_line(FIRST_STEP + (t / 1_620) as u64, 1.62));
        t += 10_000;
    }

    // The policy: only TCP between the job's pods (RoCE runs over UDP 4791, so RDMA is cut).
    let sel = kv(&[("training.kubeflow.org/job-name", NAME)]);
    let ann = kv(&[(
        "description",
        "ml-training: allow only TCP between training pods (security review SEC-2291)",
    )]);
    tl.upsert(
        at::NETPOL,
        k8s_apps::networkpolicy(
            NS,
            "restrict-training-egress",
            abs(at::NETPOL),
            &sel,
            json!([{"protocol": "TCP"}]),
            &ann,
        ),
    );

    // RDMA breaks mid-step.
    let stamp = |t: Millis| {
        chrono::DateTime::from_timestamp_millis(abs(t))
            .map(|d| d.format("%Y-%m-%d %H:%M:%S").to_string())
            .unwrap_or_default()
    };
    for r in &job.ranks {
        let peer = &job.ranks[(r.index as usize + 1) % job.ranks.len()];
        log(
            tl,
            at::IB_ERROR + i64::from(r.index) * 300,
            r,
            format!(
                "[{}] {}:{}:{} [0] transport/net_ib.cc:{} (ncclIbTest) NCCL WARN NET/IB : Got completion from peer {}<{}> with status=12 opcode=0 len=0 vendor err 129 (Send) localGid ::ffff:{} remoteGid ::ffff:{}",
                stamp(at::IB_ERROR),
                r.pod.name,
                r.pid,
                r.pid + 140,
                452,
                peer.pod.ip,
                51_734 + peer.index,
                r.pod.ip,
                peer.pod.ip
            ),
        );
        log(
            tl,
            at::IB_ERROR + 2_000,
            r,
            format!(
                "[rank{}]: torch.distributed.DistBackendError: NCCL error in: /pytorch/torch/csrc/distributed/c10d/ProcessGroupNCCL.cpp:3690, remote process exited or there was a network error, NCCL version 2.28.9",
                r.index
            ),
        );
        log(tl, at::IB_ERROR + 2_000, r, "ncclRemoteError: A call failed possibly due to a network error or a remote process exiting prematurely.".into());
        set(
            tl,
            at::CRASH1,
            r,
            PodStatus {
                state: term("Error", 1, abs(-7_000_000), abs(at::CRASH1)),
                ..started(0, 0, None, job.created)
            },
        );
    }
    let msg1 =
        "PyTorchJob ml-training/llm-pretrain is restarting because 1 Worker replica(s) failed.";
    tl.upsert(
        at::CRASH1 + 1_000,
        pj(
            &[
                created,
                cond(
                    "Running",
                    "False",
                    "PyTorchJobRestarting",
                    msg1,
                    at::CRASH1 + 1_000,
                ),
                restarting(at::CRASH1 + 1_000, msg1),
            ],
            0,
            4,
        ),
    );
    let job_obj = Involved {
        api_version: "kubeflow.org/v1".into(),
        kind: "PyTorchJob".into(),
        namespace: NS.into(),
        name: NAME.into(),
        field_path: String::new(),
    };
    let mut restarts_seen = 0;
    let mut job_event = |tl: &mut Timeline, t: Millis, msg: &str| {
        restarts_seen += 1;
        tl.upsert(
            t,
            k8s::event(
                &job_obj,
                0,
                "Warning",
                "PyTorchJobRestarting",
                msg,
                restarts_seen,
                abs(at::CRASH1 + 1_000),
                abs(t),
                "pytorchjob-controller",
                "",
            ),
        );
    };
    job_event(tl, at::CRASH1 + 1_000, msg1);

    // Restart 1: NCCL comes up on sockets.
    for r in &job.ranks {
        let last = Some(term("Error", 1, abs(-7_000_000), abs(at::CRASH1)));
        set(
            tl,
            at::RESTART1,
            r,
            started(1, abs(at::RESTART1), last, job.created),
        );
        pod_events(tl, r, at::RESTART1, abs(at::RESTART1), abs(at::RESTART1), 1);
        for (n, l) in init_lines(r, false, 0x7f3e_9b40).into_iter().enumerate() {
            log(tl, at::RESTART1 + 5_000 + n as i64 * 150, r, l);
        }
    }
    log(
        tl,
        at::RESTART1 + 4_000,
        r0,
        format!("[rank0] resuming from checkpoint /ckpt/llm-pretrain/step_{CHECKPOINT}"),
    );
    tl.upsert(
        at::RUNNING2,
        pj(
            &[
                created,
                running(at::RUNNING2),
                cond(
                    "Restarting",
                    "False",
                    "PyTorchJobRunning",
                    msg1,
                    at::RUNNING2,
                ),
            ],
            4,
            0,
        ),
    );
    let mut t = at::RUNNING2 + 8_000;
    while t < at::STALL {
        log(
            tl,
            t,
            r0,
            step_line(CHECKPOINT + ((t - at::RUNNING2) / 9_740) as u64, 9.74),
        );
        t += 20_000;
    }

    // Rank 2 stalls; 180 s later the watchdog fires on the others.
    for r in job.ranks.iter().filter(|r| r.index != 2) {
        let t = at::WATCHDOG + i64::from(r.index) * 200;
        let p = |line| pg(r, start_ms, t, line);
        log(
            tl,
            t,
            r,
            format!(
                "{} Watchdog caught collective operation timeout: WorkNCCL(SeqNum={SEQ}, OpType=ALLREDUCE, NumelIn=16777216, NumelOut=16777216, Timeout(ms)=180000) ran for 180043 milliseconds before timing out.",
                pg(r, start_ms, t, 632).replace(" [PG ID 0 PG GUID 0(default_pg) Rank", " [Rank")
            ),
        );
        log(
            tl,
            t,
            r,
            format!(
                "{} Exception (either an error or timeout) detected by watchdog at work: {SEQ}, last enqueued NCCL work: {SEQ}, last completed NCCL work: {}.",
                p(2027),
                SEQ - 1
            ),
        );
        log(
            tl,
            t,
            r,
            format!(
                "{} Timeout at NCCL work: {SEQ}, last enqueued NCCL work: {SEQ}, last completed NCCL work: {}.",
                p(684),
                SEQ - 1
            ),
        );
        log(
            tl,
            t,
            r,
            format!(
                "{} To avoid data inconsistency, we are taking the entire process down.",
                p(698)
            ),
        );
        log(
            tl,
            t,
            r,
            "terminate called after throwing an instance of 'c10::DistBackendError'".into(),
        );
    }
    if let Some(r2) = job.ranks.get(2) {
        let t = at::WATCHDOG + 3_000;
        log(
            tl,
            t,
            r2,
            format!(
                "{} Process group watchdog thread terminated with exception: NCCL error: remote process exited or there was a network error, NCCL version 2.28.9 (last enqueued NCCL work: {}, last completed NCCL work: {})",
                pg(r2, start_ms, t, 1895),
                SEQ - 1,
                SEQ - 1
            ),
        );
    }
    let msg2 =
        "PyTorchJob ml-training/llm-pretrain is restarting because 1 Master replica(s) failed.";
    for r in &job.ranks {
        let (code, reason) = if r.index == 2 {
            (1, "Error")
        } else {
            (134, "Error")
        };
        let prev = Some(term("Error", 1, abs(-7_000_000), abs(at::CRASH1)));
        set(
            tl,
            at::CRASH2 + if r.index == 2 { 3_000 } else { 0 },
            r,
            PodStatus {
                state: term(reason, code, abs(at::RESTART1), abs(at::CRASH2)),
                ..started(1, 0, prev, job.created)
            },
        );
    }
    tl.upsert(
        at::CRASH2 + 1_000,
        pj(
            &[
                created,
                cond(
                    "Running",
                    "False",
                    "PyTorchJobRestarting",
                    msg2,
                    at::CRASH2 + 1_000,
                ),
                restarting(at::CRASH2 + 1_000, msg2),
            ],
            0,
            4,
        ),
    );
    job_event(tl, at::CRASH2 + 1_000, msg2);

    // Restart 2: the rendezvous never completes; then CrashLoopBackOff.
    for r in &job.ranks {
        let last = Some(term(
            "Error",
            if r.index == 2 { 1 } else { 134 },
            abs(at::RESTART1),
            abs(at::CRASH2),
        ));
        set(
            tl,
            at::RESTART2,
            r,
            started(2, abs(at::RESTART2), last, job.created),
        );
        pod_events(tl, r, at::RESTART2, abs(at::RESTART1), abs(at::RESTART2), 2);
        for (n, l) in init_lines(r, false, 0x3c19_d700)
            .into_iter()
            .take(9)
            .enumerate()
        {
            log(tl, at::RESTART2 + 4_000 + n as i64 * 150, r, l);
        }
    }
    log(tl, at::CRASH3 - 1_000, r0, "torch.distributed.DistStoreError: Timed out after 20 seconds waiting for clients. 3/4 clients joined.".into());
    job_event(tl, at::CRASH3 + 1_000, msg2);
    crash_loop(tl, job, start_ms);
}
