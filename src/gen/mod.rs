// PLACEHOLDER: replaced at merge
//! Scenario generator (placeholder): built-in names and a synthetic cluster.

use std::io;
use std::path::Path;

use crate::sources::scenario::{self, Header, Line, Scenario};

/// Options for a synthetic scenario.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntheticOpts {
    pub nodes: usize,
    pub pods: usize,
    pub gpus_per_node: u32,
    pub duration_s: u32,
    pub seed: u64,
}

/// Names `generate` knows.
pub fn builtin_names() -> &'static [&'static str] {
    &["placeholder"]
}

/// A built-in scenario by name.
pub fn generate(name: &str) -> Option<Scenario> {
    (name == "placeholder").then(|| {
        synthetic(&SyntheticOpts {
            nodes: 2,
            pods: 2,
            gpus_per_node: 8,
            duration_s: 10,
            seed: 1,
        })
    })
}

/// A synthetic cluster: nodes and pods at t = 0, one log line at the end.
pub fn synthetic(o: &SyntheticOpts) -> Scenario {
    let mut events = Vec::new();
    for i in 0..o.nodes {
        events.push(Line {
            t_ms: 0,
            ev: crate::event::SourceEvent::Upsert {
                object: serde_json::json!({"apiVersion":"v1","kind":"Node",
                    "metadata":{"name":format!("node-{i}")},
                    "status":{"allocatable":{"nvidia.com/gpu":o.gpus_per_node.to_string()}}}),
            },
        });
    }
    for i in 0..o.pods {
        events.push(Line {
            t_ms: 0,
            ev: crate::event::SourceEvent::Upsert {
                object: serde_json::json!({"apiVersion":"v1","kind":"Pod",
                    "metadata":{"name":format!("pod-{i}"),"namespace":"default"},
                    "spec":{"nodeName":format!("node-{}", i % o.nodes.max(1))}}),
            },
        });
    }
    events.push(Line {
        t_ms: o.duration_s as i64 * 1000,
        ev: crate::event::SourceEvent::Log {
            namespace: "default".into(),
            pod: "pod-0".into(),
            container: String::new(),
            line: format!("seed {}", o.seed),
        },
    });
    Scenario {
        header: Header {
            schema: scenario::SCHEMA_VERSION,
            scenario: "synthetic".into(),
            title: "Synthetic cluster".into(),
            description: String::new(),
            start: "2026-01-01T00:00:00Z".into(),
        },
        start_ms: 1_767_225_600_000,
        events,
    }
}

/// Write a scenario file.
pub fn write_scenario(s: &Scenario, path: &Path) -> io::Result<()> {
    std::fs::write(path, scenario::to_text(s))
}
