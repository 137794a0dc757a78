//! The training job of the `rdma-netpol` story: a Kubeflow PyTorchJob `llm-pretrain` with one
//! master and three workers (one per H100 node, 8 GPUs each), its pods' life through the
//! incident, its NCCL and PyTorch log lines (formats from real NCCL 2.28 / PyTorch 2.11 output)
//! and the GPU samples of its nodes.

use serde_json::json;

use crate::event::Millis;
use crate::r#gen::Timeline;
use crate::r#gen::cluster::{NodeKind, pci_bus_id};
use crate::r#gen::k8s::{self, CState, Container, Involved, NodeSpec, PodSpec, PodStatus, fnv, kv};
use crate::r#gen::story::at;
use crate::r#gen::telemetry::{H100Series, NvmlSample};
use crate::r#gen::workloads::TEMP_SPREAD;

pub const NS: &str = "ml-training";
pub const NAME: &str = "llm-pretrain";
const IMAGE: &str = "registry.example.com/ml/llm-pretrain:2.11.0-cuda13.0";
const MASTER_PORT: &str = "23456";
const FIRST_STEP: u64 = 41_200;
/// The step of the last checkpoint, where restarted ranks resume.
const CHECKPOINT: u64 = 41_250;
/// The collective the watchdog catches.
const SEQ: u64 = 897;

/// One rank: its pod and node.
#[derive(Debug, Clone)]
pub struct Rank {
    pub index: u32,
    pub pod: PodSpec,
    pub node: String,
    pub pid: u32,
}

/// The job and its ranks.
#[derive(Debug, Clone)]
pub struct Job {
    pub ranks: Vec<Rank>,
    pub created: Millis,
    pub container: Container,
}

impl Job {
    /// Place the four ranks on the first four H100 nodes.
    pub fn new(nodes: &[(NodeKind, NodeSpec)], created: Millis) -> Job {
        let h100: Vec<&NodeSpec> = nodes
            .iter()
            .filter(|(k, _)| *k == NodeKind::H100)
            .map(|(_, n)| n)
            .collect();
        let res = kv(&[
            ("nvidia.com/gpu", "8"),
            ("rdma/rdma_shared_device_a", "1"),
            ("cpu", "96"),
            ("memory", "1000Gi"),
        ]);
        let base = Container {
            name: "pytorch".into(),
            image: IMAGE.into(),
            command: vec!["torchrun".into()],
            args: vec![
                "--nnodes=4".into(),
                "--nproc-per-node=8".into(),
                "train.py".into(),
                "--config=configs/llama-8b.yaml".into(),
                "--pg-timeout-s=180".into(),
            ],
            ports: vec![("pytorchjob-port".into(), 23456)],
            env: kv(&[
                ("NCCL_DEBUG", "INFO"),
                ("NCCL_SOCKET_IFNAME", "eth0"),
                ("NCCL_IB_DISABLE", "0"),
                ("NCCL_IB_HCA", "mlx5"),
                ("NCCL_NET_GDR_LEVEL", "2"),
                ("MASTER_ADDR", "llm-pretrain-master-0"),
                ("MASTER_PORT", MASTER_PORT),
                ("WORLD_SIZE", "4"),
                ("PYTHONUNBUFFERED", "1"),
            ]),
            requests: res.clone(),
            limits: res,
        };
        let ranks = (0..4u32)
            .filter_map(|i| {
                let node = h100.get(i as usize)?;
                let (ty, idx) = if i == 0 {
                    ("master", 0)
                } else {
                    ("worker", i - 1)
                };
                let name = format!("{NAME}-{ty}-{idx}");
                let mut c = base.clone();
                c.env.push(("RANK".into(), i.to_string()));
                let idx_s = idx.to_string();
                let mut labels = kv(&[
                    ("training.kubeflow.org/job-name", NAME),
                    (
                        "training.kubeflow.org/operator-name",
                        "pytorchjob-controller",
                    ),
                    ("training.kubeflow.org/replica-type", ty),
                    ("training.kubeflow.org/replica-index", &idx_s),
                    ("training", "distributed"),
                ]);
                if i == 0 {
                    labels.extend(kv(&[("training.kubeflow.org/job-role", "master")]));
                }
                let pod = PodSpec {
                    namespace: NS.into(),
                    name,
                    node: Some(node.name.clone()),
                    ip: format!("10.244.{}.{}", i + 1, 10 + i),
                    host_ip: node.ip.clone(),
                    labels,
                    owner: Some(("kubeflow.org/v1".into(), "PyTorchJob".into(), NAME.into())),
                    containers: vec![c],
                    tolerations: vec![("nvidia.com/gpu".into(), "NoSchedule".into())],
                    restart_policy: "OnFailure".into(),
                    created,
                    ..PodSpec::default()
                };
                Some(Rank {
                    index: i,
                    pod,
                    node: node.name.clone(),
                    pid: 57 + i * 3,
                })
            })
            .collect();
        Job {
            ranks,
            created,
            container: base,
        }
    }
}

/// Who a job GPU belongs to at time `t` (none while the container is down).
pub fn gpu_owner(r: &Rank, t: Millis) -> Option<(&'static str, &str, &'static str)> {
    let down = (at::CRASH1..at::RESTART1).contains(&t) || t >= at::CRASH3;
    (!down).then_some((NS, r.pod.name.as_str(), "pytorch"))
}

/// A job GPU's sample at round `k` (time `t`), following the story.
pub fn gpu_sample(h: &H100Series, rank: u32, gpu: u32, k: usize, t: Millis) -> NvmlSample {
    let i = k * 3 + gpu as usize * 5 + rank as usize * 7;
    let footprint = 71_200.0 + f64::from(gpu) * 37.0 + f64::from(rank) * 11.0;
    let mut s = if t < at::CRASH1 {
        NvmlSample {
            fb_used_mib: footprint,
            ..h.busy(i)
        }
    } else if t < at::RUNNING2 {
        h.idle(i)
    } else if t < at::STALL {
        // Sockets instead of RDMA: the GPUs wait on the network most of the time.
        let frac = 0.16 + 0.02 * f64::from((gpu + rank) % 5);
        NvmlSample {
            fb_used_mib: footprint,
            ..h.partial(i, frac)
        }
    } else if t < at::CRASH2 {
        let since = ((t - at::STALL) / 500) as usize;
        let mut c = h.cooling(since);
        c.fb_used_mib = footprint;
        if rank != 2 {
            c.gpu_util = f64::from((gpu + k as u32) % 3);
        }
        c
    } else {
        h.idle(i)
    };
    s.temp_c += TEMP_SPREAD[gpu as usize % 8];
    s
}

fn set(tl: &mut Timeline, t: Millis, r: &Rank, st: PodStatus) {
    tl.upsert(t, k8s::pod(&r.pod, &st));
}

fn started(restarts: u32, since: Millis, last: Option<CState>, created: Millis) -> PodStatus {
    PodStatus {
        phase: "Running".into(),
        state: CState::Running { since },
        last,
        restarts,
        started: created,
    }
}

fn term(reason: &str, code: i32, from: Millis, to: Millis) -> CState {
    CState::Terminated {
        reason: reason.into(),
        exit_code: code,
        started: from,
        finished: to,
    }
}

/// NCCL's INFO prefix: `<host>:<pid>:<tid> [<cudaDev>] NCCL INFO <msg>`.
fn nccl(r: &Rank, msg: &str) -> String {
    format!("{}:{}:{} [0] NCCL INFO {msg}", r.pod.name, r.pid, r.pid)
}

/// PyTorch's glog prefix for ProcessGroupNCCL errors.
fn pg(r: &Rank, start_ms: Millis, t: Millis, line: u32) -> String {
    let d = chrono::DateTime::from_timestamp_millis(start_ms + t)
        .map(|d| d.format("%m%d %H:%M:%S").to_string())
        .unwrap_or_default();
    let ns = fnv(&format!("{}{t}", r.pod.name)) % 1_000_000_000;
    format!(
        "[rank{0}]:[E{d}.{ns:09} ProcessGroupNCCL.cpp:{line}] [PG ID 0 PG GUID 0(default_pg) Rank {0}]",
        r.index
    )
}

fn init_lines(r: &Rank, ib: bool, comm: u64) -> Vec<String> {
    let ip = &r.pod.ip;
    let mut v = vec![
        nccl(r, &format!("Bootstrap: Using eth0:{ip}<0>")),
        nccl(r, "cudaDriverVersion 13000"),
        nccl(r, "NCCL version 2.28.9+cuda13.0"),
        nccl(r, "NET/Plugin: Could not find: libnccl-net.so"),
    ];
    if ib {
        v.push(nccl(
            r,
            &format!("NET/IB : Using [0]mlx5_0:1/RoCE [1]mlx5_1:1/RoCE [RO]; OOB eth0:{ip}<0>"),
        ));
        v.push(nccl(r, "Initialized NET plugin IB"));
        v.push(nccl(r, "Using network IB"));
    } else {
        v.push(nccl(r, "NET/IB : No device found."));
        v.push(nccl(r, &format!("NET/IB : Using [RO]; OOB eth0:{ip}<0>")));
        v.push(nccl(r, "Failed to initialize NET plugin IB"));
        v.push(nccl(r, &format!("NET/Socket : Using [0]eth0:{ip}<0>")));
        v.push(nccl(r, "Initialized NET plugin Socket"));
        v.push(nccl(r, "Assigned NET plugin Socket to comm"));
        v.push(nccl(r, "Using network Socket"));
    }
    // The comm pointer is per process, the commId shared by every rank of the communicator.
    let ptr = 0x1f05_9bb0 + fnv(&r.pod.name) % 0x100_0000;
    let bus = u32::from_str_radix(&pci_bus_id(0)[9..11], 16).unwrap_or(0) * 0x1000;
    let head = format!(
        "ncclCommInitRankConfig comm 0x{ptr:x} rank {} nranks 4 cudaDev 0 nvmlDev 0 busId {bus:x} commId 0x{:016x}",
        r.index,
        fnv(&format!("commId{comm}"))
    );
    v.push(nccl(r, &format!("{head} - Init START")));
    v.push(nccl(r, &format!("{head} - Init COMPLETE")));
    v
}

fn log(tl: &mut Timeline, t: Millis, r: &Rank, line: String) {
    tl.log(t, NS, &r.pod.name, "pytorch", line);
}

fn step_line(step: u64, secs_per_it: f64) -> String {
    let loss = 2.31 - (step as f64 - 40_000.0) * 0.00021 + ((step * 7919) % 97) as f64 * 0.0004;
    let tok = 32.0 * 4.0 * 4096.0 / secs_per_it / 1000.0;
    format!(
        "[rank0] step {step}/120000 | loss {loss:.4} | lr 2.41e-04 | {secs_per_it:.2} s/it | {tok:.1}k tok/s"
    )
}

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
    let pj = |conds: &[k8s::Condition], active, failed| {
        k8s::pytorchjob(
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
        k8s::networkpolicy(
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
    for r in &job.ranks {
        let last = Some(term("Error", 1, abs(at::RESTART2), abs(at::CRASH3)));
        set(
            tl,
            at::CRASH3,
            r,
            PodStatus {
                state: term("Error", 1, abs(at::RESTART2), abs(at::CRASH3)),
                ..started(2, 0, None, job.created)
            },
        );
        let uid = k8s::uid("Pod", NS, &r.pod.name);
        let mut n = 0;
        let mut t = at::BACKOFF + i64::from(r.index) * 700;
        while t <= crate::r#gen::story::END {
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
                    abs(at::BACKOFF),
                    abs(t),
                    "kubelet",
                    &r.node,
                ),
            );
            t += 15_000;
        }
    }
}

/// Normal events of a container restart.
fn pod_events(tl: &mut Timeline, r: &Rank, t: Millis, first: Millis, last: Millis, count: u32) {
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
