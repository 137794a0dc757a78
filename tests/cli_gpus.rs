//! `aicockpit gpus --once`: on a machine without NVML it says why and exits 3; with NVML it
//! lists the devices and exits 0. Either way it never panics, in text or JSON.

use std::process::Command;

fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_aicockpit"))
        .args(args)
        .output()
        .expect("run aicockpit");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn gpus_once_text_reports_devices_or_why_not() {
    let (code, out, err) = run(&["gpus", "--once"]);
    assert!(!err.contains("panicked"), "{err}");
    match code {
        3 => assert!(
            out.starts_with("unavailable: NVML not available: "),
            "{out}"
        ),
        0 => assert!(
            out.starts_with("driver ") && out.contains("device(s)"),
            "{out}"
        ),
        other => panic!("unexpected exit {other}: {out}{err}"),
    }
}

#[test]
fn gpus_once_json_is_one_document() {
    let (code, out, err) = run(&["gpus", "--once", "--format", "json"]);
    assert!(!err.contains("panicked"), "{err}");
    let v: serde_json::Value = serde_json::from_str(out.trim()).expect("valid JSON");
    match code {
        3 => {
            assert_eq!(v["available"], false);
            assert!(
                v["reason"]
                    .as_str()
                    .is_some_and(|r| r.starts_with("NVML not available: ")),
                "{v}"
            );
        }
        0 => {
            assert_eq!(v["available"], true);
            assert!(v["devices"].is_array(), "{v}");
        }
        other => panic!("unexpected exit {other}: {out}{err}"),
    }
}

#[test]
fn gpus_rejects_an_unknown_format() {
    let (code, _, err) = run(&["gpus", "--once", "--format", "yaml"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("yaml"), "{err}");
}
