//! Cross-rank correlation: laggard from watchdog work counters, first failure, peer → pod.

use std::collections::HashMap;

use aicockpit::settings::signatures::Signatures;
use aicockpit::training::derive::nccl::correlate::{
    first_failure, laggard_pods, map_peers, peer_ip, watchdog,
};
use aicockpit::training::derive::nccl::{SignatureHit, classify_text};

fn rank_log(rank: u32, enqueued: u32, completed: u32, second: u32) -> String {
    format!(
        "[rank{rank}]:[E321 02:07:{second:02}.408271257 ProcessGroupNCCL.cpp:607] [Rank {rank}] Watchdog caught collective operation timeout: WorkNCCL(SeqNum={enqueued}, OpType=ALLREDUCE, NumelIn=1, NumelOut=1, Timeout(ms)=600000) ran for 600060 milliseconds before timing out.\n\
         [rank{rank}]:[E321 02:07:{second:02}.408633271 ProcessGroupNCCL.cpp:1664] [PG ID 0 PG GUID 0(default_pg) Rank {rank}] Exception (either an error or timeout) detected by watchdog at work: {enqueued}, last enqueued NCCL work: {enqueued}, last completed NCCL work: {completed}.\n"
    )
}

fn scan_ranks(logs: &[(u32, u32, u32, u32)]) -> Vec<SignatureHit> {
    let sigs = Signatures::builtin().expect("signatures");
    logs.iter()
        .flat_map(|&(r, e, c, s)| {
            classify_text(&sigs, &format!("worker-{r}.log"), &rank_log(r, e, c, s))
        })
        .collect()
}

#[test]
fn watchdog_lines_merge_into_one_finding_per_rank() {
    let f = scan_ranks(&[(0, 8, 7, 1)]);
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0].rank, Some(0));
    assert_eq!(f[0].fields.get("seq").map(String::as_str), Some("8"));
    assert_eq!(
        f[0].fields.get("last_completed").map(String::as_str),
        Some("7")
    );
}

#[test]
fn laggard_is_the_rank_that_never_enqueued_the_collective() {
    let f = scan_ranks(&[(0, 8, 7, 1), (1, 8, 7, 1), (2, 7, 7, 2), (3, 8, 7, 1)]);
    let w = watchdog(&f, None).expect("report");
    assert_eq!(w.ranks.len(), 4);
    assert_eq!(w.laggards, vec![2]);
    assert!(
        w.reason.contains("enqueued only up to work 7"),
        "{}",
        w.reason
    );
}

#[test]
fn laggard_by_last_completed_when_enqueued_agree() {
    let f = scan_ranks(&[(0, 8, 7, 1), (1, 8, 5, 1), (2, 8, 7, 1)]);
    let w = watchdog(&f, None).expect("report");
    assert_eq!(w.laggards, vec![1]);
}

#[test]
fn silent_rank_is_named_when_all_reporting_ranks_agree() {
    let f = scan_ranks(&[(0, 8, 7, 1), (1, 8, 7, 1), (3, 8, 7, 1)]);
    let w = watchdog(&f, Some(4)).expect("report");
    assert_eq!(w.silent_ranks, vec![2]);
    assert_eq!(w.laggards, vec![2]);
    let all_same = scan_ranks(&[(0, 8, 7, 1), (1, 8, 7, 1)]);
    let w = watchdog(&all_same, Some(2)).expect("report");
    assert!(w.laggards.is_empty());
    assert!(watchdog(&[], None).is_none());
}

#[test]
fn a_laggard_is_named_by_the_pod_holding_its_rank() {
    // worker-1.log holds rank 2 (replica index 1 of a job with a master): the silent laggard
    // is found only through who holds which rank; a reporting laggard through its own report.
    let f = scan_ranks(&[(0, 8, 7, 1), (1, 8, 7, 1), (3, 8, 7, 1)]);
    let w = watchdog(&f, Some(4)).expect("report");
    let holders: Vec<(String, Vec<u32>)> = [("master-0", 0), ("worker-0", 1), ("worker-1", 2)]
        .iter()
        .map(|(p, r)| (p.to_string(), vec![*r]))
        .collect();
    assert_eq!(
        laggard_pods(&w, &holders),
        [(2, Some("worker-1".to_string()))]
    );
    assert_eq!(laggard_pods(&w, &[]), [(2, None)]);
    let f = scan_ranks(&[(0, 8, 7, 1), (1, 8, 7, 1), (2, 7, 7, 2)]);
    let w = watchdog(&f, None).expect("report");
    assert_eq!(
        laggard_pods(&w, &[]),
        [(2, Some("worker-2.log".to_string()))]
    );
}

#[test]
fn first_failure_by_timestamp_across_sources() {
    let f = scan_ranks(&[(0, 8, 7, 9), (1, 8, 7, 3), (2, 8, 7, 5)]);
    let ff = first_failure(&f).expect("first");
    assert_eq!(ff.basis, "timestamp");
    assert_eq!(ff.finding.rank, Some(1));
    assert_eq!(ff.finding.source, "worker-1.log");
}

#[test]
fn first_failure_falls_back_to_order_without_timestamps() {
    let sigs = Signatures::builtin().expect("signatures");
    let mut f = classify_text(&sigs, "a.log", "Bootstrap : no socket interface found");
    f.extend(classify_text(
        &sigs,
        "b.log",
        "[2026-11-22 10:38:27] h:1:1 [0] x.cc:1 NCCL WARN Failed to initialize any NET plugin",
    ));
    let ff = first_failure(&f).expect("first");
    assert_eq!((ff.basis, ff.finding.source.as_str()), ("order", "a.log"));
}

#[test]
fn peer_addresses_map_to_pods() {
    let sigs = Signatures::builtin().expect("signatures");
    let f = classify_text(
        &sigs,
        "worker-0",
        "node-2:12:40 [1] misc/socket.cc:50 NCCL WARN socketProgress: Connection closed by remote peer 10.1.2.3<35932>",
    );
    let map = HashMap::from([("10.1.2.3".to_string(), "train/worker-3".to_string())]);
    let hits = map_peers(&f, &map);
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].peer, "10.1.2.3");
    assert_eq!(hits[0].pod.as_deref(), Some("train/worker-3"));
    assert_eq!(peer_ip("10.0.0.1<80>"), "10.0.0.1");
    assert_eq!(peer_ip("10.0.0.1:80"), "10.0.0.1");
    assert_eq!(peer_ip("[fe80::1]:80"), "fe80::1");
    assert_eq!(peer_ip("fe80::1"), "fe80::1");
}
