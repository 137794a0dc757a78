//! Big-cluster sync through the replay sandbox: 40,000 pods on 500 nodes served by the sandbox,
//! read by the live Kubernetes source (time to the first complete pod list, time to fold it into
//! the state) and by `kubectl get pods -A -o name` when kubectl is present; resident memory after
//! the initial sync. The sandbox runs in a child process (this binary with `--serve-child`), so
//! the client's memory is measured alone. Messages are folded into the state as they arrive, as
//! the cockpit does, with the cockpit's allocator. Run with `cargo bench --bench sandbox`.

use std::time::{Duration, Instant};

use aicockpit::contract::event::{HealthState, Msg, SourceEvent};
use aicockpit::contract::scenario::{Header, Line, Scenario};
use aicockpit::settings::keymap::Keymap;
use aicockpit::shell::live::{LiveSetup, LiveSources};
use aicockpit::sources::sandbox::{self, SandboxOpts};
use aicockpit::state::{AppState, Mode, update};
use serde_json::json;

/// The allocator the binary uses, so resident memory is what the cockpit would show.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const PODS: usize = 40_000;
const NODES: usize = 500;
const NAMESPACES: usize = 40;

fn scenario() -> Scenario {
    let mut events = Vec::with_capacity(PODS + NODES);
    let up = |object| Line {
        t_ms: 0,
        ev: SourceEvent::Upsert { object },
    };
    for n in 0..NODES {
        events.push(up(json!({"apiVersion": "v1", "kind": "Node",
            "metadata": {"name": format!("gpu-{n:04}"), "creationTimestamp": "2026-01-01T00:00:00Z",
                "labels": {"nvidia.com/gpu.product": "NVIDIA-H100-80GB-HBM3", "kubernetes.io/hostname": format!("gpu-{n:04}")}},
            "status": {"capacity": {"cpu": "96", "memory": "1056000000Ki", "nvidia.com/gpu": "8"},
                "allocatable": {"cpu": "95", "memory": "1000000000Ki", "nvidia.com/gpu": "8"},
                "conditions": [{"type": "Ready", "status": "True"}],
                "nodeInfo": {"kubeletVersion": "v1.33.2"}}})));
    }
    for p in 0..PODS {
        let ns = format!("team-{:02}", p % NAMESPACES);
        let job = format!("train-{:04}", p / 16);
        events.push(up(json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": format!("{job}-worker-{}", p % 16), "namespace": ns,
                "uid": format!("00000000-0000-4000-8000-{p:012}"),
                "creationTimestamp": "2026-01-01T00:00:00Z",
                "labels": {"training.kubeflow.org/job-name": job, "training.kubeflow.org/replica-type": "worker",
                    "training.kubeflow.org/replica-index": (p % 16).to_string()},
                "ownerReferences": [{"apiVersion": "kubeflow.org/v1", "kind": "PyTorchJob", "name": job,
                    "uid": "00000000-0000-4000-8000-000000000000", "controller": true}]},
            "spec": {"nodeName": format!("gpu-{:04}", p % NODES), "restartPolicy": "OnFailure",
                "containers": [{"name": "pytorch", "image": "ghcr.io/example/train:2.3",
                    "command": ["torchrun", "--nnodes=16", "--nproc-per-node=8", "train.py"],
                    "env": [{"name": "NCCL_DEBUG", "value": "WARN"}, {"name": "NCCL_IB_HCA", "value": "mlx5"}],
                    "resources": {"limits": {"nvidia.com/gpu": "8", "cpu": "90", "memory": "900Gi"},
                        "requests": {"nvidia.com/gpu": "8", "cpu": "90", "memory": "900Gi"}}}]},
            "status": {"phase": "Running", "podIP": format!("10.{}.{}.{}", p >> 16, (p >> 8) & 255, p & 255),
                "hostIP": "10.0.0.1", "startTime": "2026-01-01T00:00:05Z",
                "conditions": [{"type": "Ready", "status": "True"}],
                "containerStatuses": [{"name": "pytorch", "ready": true, "restartCount": p % 3,
                    "image": "ghcr.io/example/train:2.3", "state": {"running": {"startedAt": "2026-01-01T00:00:10Z"}}}]}})));
    }
    Scenario {
        header: Header {
            schema: 1,
            scenario: "bench-40k".into(),
            title: "40,000 pods".into(),
            description: String::new(),
            start: "2026-01-01T00:10:00Z".into(),
        },
        start_ms: 1_767_226_200_000,
        events,
    }
}

fn rss_mib() -> f64 {
    rss_of("self")
}

fn rss_of(pid: &str) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    if std::env::args().any(|a| a == "--serve-child") {
        rt.block_on(serve_child());
    } else {
        rt.block_on(bench());
    }
}

/// Child mode: build the scenario, serve it, print the URL, serve until stdin closes.
async fn serve_child() {
    let t = Instant::now();
    let sc = scenario();
    eprintln!("built {PODS} pods on {NODES} nodes in {:?}", t.elapsed());
    let t = Instant::now();
    let handle = sandbox::serve(
        sc,
        "127.0.0.1:0".parse().expect("addr"),
        SandboxOpts::default(),
    )
    .await
    .expect("serve");
    eprintln!(
        "sandbox loaded (rv {}) in {:?}",
        handle.resource_version(),
        t.elapsed()
    );
    println!("{}", handle.url());
    let _ = tokio::task::spawn_blocking(|| {
        let mut sink = String::new();
        let _ = std::io::stdin().read_line(&mut sink);
    })
    .await;
    handle.shutdown().await.expect("shutdown");
}

async fn bench() {
    use std::io::BufRead;
    use std::process::{Command, Stdio};
    let exe = std::env::current_exe().expect("own path");
    let mut child = Command::new(exe)
        .arg("--serve-child")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("sandbox child starts");
    let mut url = String::new();
    let stdout = child.stdout.take().expect("child stdout");
    std::io::BufReader::new(stdout)
        .read_line(&mut url)
        .expect("child prints its URL");
    let url = url.trim().to_string();
    let child_pid = child.id().to_string();
    println!(
        "sandbox child at {url}: rss {:.0} MiB; this process: {:.0} MiB",
        rss_of(&child_pid),
        rss_mib()
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let kc = dir.path().join("kubeconfig");
    sandbox::write_kubeconfig(&kc, &url).expect("kubeconfig");

    // The live session's sources, as the cockpit runs them (queued pages coalesced).
    let setup = LiveSetup {
        kubeconfig: Some(kc.clone()),
        read_only: true,
        ..LiveSetup::default()
    };
    let mut state = AppState::new(
        Mode::Live {
            context: "sandbox".into(),
            read_only: true,
        },
        Keymap::embedded().expect("keymap"),
    );
    let t = Instant::now();
    let mut live = LiveSources::start(setup);
    let mut pods_synced = None;
    let mut folding = Duration::ZERO;
    let (mut batches, mut ticks, mut in_ticks) = (0u32, 0u32, Duration::ZERO);
    while pods_synced.is_none() {
        let Ok(Some(msg)) = tokio::time::timeout(Duration::from_secs(300), live.next()).await
        else {
            panic!("no complete pod list within 300 s");
        };
        if let Msg::Source(b) = &msg {
            for te in b {
                if let SourceEvent::SourceHealth {
                    source,
                    state: HealthState::Ok,
                    message,
                } = &te.ev
                    && source == "kube/pods"
                {
                    pods_synced = Some(message.clone());
                }
            }
        }
        let tick = matches!(msg, Msg::Tick { .. });
        let f = Instant::now();
        update(&mut state, msg);
        folding += f.elapsed();
        if tick {
            ticks += 1;
            in_ticks += f.elapsed();
        } else {
            batches += 1;
        }
    }
    let to_list = t.elapsed();
    println!(
        "kube source: first complete pod list ({}) folded into the state after {to_list:?} \
         ({folding:?} of it in the reducer: {batches} batches, {ticks} ticks refreshing the \
         views in {in_ticks:?})",
        pods_synced.unwrap_or_default()
    );
    while let Some(msg) = live.try_next() {
        update(&mut state, msg);
    }
    println!(
        "state: {} pods, {} nodes; client rss after initial sync {:.0} MiB (sandbox child {:.0} MiB)",
        state.world.pods.len(),
        state.world.nodes.len(),
        rss_mib(),
        rss_of(&child_pid)
    );
    drop(live);

    let present = std::process::Command::new("kubectl")
        .args(["version", "--client"])
        .output()
        .is_ok_and(|o| o.status.success());
    if present {
        let kc2 = kc.clone();
        let cache = dir.path().join("cache");
        let t = Instant::now();
        let out = tokio::task::spawn_blocking(move || {
            std::process::Command::new("kubectl")
                .arg("--kubeconfig")
                .arg(&kc2)
                .arg("--cache-dir")
                .arg(&cache)
                .args(["get", "pods", "-A", "-o", "name"])
                .output()
        })
        .await
        .expect("join")
        .expect("kubectl runs");
        let lines = String::from_utf8_lossy(&out.stdout).lines().count();
        println!(
            "kubectl get pods -A -o name: {lines} lines in {:?} (exit {:?})",
            t.elapsed(),
            out.status.code()
        );
    } else {
        println!("kubectl not on PATH: skipped its timing");
    }
    drop(child.stdin.take());
    let _ = child.wait();
}
