//! Incremental inventory: what the last build was made from, so the next one rebuilds only
//! the nodes whose object, pods or device-info ConfigMap changed (the world's per-node stamps),
//! resolves only new exporter label sets (the join plan) and updates the devices of unchanged
//! plans in place. The result always equals a fresh `inventory::build` of the same world; the
//! tests check that after every kind of change.
//!
//! It relies on the world's per-node stamps, kept by `World::apply`. A node the stamps never saw
//! (a world assembled by writing its maps directly) is rebuilt every time, and its pods found
//! by a scan; `inventory::build` is the better choice for such worlds.

use crate::accel::derive::health::HealthFlag;
use crate::accel::derive::inventory::{
    Inventory, InventoryConfig, NodeAccel, is_accel_node, node_accel,
};
use crate::accel::derive::join_plan::JoinPlan;
use crate::accel::derive::telemetry_join;
use crate::domain::{NodeInfo, PodInfo};
use crate::world::World;

/// What one inventory node was built from.
#[derive(Debug, Clone, PartialEq)]
struct NodeStamp {
    rev: u64,
    /// Flags of the node object and its pods, before telemetry adds its own.
    static_flags: Vec<HealthFlag>,
    /// Join-plan generation of the node's devices (0: none yet).
    plan_gen: u64,
}

/// What the last refresh had to redo.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RefreshStats {
    /// Nodes whose static part was rebuilt (new, or changed since the refresh before).
    pub rebuilt_nodes: usize,
    /// Nodes carried over unchanged.
    pub kept_nodes: usize,
    /// Nodes whose device plan did not change, so their devices were updated in place.
    pub devices_kept: usize,
}

/// The memory between two inventory builds. Bookkeeping, not content (its stamps are
/// process-wide counters): two caches always compare equal, so states that show the same
/// thing are equal whatever path built them.
#[derive(Debug, Clone, Default)]
pub struct InventoryCache {
    /// What the last refresh had to redo.
    pub stats: RefreshStats,
    cfg: Option<InventoryConfig>,
    /// Per node of the last inventory: nothing about it can have changed but its devices'
    /// readings (see `settled`).
    settled: Vec<bool>,
    /// One per node of the last inventory, in its order.
    stamps: Vec<NodeStamp>,
    plan: JoinPlan,
}

/// The pods bound to a node: from the index, or (for a node the index never saw, as in a world
/// assembled by hand) from a pass over every pod.
fn pods_of<'a>(world: &'a World, node: &str, rev: u64) -> Vec<&'a PodInfo> {
    if rev != 0 {
        return world.index.nodes.pods_on(node).collect();
    }
    world
        .pods
        .values()
        .filter(|p| p.node.as_deref() == Some(node))
        .map(AsRef::as_ref)
        .collect()
}

impl PartialEq for InventoryCache {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl InventoryCache {
    /// The inventory of `world`, reusing `prev` (the inventory this cache returned last time)
    /// for every node that did not change.
    pub fn refresh(&mut self, prev: Inventory, world: &World, cfg: &InventoryConfig) -> Inventory {
        let prev = if self.cfg.as_ref() == Some(cfg) && prev.nodes.len() == self.stamps.len() {
            prev
        } else {
            self.cfg = Some(cfg.clone());
            self.stamps.clear();
            self.plan = JoinPlan::default();
            Inventory::default()
        };
        let mut old = prev
            .nodes
            .into_iter()
            .zip(std::mem::take(&mut self.stamps))
            .peekable();
        let mut nodes: Vec<NodeAccel> = Vec::with_capacity(old.len());
        let mut stamps: Vec<NodeStamp> = Vec::with_capacity(old.len());
        let mut stats = RefreshStats::default();
        let mut kept: Vec<bool> = Vec::with_capacity(nodes.capacity());
        for info in world.nodes.values() {
            while old.next_if(|(n, _)| n.name < info.name).is_some() {}
            let rev = world.index.nodes.rev(&info.name);
            match old.next_if(|(n, _)| n.name == info.name) {
                Some((mut n, s)) if s.rev == rev && rev != 0 => {
                    stats.kept_nodes += 1;
                    kept.push(true);
                    n.flags.clone_from(&s.static_flags);
                    nodes.push(n);
                    stamps.push(s);
                }
                before if is_accel_node(info, cfg) => {
                    let on = pods_of(world, &info.name, rev);
                    let (n, s) = rebuild(info, rev, before, &on, world, cfg);
                    stats.rebuilt_nodes += 1;
                    kept.push(false);
                    nodes.push(n);
                    stamps.push(s);
                }
                _ => {}
            }
        }
        // this machine read through NVML, when it is no Kubernetes node: made anew each time
        let before = nodes.len();
        crate::accel::derive::inventory_local::add(world, &mut nodes);
        if nodes.len() > before
            && let Some(at) = nodes
                .iter()
                .position(|n| !world.nodes.contains_key(&n.name))
        {
            let stamp = NodeStamp {
                rev: 0,
                static_flags: nodes[at].flags.clone(),
                plan_gen: 0,
            };
            stamps.insert(at, stamp);
            kept.insert(at, false);
            stats.rebuilt_nodes += 1;
        }
        self.plan.update(world, &nodes);
        let keep: Vec<bool> = stamps
            .iter()
            .zip(&self.plan.node_gen)
            .map(|(s, g)| s.plan_gen == *g)
            .collect();
        self.settled = keep
            .iter()
            .zip(&kept)
            .zip(&self.plan.nodes)
            .map(|((k, n), devs)| *k && *n && devs.iter().all(|d| d.single_set()))
            .collect();
        let unjoined_series = telemetry_join::apply(&self.plan, world, &mut nodes, &keep);
        for (s, g) in stamps.iter_mut().zip(&self.plan.node_gen) {
            s.plan_gen = *g;
        }
        stats.devices_kept = keep.iter().filter(|k| **k).count();
        self.stats = stats;
        self.stamps = stamps;
        let by_class = crate::accel::derive::accounting::finish(&mut nodes);
        Inventory {
            nodes,
            by_class,
            unjoined_series,
        }
    }

    /// Whether node `i` of the last inventory is exactly as the refresh before left it apart
    /// from its devices' readings: its object and pods did not change and each device is fed by
    /// the same single label set, so anything derived from its devices' identity and holders
    /// (a MIG layout) still holds.
    pub fn settled(&self, i: usize) -> bool {
        self.settled.get(i).copied().unwrap_or(false)
    }
}

/// A changed (or new) accelerator node's static part; its devices carry over from `before` so
/// the join can update them in place when their plan did not change.
fn rebuild(
    info: &NodeInfo,
    rev: u64,
    before: Option<(NodeAccel, NodeStamp)>,
    pods: &[&PodInfo],
    world: &World,
    cfg: &InventoryConfig,
) -> (NodeAccel, NodeStamp) {
    let mut n = node_accel(info, pods, world, cfg);
    let plan_gen = match before {
        Some((b, s)) => {
            n.telemetry = b.telemetry;
            s.plan_gen
        }
        None => 0,
    };
    let stamp = NodeStamp {
        rev,
        static_flags: n.flags.clone(),
        plan_gen,
    };
    (n, stamp)
}
