//! XID events from the joined telemetry: every GPU whose latest XID reading is non-zero,
//! decoded from the XID table and attributed to the pod on that GPU.

use crate::accel::derive::inventory::Inventory;
use crate::accel::derive::telemetry::Field;
use crate::accel::derive::xid::{PodAttribution, XidInfo, attribute, lookup};
use crate::domain::Millis;

/// An XID a GPU reported, decoded and attributed.
#[derive(Debug, Clone, PartialEq)]
pub struct XidEvent {
    pub node: String,
    pub device: String,
    pub xid: u32,
    pub at_ms: Millis,
    pub info: Option<&'static XidInfo>,
    pub pod: PodAttribution,
}

/// Every non-zero latest XID in the inventory, newest first.
pub fn xid_events(inv: &Inventory) -> Vec<XidEvent> {
    let mut out = Vec::new();
    for n in &inv.nodes {
        for d in n.telemetry.devices() {
            let Some(&(at_ms, v)) = d.latest.get(&Field::Xid) else {
                continue;
            };
            if v.is_nan() || v <= 0.0 {
                continue;
            }
            let labelled = d
                .pod
                .as_ref()
                .map(|(ns, p, c)| (ns.as_str(), p.as_str(), c.as_str()));
            out.push(XidEvent {
                node: n.name.clone(),
                device: d.label(),
                xid: v as u32,
                at_ms,
                info: lookup(v as u32),
                pod: attribute(labelled, &n.pods),
            });
        }
    }
    out.sort_by_key(|e| std::cmp::Reverse(e.at_ms));
    out
}
