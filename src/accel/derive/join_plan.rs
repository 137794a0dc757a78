//! The structural half of the telemetry join, kept between refreshes: which exporter label sets
//! feed which device of which inventory node, and in what order their series are applied. It
//! changes only when label sets appear, a set gains a series, or the inventory's nodes (names,
//! hostname labels) change; a refresh otherwise only reads each series' newest point
//! (`telemetry_join::apply`).
//!
//! The plan holds the store's label sets it has resolved (shared allocations, compared by
//! pointer), so a replaced or diverged store is noticed and the plan rebuilt.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use crate::accel::derive::inventory::NodeAccel;
use crate::accel::derive::telemetry::{DeviceKey, Field, Vendor};
use crate::accel::derive::telemetry_join::{device_ref, host_of};
use crate::world::World;
use crate::world::metrics::MetricStore;

/// One series to apply to a device.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    /// Field-major order (field, metric name, then series id): ties and first sightings resolve
    /// the same way whatever order the store holds the series in.
    pub rank: u64,
    pub field: Field,
    pub id: usize,
    pub set: usize,
    /// The first entry of its label set in rank order: it fills the device's identity.
    pub first: bool,
}

/// One device of one node and the series that feed it, in rank order.
#[derive(Debug, Clone, PartialEq)]
pub struct DevicePlan {
    pub vendor: Vendor,
    pub key: DeviceKey,
    pub entries: Vec<Entry>,
}

impl DevicePlan {
    /// Whether one label set feeds the device (it has not changed hands).
    pub fn single_set(&self) -> bool {
        self.entries
            .first()
            .is_none_or(|f| self.entries.iter().all(|e| e.set == f.set))
    }
}

/// Label sets → devices, for the inventory nodes the plan was made for.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct JoinPlan {
    /// Every label set looked at so far, with its series count then.
    sets: Vec<(Arc<BTreeMap<String, String>>, usize)>,
    /// (name, hostname label) of each node, in inventory order.
    hosts: Vec<(String, Option<String>)>,
    /// Per inventory node, its devices sorted by (vendor, key).
    pub nodes: Vec<Vec<DevicePlan>>,
    /// Series whose label set named no inventory node or no device.
    pub unresolved: usize,
    /// Per node, the generation its device list last changed in.
    pub node_gen: Vec<u64>,
    gen_counter: u64,
}

fn hostname<'a>(world: &'a World, node: &str) -> Option<&'a String> {
    world
        .nodes
        .get(node)
        .and_then(|n| n.labels.get("kubernetes.io/hostname"))
}

/// Each series' rank and field (None: not a device field).
fn field_ranks(store: &MetricStore) -> Vec<Option<(u64, Field)>> {
    let mut field_of: Vec<Option<(u64, Field)>> = vec![None; store.len()];
    for (rank, (field, name)) in Field::ALL
        .iter()
        .flat_map(|f| f.names().iter().map(move |n| (*f, *n)))
        .enumerate()
    {
        for &id in store.ids_by_name(name) {
            if let Some(slot) = field_of.get_mut(id) {
                *slot = Some((((rank as u64) << 32) | id as u64, field));
            }
        }
    }
    field_of
}

impl JoinPlan {
    fn same_hosts(&self, world: &World, nodes: &[NodeAccel]) -> bool {
        self.hosts.len() == nodes.len()
            && self.hosts.iter().zip(nodes).all(|((name, host), n)| {
                *name == n.name && host.as_ref() == hostname(world, &n.name)
            })
    }

    fn same_sets(&self, store: &MetricStore) -> bool {
        self.sets.len() <= store.label_set_count()
            && self.sets.iter().enumerate().all(|(i, (labels, len))| {
                store
                    .set_labels(i)
                    .is_some_and(|l| Arc::ptr_eq(l, labels) && store.set_series(i).len() == *len)
            })
    }

    /// Bring the plan up to date with `world.metrics` and the inventory `nodes`: label sets
    /// that appeared since are resolved; anything else that changed rebuilds the plan.
    pub fn update(&mut self, world: &World, nodes: &[NodeAccel]) {
        let store = &world.metrics;
        if !self.same_hosts(world, nodes) || !self.same_sets(store) {
            let gen_counter = self.gen_counter + 1;
            *self = JoinPlan {
                hosts: nodes
                    .iter()
                    .map(|n| (n.name.clone(), hostname(world, &n.name).cloned()))
                    .collect(),
                nodes: vec![Vec::new(); nodes.len()],
                node_gen: vec![gen_counter; nodes.len()],
                gen_counter,
                ..JoinPlan::default()
            };
        }
        if self.sets.len() == store.label_set_count() {
            return;
        }
        let gen_counter = self.gen_counter + 1;
        self.gen_counter = gen_counter;
        let mut host_index: HashMap<&str, usize> = HashMap::with_capacity(nodes.len() * 2);
        for (i, n) in nodes.iter().enumerate() {
            host_index.insert(n.name.as_str(), i);
            if let Some(h) = hostname(world, &n.name) {
                host_index.entry(h.as_str()).or_insert(i);
            }
        }
        let field_of = field_ranks(store);
        let mut touched = vec![false; nodes.len()];
        let mut entries: Vec<Entry> = Vec::new();
        for set in self.sets.len()..store.label_set_count() {
            let Some(labels) = store.set_labels(set) else {
                break;
            };
            let ids = store.set_series(set);
            self.sets.push((Arc::clone(labels), ids.len()));
            entries.clear();
            entries.extend(ids.iter().filter_map(|&id| {
                let (rank, field) = field_of.get(id).copied().flatten()?;
                Some(Entry {
                    rank,
                    field,
                    id,
                    set,
                    first: false,
                })
            }));
            if entries.is_empty() {
                continue;
            }
            entries.sort_unstable_by_key(|e| e.rank);
            match self.resolve(&host_index, entries[0].field.vendor(), labels) {
                Some((ni, di)) => {
                    self.nodes[ni][di].entries.extend_from_slice(&entries);
                    touched[ni] = true;
                }
                None => self.unresolved += entries.len(),
            }
        }
        for (ni, devs) in self.nodes.iter_mut().enumerate() {
            if !touched[ni] {
                continue;
            }
            self.node_gen[ni] = gen_counter;
            devs.sort_by(|a, b| (a.vendor, &a.key).cmp(&(b.vendor, &b.key)));
            for d in devs.iter_mut() {
                d.entries.sort_unstable_by_key(|e| e.rank);
                let mut seen: Vec<usize> = Vec::new();
                for e in &mut d.entries {
                    e.first = !seen.contains(&e.set);
                    if e.first {
                        seen.push(e.set);
                    }
                }
            }
        }
    }

    /// The (node, device) a label set belongs to, creating the device on first sight.
    fn resolve(
        &mut self,
        host_index: &HashMap<&str, usize>,
        vendor: Vendor,
        labels: &BTreeMap<String, String>,
    ) -> Option<(usize, usize)> {
        let host = host_of(labels)?;
        let ni = *host_index
            .get(host)
            .or_else(|| host_index.get(host.split('.').next()?))?;
        let (index, mig) = device_ref(vendor, labels)?;
        let devs = &mut self.nodes[ni];
        let pos = devs.iter().position(|d| {
            d.vendor == vendor && d.key.index == index && d.key.mig_instance.as_deref() == mig
        });
        let di = pos.unwrap_or_else(|| {
            devs.push(DevicePlan {
                vendor,
                key: DeviceKey {
                    index: index.to_string(),
                    mig_instance: mig.map(str::to_string),
                },
                entries: Vec::new(),
            });
            devs.len() - 1
        });
        Some((ni, di))
    }
}
