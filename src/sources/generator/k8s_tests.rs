//! Tests of `k8s`.

use super::*;

#[test]
fn timestamps_and_uids_are_deterministic() {
    assert_eq!(ts(0), "1970-01-01T00:00:00Z");
    assert_eq!(uid("Pod", "a", "b"), uid("Pod", "a", "b"));
    assert_ne!(uid("Pod", "a", "b"), uid("Pod", "a", "c"));
    assert_eq!(uid("Pod", "a", "b").len(), 36);
    let (a, b) = (uid("Pod", "ns", "worker-1"), uid("Pod", "ns", "worker-2"));
    assert_ne!(a[..8], b[..8], "{a} {b}");
}

#[test]
fn pod_json_reads_back_through_the_domain_parser() {
    let spec = PodSpec {
        namespace: "ns".into(),
        name: "p".into(),
        node: Some("n1".into()),
        containers: vec![Container {
            name: "c".into(),
            image: "img".into(),
            limits: kv(&[("nvidia.com/gpu", "8")]),
            ..Container::default()
        }],
        ..PodSpec::default()
    };
    let st = PodStatus {
        phase: "Running".into(),
        state: CState::Waiting {
            reason: "CrashLoopBackOff".into(),
            message: "back-off".into(),
        },
        last: None,
        restarts: 3,
        started: 0,
    };
    let info = crate::world::objects::pod_info(&pod(&spec, &st));
    assert_eq!(info.status, "CrashLoopBackOff");
    assert_eq!(info.restarts, 3);
    assert_eq!(info.accel_requests.get("nvidia.com/gpu"), Some(&8.0));
}
