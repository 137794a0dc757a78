//! One rank numbering for a training job: the global rank of each pod, the number NCCL, PyTorch
//! and the watchdog speak of (`[rank2]:`, `Rank 2`), never the replica index of its labels
//! (`worker/1`). In order of evidence:
//!
//! 1. the global ranks the pod's own log lines name in their prefixes (`[rankN]:`, mpirun's
//!    `[job,rank]<stdout>:`): what actually ran, and what the correlation of findings uses;
//! 2. the pod's `RANK` environment variable, when the spec sets it to a literal value;
//! 3. the operator's convention, from the job kind and the replica index: for a Kubeflow
//!    PyTorchJob master-i is rank i and worker-i is rank (masters + i), masters being the
//!    job's `Master` replicas (the master pods seen when the spec is not); for a job with a single replica
//!    type (an Indexed Job, a JobSet, an AscendJob's `hccl/rankIndex`) the index is the rank.
//!
//! A pod where none applies has no rank (an MPIJob launcher, an unknown layout), shown as `-`.

use std::collections::{BTreeSet, HashMap};

use serde_json::Value;

use crate::domain::ObjKey;
use crate::domain::kinds;
use crate::training::derive::nccl::line;
use crate::world::World;

/// Most distinct ranks kept per pod (a node runs one process per device).
pub const MAX_POD_RANKS: usize = 64;

/// Where a pod's global rank was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum RankSource {
    /// `[rankN]:` prefixes of the pod's log lines.
    Logs,
    /// The `RANK` variable of the pod's spec.
    Env,
    /// The operator's convention from the replica type and index.
    Convention,
}

impl RankSource {
    pub fn label(self) -> &'static str {
        match self {
            RankSource::Logs => "log prefixes",
            RankSource::Env => "RANK env",
            RankSource::Convention => "operator convention",
        }
    }
}

/// The global rank(s) of one pod: one for a pod running one process, several for a pod whose
/// log names several (one process per device).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GlobalRank {
    /// Sorted, distinct; empty when unknown.
    pub ranks: Vec<u32>,
    pub source: Option<RankSource>,
}

impl GlobalRank {
    fn of(ranks: Vec<u32>, source: RankSource) -> GlobalRank {
        GlobalRank {
            ranks,
            source: Some(source),
        }
    }

    /// The lowest rank, the pod's place in the job.
    pub fn first(&self) -> Option<u32> {
        self.ranks.first().copied()
    }

    pub fn holds(&self, rank: u32) -> bool {
        self.ranks.binary_search(&rank).is_ok()
    }

    /// `2`, `8-15` for a contiguous run, `0,3` otherwise, `-` when unknown.
    pub fn label(&self) -> String {
        match self.ranks.as_slice() {
            [] => "-".into(),
            [one] => one.to_string(),
            [a, .., b] if (*b - *a) as usize + 1 == self.ranks.len() => format!("{a}-{b}"),
            many => many
                .iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(","),
        }
    }
}

/// One pod of a job, as far as its rank goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Member<'a> {
    /// Replica type, lower case (`master`, `worker`), empty when unknown.
    pub role: &'a str,
    /// Replica index, `None` when unknown.
    pub index: Option<u32>,
    /// The literal value of the spec's `RANK` variable.
    pub env_rank: Option<u32>,
    /// Global ranks named by the pod's log prefixes (sorted, distinct).
    pub log_ranks: &'a [u32],
}

/// The job's layout as far as the convention needs it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Layout {
    /// The job's kind (`PyTorchJob`, `JobSet` ...), when known.
    pub kind: Option<String>,
    /// How many `Master` replicas a PyTorchJob's spec asks for (0 without one); `None` when
    /// the spec is not seen, and the master pods seen are counted instead.
    pub masters: Option<u32>,
}

/// The global rank of every member, in the order given.
pub fn assign(layout: &Layout, members: &[Member<'_>]) -> Vec<GlobalRank> {
    let roles: BTreeSet<&str> = members.iter().map(|m| m.role).collect();
    let masters = layout.masters.unwrap_or_else(|| {
        members
            .iter()
            .filter(|m| m.role == "master")
            .filter_map(|m| m.index)
            .max()
            .map_or(0, |i| i + 1)
    });
    let pytorch = layout.kind.as_deref() == Some("PyTorchJob") || roles.contains("master");
    members
        .iter()
        .map(|m| {
            if !m.log_ranks.is_empty() {
                return GlobalRank::of(m.log_ranks.to_vec(), RankSource::Logs);
            }
            if let Some(r) = m.env_rank {
                return GlobalRank::of(vec![r], RankSource::Env);
            }
            let by_convention = match (m.role, m.index) {
                (_, None) => None,
                ("master", Some(i)) if pytorch => Some(i),
                ("worker", Some(i)) if pytorch => Some(masters + i),
                (_, Some(i)) if roles.len() == 1 && m.role != "launcher" => Some(i),
                _ => None,
            };
            match by_convention {
                Some(r) => GlobalRank::of(vec![r], RankSource::Convention),
                None => GlobalRank::default(),
            }
        })
        .collect()
}

/// Add the global rank a log line's prefix names, if any, to a pod's sorted set.
pub fn note_log_rank(ranks: &mut Vec<u32>, text: &str) {
    let p = line::strip_prefixes(text);
    let Some(r) = p.rank.filter(|_| p.global) else {
        return;
    };
    if let Err(at) = ranks.binary_search(&r)
        && ranks.len() < MAX_POD_RANKS
    {
        ranks.insert(at, r);
    }
}

/// The literal `RANK` value of a pod spec (`None` for a reference or another text).
pub fn env_rank(v: &Value) -> Option<u32> {
    v.pointer("/spec/containers")?
        .as_array()?
        .iter()
        .filter_map(|c| c.get("env")?.as_array())
        .flatten()
        .find(|e| e.get("name").and_then(Value::as_str) == Some("RANK"))?
        .get("value")?
        .as_str()?
        .trim()
        .parse()
        .ok()
}

/// The job's kind and master count, from its object when seen, else from its pods' owner.
pub fn layout(w: &World, ns: &str, job: &str, owner_kind: Option<&str>) -> Layout {
    let object = kinds::kind_names().find_map(|k| {
        let obj = w.objects.get(&ObjKey::new(k, ns, job))?;
        Some((k.to_string(), obj))
    });
    match object {
        Some((kind, obj)) => Layout {
            masters: obj.pointer("/spec/pytorchReplicaSpecs").map(|specs| {
                match specs.get("Master") {
                    None => 0,
                    Some(m) => m.get("replicas").and_then(Value::as_u64).unwrap_or(1) as u32,
                }
            }),
            kind: Some(kind),
        },
        None => Layout {
            kind: owner_kind.map(str::to_string),
            masters: None,
        },
    }
}

/// Every pod of a job with its global rank(s), from the world alone: its spec's `RANK`, the
/// prefixes of its held log lines and the job's layout. What a probe uses; the Training view
/// numbers the same way from its incremental log state (`training::log_intel`).
pub fn job_holders(w: &World, ns: &str, job: &str) -> Vec<(String, GlobalRank)> {
    let Some(entry) = w.index.jobs.get(&(ns.to_string(), job.to_string())) else {
        return Vec::new();
    };
    let pods: Vec<(&str, &str, u32)> = entry
        .pods
        .iter()
        .map(|(role, index, pod)| (pod.as_str(), role.as_str(), *index))
        .collect();
    let mut logged: HashMap<&str, Vec<u32>> = HashMap::new();
    for l in w.logs.lines().iter().filter(|l| l.namespace == ns) {
        if let Some(&(pod, _, _)) = pods.iter().find(|(p, _, _)| *p == l.pod) {
            note_log_rank(logged.entry(pod).or_default(), &l.line);
        }
    }
    let env: Vec<Option<u32>> = pods
        .iter()
        .map(|(pod, _, _)| {
            let p = w.pods.get(&(ns.to_string(), pod.to_string()))?;
            env_rank(&serde_json::from_str::<Value>(&p.raw).ok()?)
        })
        .collect();
    let members: Vec<Member<'_>> = pods
        .iter()
        .zip(&env)
        .map(|(&(pod, role, index), env_rank)| Member {
            role,
            index: (index != u32::MAX).then_some(index),
            env_rank: *env_rank,
            log_ranks: logged.get(pod).map_or(&[], Vec::as_slice),
        })
        .collect();
    let owner = pods.iter().find_map(|(pod, _, _)| {
        let p = w.pods.get(&(ns.to_string(), pod.to_string()))?;
        p.owner.as_ref().map(|o| o.0.as_str())
    });
    let global = assign(&layout(w, ns, job, owner), &members);
    pods.iter()
        .map(|(pod, _, _)| pod.to_string())
        .zip(global)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m<'a>(role: &'a str, index: u32, env: Option<u32>, logs: &'a [u32]) -> Member<'a> {
        Member {
            role,
            index: Some(index),
            env_rank: env,
            log_ranks: logs,
        }
    }

    #[test]
    fn pytorchjob_convention_env_and_logs() {
        let py = Layout {
            kind: Some("PyTorchJob".into()),
            masters: None,
        };
        let ranks = assign(
            &py,
            &[
                m("master", 0, None, &[]),
                m("worker", 0, None, &[]),
                m("worker", 1, None, &[]),
                m("worker", 2, Some(7), &[]),
                m("worker", 3, Some(7), &[8, 9, 10, 11]),
            ],
        );
        let got: Vec<(String, Option<RankSource>)> =
            ranks.iter().map(|r| (r.label(), r.source)).collect();
        let c = Some(RankSource::Convention);
        assert_eq!(
            got,
            [
                ("0".into(), c),
                ("1".into(), c),
                ("2".into(), c),
                ("7".into(), Some(RankSource::Env)),
                ("8-11".into(), Some(RankSource::Logs)),
            ]
        );
        let two = Layout {
            masters: Some(2),
            ..py.clone()
        };
        assert_eq!(
            assign(&two, &[m("worker", 0, None, &[])])[0].first(),
            Some(2)
        );
        let workers_only = assign(&py, &[m("worker", 0, None, &[])]);
        assert_eq!(
            workers_only[0].first(),
            Some(0),
            "no master seen: worker-0 is rank 0"
        );
    }

    #[test]
    fn single_role_index_and_unknown_layouts() {
        let js = Layout::default();
        let r = assign(&js, &[m("", 1, None, &[]), m("", 0, None, &[])]);
        assert_eq!((r[0].first(), r[1].first()), (Some(1), Some(0)));
        let mpi = assign(
            &Layout {
                kind: Some("MPIJob".into()),
                masters: None,
            },
            &[m("launcher", 0, None, &[]), m("worker", 0, None, &[])],
        );
        assert_eq!(mpi[0], GlobalRank::default());
        assert_eq!(mpi[1].label(), "-");
        let gaps = GlobalRank::of(vec![0, 3], RankSource::Logs);
        assert_eq!(gaps.label(), "0,3");
        assert!(gaps.holds(3) && !gaps.holds(1));
    }

    #[test]
    fn log_prefixes_name_global_ranks_only() {
        let mut ranks = Vec::new();
        for l in [
            "[rank3]:[E1122 10:38:30 ProcessGroupNCCL.cpp:1] x",
            "[default1]:local rank only",
            "[1,2]<stdout>:host:1:2 [0] NCCL INFO hi",
            "[rank3]: again",
            "plain",
        ] {
            note_log_rank(&mut ranks, l);
        }
        assert_eq!(ranks, [2, 3]);
        let v: Value = serde_json::json!({"spec": {"containers": [{"env": [
            {"name": "RANK", "value": "5"}]}, {"env": [{"name": "RANK",
            "valueFrom": {"fieldRef": {"fieldPath": "x"}}}]}]}});
        assert_eq!(env_rank(&v), Some(5));
    }
}
