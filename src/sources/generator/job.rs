//! The training job of the `rdma-netpol` story: a Kubeflow PyTorchJob `llm-pretrain` with one
//! master and three workers (one per H100 node, 8 GPUs each), its pods' life through the
//! incident (see `job_story`) and the GPU samples of its nodes.

use crate::domain::Millis;
use crate::sources::generator::cluster::NodeKind;
use crate::sources::generator::k8s::{Container, NodeSpec, PodSpec, kv};
use crate::sources::generator::story::at;
use crate::sources::generator::telemetry::{H100Series, NvmlSample};
use crate::sources::generator::workloads::TEMP_SPREAD;

pub const NS: &str = "ml-training";
pub const NAME: &str = "llm-pretrain";
pub const IMAGE: &str = "registry.example.com/ml/llm-pretrain:2.11.0-cuda13.0";
pub const MASTER_PORT: &str = "23456";
pub const FIRST_STEP: u64 = 41_200;
/// The step of the last checkpoint, where restarted ranks resume.
pub const CHECKPOINT: u64 = 41_250;
/// The collective the watchdog catches.
pub const SEQ: u64 = 897;

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
