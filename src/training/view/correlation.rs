//! The cross-rank correlation of one job's findings, in the job's one rank numbering: the first
//! failure, the watchdog's laggard(s) and the pods behind peer addresses, each named by global
//! rank, pod and replica (`rank 2 · llm-pretrain-worker-1 · worker/1`), so that the grid, the
//! correlation and the fixes speak of the same rank.

use std::collections::HashMap;

use crate::training::derive::nccl::correlate::{laggard_pods, peer_ip};
use crate::training::derive::nccl::{SignatureHit, correlate};
use crate::training::view::rows::RankRow;
use crate::world::World;

/// A rank of the job, as the correlation names it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct RankRef {
    /// Global rank, when known.
    pub rank: Option<u32>,
    /// The pod holding it, when known.
    pub pod: Option<String>,
    /// Its replica (`worker/1`), when the pod is one of the job's.
    pub replica: Option<String>,
}

impl RankRef {
    /// `rank 2 · llm-pretrain-worker-1 · worker/1`, as much as is known.
    pub fn label(&self) -> String {
        let mut parts = Vec::new();
        if let Some(r) = self.rank {
            parts.push(format!("rank {r}"));
        }
        parts.push(self.pod.clone().unwrap_or_else(|| "pod unknown".into()));
        if let Some(rep) = &self.replica {
            parts.push(rep.clone());
        }
        parts.join(" · ")
    }
}

/// A peer address in a finding and the rank behind it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct PeerRef {
    pub ip: String,
    pub who: RankRef,
    pub finding: String,
}

/// What correlating the ranks' findings says.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct JobCorrelation {
    /// First critical finding: who, and its id.
    pub first_failure: Option<(RankRef, String)>,
    /// The rank(s) the others were waiting for.
    pub laggards: Vec<RankRef>,
    pub laggard_reason: Option<String>,
    pub peers: Vec<PeerRef>,
}

impl JobCorrelation {
    /// The laggards' global ranks.
    pub fn laggard_ranks(&self) -> Vec<u32> {
        self.laggards.iter().filter_map(|l| l.rank).collect()
    }
}

fn by_pod(ranks: &[RankRow], pod: &str) -> Option<RankRef> {
    ranks.iter().find(|r| r.pod == pod).map(|r| RankRef {
        rank: r.rank(),
        pod: Some(r.pod.clone()),
        replica: Some(r.replica()),
    })
}

/// Correlate the job's findings; `ranks` are its rows, which say which pod holds which rank.
pub fn correlation(
    findings: &mut [SignatureHit],
    world_size: Option<u32>,
    ranks: &[RankRow],
    w: &World,
) -> JobCorrelation {
    findings.sort_by_key(|f| f.line_no);
    let mut ip_to_pod = HashMap::new();
    let wanted: Vec<String> = findings
        .iter()
        .flat_map(|f| ["peer", "dest_ip"].map(|k| f.fields.get(k)))
        .flatten()
        .map(|p| peer_ip(p).to_string())
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
    let mut peers: Vec<PeerRef> = c
        .peers
        .iter()
        .map(|p| PeerRef {
            ip: p.peer.clone(),
            who: match &p.pod {
                Some(pod) => by_pod(ranks, pod).unwrap_or(RankRef {
                    rank: None,
                    pod: Some(pod.clone()),
                    replica: None,
                }),
                None => RankRef::default(),
            },
            finding: p.finding.id.clone(),
        })
        .collect();
    peers.sort();
    peers.dedup();
    let first_failure = c.first_failure.map(|ff| {
        let pod = pod_of(&ff.finding.source);
        let who = by_pod(ranks, &pod).unwrap_or(RankRef {
            rank: ff.finding.rank,
            pod: Some(pod),
            replica: None,
        });
        (who, ff.finding.id)
    });
    let holders: Vec<(String, Vec<u32>)> = ranks
        .iter()
        .map(|r| (r.pod.clone(), r.global.ranks.clone()))
        .collect();
    let laggards = c
        .watchdog
        .as_ref()
        .map(|wd| {
            laggard_pods(wd, &holders)
                .into_iter()
                .map(
                    |(rank, pod)| match pod.as_deref().and_then(|p| by_pod(ranks, p)) {
                        Some(who) => RankRef {
                            rank: Some(rank),
                            ..who
                        },
                        None => RankRef {
                            rank: Some(rank),
                            pod,
                            replica: None,
                        },
                    },
                )
                .collect()
        })
        .unwrap_or_default();
    JobCorrelation {
        first_failure,
        laggards,
        laggard_reason: c.watchdog.map(|w| w.reason),
        peers,
    }
}
