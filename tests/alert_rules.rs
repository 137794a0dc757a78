//! Alert rules: the embedded seed rules, user merge, validation errors, and the event-time
//! state machine (pending -> firing -> resolved; missing data never fires).

use std::collections::BTreeMap;

use aicockpit::domain::duration::parse_ms;
use aicockpit::domain::server::Server;
use aicockpit::domain::severity::Severity;
use aicockpit::serving::derive::alert_eval::{AlertEval, AlertState, rule_value};
use aicockpit::serving::derive::histogram::Selector;
use aicockpit::settings::alerts::{AlertRule, RuleKind, load};
use aicockpit::world::metrics::MetricStore;

const MIN: i64 = 60_000;

fn rule<'a>(rules: &'a [AlertRule], name: &str) -> &'a AlertRule {
    rules
        .iter()
        .find(|r| r.name == name)
        .unwrap_or_else(|| panic!("rule {name} missing"))
}

#[test]
fn embedded_rules_carry_the_seed_thresholds() {
    let rules = load(None).expect("embedded rules are valid");
    let r = rule(&rules, "HighInferenceLatency");
    assert_eq!(
        r.kind,
        RuleKind::LatencyQuantile {
            metric: Some("http_request_duration_seconds_bucket".into()),
            quantile: 0.99
        }
    );
    assert_eq!(
        (r.threshold, r.for_ms, r.window_ms),
        (0.5, 3 * MIN, 5 * MIN)
    );
    let r = rule(&rules, "HighLatency");
    assert_eq!((r.threshold, r.for_ms), (2.0, 2 * MIN));
    let r = rule(&rules, "HighModelErrorRate");
    assert_eq!(
        (r.threshold, r.for_ms, r.severity),
        (0.05, 2 * MIN, Severity::Critical)
    );
    let r = rule(&rules, "AscendHighInferenceLatency");
    assert_eq!((r.threshold, r.for_ms), (0.5, 2 * MIN));
    let r = rule(&rules, "PodCrashLooping");
    assert_eq!((r.threshold, r.window_ms, r.for_ms), (3.0, 15 * MIN, MIN));
    let r = rule(&rules, "NPUMemoryHighUsage");
    assert_eq!(
        (r.threshold, r.for_ms, r.severity),
        (85.0, 5 * MIN, Severity::Critical)
    );
    let r = rule(&rules, "ModelInferenceTimeout");
    assert_eq!((r.threshold, r.for_ms), (30.0, 5 * MIN));
}

#[test]
fn user_file_merges_by_name() {
    let user = r#"
[[rule]]
name = "HighLatency"
kind = "latency_quantile"
metric = "inference_request_duration_seconds_bucket"
quantile = 0.95
threshold = 1.0
window = "5m"
for = "1m"

[[rule]]
name = "NPUMemoryHighUsage"
enabled = false

[[rule]]
name = "QueueTooLong"
kind = "gauge"
metric = "vllm:num_requests_waiting"
threshold = 50
window = "1m"
severity = "info"
"#;
    let base = load(None).expect("base");
    let rules = load(Some(("~/.config/aicockpit/alerts.toml", user))).expect("merged");
    assert_eq!(rules.len(), base.len());
    let r = rule(&rules, "HighLatency");
    assert_eq!((r.threshold, r.for_ms), (1.0, MIN));
    assert!(rules.iter().all(|r| r.name != "NPUMemoryHighUsage"));
    assert_eq!(rules.last().map(|r| r.name.as_str()), Some("QueueTooLong"));
    // An overridden rule keeps its place.
    let pos = |rs: &[AlertRule], n: &str| rs.iter().position(|r| r.name == n);
    assert_eq!(pos(&rules, "HighLatency"), pos(&base, "HighLatency"));
}

#[test]
fn validation_errors_name_file_and_rule() {
    let bad = r#"
[[rule]]
name = "Typo"
kind = "latency_quantil"
threshold = 1
window = "5m"

[[rule]]
name = "BadFor"
kind = "gauge"
metric = "x"
threshold = 1
window = "5m"
for = "five minutes"

[[rule]]
name = "NoThreshold"
kind = "gauge"
metric = "x"
window = "5m"
"#;
    let errs = load(Some(("my-alerts.toml", bad))).expect_err("invalid");
    let text: Vec<String> = errs.iter().map(ToString::to_string).collect();
    assert_eq!(text.len(), 3, "{text:?}");
    assert!(text[0].starts_with("my-alerts.toml: rule Typo: unknown kind \"latency_quantil\""));
    assert!(text[1].starts_with("my-alerts.toml: rule BadFor: `for` \"five minutes\""));
    assert!(text[2].starts_with("my-alerts.toml: rule NoThreshold: missing"));
    let syntax = load(Some(("broken.toml", "[[rule]\nname = 1"))).expect_err("syntax");
    assert!(syntax[0].to_string().starts_with("broken.toml: "));
    assert_eq!(syntax[0].rule, None);
    assert_eq!(parse_ms("15m").ok(), u64::try_from(15 * MIN).ok());
    assert!(parse_ms("m").is_err());
}

fn eval(name: &str) -> AlertEval {
    let rules = load(None).expect("rules");
    AlertEval::new(rule(&rules, name))
}

#[test]
fn pending_firing_resolved_on_event_time() {
    // HighLatency: p95 > 2 s for 2 m.
    let mut a = eval("HighLatency");
    assert_eq!(a.evaluate(0, Some(2.5)), AlertState::Pending { since: 0 });
    assert_eq!(a.evaluate(MIN, Some(3.0)), AlertState::Pending { since: 0 });
    // 2 minutes of breach: fires.
    assert_eq!(
        a.evaluate(2 * MIN, Some(2.1)),
        AlertState::Firing { since: 2 * MIN }
    );
    assert_eq!(
        a.evaluate(3 * MIN, Some(2.2)),
        AlertState::Firing { since: 2 * MIN }
    );
    assert_eq!(
        a.evaluate(4 * MIN, Some(1.0)),
        AlertState::Resolved { at: 4 * MIN }
    );
    assert_eq!(
        a.evaluate(5 * MIN, Some(2.5)),
        AlertState::Pending { since: 5 * MIN }
    );
    // A dip below the threshold while pending starts over.
    assert_eq!(a.evaluate(6 * MIN, Some(2.0)), AlertState::Inactive);
    assert_eq!(a.last_value, Some(2.0));
}

#[test]
fn missing_data_never_fires() {
    let mut a = eval("HighLatency");
    assert_eq!(a.evaluate(0, Some(5.0)), AlertState::Pending { since: 0 });
    for t in 1..=10 {
        assert_eq!(a.evaluate(t * MIN, None), AlertState::Pending { since: 0 });
        assert_eq!(a.paused, Some("no data"));
    }
    assert_eq!(
        a.evaluate(11 * MIN, Some(f64::NAN)),
        AlertState::Pending { since: 0 }
    );
    assert_eq!(a.paused, Some("value is NaN"));
    let mut idle = eval("NPUMemoryHighUsage");
    assert_eq!(idle.evaluate(0, None), AlertState::Inactive);
    assert_eq!(idle.evaluate(10 * MIN, None), AlertState::Inactive);
    // Time going backwards changes nothing.
    let mut b = eval("HighLatency");
    b.evaluate(5 * MIN, Some(1.0));
    assert_eq!(b.evaluate(MIN, Some(9.0)), AlertState::Inactive);
    assert_eq!(b.paused, Some("event time went backwards"));
}

#[test]
fn restarts_and_npu_memory_from_the_store() {
    let rules = load(None).expect("rules");
    let mut m = MetricStore::default();
    let l = BTreeMap::from([
        ("namespace".to_string(), "ai-production".to_string()),
        ("pod".to_string(), "ascend-inference-v2-a".to_string()),
    ]);
    // Restarts 0 -> 5 within 15 minutes: +5 > 3.
    for (i, v) in [0.0, 1.0, 2.0, 3.0, 5.0].into_iter().enumerate() {
        m.push(
            "kube_pod_container_status_restarts_total",
            &l,
            i as i64 * 3 * MIN,
            v,
        );
        m.push(
            "ascend_npu_memory_usage_percent",
            &l,
            i as i64 * 3 * MIN,
            80.0 + i as f64 * 2.5,
        );
    }
    let sel = Selector::all().eq("namespace", "ai-production");
    let now = 12 * MIN;
    let crash = rule(&rules, "PodCrashLooping");
    // Window (-3 m, 12 m] holds all five samples: 5 - 0 = 5.
    assert_eq!(rule_value(crash, &m, Server::Generic, &sel, now), Ok(5.0));
    let npu = rule(&rules, "NPUMemoryHighUsage");
    // Latest value 80 + 4 * 2.5 = 90.
    assert_eq!(rule_value(npu, &m, Server::Generic, &sel, now), Ok(90.0));
    let err = rule(&rules, "HighModelErrorRate");
    let missing = rule_value(err, &m, Server::Generic, &sel, now);
    assert_eq!(missing, Err("no such series"));
    let mut a = AlertEval::new(err);
    assert_eq!(a.evaluate_why(now, missing), AlertState::Inactive);
    assert_eq!(a.paused, Some("no such series"));
}
