//! The order of the attention list. What is not known leads (in the order `coverage` gives),
//! then sick sources, then the problems. A root cause claims the symptoms it explains (from
//! what its walk bound: the pod and its training job or owner, the node and the pods on it, the
//! workload with its pods, events and alerts) and is listed right above them; the group ranks
//! by the worst of its members, so a cause always comes before what it explains. Groups and
//! unexplained symptoms rank by severity, root-cause groups first among equals (in the order
//! "what's wrong?" ranked them), then by recency.

use std::cmp::Reverse;
use std::collections::HashMap;

use crate::domain::Millis;
use crate::domain::PodInfo;
use crate::domain::severity::Severity;
use crate::triage::attention::{Cause, Item, Subject};
use crate::triage::engine::findings::Finding;
use crate::world::World;

/// What the root causes claim, each claim held by the first (best-ranked) cause making it.
#[derive(Default)]
struct Claims<'f> {
    pods: HashMap<(&'f str, &'f str), usize>,
    jobs: HashMap<(&'f str, &'f str), usize>,
    nodes: HashMap<&'f str, usize>,
    /// (namespace, owner): pods of that owner (a ReplicaSet of a Deployment counts), objects
    /// of that name, alerts on that endpoint.
    owners: Vec<(&'f str, &'f str, usize)>,
}

/// `name` is `owner` or one of its ReplicaSets (`owner-<hash>`).
pub(crate) fn owned_by(name: &str, owner: &str) -> bool {
    name == owner
        || name
            .strip_prefix(owner)
            .and_then(|r| r.strip_prefix('-'))
            .is_some_and(|hash| !hash.is_empty() && !hash.contains('-'))
}

impl<'f> Claims<'f> {
    fn of(causes: &[&'f Finding]) -> Self {
        let mut c = Claims::default();
        for (i, f) in causes.iter().enumerate() {
            let b = |k: &str| f.bindings.get(k).map(String::as_str);
            let kind = f.subject.split(' ').next().unwrap_or("");
            match (kind, b("ns")) {
                ("Pod", Some(ns)) => {
                    if let Some(pod) = b("pod") {
                        c.pods.entry((ns, pod)).or_insert(i);
                    }
                    if let Some(job) = b("job") {
                        c.jobs.entry((ns, job)).or_insert(i);
                    }
                    if let Some(owner) = b("owner") {
                        c.owners.push((ns, owner, i));
                    }
                }
                ("Node", _) => {
                    if let Some(node) = b("node") {
                        c.nodes.entry(node).or_insert(i);
                    }
                }
                ("cluster", _) => {}
                (_, Some(ns)) => {
                    if let Some(owner) = b("owner") {
                        c.owners.push((ns, owner, i));
                    }
                }
                _ => {}
            }
        }
        c
    }

    fn owner(&self, ns: &str, name: &str) -> Option<usize> {
        self.owners
            .iter()
            .filter(|(o_ns, owner, _)| *o_ns == ns && owned_by(name, owner))
            .map(|(_, _, i)| *i)
            .min()
    }

    fn pod(&self, world: &World, p: &PodInfo) -> Option<usize> {
        let (ns, name) = (p.namespace.as_str(), p.name.as_str());
        let job = world
            .index
            .rank_of(ns, name)
            .and_then(|r| self.jobs.get(&(ns, r.job.as_str())));
        let owner = p.owner.as_ref().and_then(|(_, o)| self.owner(ns, o));
        let node = p.node.as_deref().and_then(|n| self.nodes.get(n));
        [self.pods.get(&(ns, name)), job, owner.as_ref(), node]
            .into_iter()
            .flatten()
            .min()
            .copied()
    }

    /// The cause that explains `item`, if one does.
    fn explainer(&self, world: &World, item: &Item) -> Option<usize> {
        match &item.subject {
            Subject::Pod(p) => self.pod(world, p),
            Subject::NodeNotReady(n) | Subject::NodeProblems(n) => {
                self.nodes.get(n.name.as_str()).copied()
            }
            Subject::Warnings {
                key: (_, kind, ns, obj),
                ..
            } => match *kind {
                "Pod" => match world.pods.get(&(ns.to_string(), obj.to_string())) {
                    Some(p) => self.pod(world, p),
                    None => self.pods.get(&(*ns, *obj)).copied(),
                },
                "Node" => self.nodes.get(obj).copied(),
                _ => [self.jobs.get(&(*ns, *obj)).copied(), self.owner(ns, obj)]
                    .into_iter()
                    .flatten()
                    .min(),
            },
            Subject::Alert(a) => self.owner(&a.endpoint.namespace, &a.endpoint.name),
            _ => None,
        }
    }
}

/// Where an item goes: (tier, group severity, loose, group, role, severity, recency).
type Rank = (
    u8,
    Reverse<Severity>,
    bool,
    usize,
    u8,
    Reverse<Severity>,
    Reverse<Option<Millis>>,
);

/// Put `items` and the root causes `causes` (ranked by "what's wrong?") in list order.
pub fn arrange<'a>(world: &World, causes: &[&'a Finding], items: Vec<Item<'a>>) -> Vec<Item<'a>> {
    let claims = Claims::of(causes);
    let mut all: Vec<(Item<'a>, Option<usize>)> = Vec::with_capacity(items.len() + causes.len());
    for it in items {
        let by = claims.explainer(world, &it);
        all.push((it, by));
    }
    for (i, f) in causes.iter().enumerate() {
        let cause = Cause {
            conclusion: &f.conclusion,
            subject: &f.subject,
            root_cause: &f.root_cause,
        };
        let it = Item {
            severity: f.severity,
            since_ms: f.since_ms,
            subject: Subject::Cause(cause),
            explained: false,
        };
        all.push((it, Some(i)));
    }
    let mut worst: Vec<Severity> = causes.iter().map(|f| f.severity).collect();
    for (it, by) in &all {
        if let Some(w) = by.and_then(|g| worst.get_mut(g)) {
            *w = (*w).max(it.severity);
        }
    }
    let rank = |it: &Item, by: Option<usize>| -> Rank {
        let own = (Reverse(it.severity), Reverse(it.since_ms));
        match (&it.subject, by) {
            (Subject::Unknown(_), _) => (0, Reverse(Severity::Info), false, 0, 0, own.0, own.1),
            (Subject::Source(..), _) => (1, own.0, false, 0, 0, own.0, own.1),
            (s, Some(g)) => {
                let role = u8::from(!matches!(s, Subject::Cause(_)));
                (2, Reverse(worst[g]), false, g, role, own.0, own.1)
            }
            (_, None) => (2, own.0, true, 0, 0, own.0, own.1),
        }
    };
    let mut order: Vec<(Rank, usize)> = all
        .iter()
        .enumerate()
        .map(|(i, (it, by))| (rank(it, *by), i))
        .collect();
    // Unknowns keep their given order (stable sort, equal ranks); the rest break ties by name.
    order.sort_by(|(ra, a), (rb, b)| {
        ra.cmp(rb).then_with(|| match ra.0 {
            0 => a.cmp(b),
            _ => all[*a].0.order_key().cmp(&all[*b].0.order_key()),
        })
    });
    let mut slots: Vec<Option<(Item<'a>, Option<usize>)>> = all.into_iter().map(Some).collect();
    order
        .into_iter()
        .filter_map(|(_, i)| slots.get_mut(i).and_then(Option::take))
        .map(|(mut it, by)| {
            it.explained = by.is_some() && !matches!(it.subject, Subject::Cause(_));
            it
        })
        .collect()
}
