//! Builds the Training pane's rows from the world: jobs (from the world's job index and the
//! training-job objects, FineTuningJobs included) with their phase as the pods show it (Stuck,
//! Failing) and since when, their ranks, numbered by global rank and ordered by it, with the
//! replica, pod, node, devices, status and since when, restarts, NCCL state, key env and
//! `/dev/shm`, and the cross-rank correlation of the ranks' findings (`correlation`).

use std::collections::hash_map::DefaultHasher;
use std::collections::{BTreeMap, HashMap};
use std::hash::{Hash, Hasher};

use crate::domain::Millis;
use crate::domain::ObjKey;
use crate::domain::kinds;
use crate::domain::severity::Severity;
use crate::training::derive::health::{JobHealth, ObjectPhase, PodCondition, job_state};
use crate::training::derive::jobs::{
    EnvCheck, JobObject, SpecFacts, batch_job_phase, job_object, phase_since, spec_facts,
};
use crate::training::derive::nccl::SignatureHit;
use crate::training::derive::ranks::{GlobalRank, Layout, Member, assign, layout};
use crate::training::derive::since::{FirstEvents, condition_since};
use crate::training::log_intel::{LogIntel, NcclState};
use crate::training::view::correlation::{JobCorrelation, correlation};
use crate::world::World;
use crate::world::index::JobEntry;

/// One rank of a job.
#[derive(Debug, Clone, PartialEq)]
pub struct RankRow {
    /// Replica type as labelled (`master`, `worker`), empty when unknown.
    pub role: String,
    /// Replica index as labelled, `None` when unknown.
    pub index: Option<u32>,
    /// The global rank(s), the job's one rank numbering (`derive::ranks`).
    pub global: GlobalRank,
    pub pod: String,
    pub node: String,
    pub ip: Option<String>,
    pub devices: String,
    pub status: String,
    /// Trouble level as in `domain::workloads::pod_trouble`.
    pub trouble: Option<bool>,
    /// The pod has not started (phase Pending).
    pub waiting: bool,
    pub restarts: u32,
    pub created_ms: Option<Millis>,
    /// When the pod's current condition began (`derive::since`).
    pub since_ms: Option<Millis>,
    pub last_line: String,
    pub nccl: NcclState,
    /// The most severe finding in the pod's log: (id, severity).
    pub finding: Option<(String, Severity)>,
    /// How many other distinct finding ids the pod's log has.
    pub more_findings: usize,
    pub env: Vec<EnvCheck>,
    pub shm: String,
    pub shm_default: bool,
}

impl RankRow {
    /// The pod's global rank (the lowest, for a pod running several).
    pub fn rank(&self) -> Option<u32> {
        self.global.first()
    }

    /// The replica as labelled: `worker/1`, `master/0`, `-`.
    pub fn replica(&self) -> String {
        let role = if self.role.is_empty() {
            "-"
        } else {
            &self.role
        };
        match self.index {
            Some(i) => format!("{role}/{i}"),
            None => role.to_string(),
        }
    }
}

/// One training job.
#[derive(Debug, Clone, PartialEq)]
pub struct JobRow {
    pub namespace: String,
    pub name: String,
    pub kind: String,
    /// The phase shown: the object's, or Stuck / Failing as the pods show it
    /// (`derive::health`).
    pub phase: String,
    /// What the header counts the job as.
    pub health: JobHealth,
    /// When the job entered `phase`.
    pub since_ms: Option<Millis>,
    /// The phase is outside the FineTuningJob state machine.
    pub noncanonical: bool,
    /// Ordered by global rank.
    pub ranks: Vec<RankRow>,
    pub correlation: JobCorrelation,
}

impl JobRow {
    pub fn running(&self) -> usize {
        self.ranks.iter().filter(|r| r.status == "Running").count()
    }

    pub fn restarts(&self) -> u32 {
        self.ranks.iter().map(|r| r.restarts).sum()
    }

    /// The worst rank finding.
    pub fn worst(&self) -> Option<&(String, Severity)> {
        self.ranks
            .iter()
            .filter_map(|r| r.finding.as_ref())
            .max_by_key(|f| f.1)
    }
}

/// Parsed pod spec facts, reparsed only when the pod's JSON changed.
pub type SpecCache = HashMap<(String, String), (u64, SpecFacts)>;

fn facts<'a>(cache: &'a mut SpecCache, ns: &str, pod: &str, raw: &str) -> &'a SpecFacts {
    let mut h = DefaultHasher::new();
    raw.hash(&mut h);
    let sum = h.finish();
    let key = (ns.to_string(), pod.to_string());
    let slot = cache
        .entry(key)
        .or_insert_with(|| (!sum, SpecFacts::default()));
    if slot.0 != sum {
        *slot = (sum, spec_facts(raw));
    }
    &slot.1
}

fn devices(requests: &BTreeMap<String, f64>, visible: Option<&str>) -> String {
    let mut parts: Vec<String> = requests
        .iter()
        .filter(|(k, _)| !k.starts_with("rdma/"))
        .map(|(k, v)| {
            let short = k.rsplit('/').next().unwrap_or(k);
            format!("{short}×{v}")
        })
        .collect();
    if let Some(v) = visible {
        parts.push(format!("[{v}]"));
    }
    if parts.is_empty() {
        "-".into()
    } else {
        parts.join(" ")
    }
}

fn job_object_of(w: &World, ns: &str, name: &str) -> Option<JobObject> {
    kinds::kind_names().find_map(|k| {
        let obj = w.objects.get(&ObjKey::new(k, ns, name))?;
        match job_object(obj) {
            Some(j) => Some(j),
            None if k == "Job" => Some(JobObject {
                kind: "Job".into(),
                phase: batch_job_phase(obj),
                noncanonical: false,
                since_ms: phase_since(obj),
            }),
            None => None,
        }
    })
}

/// A pod's rank evidence beside its row: the spec's `RANK` and its log-prefix ranks.
type RankEvidence = (Option<u32>, Vec<u32>);

/// The rows of one job's pods (unordered), their rank evidence and their findings.
fn rank_rows(
    w: &World,
    intel: &LogIntel,
    cache: &mut SpecCache,
    ns: &str,
    entry: &JobEntry,
    events: &FirstEvents<'_>,
) -> (Vec<RankRow>, Vec<RankEvidence>, Vec<SignatureHit>) {
    let mut rows = Vec::with_capacity(entry.pods.len());
    let mut evidence = Vec::with_capacity(entry.pods.len());
    let mut findings = Vec::new();
    for (role, index, pod_name) in &entry.pods {
        let Some(p) = w.pods.get(&(ns.to_string(), pod_name.clone())) else {
            continue;
        };
        let f = facts(cache, ns, pod_name, &p.raw).clone();
        let intel_pod = intel.pod(ns, pod_name);
        if let Some(ip) = intel_pod {
            findings.extend(ip.findings.iter().cloned());
        }
        evidence.push((
            f.env_rank,
            intel_pod.map(|i| i.ranks.clone()).unwrap_or_default(),
        ));
        let last = w.index.last_line(ns, pod_name);
        rows.push(RankRow {
            role: role.clone(),
            index: (*index != u32::MAX).then_some(*index),
            global: GlobalRank::default(),
            pod: pod_name.clone(),
            node: p.node.clone().unwrap_or_else(|| "-".into()),
            ip: p.ip.clone(),
            devices: devices(&p.accel_requests, f.visible_devices.as_deref()),
            status: p.status.clone(),
            trouble: crate::domain::workloads::pod_trouble(&p.status, &p.phase),
            waiting: p.phase == "Pending",
            restarts: p.restarts,
            created_ms: p.created_ms,
            since_ms: condition_since(ns, pod_name, &p.status, f.since_ms, events),
            last_line: last.map(|l| l.line.clone()).unwrap_or_default(),
            nccl: intel_pod.map(|i| i.nccl.clone()).unwrap_or_default(),
            finding: intel_pod
                .and_then(|i| i.worst())
                .map(|f| (f.id.clone(), f.severity)),
            more_findings: intel_pod.map_or(0, |i| {
                let mut ids: Vec<&str> = i.findings.iter().map(|f| f.id.as_str()).collect();
                ids.sort_unstable();
                ids.dedup();
                ids.len().saturating_sub(1)
            }),
            env: f.env,
            shm: f.shm,
            shm_default: f.shm_default,
        });
    }
    (rows, evidence, findings)
}

/// Give every row its global rank and order the rows by it (unknown ranks last).
fn number(rows: &mut [RankRow], evidence: &[RankEvidence], layout: &Layout) {
    let members: Vec<Member<'_>> = rows
        .iter()
        .zip(evidence)
        .map(|(r, (env_rank, log_ranks))| Member {
            role: &r.role,
            index: r.index,
            env_rank: *env_rank,
            log_ranks,
        })
        .collect();
    let global = assign(layout, &members);
    for (r, g) in rows.iter_mut().zip(global) {
        r.global = g;
    }
    rows.sort_by(|a, b| {
        let key = |r: &RankRow| (r.rank().is_none(), r.rank(), r.role.clone(), r.index);
        key(a).cmp(&key(b)).then_with(|| a.pod.cmp(&b.pod))
    });
}

fn conditions(rows: &[RankRow]) -> Vec<PodCondition> {
    rows.iter()
        .map(|r| PodCondition {
            trouble: r.trouble,
            waiting: r.waiting,
            running: r.status == "Running",
            since_ms: r.since_ms,
        })
        .collect()
}

/// Every training job in the world, sorted by namespace and name, with its phase at `now_ms`
/// (`stuck_after`: see `derive::health`).
pub fn build(
    w: &World,
    intel: &LogIntel,
    cache: &mut SpecCache,
    now_ms: Millis,
    stuck_after: Option<Millis>,
) -> Vec<JobRow> {
    let events = FirstEvents::new(&w.events);
    let mut jobs: BTreeMap<(String, String), JobRow> = BTreeMap::new();
    for ((ns, name), entry) in &w.index.jobs {
        let object = job_object_of(w, ns, name);
        let (mut ranks, evidence, mut findings) = rank_rows(w, intel, cache, ns, entry, &events);
        // No job object seen: name the pods' owner kind.
        let owner = entry.pods.iter().find_map(|(_, _, p)| {
            w.pods
                .get(&(ns.clone(), p.clone()))?
                .owner
                .as_ref()
                .map(|o| o.0.clone())
        });
        number(
            &mut ranks,
            &evidence,
            &layout(w, ns, name, owner.as_deref()),
        );
        let world_size = ranks
            .iter()
            .find_map(|r| r.env.iter().find(|e| e.name == "WORLD_SIZE"))
            .and_then(|e| e.value.as_deref()?.parse().ok())
            .or(Some(ranks.len() as u32));
        let state = job_state(
            object.as_ref().map(|o| ObjectPhase {
                phase: &o.phase,
                since_ms: o.since_ms,
            }),
            &conditions(&ranks),
            now_ms,
            stuck_after,
        );
        let correlation = if findings.is_empty() {
            JobCorrelation::default()
        } else {
            correlation(&mut findings, world_size, &ranks, w)
        };
        let (kind, noncanonical) = match object {
            Some(o) => (o.kind, o.noncanonical),
            None => (owner.unwrap_or_else(|| "Pods".into()), false),
        };
        jobs.insert(
            (ns.clone(), name.clone()),
            JobRow {
                namespace: ns.clone(),
                name: name.clone(),
                kind,
                phase: state.phase,
                health: state.health,
                since_ms: state.since_ms,
                noncanonical,
                ranks,
                correlation,
            },
        );
    }
    // Job objects without pods yet (a FineTuningJob still Preparing, a queued Volcano job).
    for kind in kinds::kind_names() {
        let start = ObjKey::new(kind, "", "");
        for (k, obj) in w
            .objects
            .range(start..)
            .take_while(|(k, _)| k.kind == *kind)
        {
            let key = (k.namespace.clone(), k.name.clone());
            if jobs.contains_key(&key) {
                continue;
            }
            let Some(j) = job_object(obj) else { continue };
            let object = ObjectPhase {
                phase: &j.phase,
                since_ms: j.since_ms,
            };
            let state = job_state(Some(object), &[], now_ms, stuck_after);
            jobs.insert(
                key,
                JobRow {
                    namespace: k.namespace.clone(),
                    name: k.name.clone(),
                    kind: j.kind,
                    phase: state.phase,
                    health: state.health,
                    since_ms: state.since_ms,
                    noncanonical: j.noncanonical,
                    ranks: Vec::new(),
                    correlation: JobCorrelation::default(),
                },
            );
        }
    }
    cache.retain(|(ns, p), _| w.pods.contains_key(&(ns.clone(), p.clone())));
    jobs.into_values().collect()
}
