//! The embedded `rdma-netpol` scenario: reproducible from the generator byte for byte, and the
//! story it tells holds when it is replayed through the reducer.

use aicockpit::contract::event::{Msg, SourceEvent, TimedEvent};
use aicockpit::contract::scenario::{self, Scenario};
use aicockpit::settings::keymap::Keymap;
use aicockpit::sources::generator;
use aicockpit::state::{AppState, Mode, update};

fn state() -> AppState {
    AppState::new(Mode::Demo, Keymap::embedded().expect("embedded keymap"))
}

/// Replay the scenario up to and including `until_ms` of scenario time.
fn replay_until(s: &Scenario, until_ms: i64) -> AppState {
    let mut st = state();
    let batch: Vec<TimedEvent> = s
        .events
        .iter()
        .take_while(|l| l.t_ms <= until_ms)
        .map(|l| TimedEvent {
            at_ms: s.start_ms + l.t_ms,
            ev: l.ev.clone(),
        })
        .collect();
    update(&mut st, Msg::Source(batch));
    st
}

fn job_pods(st: &AppState) -> Vec<(String, String, u32)> {
    st.world
        .pods
        .values()
        .filter(|p| {
            p.labels
                .get("training.kubeflow.org/job-name")
                .map(String::as_str)
                == Some("llm-pretrain")
        })
        .map(|p| (p.name.clone(), p.status.clone(), p.restarts))
        .collect()
}

#[test]
fn generation_is_deterministic_and_about_ten_minutes() {
    let a = generator::generate("rdma-netpol").expect("known");
    let b = generator::generate("rdma-netpol").expect("known");
    assert_eq!(a, b);
    assert_eq!(a.duration_ms(), 600_000);
    assert!(generator::generate("no-such").is_none());
    assert_eq!(generator::builtin_names().first(), Some(&"rdma-netpol"));
}

#[test]
fn at_start_the_job_runs_and_the_cluster_is_mixed() {
    let s = generator::generate("rdma-netpol").expect("known");
    let st = replay_until(&s, 0);
    let pods = job_pods(&st);
    assert_eq!(pods.len(), 4, "{pods:?}");
    assert!(
        pods.iter()
            .all(|(_, status, r)| status == "Running" && *r == 0),
        "{pods:?}"
    );
    assert!(st.world.nodes.len() >= 12);
    use aicockpit::domain::AccelKind::*;
    for kind in [NvidiaGpu, NvidiaMig, AscendNpu, None] {
        assert!(
            st.world.nodes.values().any(|n| n.accel_kind == kind),
            "no {kind:?} node"
        );
    }
    assert!(
        st.world
            .nodes
            .values()
            .any(|n| n.roles.iter().any(|r| r == "control-plane"))
    );
    assert!(st.world.objects_of("PyTorchJob").count() == 1);
    assert!(st.world.objects_of("NetworkPolicy").count() == 0);
    assert!(st.world.events.iter().all(|e| e.type_ != "Warning"));
    assert!(
        st.world.pods.values().all(|p| p.status == "Running"),
        "all healthy at t=0"
    );
}

#[test]
fn by_the_end_the_ranks_crash_loop_and_serving_stays_healthy() {
    let s = generator::generate("rdma-netpol").expect("known");
    let st = replay_until(&s, s.duration_ms());
    let pods = job_pods(&st);
    assert_eq!(pods.len(), 4);
    assert!(
        pods.iter()
            .all(|(_, status, r)| status == "CrashLoopBackOff" && *r >= 3),
        "{pods:?}"
    );
    assert!(
        st.world
            .events
            .iter()
            .any(|e| e.type_ == "Warning" && e.reason == "BackOff")
    );
    assert_eq!(st.world.objects_of("NetworkPolicy").count(), 1);
    let job = st
        .world
        .objects_of("PyTorchJob")
        .next()
        .map(|(_, v)| v.clone())
        .expect("job");
    let conds = job["status"]["conditions"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(
        conds
            .iter()
            .any(|c| c["type"] == "Restarting" && c["status"] == "True")
    );
    // Everything outside the job stays Running.
    for p in st.world.pods.values() {
        if p.namespace != "ml-training" {
            assert_eq!(p.status, "Running", "{}/{}", p.namespace, p.name);
        }
    }
    // The NCCL story is in the logs: IB fallback to sockets, and the watchdog.
    let lines: Vec<&str> = st
        .world
        .logs
        .lines()
        .iter()
        .map(|l| l.line.as_str())
        .collect();
    assert!(lines.iter().any(|l| l.contains("NET/IB : No device found")));
    assert!(lines.iter().any(|l| l.contains("Using network Socket")));
    assert!(lines.iter().any(|l| l.contains("Using network IB")));
    let watchdog = lines
        .iter()
        .filter(|l| l.contains("Watchdog caught collective operation timeout"))
        .count();
    assert_eq!(
        watchdog, 3,
        "ranks 0, 1 and 3 time out; rank 2 is the laggard"
    );
    assert!(st.world.nvml.as_ref().is_some_and(|n| n.devices.len() == 8));
    assert!(s.events.iter().any(|l| matches!(&l.ev, SourceEvent::SourceHealth { state, .. } if *state != aicockpit::contract::event::HealthState::Ok)));
}

#[test]
fn gpu_utilisation_collapses_on_the_job_nodes_only() {
    let s = generator::generate("rdma-netpol").expect("known");
    let mean_util = |st: &AppState, job: bool| {
        let v: Vec<f64> = st
            .world
            .metrics
            .by_name("DCGM_FI_DEV_GPU_UTIL")
            .filter(|(k, _)| {
                let h = k.labels.get("Hostname").map(String::as_str).unwrap_or("");
                job == matches!(
                    h,
                    "gpu-h100-01" | "gpu-h100-02" | "gpu-h100-03" | "gpu-h100-04"
                )
            })
            .filter_map(|(_, s)| s.last().map(|p| p.1))
            .collect();
        assert!(!v.is_empty());
        v.iter().sum::<f64>() / v.len() as f64
    };
    let early = replay_until(&s, 60_000);
    let late = replay_until(&s, 400_000);
    assert!(
        mean_util(&early, true) > 90.0,
        "{}",
        mean_util(&early, true)
    );
    assert!(mean_util(&late, true) < 5.0, "{}", mean_util(&late, true));
    assert!(mean_util(&late, false) > 40.0, "serving GPUs stay busy");
    // vLLM histograms are cumulative and carry +Inf.
    let inf: Vec<f64> = late
        .world
        .metrics
        .by_name("vllm:e2e_request_latency_seconds_bucket")
        .filter(|(k, _)| k.labels.get("le").map(String::as_str) == Some("+Inf"))
        .flat_map(|(_, s)| s.points.iter().map(|p| p.1).collect::<Vec<_>>())
        .collect();
    assert!(inf.len() > 10);
}

#[test]
fn write_scenario_writes_the_canonical_text() {
    let s = generator::synthetic(&generator::SyntheticOpts {
        nodes: 10,
        pods: 50,
        gpus_per_node: 8,
        duration_s: 30,
        seed: 9,
    });
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("small.jsonl");
    generator::write_scenario(&s, &path).expect("write");
    let text = std::fs::read_to_string(&path).expect("read back");
    assert_eq!(text, scenario::to_text(&s));
    assert_eq!(scenario::parse(&text, "small.jsonl").expect("parses"), s);
}

#[test]
fn every_builtin_scenario_asset_is_reproducible() {
    for name in generator::builtin_names() {
        let s = generator::generate(name).expect("known scenario");
        let text = scenario::to_text(&s);
        let path = format!(
            "{}/assets/scenarios/{name}.jsonl",
            env!("CARGO_MANIFEST_DIR")
        );
        if std::env::var_os("UPDATE_SCENARIOS").is_some() {
            std::fs::write(&path, &text).expect("write asset");
        }
        let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            text == on_disk,
            "{path} differs from the generator's output; regenerate it with \
             UPDATE_SCENARIOS=1 cargo test --test scenario_story"
        );
        assert!(
            text.len() < 3 * 1024 * 1024,
            "{name} is {} bytes",
            text.len()
        );
        assert_eq!(
            aicockpit::sources::embedded::load(name).expect("embedded"),
            s
        );
    }
}
