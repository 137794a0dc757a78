//! The incident report's account of the evidence file written beside it: what it covers, how
//! much of each it holds and what the bounds left out, so that the report and the file agree.

use super::render::time;
use super::report_closure::MAX_ALL_NODES;
use super::report_evidence::EvidenceSummary;

fn list(items: &[String], most: usize) -> String {
    let mut s = items
        .iter()
        .take(most)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if items.len() > most {
        s += &format!(" and {} more", items.len() - most);
    }
    if s.is_empty() { "none".into() } else { s }
}

/// The report's "Evidence file" section.
pub fn evidence_markdown(e: &EvidenceSummary) -> String {
    let mut s = format!(
        "\n## Evidence file\n\nA scenario that replays on its own (`aicockpit --replay FILE`, \
         `aicockpit triage --replay FILE`) to the same findings: the evidence of all {} \
         finding(s), from {} to {} (event time).\n\n",
        e.findings,
        time(e.start_ms),
        time(e.end_ms)
    );
    s += &format!(
        "- Workloads kept whole (every pod): {}.\n",
        list(&e.workloads, 12)
    );
    s += &format!(
        "- Pods: {} with their logs and metric series (the findings' pods and the other pods of \
         their workloads), {} more for what they say about their nodes (DaemonSet pods, \
         accelerator holders).\n",
        e.core_pods, e.context_pods
    );
    let nodes = if e.nodes < e.nodes_held {
        format!(
            "{} of {} (the cluster has more than {MAX_ALL_NODES}: the involved ones only)",
            e.nodes, e.nodes_held
        )
    } else {
        format!("all {}", e.nodes)
    };
    s += &format!(
        "- Nodes: {nodes}; accelerator telemetry of {}.\n",
        list(&e.involved_nodes, 12)
    );
    let kinds: Vec<String> = e.objects.iter().map(|(k, n)| format!("{k} {n}")).collect();
    s += &format!("- Objects: {}.\n", list(&kinds, usize::MAX));
    let cut = |n: usize, what: &str| {
        if n == 0 {
            String::new()
        } else {
            format!(" ({n} {what} left out by the size bounds)")
        }
    };
    s += &format!(
        "- Events: {}; log lines: {}{}; metric samples: {} of {} series after {}{}; source \
         health: {}; NVML snapshot: {}.\n",
        e.events,
        e.log_lines,
        cut(e.log_lines_cut, "older lines"),
        e.samples,
        e.series,
        time(e.samples_from_ms),
        cut(e.samples_cut, "older samples"),
        e.health,
        if e.nvml { "yes" } else { "no" }
    );
    s += "- Redacted as `aicockpit record` redacts: Secret data, environment values outside \
          the allow-list, token-like strings in log lines and event messages.\n";
    s
}
