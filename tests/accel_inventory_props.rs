//! Properties of the allocation arithmetic: free never hides over-allocation, used + free +
//! unhealthy = total with used clamped to what is allocatable, requested sums the live pods, and
//! cluster totals are the sums of the per-node lines.

mod common;

use aicockpit::accel::derive::inventory::{InventoryConfig, ResourceClass, Totals, build};
use common::{pod, world};
use proptest::prelude::*;
use serde_json::{Value, json};

const RESOURCES: &[&str] = &[
    "nvidia.com/gpu",
    "nvidia.com/mig-1g.10gb",
    "huawei.com/Ascend910",
];

fn node(i: usize, res: &str, cap: u32, alloc: u32) -> Value {
    json!({"apiVersion": "v1", "kind": "Node", "metadata": {"name": format!("n{i}")},
           "status": {"capacity": {res: cap.to_string()}, "allocatable": {res: alloc.to_string()},
                      "conditions": [{"type": "Ready", "status": "True"}]}})
}

#[derive(Debug, Clone)]
struct Case {
    nodes: Vec<(usize, u32, u32)>,
    /// (node index, request, terminated)
    pods: Vec<(usize, u32, bool)>,
}

fn case() -> impl Strategy<Value = Case> {
    prop::collection::vec((0..RESOURCES.len(), 0u32..9, 0u32..9), 1..8).prop_flat_map(|nodes| {
        let n = nodes.len();
        let nodes: Vec<_> = nodes
            .into_iter()
            .map(|(r, c, a)| (r, c, a.min(c)))
            .collect();
        prop::collection::vec((0..n, 1u32..4, any::<bool>()), 0..20).prop_map(move |pods| Case {
            nodes: nodes.clone(),
            pods,
        })
    })
}

proptest! {
    #[test]
    fn allocation_arithmetic(c in case()) {
        let mut objs: Vec<Value> = c.nodes.iter().enumerate()
            .map(|(i, (r, cap, alloc))| node(i, RESOURCES[*r], *cap, *alloc)).collect();
        let mut live_req = vec![0.0; c.nodes.len()];
        for (k, (ni, q, done)) in c.pods.iter().enumerate() {
            let res = RESOURCES[c.nodes[*ni].0];
            let phase = if *done { "Succeeded" } else { "Running" };
            objs.push(pod("ml", &format!("p{k}"), &format!("n{ni}"), phase, &[(res, *q)], None));
            if !done { live_req[*ni] += f64::from(*q); }
        }
        let inv = build(&world(&objs), &InventoryConfig::default());
        let mut sums: std::collections::BTreeMap<ResourceClass, Totals> = Default::default();
        for n in &inv.nodes {
            let i: usize = n.name[1..].parse().expect("node index");
            for l in &n.resources {
                prop_assert_eq!(l.requested, live_req[i]);
                prop_assert!(l.free >= 0.0 && l.over_allocated >= 0.0);
                prop_assert_eq!(l.free - l.over_allocated, l.allocatable - l.requested);
                let flagged = n.flags.iter().any(|f| f.id() == "devices.over_allocated");
                prop_assert_eq!(flagged, l.requested > l.allocatable);
                prop_assert_eq!(l.unhealthy, l.capacity - l.allocatable);
                prop_assert_eq!(l.used + l.free + l.unhealthy, l.total);
                prop_assert!(l.used <= l.allocatable && l.used <= l.requested);
                let t = sums.entry(l.class).or_default();
                t.capacity += l.capacity;
                t.allocatable += l.allocatable;
                t.requested += l.requested;
                t.free += l.free;
                t.over_allocated += l.over_allocated;
                t.unhealthy += l.unhealthy;
            }
        }
        for (class, t) in &inv.by_class {
            let s = sums.get(class).copied().unwrap_or_default();
            prop_assert_eq!(
                (t.capacity, t.allocatable, t.requested, t.free, t.over_allocated, t.unhealthy),
                (s.capacity, s.allocatable, s.requested, s.free, s.over_allocated, s.unhealthy)
            );
        }
        prop_assert_eq!(inv.by_class.len(), sums.len());
    }
}
