//! The playbook validator and loader: the built-in set is valid and covers every signature id
//! and every leaf of the reference decision tree (seeds/004 §3.2, named in the files' `# source:`
//! comments); broken playbooks are rejected with errors naming file and step; user playbooks
//! from the config directory are merged.

use aicockpit::settings::playbooks::model::Risk;
use aicockpit::settings::playbooks::spec::ProbeSpec;
use aicockpit::settings::playbooks::validate::Known;
use aicockpit::settings::playbooks::{Playbooks, join};
use aicockpit::settings::rules::Rules;
use aicockpit::shell::settings_files;

fn builtin() -> &'static Rules {
    Rules::builtin().expect("built-in rule data")
}

fn errors(text: &str) -> String {
    let b = builtin();
    let known = Known {
        signatures: &b.signatures,
        alerts: &b.alerts,
    };
    match Playbooks::from_texts([("user.toml".to_string(), text)], &known) {
        Ok(_) => String::new(),
        Err(e) => join(&e),
    }
}

const GOOD: &str = r#"
[[playbook]]
id = "t"
title = "t"
category = "test"
entry = "a"

[[playbook.steps]]
id = "a"
question = "q?"
probe = { kind = "log_signature", ids = ["cuda.oom"] }
yes = "c"
no = "ok"

[[playbook.conclusions]]
id = "c"
root_cause = "r {pod}"
severity = "warning"

[[playbook.conclusions.fixes]]
title = "f"
command = "kubectl -n {ns} delete pod {pod}"
risk = "medium"
rollback = "none"
mutates = true
"#;

#[test]
fn builtin_playbooks_are_valid() {
    let p = &builtin().playbooks;
    assert!(p.list.len() >= 40, "{} playbooks", p.list.len());
    for pb in &p.list {
        assert!(pb.origin.starts_with("builtin:"), "{}", pb.origin);
    }
}

#[test]
fn a_good_playbook_loads() {
    assert_eq!(errors(GOOD), "");
}

#[test]
fn every_signature_id_has_a_path() {
    let p = &builtin().playbooks;
    let sigs = &builtin().signatures;
    for r in sigs.rules() {
        let covered = p.list.iter().any(|pb| {
            pb.steps.iter().any(
                |s| matches!(&s.probe, ProbeSpec::LogSignature { ids, .. } if ids.contains(&r.id)),
            )
        });
        assert!(covered, "no playbook path for signature {}", r.id);
    }
}

/// The sources named by the `# source:` comment right above each `[[playbook.conclusions]]` of
/// the built-in files, one entry per reference (`seeds/004 §3.2 C4, C1` gives both leaves).
fn conclusion_sources() -> Vec<String> {
    let mut out = Vec::new();
    for (_, text) in aicockpit::settings::playbooks::BUILTIN {
        let lines: Vec<&str> = text.lines().collect();
        for (i, l) in lines.iter().enumerate() {
            if *l != "[[playbook.conclusions]]" {
                continue;
            }
            let Some(src) = lines[..i]
                .iter()
                .rev()
                .take_while(|l| l.starts_with('#'))
                .find_map(|l| l.strip_prefix("# source:"))
            else {
                continue;
            };
            for r in src.split(';') {
                let r = r.trim();
                let (doc, rest) = r.split_once(' ').unwrap_or((r, ""));
                let (section, leaves) = rest.rsplit_once(' ').unwrap_or(("", rest));
                for leaf in leaves.split(',') {
                    out.push(format!("{doc} {section} {}", leaf.trim()));
                }
            }
        }
    }
    out
}

#[test]
fn the_reference_tree_has_four_branches_and_sixteen_leaves() {
    let sources = conclusion_sources();
    // Each leaf of seeds/004 §3.2 is named by the source comment of a conclusion.
    for leaf in [
        "A1", "A2", "A3", "A4", "B1", "B2", "B3", "B4", "C1", "C2", "C3", "C4", "D1", "D2", "D3",
        "D4",
    ] {
        let found = sources
            .iter()
            .any(|r| r.starts_with("seeds/004 §3.2") && r.ends_with(&format!(" {leaf}")));
        assert!(
            found,
            "no conclusion for seeds/004 leaf {leaf}: {sources:?}"
        );
    }
}

#[test]
fn driver_changes_are_high_risk_and_read_only_fixes_do_not_mutate() {
    let p = &builtin().playbooks;
    for c in p.list.iter().flat_map(|pb| &pb.conclusions) {
        for f in &c.fixes {
            if f.title.to_lowercase().contains("driver update") {
                assert_eq!(f.risk, Risk::High, "{}", f.title);
            }
            if f.rollback == "read-only" {
                assert!(!f.mutates && f.risk == Risk::Low, "{}: {}", c.id, f.title);
            }
        }
    }
}

#[test]
fn broken_playbooks_name_file_and_step() {
    let e = errors(&GOOD.replace("yes = \"c\"", "yes = \"nowhere\""));
    assert!(
        e.contains("user.toml") && e.contains("step \"a\"") && e.contains("nowhere"),
        "{e}"
    );
    assert!(e.contains("conclusion \"c\" is not reachable"), "{e}");

    let e = errors(&GOOD.replace("cuda.oom", "cuda.nope"));
    assert!(
        e.contains("step \"a\"") && e.contains("unknown signature id"),
        "{e}"
    );

    let e = errors(&GOOD.replace("{pod}\"\nrisk", "{podd}\"\nrisk"));
    assert!(e.contains("unknown placeholder {podd}"), "{e}");

    let e = errors(&GOOD.replace("kind = \"log_signature\"", "kind = \"shell\""));
    assert!(e.contains("user.toml") && e.contains("shell"), "{e}");

    // Failure types are a closed set: a class with no MTTR target is an error, not a silence.
    let e = errors(&GOOD.replace(
        "severity = \"warning\"",
        "severity = \"warning\"\nfailure_type = \"oom\"",
    ));
    assert!(e.contains("user.toml") && e.contains("oom"), "{e}");
    let fine = GOOD.replace(
        "severity = \"warning\"",
        "severity = \"warning\"\nfailure_type = \"inference-latency\"",
    );
    assert_eq!(errors(&fine), "");

    let cyc = GOOD.replace("no = \"ok\"", "no = \"b\"")
        + r#"
[[playbook.steps]]
id = "b"
question = "again?"
probe = { kind = "metric", name = "x", op = ">", threshold = 1.0, window_s = 60 }
yes = "a"
no = "ok"
"#;
    let e = errors(&cyc);
    assert!(e.contains("cycle") && e.contains("step \"b\""), "{e}");

    let e = errors(&GOOD.replace("window_s", "w").replace(
        "kind = \"log_signature\", ids = [\"cuda.oom\"]",
        "kind = \"metric\", name = \"x\", op = \">\", threshold = 1.0, window_s = 0",
    ));
    assert!(e.contains("window_s 0"), "{e}");
}

#[test]
fn user_playbooks_are_merged_from_the_config_dir() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(dir.path().join("playbooks")).expect("mkdir");
    std::fs::write(dir.path().join("playbooks/mine.toml"), GOOD).expect("write");
    let load = || settings_files::rules(Some(dir.path())).map(|r| r.playbooks);
    let p = load().expect("loads");
    assert!(p.get("t").is_some());
    assert!(p.get("nccl-transport").is_some());
    // A user file with the id of a built-in replaces it.
    let over = GOOD
        .replace("id = \"t\"", "id = \"gpu-xid\"")
        .replace("id = \"c\"", "id = \"c2\"")
        .replace("yes = \"c\"", "yes = \"c2\"");
    std::fs::write(dir.path().join("playbooks/over.toml"), over).expect("write");
    let p = load().expect("loads");
    let x = p.get("gpu-xid").expect("present");
    assert!(x.origin.ends_with("over.toml"), "{}", x.origin);
    // A broken user file is an error naming it.
    std::fs::write(
        dir.path().join("playbooks/bad.toml"),
        "[[playbook]]\nid = 3",
    )
    .expect("write");
    let e = load().expect_err("broken").to_string();
    assert!(e.contains("bad.toml"), "{e}");
}

#[test]
fn serving_probes_are_checked() {
    let alert = |rule: &str| {
        GOOD.replace(
            "kind = \"log_signature\", ids = [\"cuda.oom\"]",
            &format!("kind = \"serving_alert\", rule = \"{rule}\""),
        )
    };
    assert_eq!(errors(&alert("EndpointErrorObjective")), "");
    let e = errors(&alert("NoSuchRule"));
    assert!(
        e.contains("step \"a\"") && e.contains("unknown alert rule \"NoSuchRule\""),
        "{e}"
    );
    let e = errors(&GOOD.replace(
        "kind = \"log_signature\", ids = [\"cuda.oom\"]",
        "kind = \"rollout\", within_s = 0",
    ));
    assert!(e.contains("rollout within_s 0"), "{e}");
    let hpa = GOOD.replace(
        "kind = \"log_signature\", ids = [\"cuda.oom\"]",
        "kind = \"hpa_at_max\"",
    );
    assert_eq!(errors(&hpa), "");
}
