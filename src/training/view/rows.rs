//! Builds the Training pane's rows from the world: jobs (from the world's job index and the
//! training-job objects, FineTuningJobs included), their ranks with pod, node, devices, phase,
//! restarts, NCCL state, key env and `/dev/shm`, and the cross-rank correlation of the ranks'
//! findings (first failure, watchdog laggard, peer address → pod).

use std::collections::hash_map::DefaultHasher;
use std::collections::{BTreeMap, HashMap};
use std::hash::{Hash, Hasher};

use crate::domain::Millis;
use crate::domain::ObjKey;
use crate::domain::kinds;
use crate::domain::severity::Severity;
use crate::training::derive::jobs::{EnvCheck, SpecFacts, batch_job_phase, job_object, spec_facts};
use crate::training::derive::nccl::{SignatureHit, correlate};
use crate::training::logs::{LogIntel, NcclState};
use crate::world::World;

/// One rank of a job.
#[derive(Debug, Clone, PartialEq)]
pub struct RankRow {
    pub role: String,
    pub rank: u32,
    pub pod: String,
    pub node: String,
    pub ip: Option<String>,
    pub devices: String,
    pub status: String,
    /// Trouble level as in `domain::workloads::pod_trouble`.
    pub trouble: Option<bool>,
    pub restarts: u32,
    pub created_ms: Option<Millis>,
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

/// What correlating the ranks' findings says.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct JobCorrelation {
    /// First critical finding: (rank, pod, id).
    pub first_failure: Option<(Option<u32>, String, String)>,
    pub laggards: Vec<u32>,
    pub laggard_reason: Option<String>,
    /// (peer ip, pod with that ip, finding id).
    pub peers: Vec<(String, Option<String>, String)>,
}

/// One training job.
#[derive(Debug, Clone, PartialEq)]
pub struct JobRow {
    pub namespace: String,
    pub name: String,
    pub kind: String,
    pub phase: String,
    /// The phase is outside the FineTuningJob state machine.
    pub noncanonical: bool,
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

fn job_object_of(w: &World, ns: &str, name: &str) -> Option<(String, String, bool)> {
    kinds::kind_names().find_map(|k| {
        let obj = w.objects.get(&ObjKey::new(k, ns, name))?;
        match job_object(obj) {
            Some(j) => Some((j.kind, j.phase, j.noncanonical)),
            None if k == "Job" => Some(("Job".into(), batch_job_phase(obj), false)),
            None => None,
        }
    })
}

fn correlation(
    findings: &mut [SignatureHit],
    world_size: Option<u32>,
    w: &World,
) -> JobCorrelation {
    findings.sort_by_key(|f| f.line_no);
    let mut ip_to_pod = HashMap::new();
    let wanted: Vec<String> = findings
        .iter()
        .flat_map(|f| ["peer", "dest_ip"].map(|k| f.fields.get(k)))
        .flatten()
        .map(|p| crate::training::derive::nccl::correlate::peer_ip(p).to_string())
        .collect();
    if !wanted.is_empty() {
        for p in w.pods.values() {
            if let Some(ip) = &p.ip
                && wanted.contains(ip)
            {
                ip_to_pod.insert(ip.clone(), p.name.clone());
            }
        }
    }
    let c = correlate(findings, world_size, &ip_to_pod);
    let pod_of = |src: &str| src.split('/').nth(1).unwrap_or(src).to_string();
    let mut peers: Vec<(String, Option<String>, String)> = c
        .peers
        .iter()
        .map(|p| (p.peer.clone(), p.pod.clone(), p.finding.id.clone()))
        .collect();
    peers.sort();
    peers.dedup();
    JobCorrelation {
        first_failure: c
            .first_failure
            .map(|ff| (ff.finding.rank, pod_of(&ff.finding.source), ff.finding.id)),
        laggards: c
            .watchdog
            .as_ref()
            .map(|w| w.laggards.clone())
            .unwrap_or_default(),
        laggard_reason: c.watchdog.map(|w| w.reason),
        peers,
    }
}

/// Every training job in the world, sorted by namespace and name.
pub fn build(w: &World, intel: &LogIntel, cache: &mut SpecCache) -> Vec<JobRow> {
    let mut jobs: BTreeMap<(String, String), JobRow> = BTreeMap::new();
    for ((ns, name), entry) in &w.index.jobs {
        let object = job_object_of(w, ns, name);
        let mut ranks = Vec::with_capacity(entry.pods.len());
        let mut findings = Vec::new();
        for (role, rank, pod_name) in &entry.pods {
            let Some(p) = w.pods.get(&(ns.clone(), pod_name.clone())) else {
                continue;
            };
            let f = facts(cache, ns, pod_name, &p.raw).clone();
            let intel_pod = intel.pod(ns, pod_name);
            if let Some(ip) = intel_pod {
                findings.extend(ip.findings.iter().cloned());
            }
            let last = w.index.last_line(ns, pod_name);
            ranks.push(RankRow {
                role: role.clone(),
                rank: *rank,
                pod: pod_name.clone(),
                node: p.node.clone().unwrap_or_else(|| "-".into()),
                ip: p.ip.clone(),
                devices: devices(&p.accel_requests, f.visible_devices.as_deref()),
                status: p.status.clone(),
                trouble: crate::domain::workloads::pod_trouble(&p.status, &p.phase),
                restarts: p.restarts,
                created_ms: p.created_ms,
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
        let world_size = ranks
            .iter()
            .find_map(|r| r.env.iter().find(|e| e.name == "WORLD_SIZE"))
            .and_then(|e| e.value.as_deref()?.parse().ok())
            .or(Some(ranks.len() as u32));
        let (kind, phase, noncanonical) = object.unwrap_or_else(|| {
            // No job object seen: name the pods' owner kind and derive a phase from the pods.
            let owner = entry.pods.iter().find_map(|(_, _, p)| {
                w.pods
                    .get(&(ns.clone(), p.clone()))?
                    .owner
                    .as_ref()
                    .map(|o| o.0.clone())
            });
            let phase = if ranks.iter().any(|r| r.trouble == Some(true)) {
                "Failing"
            } else if !ranks.is_empty() && ranks.iter().all(|r| r.status == "Running") {
                "Running"
            } else {
                "Pending"
            };
            (owner.unwrap_or_else(|| "Pods".into()), phase.into(), false)
        });
        let correlation = if findings.is_empty() {
            JobCorrelation::default()
        } else {
            correlation(&mut findings, world_size, w)
        };
        jobs.insert(
            (ns.clone(), name.clone()),
            JobRow {
                namespace: ns.clone(),
                name: name.clone(),
                kind,
                phase,
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
            jobs.insert(
                key,
                JobRow {
                    namespace: k.namespace.clone(),
                    name: k.name.clone(),
                    kind: j.kind,
                    phase: j.phase,
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
