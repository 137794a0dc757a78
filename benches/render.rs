//! Frame render time at the synthetic scale (2,000 nodes, 40,000 pods, 5,000 events, 100,000
//! log lines): the full cockpit, a filtered Nodes pane and the zoomed Training pane, 120×40.

use aicockpit::contract::event::{Msg, SourceEvent, TimedEvent};
use aicockpit::settings::keymap::Keymap;
use aicockpit::settings::theme::Theme;
use aicockpit::state::ui::Pane;
use aicockpit::state::{self, AppState, Mode};
use criterion::{Criterion, criterion_group, criterion_main};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::json;

const NODES: usize = 2_000;
const PODS: usize = 40_000;

fn upsert(at_ms: i64, object: serde_json::Value) -> TimedEvent {
    TimedEvent {
        at_ms,
        ev: SourceEvent::Upsert { object },
    }
}

fn synthetic() -> AppState {
    let mut st = AppState::new(Mode::Demo, Keymap::embedded().unwrap_or_default());
    let mut evs = Vec::new();
    for i in 0..NODES {
        let ready = if i % 97 == 0 { "False" } else { "True" };
        evs.push(upsert(0, json!({"apiVersion": "v1", "kind": "Node",
            "metadata": {"name": format!("gpu-node-{i:04}"), "creationTimestamp": "2025-01-01T00:00:00Z",
                "labels": {"nvidia.com/gpu.product": "NVIDIA-H100-80GB-HBM3"}},
            "status": {"capacity": {"nvidia.com/gpu": "8"}, "allocatable": {"nvidia.com/gpu": "8"},
                "conditions": [{"type": "Ready", "status": ready}]}})));
    }
    for i in 0..PODS {
        let training = i % 2 == 0;
        let mut labels = json!({"app": "svc"});
        if training {
            labels = json!({"training.kubeflow.org/job-name": format!("job-{}", i / 40),
                "training.kubeflow.org/replica-type": "worker",
                "training.kubeflow.org/replica-index": ((i / 2) % 20).to_string()});
        }
        let state = if i % 101 == 0 {
            json!({"waiting": {"reason": "CrashLoopBackOff"}})
        } else {
            json!({"running": {}})
        };
        evs.push(upsert(0, json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": format!("pod-{i:05}"), "namespace": format!("ns-{}", (i / 40) % 50),
                "labels": labels, "creationTimestamp": "2025-01-01T00:00:00Z"},
            "spec": {"nodeName": format!("gpu-node-{:04}", i % NODES), "containers": [{"name": "c"}]},
            "status": {"phase": "Running", "containerStatuses": [{"restartCount": 1, "state": state}]}})));
    }
    for i in 0..5_000 {
        evs.push(upsert(i, json!({"apiVersion": "v1", "kind": "Event",
            "metadata": {"name": format!("ev-{i}"), "namespace": "ns-1"},
            "type": if i % 2 == 0 { "Warning" } else { "Normal" }, "reason": format!("Reason{}", i % 40),
            "message": "something happened to the pod", "count": 3,
            "involvedObject": {"kind": "Pod", "name": format!("pod-{:05}", i % PODS as i64)}})));
    }
    for i in 0..100_000 {
        evs.push(TimedEvent {
            at_ms: i,
            ev: SourceEvent::Log {
                namespace: format!("ns-{}", ((i * 2) % PODS as i64 / 40) % 50),
                pod: format!("pod-{:05}", (i * 2) % PODS as i64),
                container: "c".into(),
                line: format!("step {i} loss=1.23 tokens/s=48000"),
            },
        });
    }
    state::update(&mut st, Msg::Source(evs));
    state::update(
        &mut st,
        Msg::Tick {
            now_ms: 1_735_700_000_000,
        },
    );
    st
}

fn bench(c: &mut Criterion) {
    let mut st = synthetic();
    let theme = Theme::plain();
    let mut term = match Terminal::new(TestBackend::new(120, 40)) {
        Ok(t) => t,
        Err(e) => panic!("test terminal: {e}"),
    };
    let mut frame = |st: &AppState| {
        let _ = term.draw(|f| aicockpit::ui::draw(f, st, &theme));
    };
    c.bench_function("render_full_120x40", |b| b.iter(|| frame(&st)));
    st.ui.filters.insert(Pane::Nodes, "node-19".into());
    c.bench_function("render_nodes_filtered", |b| b.iter(|| frame(&st)));
    st.ui.focus = Pane::Training;
    st.ui.zoom = true;
    st.ui.selected.insert(Pane::Training, 15_000);
    c.bench_function("render_training_zoomed", |b| b.iter(|| frame(&st)));
}

criterion_group!(benches, bench);
criterion_main!(benches);
