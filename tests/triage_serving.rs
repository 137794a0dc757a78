//! Serving triage on the serving scenarios: the conclusion names the real workload, its fixes
//! are filled with its names and carry a rollback, the evidence shows the numbers that decided
//! it, and nothing is concluded before the incident starts. Also: the XID finding of the
//! gpu-health scenario names the GPU and the pod DCGM saw it on.

use aicockpit::settings::rules::Rules;
use aicockpit::shell::cmd::triage::state_at;
use aicockpit::sources::embedded;
use aicockpit::sources::generator::{bad_rollout as br, gpu_health as gh, vllm_queue as vq};
use aicockpit::triage::engine::findings::{Finding, whats_wrong};

fn findings(name: &str, until_ms: Option<i64>) -> Vec<Finding> {
    let s = embedded::load(name).expect("embedded scenario");
    let st = state_at(&s, until_ms);
    let pbs = Rules::builtin().expect("built-in rule data");
    whats_wrong(pbs, &st.world, st.now_ms)
}

fn evidence_text(f: &Finding) -> String {
    f.evidence
        .iter()
        .map(|e| format!("{}: {}", e.subject, e.detail))
        .collect::<Vec<_>>()
        .join("\n")
}

fn ids(f: &[Finding]) -> Vec<&str> {
    f.iter().map(|x| x.conclusion.as_str()).collect()
}

#[test]
fn vllm_queue_concludes_autoscaling_at_max_with_a_reversible_fix() {
    let f = findings(vq::VLLM_QUEUE, None);
    let top = f.first().expect("a finding");
    assert_eq!(top.conclusion, "autoscaling-at-max", "{:?}", ids(&f));
    assert_eq!(top.subject, format!("Deployment {}/{}", vq::NS, vq::APP));
    let ev = evidence_text(top);
    for want in [
        format!("maxReplicas {}", vq::HPA_MAX),
        "ScalingLimited=True (TooManyReplicas".to_string(),
        "vllm:num_requests_waiting".to_string(),
        "at the window's start".to_string(),
        "p99".to_string(),
        "> objective 10 s".to_string(),
    ] {
        assert!(ev.contains(&want), "evidence lacks {want}:\n{ev}");
    }
    let raise = top
        .fixes
        .iter()
        .find(|x| x.command.contains("maxReplicas"))
        .expect("a fix raising maxReplicas");
    assert!(
        raise
            .command
            .contains(&format!("-n {} patch hpa {}", vq::NS, vq::APP))
            && raise
                .command
                .contains(&format!("\"maxReplicas\":{}", vq::HPA_MAX * 2)),
        "{}",
        raise.command
    );
    assert!(
        raise
            .rollback
            .contains(&format!("\"maxReplicas\":{}", vq::HPA_MAX)),
        "{}",
        raise.rollback
    );
    assert!(raise.mutates);
}

#[test]
fn vllm_queue_before_the_surge_has_no_saturation_finding() {
    let f = findings(vq::VLLM_QUEUE, Some(vq::SURGE));
    assert!(
        !ids(&f).contains(&"autoscaling-at-max"),
        "before the surge: {:?}",
        ids(&f)
    );
}

#[test]
fn bad_rollout_concludes_the_new_revision_and_rolls_it_back() {
    let f = findings(br::BAD_ROLLOUT, None);
    let top = f.first().expect("a finding");
    assert_eq!(top.conclusion, "bad-revision", "{:?}", ids(&f));
    assert_eq!(top.subject, format!("Deployment {}/{}", br::NS, br::APP));
    let ev = evidence_text(top);
    for want in [
        format!("pod-template-hash {}", br::NEW_HASH),
        br::NEW_IMAGE.to_string(),
        "revision 5".to_string(),
        "> 5.0 %".to_string(),
    ] {
        assert!(ev.contains(&want), "evidence lacks {want}:\n{ev}");
    }
    let undo = top.fixes.first().expect("a fix");
    assert_eq!(
        undo.command,
        format!("kubectl rollout undo deployment/{} -n {}", br::APP, br::NS)
    );
    assert_eq!(
        undo.rollback,
        format!(
            "kubectl rollout undo deployment/{} -n {} --to-revision=5",
            br::APP,
            br::NS
        )
    );
}

#[test]
fn bad_rollout_before_set_image_has_no_revision_finding() {
    let f = findings(br::BAD_ROLLOUT, Some(br::SET_IMAGE));
    assert!(
        !ids(&f).contains(&"bad-revision") && !ids(&f).contains(&"serving-errors"),
        "before the rollout: {:?}",
        ids(&f)
    );
}

#[test]
fn serving_scenarios_have_their_gpu_daemons() {
    for name in [vq::VLLM_QUEUE, br::BAD_ROLLOUT] {
        let f = findings(name, None);
        assert!(
            !ids(&f).contains(&"device-plugin-missing-on-node"),
            "{name}: {:?}",
            ids(&f)
        );
    }
}

#[test]
fn gpu_health_xid_names_the_node_gpu_and_pod() {
    let f = findings(gh::GPU_HEALTH, None);
    let top = f.first().expect("a finding");
    assert_eq!(top.conclusion, "gpu-xid", "{:?}", ids(&f));
    // The device plugin logged it; the finding is about the node.
    assert_eq!(top.subject, format!("Node {}", gh::XID_NODE));
    assert!(top.root_cause.contains("XID 79"), "{}", top.root_cause);
    assert!(top.root_cause.contains(gh::XID_NODE), "{}", top.root_cause);
    let ev = evidence_text(top);
    assert!(
        ev.contains(&format!("{} gpu {}", gh::XID_NODE, gh::XID_GPU))
            && ev.contains("llama-ft-worker-1"),
        "{ev}"
    );
    assert!(
        top.fixes
            .iter()
            .any(|x| x.command == format!("kubectl cordon {}", gh::XID_NODE)),
        "{:#?}",
        top.fixes
    );
}

#[test]
fn each_serving_conclusion_stays_on_its_own_scenario() {
    // bad-rollout's HPA has room (4 of 8, not limited); vllm-queue's pods are hours old.
    let br_ids = findings(br::BAD_ROLLOUT, None);
    assert!(
        !ids(&br_ids).contains(&"autoscaling-at-max"),
        "{:?}",
        ids(&br_ids)
    );
    let vq_ids = findings(vq::VLLM_QUEUE, None);
    assert!(
        !ids(&vq_ids).contains(&"bad-revision") && !ids(&vq_ids).contains(&"serving-errors"),
        "{:?}",
        ids(&vq_ids)
    );
}

#[test]
fn evidence_of_a_serving_finding_replays_to_it_without_false_daemon_findings() {
    for (name, want) in [
        (vq::VLLM_QUEUE, "autoscaling-at-max"),
        (br::BAD_ROLLOUT, "bad-revision"),
    ] {
        let s = embedded::load(name).expect("embedded scenario");
        let st = state_at(&s, None);
        let pbs = Rules::builtin().expect("built-in rule data");
        let f = whats_wrong(pbs, &st.world, st.now_ms);
        let text = aicockpit::triage::engine::report::evidence_scenario(
            &st.world,
            pbs,
            &f[..1],
            name,
            st.now_ms,
        );
        let back = aicockpit::contract::scenario::parse(&text, "evidence.jsonl").expect("parses");
        let st2 = state_at(&back, None);
        let f2 = whats_wrong(pbs, &st2.world, st2.now_ms);
        assert_eq!(ids(&f2).first(), Some(&want), "{name}: {:?}", ids(&f2));
        assert!(
            !ids(&f2).contains(&"device-plugin-missing-on-node"),
            "{name}: {:?}",
            ids(&f2)
        );
    }
}
