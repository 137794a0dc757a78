//! Cross-rank correlation over findings from many sources: which rank failed first, which rank
//! the others were waiting for when the ProcessGroupNCCL watchdog fired (the laggard) and who
//! holds it, and which pod a peer address in "connection closed by remote peer <ip>" style
//! findings belongs to. Ranks are global ranks, as the findings' log lines name them.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::Serialize;

use super::classify::SignatureHit;
use crate::domain::severity::Severity;

/// Where a finding sits, for reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HitRef {
    pub id: String,
    pub source: String,
    pub line_no: u64,
    pub rank: Option<u32>,
    pub timestamp: Option<String>,
}

impl From<&SignatureHit> for HitRef {
    fn from(f: &SignatureHit) -> Self {
        HitRef {
            id: f.id.clone(),
            source: f.source.clone(),
            line_no: f.line_no,
            rank: f.rank,
            timestamp: f.timestamp.clone(),
        }
    }
}

/// The earliest critical finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FirstFailure {
    pub finding: HitRef,
    /// `timestamp` when every critical finding carried a wall-clock time, else `order`
    /// (the order in which the findings were given: file order, then line order).
    pub basis: &'static str,
}

/// The earliest critical finding, by timestamp when all critical findings have one, else by
/// input order.
pub fn first_failure(findings: &[SignatureHit]) -> Option<FirstFailure> {
    let crit: Vec<&SignatureHit> = findings
        .iter()
        .filter(|f| f.severity == Severity::Critical)
        .collect();
    let first = crit.first()?;
    if crit.iter().all(|f| f.ts_key.is_some()) {
        let f = crit.iter().min_by_key(|f| f.ts_key)?;
        return Some(FirstFailure {
            finding: HitRef::from(*f),
            basis: "timestamp",
        });
    }
    Some(FirstFailure {
        finding: HitRef::from(*first),
        basis: "order",
    })
}

/// What one rank's watchdog reported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RankWork {
    pub rank: u32,
    pub source: String,
    pub line_no: u64,
    pub seq: Option<i64>,
    pub op: Option<String>,
    pub timeout_ms: Option<u64>,
    pub last_enqueued: Option<i64>,
    pub last_completed: Option<i64>,
}

/// Cross-rank view of watchdog timeouts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WatchdogReport {
    pub ranks: Vec<RankWork>,
    /// The rank(s) the others were waiting for, when the evidence names them.
    pub laggards: Vec<u32>,
    /// Ranks below the world size (or the highest rank seen) that reported no timeout.
    pub silent_ranks: Vec<u32>,
    /// One sentence saying how the laggard was found, or why none could be named.
    pub reason: String,
}

fn int(f: &SignatureHit, k: &str) -> Option<i64> {
    f.fields.get(k).and_then(|v| v.parse().ok())
}

/// Compare the watchdog findings (`nccl.watchdog_timeout`) across ranks. `world_size`, when
/// known, lets ranks that stayed silent be named.
pub fn watchdog(findings: &[SignatureHit], world_size: Option<u32>) -> Option<WatchdogReport> {
    let mut per: BTreeMap<u32, RankWork> = BTreeMap::new();
    for f in findings.iter().filter(|f| f.id == "nccl.watchdog_timeout") {
        let Some(rank) = f.rank else { continue };
        let w = per.entry(rank).or_insert_with(|| RankWork {
            rank,
            source: f.source.clone(),
            line_no: f.line_no,
            seq: None,
            op: None,
            timeout_ms: None,
            last_enqueued: None,
            last_completed: None,
        });
        w.seq = w.seq.or(int(f, "seq")).or(int(f, "work"));
        w.op = w.op.take().or_else(|| f.fields.get("op").cloned());
        w.timeout_ms = w
            .timeout_ms
            .or_else(|| f.fields.get("timeout_ms").and_then(|v| v.parse().ok()));
        w.last_enqueued = w.last_enqueued.or(int(f, "last_enqueued"));
        w.last_completed = w.last_completed.or(int(f, "last_completed"));
    }
    if per.is_empty() {
        return None;
    }
    let seen: BTreeSet<u32> = findings.iter().filter_map(|f| f.rank).collect();
    let upper = world_size
        .or_else(|| seen.iter().max().map(|m| m + 1))
        .unwrap_or(0);
    let silent_ranks: Vec<u32> = (0..upper.min(1 << 16))
        .filter(|r| !per.contains_key(r))
        .collect();
    let ranks: Vec<RankWork> = per.into_values().collect();
    let (laggards, reason) = name_laggards(&ranks, &silent_ranks);
    Some(WatchdogReport {
        ranks,
        laggards,
        silent_ranks,
        reason,
    })
}

fn lowest(ranks: &[RankWork], key: fn(&RankWork) -> Option<i64>) -> Option<(Vec<u32>, i64, i64)> {
    let vals: Vec<(u32, i64)> = ranks
        .iter()
        .filter_map(|w| key(w).map(|v| (w.rank, v)))
        .collect();
    let min = vals.iter().map(|v| v.1).min()?;
    let max = vals.iter().map(|v| v.1).max()?;
    (min < max).then(|| {
        let low = vals.iter().filter(|v| v.1 == min).map(|v| v.0).collect();
        (low, min, max)
    })
}

fn name_laggards(ranks: &[RankWork], silent: &[u32]) -> (Vec<u32>, String) {
    if let Some((low, min, max)) = lowest(ranks, |w| w.last_enqueued) {
        let reason = format!(
            "rank(s) {low:?} enqueued only up to work {min} while others reached {max}: they never reached the collective the others are waiting in"
        );
        return (low, reason);
    }
    if let Some((low, min, max)) = lowest(ranks, |w| w.last_completed) {
        let reason =
            format!("rank(s) {low:?} completed only up to work {min} while others completed {max}");
        return (low, reason);
    }
    if let Some((low, min, max)) = lowest(ranks, |w| w.seq) {
        let reason = format!("rank(s) {low:?} timed out in work {min} while others were at {max}");
        return (low, reason);
    }
    if !silent.is_empty() {
        let reason = format!(
            "every reporting rank stopped at the same work; rank(s) {silent:?} reported no timeout and are the likely laggards (hung, crashed, or their logs are missing)"
        );
        return (silent.to_vec(), reason);
    }
    (
        Vec::new(),
        "every rank stopped at the same work: no single laggard; suspect the network or a collective mismatch".to_string(),
    )
}

/// Who holds each laggard rank: the first of `holders` (name, its global ranks) that holds it,
/// else the source of that rank's own watchdog report, else nobody known. A laggard named
/// because it stayed silent has no report, so only the holders (the job's rank numbering:
/// log prefixes, `RANK`, the operator's convention) can name its pod.
pub fn laggard_pods(
    report: &WatchdogReport,
    holders: &[(String, Vec<u32>)],
) -> Vec<(u32, Option<String>)> {
    report
        .laggards
        .iter()
        .map(|&rank| {
            let held = holders
                .iter()
                .find(|(_, ranks)| ranks.contains(&rank))
                .map(|(name, _)| name.clone());
            let reported = || {
                report
                    .ranks
                    .iter()
                    .find(|w| w.rank == rank)
                    .map(|w| w.source.clone())
            };
            (rank, held.or_else(reported))
        })
        .collect()
}

/// A finding whose peer address maps to a pod.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PeerHit {
    pub finding: HitRef,
    pub peer: String,
    pub pod: Option<String>,
}

/// Strip `<port>`, `:port` and brackets from a peer address.
pub fn peer_ip(peer: &str) -> &str {
    let p = peer.split('<').next().unwrap_or(peer);
    let p = p.trim_start_matches('[');
    if let Some(end) = p.find(']') {
        return &p[..end];
    }
    match p.rsplit_once(':') {
        Some((ip, port)) if !ip.contains(':') && port.bytes().all(|b| b.is_ascii_digit()) => ip,
        _ => p,
    }
}

/// Name the pods behind the peer addresses found in `findings` (`peer`, `dest_ip` fields),
/// given an ip → pod map (for instance from the pods' `status.podIP`).
pub fn map_peers(findings: &[SignatureHit], ip_to_pod: &HashMap<String, String>) -> Vec<PeerHit> {
    let mut out = Vec::new();
    for f in findings {
        for key in ["peer", "dest_ip"] {
            if let Some(p) = f.fields.get(key) {
                let ip = peer_ip(p);
                out.push(PeerHit {
                    finding: HitRef::from(f),
                    peer: ip.to_string(),
                    pod: ip_to_pod.get(ip).cloned(),
                });
            }
        }
    }
    out
}

/// Everything correlation says about a set of findings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Correlation {
    pub first_failure: Option<FirstFailure>,
    pub watchdog: Option<WatchdogReport>,
    pub peers: Vec<PeerHit>,
}

/// Run all correlations.
pub fn correlate(
    findings: &[SignatureHit],
    world_size: Option<u32>,
    ip_to_pod: &HashMap<String, String>,
) -> Correlation {
    Correlation {
        first_failure: first_failure(findings),
        watchdog: watchdog(findings, world_size),
        peers: map_peers(findings, ip_to_pod),
    }
}
