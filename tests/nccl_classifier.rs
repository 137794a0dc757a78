//! The classifier against real logs (tests/fixtures/logs, see SOURCES.md) and against the real
//! failure lines quoted in the research notes, one table row per signature id.

use std::collections::BTreeSet;
use std::path::Path;

use aicockpit::domain::severity::Severity;
use aicockpit::settings::signatures::Signatures;
use aicockpit::training::derive::nccl::{SignatureHit, classify_text};

fn sigs() -> Signatures {
    Signatures::builtin().expect("built-in signatures load")
}

fn fixture(name: &str) -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/logs")
        .join(name);
    let bytes = std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    String::from_utf8_lossy(&bytes).into_owned()
}

fn scan(name: &str) -> Vec<SignatureHit> {
    classify_text(&sigs(), name, &fixture(name))
}

fn ids(f: &[SignatureHit]) -> BTreeSet<&str> {
    f.iter().map(|f| f.id.as_str()).collect()
}

fn critical_ids(f: &[SignatureHit]) -> BTreeSet<&str> {
    f.iter()
        .filter(|f| f.severity == Severity::Critical)
        .map(|f| f.id.as_str())
        .collect()
}

#[test]
fn duplicate_gpu_log() {
    let f = scan("duplicate-gpu-2ranks.log");
    let crit = critical_ids(&f);
    assert!(crit.contains("nccl.duplicate_gpu"), "{crit:?}");
    assert!(crit.contains("torch.elastic_child_failed"), "{crit:?}");
    // the generic "invalid usage" lines are explained by the specific finding
    assert!(!crit.contains("nccl.invalid_usage"), "{crit:?}");
    let warn_ranks: BTreeSet<Option<u32>> = f
        .iter()
        .filter(|f| f.id == "nccl.duplicate_gpu" && f.excerpt.contains("NCCL WARN"))
        .map(|f| f.rank)
        .collect();
    assert_eq!(warn_ranks, BTreeSet::from([Some(0), Some(1)]));
    let first = f
        .iter()
        .find(|f| f.id == "nccl.duplicate_gpu")
        .expect("duplicate gpu finding");
    assert_eq!(first.fields.get("device").map(String::as_str), Some("60"));
    assert_eq!(
        first.fields.get("nccl_result").map(String::as_str),
        Some("ncclInvalidUsage")
    );
    assert!(
        first
            .fields
            .get("call_chain")
            .is_some_and(|c| c.contains("init.cc:1582 -> 5"))
    );
    assert_eq!(first.timestamp.as_deref(), Some("2026-11-22 10:38:27"));
}

#[test]
fn no_socket_interface_log() {
    let f = scan("no-socket-interface.log");
    let crit = critical_ids(&f);
    assert!(crit.contains("nccl.no_socket_interface"), "{crit:?}");
    assert!(!crit.contains("nccl.invalid_usage"), "{crit:?}");
    let ec = f
        .iter()
        .find(|f| f.id == "torch.elastic_child_failed")
        .expect("elastic");
    assert_eq!(ec.fields.get("exit_code").map(String::as_str), Some("1"));
}

#[test]
fn cuda_oom_log() {
    let f = scan("cuda-oom-torchrun.log");
    let oom = f.iter().find(|f| f.id == "cuda.oom").expect("cuda.oom");
    assert_eq!(oom.rank, Some(0));
    assert_eq!(
        oom.fields.get("tried").map(String::as_str),
        Some("200.00 GiB")
    );
    assert!(ids(&f).contains("nccl.socket_transport"));
}

#[test]
fn cuda_device_side_assert_log() {
    let f = scan("cuda-device-side-assert.log");
    let e = f.iter().find(|f| f.id == "cuda.error").expect("cuda.error");
    assert_eq!(
        e.fields.get("cuda_error").map(String::as_str),
        Some("device-side assert triggered")
    );
    assert!(!ids(&f).contains("cuda.oom"));
}

#[test]
fn xid_logs() {
    let f = scan("dmesg-xid43.txt");
    let x = f.iter().find(|f| f.id == "gpu.xid").expect("xid43");
    assert_eq!(x.fields.get("xid").map(String::as_str), Some("43"));
    assert_eq!(x.fields.get("process").map(String::as_str), Some("python3"));
    assert!(x.fields.contains_key("xid_meaning"));
    let f = scan("nvidia_dmesg_xid79_fallen_off_bus_fragment.txt");
    let x = f.iter().find(|f| f.id == "gpu.xid").expect("xid79");
    assert_eq!(x.fields.get("xid").map(String::as_str), Some("79"));
    assert_eq!(
        x.fields.get("pci").map(String::as_str),
        Some("PCI:0000:ca:00")
    );
}

#[test]
fn hccl_logs() {
    let f = scan("hccl_plog_link_error_no_connect_client_worker1_allreduce.log");
    let l = f
        .iter()
        .find(|f| f.id == "hccl.link_no_connect")
        .expect("link");
    assert_eq!(
        l.fields.get("dest_ip").map(String::as_str),
        Some("124.0.0.21")
    );
    assert_eq!(l.rank, Some(1));
    let f = scan("hccl_plog_link_error_no_connect_server_worker0.log");
    assert!(
        f.iter()
            .any(|f| f.id == "hccl.link_no_connect" && f.rank == Some(0))
    );
    let f = scan("hccl_plog_HcclCommInitRootInfo_socket_recv_timeout.log");
    assert!(
        f.iter()
            .any(|f| f.id == "hccl.socket_timeout" && f.rank == Some(6))
    );
    let f = scan("hccl_device_log_aicpu_notify_wait_task_exception.log");
    let t = f
        .iter()
        .find(|f| f.id == "hccl.task_exception")
        .expect("task");
    assert_eq!(
        t.fields.get("task_type").map(String::as_str),
        Some("NOTIFY WAIT")
    );
    let f = scan("ascend_torch_npu_set_device_failed_E30003.txt");
    let n = f.iter().find(|f| f.id == "npu.runtime_error").expect("npu");
    assert_eq!(
        n.fields.get("npu_error").map(String::as_str),
        Some("507033")
    );
    let f = scan("ascend_plog_hccl_init_and_runtime_sdma_smmu_errors.log");
    assert!(ids(&f).contains("hccl.task_exception"));
}

#[test]
fn nccl_docs_examples() {
    let f = scan("nccl_docs_debug_levels_info_warn_examples.txt");
    assert!(critical_ids(&f).contains("nccl.net_plugin_failed"));
    assert!(ids(&f).contains("nccl.ib_transport"));
    let f = scan("nccl_docs_warn_ibv_create_qp_reg_mr_failed.txt");
    let v: Vec<&str> = f
        .iter()
        .filter_map(|f| f.fields.get("verb").map(String::as_str))
        .collect();
    assert!(v.contains(&"ibv_create_qp"), "{v:?}");
}

#[test]
fn healthy_logs_have_no_critical_finding() {
    for name in [
        "healthy-1rank-info.log",
        "healthy-1rank-subsys.log",
        "aws_p5_fsdp_llama3_torchrun_efa_healthy_fragment.txt",
    ] {
        let f = scan(name);
        assert!(
            critical_ids(&f).is_empty(),
            "{name}: {:?}",
            critical_ids(&f)
        );
        assert!(f.iter().all(|f| f.severity != Severity::Warning), "{name}");
    }
    for name in ["healthy-1rank-info.log", "healthy-1rank-subsys.log"] {
        let f = scan(name);
        assert!(ids(&f).contains("nccl.socket_transport"), "{name}");
        assert!(!ids(&f).contains("nccl.ib_transport"), "{name}");
    }
}

#[test]
fn repeated_lines_merge_within_the_window_and_repeat_after_it() {
    // The scanner replays lines it has seen before without the regexes; the result must be
    // what the full path gives: merged within a rule's window, counted as repeats after it.
    let ib = "h:1:1 [0] NCCL INFO NET/IB : Using [0]mlx5_0:1/IB ; OOB eth0:10.0.0.1<0>";
    let mut text = format!("{ib}\n{ib}\n{ib}\n");
    for i in 0..2000 {
        text.push_str(&format!("step {i}\n"));
    }
    text.push_str(ib);
    text.push('\n');
    text.push_str(ib);
    text.push('\n');
    let f = classify_text(&sigs(), "x", &text);
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0].id, "nccl.ib_transport");
    assert_eq!(f[0].line_no, 1);
    assert_eq!(f[0].fields.get("repeats").map(String::as_str), Some("1"));
    assert_eq!(
        f[0].fields.get("last_line").map(String::as_str),
        Some("2004")
    );
    assert_eq!(
        f[0].fields.get("ib_dev").map(String::as_str),
        Some("mlx5_0:1/IB")
    );
}
