//! One row per signature id: a real failure line (quoted in the research notes with its public
//! source, or taken from the fixtures) and the id and fields the classifier must produce.
//! Also checks that every id of the shared SIGNATURES.md exists in the rule file.

use std::collections::BTreeSet;

use aicockpit::domain::severity::Severity;
use aicockpit::settings::signatures::Signatures;
use aicockpit::training::derive::nccl::classify_text;

const SIGNATURE_IDS: &[&str] = &[
    "nccl.watchdog_timeout",
    "nccl.connection_refused",
    "nccl.peer_closed",
    "nccl.remote_error",
    "nccl.unhandled_system_error",
    "nccl.unhandled_cuda_error",
    "nccl.cuda_oom",
    "nccl.internal_error",
    "nccl.invalid_usage",
    "nccl.duplicate_gpu",
    "nccl.no_socket_interface",
    "nccl.net_plugin_failed",
    "nccl.ib_retry_exceeded",
    "nccl.ib_local_protection",
    "nccl.ib_wr_flush",
    "nccl.ib_async_event",
    "nccl.shm_exhausted",
    "nccl.bootstrap_duplicate_rank",
    "nccl.message_truncated",
    "nccl.socket_transport",
    "nccl.ib_transport",
    "torch.store_unreachable",
    "torch.elastic_child_failed",
    "cuda.oom",
    "cuda.error",
    "gpu.xid",
    "hccl.link_no_connect",
    "hccl.socket_timeout",
    "hccl.cqe_error",
    "hccl.task_exception",
    "npu.runtime_error",
    "data.loading_slow",
];

/// (field, value) pairs a finding must carry.
type Fields = &'static [(&'static str, &'static str)];

/// (line, expected id, expected fields)
const TABLE: &[(&str, &str, Fields)] = &[
    (
        "[rank0]:[E321 02:07:08.408271257 ProcessGroupNCCL.cpp:607] [Rank 0] Watchdog caught collective operation timeout: WorkNCCL(SeqNum=2, OpType=ALLREDUCE, NumelIn=1, NumelOut=1, Timeout(ms)=600000) ran for 600060 milliseconds before timing out.",
        "nccl.watchdog_timeout",
        &[
            ("seq", "2"),
            ("op", "ALLREDUCE"),
            ("timeout_ms", "600000"),
            ("ran_for_ms", "600060"),
        ],
    ),
    (
        "[rank0]:[E321 02:07:08.408633271 ProcessGroupNCCL.cpp:1664] [PG ID 0 PG GUID 0(default_pg) Rank 0] Exception (either an error or timeout) detected by watchdog at work: 2, last enqueued NCCL work: 2, last completed NCCL work: 1.",
        "nccl.watchdog_timeout",
        &[("last_enqueued", "2"), ("last_completed", "1")],
    ),
    (
        "ubuntu:39964:40075 [0] misc/socket.cc:483 NCCL WARN Connect to 10.0.0.2<45678> failed : Connection refused",
        "nccl.connection_refused",
        &[("peer", "10.0.0.2"), ("port", "45678")],
    ),
    (
        "host:1:2 [0] NCCL INFO Call to connect returned Connection refused, retrying",
        "nccl.connection_refused",
        &[],
    ),
    (
        "ubuntu:39964:40075 [0] misc/socket.cc:483 NCCL WARN socketStartConnect: Connect to 10.0.0.3<40123> failed : Software caused connection abort",
        "nccl.peer_closed",
        &[("peer", "10.0.0.3")],
    ),
    (
        "node-2:12:40 [1] misc/socket.cc:50 NCCL WARN socketProgress: Connection closed by remote peer 10.1.2.3<35932>",
        "nccl.peer_closed",
        &[("peer", "10.1.2.3"), ("port", "35932")],
    ),
    (
        "node-2:12:40 [1] proxy.cc:1386 NCCL WARN [Proxy Service 3] Failed to execute operation Connect from rank 3, retcode 2",
        "nccl.peer_closed",
        &[
            ("from_rank", "3"),
            ("nccl_code", "2"),
            ("nccl_result", "ncclSystemError"),
        ],
    ),
    (
        "torch.distributed.DistBackendError: NCCL error: remote process exited or there was a network error, NCCL version 2.21.5",
        "nccl.remote_error",
        &[("nccl_version", "2.21.5")],
    ),
    (
        "RuntimeError: NCCL error in: ../torch/csrc/distributed/c10d/ProcessGroupNCCL.cpp:1269, unhandled system error, NCCL version 2.14.3",
        "nccl.unhandled_system_error",
        &[("nccl_version", "2.14.3")],
    ),
    (
        "ncclSystemError: System call (e.g. socket, malloc) or external library call failed or device error.",
        "nccl.unhandled_system_error",
        &[],
    ),
    (
        "unhandled cuda error (run with NCCL_DEBUG=INFO for details)",
        "nccl.unhandled_cuda_error",
        &[],
    ),
    (
        "node:1:1 [0] enqueue.cc:100 NCCL WARN Cuda failure 'invalid device ordinal'",
        "nccl.unhandled_cuda_error",
        &[("cuda_error", "invalid device ordinal")],
    ),
    (
        "node:1:1 [0] alloc.h:150 NCCL WARN Cuda failure 'out of memory'",
        "nccl.cuda_oom",
        &[],
    ),
    (
        "node:1:1 [0] alloc.h:150 NCCL WARN Failed to CUDA calloc 6291456 bytes",
        "nccl.cuda_oom",
        &[("bytes", "6291456")],
    ),
    (
        "internal error - please report this issue to the NCCL developers",
        "nccl.internal_error",
        &[],
    ),
    (
        "torch.distributed.DistBackendError: NCCL error in: x.cpp:93, invalid usage (run with NCCL_DEBUG=WARN for details), NCCL version 2.28.9",
        "nccl.invalid_usage",
        &[("nccl_version", "2.28.9")],
    ),
    (
        "[2026-11-22 10:38:27] vm:623:623 [0] init.cc:904 NCCL WARN Duplicate GPU detected : rank 1 and rank 0 both on CUDA device 2000",
        "nccl.duplicate_gpu",
        &[("device", "2000"), ("rank_a", "1")],
    ),
    (
        "[2026-11-22 10:38:37] vm:665:665 [0] bootstrap.cc:114 NCCL WARN Bootstrap : no socket interface found",
        "nccl.no_socket_interface",
        &[],
    ),
    (
        "host:1:1 [0] NCCL WARN ncclSocketInit: connecting to address with family 0 is neither AF_INET(2) nor AF_INET6(10)",
        "nccl.no_socket_interface",
        &[],
    ),
    (
        "[2026-05-05 06:16:47] node-01:189884:189884 [3] plugin/net.cc:334 NCCL WARN Failed to initialize any NET plugin",
        "nccl.net_plugin_failed",
        &[],
    ),
    (
        "gpu-1:77:90 [2] transport/net_ib.cc:1696 NCCL WARN NET/IB : Got completion from peer 10.0.0.2<45678> with status=12 opcode=0 len=0 vendor err 129 (Send)",
        "nccl.ib_retry_exceeded",
        &[
            ("ib_status", "12"),
            ("ib_status_name", "IBV_WC_RETRY_EXC_ERR"),
            ("vendor_err", "129"),
            ("peer", "10.0.0.2"),
        ],
    ),
    (
        "gpu-1:77:90 [2] NCCL WARN NET/IB : Got completion from peer 10.0.0.2<45678> with error 12, opcode 0, len 0, vendor err 129",
        "nccl.ib_retry_exceeded",
        &[("ib_status", "12")],
    ),
    (
        "gpu-1:77:90 [2] NCCL WARN NET/IB : Got completion from peer 10.1.1.1<38005> with error 4, opcode 0, len 0, vendor err 81",
        "nccl.ib_local_protection",
        &[
            ("ib_status", "4"),
            ("ib_status_name", "IBV_WC_LOC_PROT_ERR"),
            ("vendor_err", "81"),
        ],
    ),
    (
        "gpu-1:77:90 [2] NCCL WARN NET/IB : Got completion from peer 10.1.1.1<38005> with status=5 opcode=1 len=0 vendor err 249 (Recv)",
        "nccl.ib_wr_flush",
        &[("ib_status_name", "IBV_WC_WR_FLUSH_ERR")],
    ),
    (
        "gpu-1:77:80 [0] NCCL WARN NET/IB : mlx5_0:1 async fatal event: port error",
        "nccl.ib_async_event",
        &[("ib_dev", "mlx5_0"), ("ib_port", "1")],
    ),
    (
        "gpu-1:77:80 [0] NCCL WARN NET/IB : mlx5_1:1 GID table changed",
        "nccl.ib_async_event",
        &[],
    ),
    (
        "ubuntu:39964:40075 [0] misc/shmutils.cc:70 NCCL WARN Error: failed to extend /dev/shm/nccl-Hnp2Ng to 9637892 bytes",
        "nccl.shm_exhausted",
        &[("shm_path", "/dev/shm/nccl-Hnp2Ng"), ("bytes", "9637892")],
    ),
    (
        "ubuntu:39964:40075 [0] NCCL WARN Error while creating shared memory segment /dev/shm/nccl-Hnp2Ng (size 9637888)",
        "nccl.shm_exhausted",
        &[],
    ),
    (
        "node:1:1 [0] bootstrap.cc:150 NCCL WARN Bootstrap Root : rank 1 of 8 ranks has already checked in",
        "nccl.bootstrap_duplicate_rank",
        &[("dup_rank", "1"), ("nranks", "8")],
    ),
    (
        "node:1:1 [0] bootstrap.cc:224 NCCL WARN Message truncated : received 1024 bytes instead of 256",
        "nccl.message_truncated",
        &[("received", "1024"), ("expected", "256")],
    ),
    (
        "vm:514:514 [0] NCCL INFO Using network Socket",
        "nccl.socket_transport",
        &[],
    ),
    (
        "node-01:3873285:3873285 [0] NCCL INFO Using network IB",
        "nccl.ib_transport",
        &[],
    ),
    (
        "gpu-1:1:1 [0] NCCL INFO NET/IB : Using [0]mlx5_0:1/IB [1]mlx5_1:1/IB ; OOB eth0:10.0.0.1<0>",
        "nccl.ib_transport",
        &[("ib_dev", "mlx5_0:1/IB")],
    ),
    (
        "[W socket.cpp:663] [c10d] The client socket has failed to connect to [master-0]:29500 (errno: 111 - Connection refused).",
        "torch.store_unreachable",
        &[("store", "[master-0]:29500")],
    ),
    (
        "torch.distributed.DistStoreError: Timed out after 901 seconds waiting for clients. 1/2 clients joined.",
        "torch.store_unreachable",
        &[],
    ),
    (
        "E1122 10:38:28.665000 595 torch/distributed/elastic/multiprocessing/api.py:986] failed (exitcode: 1) local_rank: 0 (pid: 622) of binary: /opt/torch/.venv/bin/python",
        "torch.elastic_child_failed",
        &[("exit_code", "1"), ("local_rank", "0"), ("pid", "622")],
    ),
    (
        "torch.distributed.elastic.multiprocessing.errors.ChildFailedError: ",
        "torch.elastic_child_failed",
        &[],
    ),
    (
        "[rank0]: torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 200.00 GiB. GPU 0 has a total capacity of 79.18 GiB of which 78.00 GiB is free.",
        "cuda.oom",
        &[("tried", "200.00 GiB"), ("capacity", "79.18 GiB")],
    ),
    (
        "torch.AcceleratorError: CUDA error: device-side assert triggered",
        "cuda.error",
        &[("cuda_error", "device-side assert triggered")],
    ),
    (
        "RuntimeError: CUDA error: an illegal memory access was encountered",
        "cuda.error",
        &[],
    ),
    (
        "[   31.014961] NVRM: Xid (PCI:0000:00:06): 43, pid=406, name=python3, channel 0x0000000a",
        "gpu.xid",
        &[("xid", "43"), ("pid", "406")],
    ),
    (
        "NVRM: Xid (PCI:0000:ca:00): 79, pid='<unknown>', name=<unknown>, GPU has fallen off the bus.",
        "gpu.xid",
        &[("xid", "79")],
    ),
    (
        "[ERROR] HCCL(26251,python3):2025-01-24-11:24:07.476.916 [comm_base.cc:1018][42715]   |  124.0.0.21(0)   |   124.0.0.11(1)   |  client  | no connect |   ",
        "hccl.link_no_connect",
        &[
            ("dest_ip", "124.0.0.21"),
            ("src_rank", "1"),
            ("role", "client"),
        ],
    ),
    (
        "[ERROR] HCCL(59420,python3):2025-01-24-11:24:07.909.150 [hccl_impl.cc:4011][107626][Create][InnerComm]tag[HcomAllGather_5871863451775290338_0], created commHD fail",
        "hccl.link_no_connect",
        &[],
    ),
    (
        "[ERROR] HCCL(123,python):2024-03-28-10:25:50.589.610 [adapter_hccp.cc:872][123][Recv][RaSocket]errNo[0x0000000005000013] Wait timeout for sockets recv, data[0xffffec55c7bc], size[4], recvSize[0]",
        "hccl.socket_timeout",
        &[("err_no", "0x0000000005000013")],
    ),
    // The form named in SIGNATURES.md; no full public example in the fixtures.
    (
        "[ERROR] HCCL(1,python):2025-01-01-00:00:00.000.000 [heartbeat.cc:1][1][Heartbeat]cqe err status[12]",
        "hccl.cqe_error",
        &[
            ("cqe_status", "12"),
            ("ib_status_name", "IBV_WC_RETRY_EXC_ERR"),
        ],
    ),
    (
        "[ERROR] HCCL(5375,aicpu_scheduler):2025-08-06-23:09:01.834.048 [aicpu_communicator.cc:3083] [5792][TaskException]base information is streamId:149, sqid:153, head:1488, tail:136, type:NOTIFY WAIT, localRank:1, remoteRank:0, taskId:26064",
        "hccl.task_exception",
        &[("task_type", "NOTIFY WAIT"), ("remote_rank", "0")],
    ),
    (
        "E30003: The number of started NN processes exceeds the limit.",
        "npu.runtime_error",
        &[("npu_code", "E30003")],
    ),
    (
        "RuntimeError: Initialize :torch_ npu/csrc/core/npu/sys_ctrl/npu_ sys_ctrl.cpp:133 NPU error, error code is 507033",
        "npu.runtime_error",
        &[("npu_error", "507033")],
    ),
    (
        "dataset loading took 30+ minutes",
        "data.loading_slow",
        &[("took", "30+ minutes")],
    ),
];

#[test]
fn every_row_yields_its_id_and_fields() {
    let sigs = Signatures::builtin().expect("signatures");
    for (line, id, fields) in TABLE {
        let found = classify_text(&sigs, "table", line);
        let f = found
            .iter()
            .find(|f| f.id == *id)
            .unwrap_or_else(|| panic!("{id} not found in {line:?}: {found:?}"));
        for (k, v) in *fields {
            assert_eq!(
                f.fields.get(*k).map(String::as_str),
                Some(*v),
                "{id} field {k} in {line:?}"
            );
        }
        assert_eq!(f.line_no, 1);
        let expected_sev = sigs.rule(id).map(|r| r.severity);
        assert_eq!(Some(f.severity), expected_sev);
    }
}

#[test]
fn every_id_has_a_table_row() {
    let covered: BTreeSet<&str> = TABLE.iter().map(|r| r.1).collect();
    for id in SIGNATURE_IDS {
        assert!(covered.contains(id), "no table row for {id}");
    }
}

#[test]
fn every_listed_id_exists_in_the_rules() {
    let sigs = Signatures::builtin().expect("signatures");
    for id in SIGNATURE_IDS {
        assert!(
            sigs.rule(id).is_some(),
            "{id} missing from assets/signatures.toml"
        );
    }
}

#[test]
fn shared_signatures_md_ids_exist_with_their_severity() {
    // CI and every checkout have the shared folder beside the repository.
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/SIGNATURES.md");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{} must be readable: {e}", path.display()));
    let sigs = Signatures::builtin().expect("signatures");
    let mut n = 0;
    for line in text.lines() {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        let (Some(id), Some(sev)) = (cells.get(1), cells.get(2)) else {
            continue;
        };
        let Some(id) = id.strip_prefix('`').and_then(|s| s.strip_suffix('`')) else {
            continue;
        };
        n += 1;
        let rule = sigs
            .rule(id)
            .unwrap_or_else(|| panic!("{id} from SIGNATURES.md missing in the rules"));
        assert_eq!(rule.severity.as_str(), *sev, "severity of {id}");
        assert!(
            SIGNATURE_IDS.contains(&id),
            "{id} missing from the hard-coded list"
        );
    }
    assert!(
        n >= SIGNATURE_IDS.len(),
        "parsed only {n} ids from SIGNATURES.md"
    );
}

#[test]
fn look_alike_info_lines_are_not_failures() {
    let sigs = Signatures::builtin().expect("signatures");
    for line in [
        "vm:514:514 [0] NCCL INFO Failed to initialize NET plugin IB",
        "vm:514:514 [0] NCCL INFO NET/IB : Using [RO]; OOB eth0:192.0.2.2<0>",
        "vm:514:514 [0] NCCL INFO NET/IB : No device found.",
        "vm:714:714 [0] NCCL INFO comm 0x1d5ae5d0 rank 0 nranks 1 cudaDev 0 busId 60 - Abort COMPLETE",
        "[W1122 10:38:28.331767521 ProcessGroupNCCL.cpp:1575] Warning: WARNING: destroy_process_group() was not called before program exit",
        "E1122 10:38:28.665000 595 torch/distributed/run.py:851] *****",
    ] {
        let f = classify_text(&sigs, "t", line);
        assert!(f.is_empty(), "{line:?} gave {f:?}");
    }
}

#[test]
fn unknown_warn_falls_back_and_collects_the_return_chain() {
    let sigs = Signatures::builtin().expect("signatures");
    let text = "host:7:7 [0] NCCL INFO comm 0x1 rank 3 nranks 4 cudaDev 0 nvmlDev 0 busId 1 commId 0x2 - Init START\n\
                [2026-01-01 00:00:00] host:7:7 [0] foo.cc:1 NCCL WARN something odd\n\
                host:7:7 [0] NCCL INFO foo.cc:2 -> 3\n\
                host:7:7 [0] NCCL INFO bar.cc:9 -> 3 [Async thread]\n";
    let f = classify_text(&sigs, "t", text);
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0].id, "nccl.warn");
    assert_eq!(f[0].severity, Severity::Warning);
    assert_eq!(f[0].rank, Some(3));
    assert_eq!(
        f[0].fields.get("call_chain").map(String::as_str),
        Some("foo.cc:2 -> 3, bar.cc:9 -> 3")
    );
    assert_eq!(
        f[0].fields.get("nccl_result").map(String::as_str),
        Some("ncclInternalError")
    );
}

#[test]
fn identical_repeats_fold_into_one_finding() {
    let sigs = Signatures::builtin().expect("signatures");
    let xid = "NVRM: Xid (PCI:0000:ca:00): 79, pid='<unknown>', name=<unknown>, GPU has fallen off the bus.";
    let other = "NVRM: Xid (PCI:0000:cb:00): 79, pid='<unknown>', name=<unknown>, GPU has fallen off the bus.";
    let text = format!("{xid}\nnoise\n{xid}\n{other}\n{xid}\n");
    let f = classify_text(&sigs, "k", &text);
    assert_eq!(f.len(), 2, "{f:?}");
    assert_eq!(f[0].fields.get("repeats").map(String::as_str), Some("2"));
    assert_eq!(f[0].fields.get("last_line").map(String::as_str), Some("5"));
    assert!(!f[1].fields.contains_key("repeats"));
}
