//! Decoders for the numeric codes found in collective-communication logs: NCCL's `ncclResult_t`
//! (the `-> N` return chains and "NCCL error" lines), InfiniBand verbs completion status
//! (`ibv_wc_status`, "NET/IB : Got completion ... status=N") and the common NVIDIA XID numbers.

/// Name and meaning of an `ncclResult_t` value (`src/nccl.h.in`).
pub fn nccl_result(code: u32) -> Option<(&'static str, &'static str)> {
    Some(match code {
        0 => ("ncclSuccess", "no error"),
        1 => ("ncclUnhandledCudaError", "a call to a CUDA function failed"),
        2 => (
            "ncclSystemError",
            "a system call (socket, malloc, ...) or external library call failed, or a device error",
        ),
        3 => (
            "ncclInternalError",
            "an internal NCCL check failed (NCCL bug or memory corruption)",
        ),
        4 => (
            "ncclInvalidArgument",
            "an argument to an NCCL call is invalid",
        ),
        5 => (
            "ncclInvalidUsage",
            "the NCCL library is used incorrectly (configuration or programming error)",
        ),
        6 => (
            "ncclRemoteError",
            "a remote process exited or there was a network error",
        ),
        7 => (
            "ncclInProgress",
            "a non-blocking operation is still in progress",
        ),
        8 => ("ncclTimeout", "an operation timed out"),
        _ => return None,
    })
}

/// Name and meaning of an InfiniBand completion status (`enum ibv_wc_status`).
pub fn ibv_wc_status(code: u32) -> Option<(&'static str, &'static str)> {
    Some(match code {
        0 => ("IBV_WC_SUCCESS", "success"),
        1 => ("IBV_WC_LOC_LEN_ERR", "local length error"),
        2 => ("IBV_WC_LOC_QP_OP_ERR", "local queue-pair operation error"),
        3 => ("IBV_WC_LOC_EEC_OP_ERR", "local EE context operation error"),
        4 => (
            "IBV_WC_LOC_PROT_ERR",
            "local protection error: the buffer is not registered for this access (often PCI ACS breaking GPUDirect RDMA; try NCCL_NET_GDR_LEVEL=0 to confirm)",
        ),
        5 => (
            "IBV_WC_WR_FLUSH_ERR",
            "work request flushed because the queue pair went to the error state (often a consequence of an earlier error; NICs on the same host that cannot talk to each other)",
        ),
        6 => ("IBV_WC_MW_BIND_ERR", "memory window bind error"),
        7 => ("IBV_WC_BAD_RESP_ERR", "bad response error"),
        8 => ("IBV_WC_LOC_ACCESS_ERR", "local access error"),
        9 => ("IBV_WC_REM_INV_REQ_ERR", "remote invalid request error"),
        10 => ("IBV_WC_REM_ACCESS_ERR", "remote access error"),
        11 => ("IBV_WC_REM_OP_ERR", "remote operation error"),
        12 => (
            "IBV_WC_RETRY_EXC_ERR",
            "transport retry counter exceeded: the peer did not acknowledge (link down, peer dead, congestion; NCCL_IB_TIMEOUT too short, default 20)",
        ),
        13 => (
            "IBV_WC_RNR_RETRY_EXC_ERR",
            "receiver-not-ready retry counter exceeded: the peer had no receive posted",
        ),
        14 => ("IBV_WC_LOC_RDD_VIOL_ERR", "local RDD violation"),
        15 => ("IBV_WC_REM_INV_RD_REQ_ERR", "remote invalid RD request"),
        16 => ("IBV_WC_REM_ABORT_ERR", "remote aborted"),
        17 => ("IBV_WC_INV_EECN_ERR", "invalid EE context number"),
        18 => ("IBV_WC_INV_EEC_STATE_ERR", "invalid EE context state"),
        19 => ("IBV_WC_FATAL_ERR", "fatal error"),
        20 => ("IBV_WC_RESP_TIMEOUT_ERR", "response timeout"),
        21 => ("IBV_WC_GENERAL_ERR", "general error"),
        _ => return None,
    })
}

/// Short meaning of common NVIDIA XID error numbers (NVIDIA XID catalogue).
pub fn xid(code: u32) -> Option<&'static str> {
    Some(match code {
        13 => "graphics engine exception (often an application fault, e.g. out-of-range access)",
        31 => "GPU memory page fault (usually an application illegal memory access)",
        32 => "invalid or corrupted push buffer stream",
        38 => "driver firmware error",
        43 => "GPU stopped processing: a user application faulted (the GPU itself is usually fine)",
        44 => "graphics engine fault during context switch",
        45 => "preemptive cleanup after a previous error (process killed or reset)",
        48 => "double-bit ECC error (uncorrectable memory error): drain the node and reset the GPU",
        56 => "display engine error",
        61 => "internal micro-controller breakpoint / warning",
        62 => "internal micro-controller halt",
        63 => "ECC page retirement or row remapping recorded",
        64 => "ECC page retirement or row remapping failure",
        68 => "video processor exception",
        69 => "graphics engine class error",
        74 => "NVLink error: check the links (nvidia-smi nvlink -s) and the fabric",
        79 => {
            "GPU has fallen off the bus: hardware, power or PCIe problem; the node needs attention"
        }
        92 => "high single-bit ECC error rate",
        94 => "contained ECC error: the affected application must restart",
        95 => "uncontained ECC error: all applications on the GPU are affected; reset the GPU",
        109 => "context switch timeout",
        119 => "GSP RPC timeout: GPU firmware stopped responding; reset the GPU",
        120 => "GSP error",
        121 => "C2C link error",
        140 => "unrecovered ECC error",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_known_codes() {
        assert_eq!(nccl_result(5).map(|r| r.0), Some("ncclInvalidUsage"));
        assert_eq!(nccl_result(7).map(|r| r.0), Some("ncclInProgress"));
        assert_eq!(nccl_result(99), None);
        assert_eq!(ibv_wc_status(12).map(|r| r.0), Some("IBV_WC_RETRY_EXC_ERR"));
        assert_eq!(
            ibv_wc_status(13).map(|r| r.0),
            Some("IBV_WC_RNR_RETRY_EXC_ERR")
        );
        assert!(xid(79).is_some_and(|m| m.contains("fallen off the bus")));
    }
}
