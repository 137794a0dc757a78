//! Tests of `signatures`.

use super::*;

#[test]
fn builtin_loads_and_user_rule_replaces() {
    let s = Signatures::builtin().expect("builtin");
    assert!(s.rule("nccl.duplicate_gpu").is_some());
    let user = "[[rule]]\nid = \"nccl.duplicate_gpu\"\nseverity = \"warning\"\npatterns = ['dup']\n\n[[rule]]\nid = \"site.custom\"\nseverity = \"info\"\npatterns = ['hello (?P<who>\\w+)']\n";
    let s2 = Signatures::load([("my.toml", user)]).expect("user");
    let r = s2.rule("nccl.duplicate_gpu").expect("replaced");
    assert_eq!(r.severity, Severity::Warning);
    assert_eq!(r.origin, "my.toml");
    assert_eq!(
        s2.rule("site.custom").map(|r| r.fields.clone()),
        Some(vec!["who".into()])
    );
    assert_eq!(s2.rules().len(), s.rules().len() + 1);
}

#[test]
fn builtin_rules_all_have_prefilter_literals() {
    let s = Signatures::builtin().expect("builtin");
    let n = s.prefilter.as_ref().map(AhoCorasick::patterns_len);
    assert!(
        n.is_some_and(|n| n <= 64),
        "{n:?} literals: keep <= 64 for the SIMD search"
    );
    assert!(
        s.matching("vm:1:1 [0] NCCL INFO Channel 00/64 : 0")
            .is_empty()
    );
    // a user rule without literals turns the prefilter off and still matches
    let user = "[[rule]]\nid = \"site.x\"\nseverity = \"info\"\npatterns = ['Channel 00']\n";
    let s2 = Signatures::load([("u.toml", user)]).expect("user");
    assert!(s2.prefilter.is_none());
    assert_eq!(
        s2.matching("vm:1:1 [0] NCCL INFO Channel 00/64 : 0").len(),
        1
    );
}

#[test]
fn validation_errors_name_file_and_rule() {
    let bad = "[[rule]]\nid = \"x.y\"\nseverity = \"critical\"\npatterns = ['(unclosed']\n";
    let e = Signatures::load([("extra.toml", bad)]).expect_err("bad regex");
    assert_eq!(
        (e.origin.as_str(), e.rule.as_deref()),
        ("extra.toml", Some("x.y"))
    );
    assert!(
        e.to_string()
            .starts_with("extra.toml: rule `x.y`: pattern 1")
    );
    let bad = "[[rule]]\nid = \"x.y\"\nseverity = \"critical\"\npatterns = ['a']\noverrides = ['no.such']\n";
    let e = Signatures::load([("extra.toml", bad)]).expect_err("unknown override");
    assert!(e.message.contains("no.such"));
    let bad = "[[rule]]\nid = \"x.y\"\nseverity = \"fatal\"\npatterns = ['a']\n";
    assert!(Signatures::load([("e.toml", bad)]).is_err());
    let bad = "[[rule]]\nid = \"x.y\"\nseverity = \"info\"\npatterns = ['a']\nfields = ['nope']\n";
    let e = Signatures::load([("e.toml", bad)]).expect_err("unknown field");
    assert!(e.message.contains("nope"));
}

#[test]
fn specific_rules_override_generic_ones_on_a_line() {
    let s = Signatures::builtin().expect("builtin");
    let line = "NCCL WARN Cuda failure 'out of memory'";
    let ids: Vec<&str> = s
        .matching(line)
        .keys()
        .map(|&r| s.rules()[r].id.as_str())
        .collect();
    assert_eq!(ids, vec!["nccl.cuda_oom"]);
}
