//! The playbook validator, run at load and in tests: every branch target exists, every step and
//! conclusion is reachable from the entry, there are no cycles, conclusion ids are unique across
//! all playbooks, probe parameters are valid (known signature ids, sane windows, non-empty
//! lists) and fix templates use only known placeholders. Errors name the file and the step.

use std::collections::{BTreeMap, BTreeSet};

use super::model::{OK, PLACEHOLDERS, Playbook};
use crate::settings::alerts::AlertRule;
use crate::settings::playbooks::spec::ProbeSpec;
use crate::settings::signatures::Signatures;

/// One problem in a playbook file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{file}: playbook {playbook:?}{}: {message}",
    step.as_ref().map(|s| format!(" step {s:?}")).unwrap_or_default()
)]
pub struct PlaybookError {
    pub file: String,
    pub playbook: String,
    pub step: Option<String>,
    pub message: String,
}

/// The rule data playbooks are checked against: the signature ids and alert rules their probes
/// may name (built-ins merged with the user's).
#[derive(Debug, Clone, Copy)]
pub struct Known<'a> {
    pub signatures: &'a Signatures,
    pub alerts: &'a [AlertRule],
}

fn probe_errors(p: &ProbeSpec, known: &Known<'_>) -> Vec<String> {
    let mut out = Vec::new();
    match p {
        ProbeSpec::LogSignature { ids, .. } => {
            if ids.is_empty() {
                out.push("log_signature needs at least one id".into());
            }
            for id in ids {
                if known.signatures.rule(id).is_none() {
                    out.push(format!("unknown signature id {id:?}"));
                }
            }
        }
        ProbeSpec::LogPattern { contains, .. } if contains.iter().all(|c| c.trim().is_empty()) => {
            out.push("log_pattern needs a non-empty `contains`".into())
        }
        ProbeSpec::Daemon { name_contains, .. } if name_contains.is_empty() => {
            out.push("daemon needs `name_contains`".into())
        }
        ProbeSpec::Metric {
            name,
            threshold,
            window_s,
            ..
        } => {
            if name.trim().is_empty() {
                out.push("metric needs a name".into());
            }
            if !threshold.is_finite() {
                out.push("metric threshold must be a finite number".into());
            }
            if *window_s == 0 || *window_s > 7 * 86_400 {
                out.push(format!("metric window_s {window_s} must be 1..=604800"));
            }
        }
        ProbeSpec::PodEnv {
            var, check, value, ..
        } => {
            use crate::settings::playbooks::spec::EnvCheck;
            if var.trim().is_empty() {
                out.push("pod_env needs `var`".into());
            }
            if matches!(check, EnvCheck::Equals | EnvCheck::Contains) && value.is_none() {
                out.push(format!("pod_env check {check:?} needs `value`"));
            }
        }
        ProbeSpec::NodeLabel { check, value, .. }
            if *check == crate::settings::playbooks::spec::LabelCheck::Equals
                && value.is_none() =>
        {
            out.push("node_label check equals needs `value`".into())
        }
        ProbeSpec::NodeResource { resource, .. }
        | ProbeSpec::Capacity {
            resource_prefix: resource,
            ..
        } if resource.trim().is_empty() => out.push("resource must not be empty".into()),
        ProbeSpec::ServingAlert { rule } if !known.alerts.iter().any(|r| &r.name == rule) => out
            .push(format!(
                "unknown alert rule {rule:?} (see assets/alerts.toml and <config dir>/alerts/)"
            )),
        ProbeSpec::Rollout { within_s } if *within_s == 0 || *within_s > 7 * 86_400 => {
            out.push(format!("rollout within_s {within_s} must be 1..=604800"))
        }
        _ => {}
    }
    out
}

fn placeholders(t: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = t;
    while let Some(i) = rest.find('{') {
        let after = &rest[i + 1..];
        if let Some(j) = after.find('}') {
            let name = &after[..j];
            if !name.is_empty() && name.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
                out.push(name);
            }
            rest = &after[j + 1..];
        } else {
            break;
        }
    }
    out
}

/// Check one playbook on its own.
pub fn validate_playbook(pb: &Playbook, known: &Known<'_>) -> Vec<PlaybookError> {
    let mut errs = Vec::new();
    let err = |step: Option<&str>, message: String| PlaybookError {
        file: pb.origin.clone(),
        playbook: pb.id.clone(),
        step: step.map(str::to_string),
        message,
    };
    let mut steps = BTreeSet::new();
    for s in &pb.steps {
        if !steps.insert(s.id.as_str()) {
            errs.push(err(Some(&s.id), "duplicate step id".into()));
        }
    }
    let mut concl = BTreeSet::new();
    for c in &pb.conclusions {
        if !concl.insert(c.id.as_str()) || steps.contains(c.id.as_str()) {
            errs.push(err(None, format!("conclusion id {:?} is not unique", c.id)));
        }
        for f in &c.fixes {
            for t in [&f.command, &f.title, &f.rollback] {
                for p in placeholders(t) {
                    if !PLACEHOLDERS.contains(&p) {
                        errs.push(err(
                            None,
                            format!("conclusion {:?}: unknown placeholder {{{p}}}", c.id),
                        ));
                    }
                }
            }
        }
    }
    if !steps.contains(pb.entry.as_str()) {
        errs.push(err(None, format!("entry {:?} is not a step", pb.entry)));
    }
    let exists = |t: &str| t == OK || steps.contains(t) || concl.contains(t);
    let mut edges: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for s in &pb.steps {
        for t in [Some(&s.yes), Some(&s.no), s.unknown.as_ref()]
            .into_iter()
            .flatten()
        {
            if !exists(t) {
                errs.push(err(
                    Some(&s.id),
                    format!("branch target {t:?} does not exist"),
                ));
            }
            if steps.contains(t.as_str()) {
                edges.entry(s.id.as_str()).or_default().push(t.as_str());
            }
        }
        for m in probe_errors(&s.probe, known) {
            errs.push(err(Some(&s.id), m));
        }
    }
    // Reachability and cycles by depth-first search from the entry.
    let mut reached: BTreeSet<&str> = BTreeSet::new();
    let mut on_stack: BTreeSet<&str> = BTreeSet::new();
    fn dfs<'a>(
        n: &'a str,
        edges: &BTreeMap<&'a str, Vec<&'a str>>,
        reached: &mut BTreeSet<&'a str>,
        on_stack: &mut BTreeSet<&'a str>,
        cycles: &mut Vec<(&'a str, &'a str)>,
    ) {
        reached.insert(n);
        on_stack.insert(n);
        for &m in edges.get(n).into_iter().flatten() {
            if on_stack.contains(m) {
                cycles.push((n, m));
            } else if !reached.contains(m) {
                dfs(m, edges, reached, on_stack, cycles);
            }
        }
        on_stack.remove(n);
    }
    let mut cycles = Vec::new();
    if steps.contains(pb.entry.as_str()) {
        dfs(&pb.entry, &edges, &mut reached, &mut on_stack, &mut cycles);
    }
    for (a, b) in cycles {
        errs.push(err(Some(a), format!("cycle: branch back to step {b:?}")));
    }
    for s in &pb.steps {
        if !reached.contains(s.id.as_str()) {
            errs.push(err(
                Some(&s.id),
                "step is not reachable from the entry".into(),
            ));
        }
    }
    let targets: BTreeSet<&str> = pb
        .steps
        .iter()
        .filter(|s| reached.contains(s.id.as_str()))
        .flat_map(|s| [Some(&s.yes), Some(&s.no), s.unknown.as_ref()])
        .flatten()
        .map(String::as_str)
        .collect();
    for c in &pb.conclusions {
        if !targets.contains(c.id.as_str()) {
            errs.push(err(None, format!("conclusion {:?} is not reachable", c.id)));
        }
    }
    errs
}

/// Check a set of playbooks: each on its own, plus unique playbook and conclusion ids.
pub fn validate_all(pbs: &[Playbook], known: &Known<'_>) -> Vec<PlaybookError> {
    let mut errs: Vec<PlaybookError> = pbs
        .iter()
        .flat_map(|pb| validate_playbook(pb, known))
        .collect();
    let mut ids: BTreeMap<&str, &str> = BTreeMap::new();
    let mut concl: BTreeMap<&str, &str> = BTreeMap::new();
    for pb in pbs {
        if let Some(prev) = ids.insert(&pb.id, &pb.origin) {
            errs.push(PlaybookError {
                file: pb.origin.clone(),
                playbook: pb.id.clone(),
                step: None,
                message: format!("playbook id also used in {prev}"),
            });
        }
        for c in &pb.conclusions {
            if let Some(prev) = concl.insert(&c.id, &pb.id) {
                errs.push(PlaybookError {
                    file: pb.origin.clone(),
                    playbook: pb.id.clone(),
                    step: None,
                    message: format!("conclusion id {:?} also used by playbook {prev:?}", c.id),
                });
            }
        }
    }
    errs
}
