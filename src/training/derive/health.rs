//! A job's phase as its pods show it, not only as its object claims: a batch Job with one
//! active pod says `Running` while that pod has been Pending for nine minutes. The rule, with
//! `stuck_after` from `[training] stuck_after` in config.toml:
//!
//! - a terminal object phase (Succeeded, Failed, Cancelled ...) stands;
//! - a pod that has crashed (CrashLoopBackOff, Error, OOMKilled ... — `pod_trouble` critical)
//!   for at least `stuck_after` makes the job `Failing`;
//! - else a pod that has not started (phase Pending: Pending, ContainerCreating,
//!   ImagePullBackOff ...) for at least `stuck_after` makes it `Stuck`; so does a job object
//!   that has no pods and has waited (Pending, Created, Preparing, Inqueue) that long;
//! - else the object's phase, or without an object the pods' own (Failing, Running, Pending).
//!
//! The header counts a job failing when its phase is Failed or Failing or any of its pods is
//! crashing now (a crash needs no grace period, a Pending pod does), and stuck when it is
//! `Stuck` and not failing. SINCE is when the shown phase began: the earliest condition start
//! of the pods that decide it (see `since`), else the object's newest condition transition.

use crate::domain::Millis;

/// What the header counts a job as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub enum JobHealth {
    #[default]
    Ok,
    Stuck,
    Failing,
}

/// One pod of the job, as the rule sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PodCondition {
    /// `domain::workloads::pod_trouble` of the pod.
    pub trouble: Option<bool>,
    /// The pod has not started yet (phase Pending).
    pub waiting: bool,
    pub running: bool,
    /// When its current condition began.
    pub since_ms: Option<Millis>,
}

/// The job object's phase and when it last changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ObjectPhase<'a> {
    pub phase: &'a str,
    pub since_ms: Option<Millis>,
}

/// The phase shown, what the header counts, and since when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobState {
    pub phase: String,
    pub health: JobHealth,
    pub since_ms: Option<Millis>,
}

/// Phases after which nothing more happens.
pub const TERMINAL: &[&str] = &[
    "Succeeded",
    "Complete",
    "Completed",
    "Failed",
    "Cancelled",
    "Aborted",
    "Terminated",
];

/// Phases of a job object that waits for its pods.
pub const WAITING: &[&str] = &["Pending", "Created", "Preparing", "Inqueue", "Queued"];

/// The job's state at `now_ms`; `stuck_after` `None` turns the grace-period rules off.
pub fn job_state(
    object: Option<ObjectPhase<'_>>,
    pods: &[PodCondition],
    now_ms: Millis,
    stuck_after: Option<Millis>,
) -> JobState {
    let past = |since: Option<Millis>| {
        stuck_after.is_some_and(|t| since.is_some_and(|s| now_ms.saturating_sub(s) >= t))
    };
    let crashing = pods.iter().any(|p| p.trouble == Some(true));
    let state = |phase: &str, health, since_ms| JobState {
        phase: phase.to_string(),
        health,
        since_ms,
    };
    if let Some(o) = object.filter(|o| TERMINAL.contains(&o.phase)) {
        let health = if o.phase == "Failed" {
            JobHealth::Failing
        } else {
            JobHealth::Ok
        };
        return state(o.phase, health, o.since_ms);
    }
    let earliest = |f: &dyn Fn(&PodCondition) -> bool| {
        pods.iter()
            .filter(|p| f(p) && past(p.since_ms))
            .filter_map(|p| p.since_ms)
            .min()
    };
    if let Some(s) = earliest(&|p| p.trouble == Some(true)) {
        return state("Failing", JobHealth::Failing, Some(s));
    }
    let failing_now = if crashing {
        JobHealth::Failing
    } else {
        JobHealth::Stuck
    };
    if let Some(s) = earliest(&|p| p.waiting) {
        return state("Stuck", failing_now, Some(s));
    }
    match object {
        Some(o) if pods.is_empty() && WAITING.contains(&o.phase) && past(o.since_ms) => {
            state("Stuck", JobHealth::Stuck, o.since_ms)
        }
        Some(o) => {
            let health = if crashing || o.phase == "Failing" {
                JobHealth::Failing
            } else {
                JobHealth::Ok
            };
            state(o.phase, health, o.since_ms)
        }
        None => from_pods(pods),
    }
}

/// A job known only by its pods.
fn from_pods(pods: &[PodCondition]) -> JobState {
    let since = |f: &dyn Fn(&PodCondition) -> bool, latest: bool| {
        let times = pods.iter().filter(|p| f(p)).filter_map(|p| p.since_ms);
        if latest { times.max() } else { times.min() }
    };
    if pods.iter().any(|p| p.trouble == Some(true)) {
        return JobState {
            phase: "Failing".into(),
            health: JobHealth::Failing,
            since_ms: since(&|p| p.trouble == Some(true), false),
        };
    }
    let (phase, since_ms) = if !pods.is_empty() && pods.iter().all(|p| p.running) {
        // Running once the last rank runs.
        ("Running", since(&|_| true, true))
    } else {
        ("Pending", since(&|p| !p.running, false))
    };
    JobState {
        phase: phase.into(),
        health: JobHealth::Ok,
        since_ms,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: Millis = 60_000;
    const NOW: Millis = 100 * MIN;

    fn pending(since_min: i64) -> PodCondition {
        PodCondition {
            trouble: Some(false),
            waiting: true,
            running: false,
            since_ms: Some(NOW - since_min * MIN),
        }
    }

    fn crashing(since_min: i64) -> PodCondition {
        PodCondition {
            trouble: Some(true),
            waiting: false,
            running: false,
            since_ms: Some(NOW - since_min * MIN),
        }
    }

    fn obj(phase: &str) -> Option<ObjectPhase<'_>> {
        Some(ObjectPhase {
            phase,
            since_ms: Some(NOW - 60 * MIN),
        })
    }

    #[test]
    fn pending_past_the_threshold_is_stuck_whatever_the_object_says() {
        let after = Some(5 * MIN);
        let s = job_state(obj("Running"), &[pending(9)], NOW, after);
        assert_eq!((s.phase.as_str(), s.health), ("Stuck", JobHealth::Stuck));
        assert_eq!(s.since_ms, Some(NOW - 9 * MIN));
        let fresh = job_state(obj("Running"), &[pending(2)], NOW, after);
        assert_eq!(
            (fresh.phase.as_str(), fresh.health),
            ("Running", JobHealth::Ok)
        );
        let off = job_state(obj("Running"), &[pending(9)], NOW, None);
        assert_eq!(off.health, JobHealth::Ok);
        let queued = job_state(obj("Pending"), &[], NOW, after);
        assert_eq!(queued.phase, "Stuck");
    }

    #[test]
    fn crash_loops_fail_at_once_and_are_named_failing_past_the_threshold() {
        let after = Some(5 * MIN);
        let young = job_state(obj("Restarting"), &[crashing(1)], NOW, after);
        assert_eq!(
            (young.phase.as_str(), young.health),
            ("Restarting", JobHealth::Failing)
        );
        let old = job_state(obj("Running"), &[crashing(7), pending(9)], NOW, after);
        assert_eq!(
            (old.phase.as_str(), old.health),
            ("Failing", JobHealth::Failing)
        );
        let both = job_state(obj("Running"), &[crashing(1), pending(9)], NOW, after);
        assert_eq!(
            (both.phase.as_str(), both.health),
            ("Stuck", JobHealth::Failing)
        );
        let done = job_state(obj("Succeeded"), &[crashing(9)], NOW, after);
        assert_eq!(done.health, JobHealth::Ok);
        assert_eq!(
            job_state(obj("Failed"), &[], NOW, after).health,
            JobHealth::Failing
        );
    }

    #[test]
    fn without_an_object_the_pods_decide() {
        let up = PodCondition {
            trouble: None,
            waiting: false,
            running: true,
            since_ms: Some(NOW - 30 * MIN),
        };
        let s = job_state(None, &[up, up], NOW, Some(5 * MIN));
        assert_eq!(
            (s.phase.as_str(), s.since_ms),
            ("Running", Some(NOW - 30 * MIN))
        );
        let s = job_state(None, &[up, crashing(1)], NOW, Some(5 * MIN));
        assert_eq!(
            (s.phase.as_str(), s.health),
            ("Failing", JobHealth::Failing)
        );
        assert_eq!(
            job_state(None, &[up, pending(1)], NOW, None).phase,
            "Pending"
        );
    }
}
