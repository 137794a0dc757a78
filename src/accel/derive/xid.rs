//! NVIDIA XID errors: number -> meaning, severity and the next thing an on-call engineer should
//! do (names follow dcgm-exporter's `xid_errors.go` table), plus attribution of an XID to the pod
//! on that GPU: the DCGM `pod`/`namespace` labels when present, else the only accelerator pod on
//! the node, else "unknown" with the reason.

use crate::domain::severity::Severity;

/// What one XID means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct XidInfo {
    pub xid: u32,
    pub name: &'static str,
    pub severity: Severity,
    pub action: &'static str,
}

const fn x(xid: u32, name: &'static str, severity: Severity, action: &'static str) -> XidInfo {
    XidInfo {
        xid,
        name,
        severity,
        action,
    }
}

use Severity::{Critical as C, Info as I, Warning as W};

const APP: &str = "usually the application (bad address, illegal instruction): check the job's \
                   logs; if it repeats across different jobs on this GPU, run dcgmi diag -r 2";
const RESET: &str = "drain the node and reset the GPU (nvidia-smi -r) or reboot; \
                     if it comes back, run dcgmi diag -r 3 and open an RMA";
const NVLINK: &str = "check nvidia-smi nvlink -s / -e on the node; drain and reset the GPU; \
                      recurring errors on one link mean hardware (RMA)";

/// The table, sorted by number.
pub const XID_TABLE: &[XidInfo] = &[
    x(13, "Graphics Engine Exception", W, APP),
    x(31, "GPU memory page fault", W, APP),
    x(
        32,
        "Invalid or corrupted push buffer stream",
        C,
        "driver or PCIe corruption: check PCIe errors (DCGM_FI_DEV_PCIE_REPLAY_COUNTER), reset the GPU",
    ),
    x(
        43,
        "GPU stopped processing",
        W,
        "the application's context was stopped: restart the job; recurring across jobs -> reset the GPU",
    ),
    x(
        45,
        "Preemptive cleanup, due to previous errors",
        I,
        "follows another error or a killed process: look for the XID logged before it",
    ),
    x(48, "Double Bit ECC Error", C, RESET),
    x(
        61,
        "Internal micro-controller breakpoint/warning",
        W,
        "watch for XID 62 next; reset the GPU at the next drain window",
    ),
    x(62, "Internal micro-controller halt", C, RESET),
    x(
        63,
        "ECC page retirement or row-remap recording event",
        W,
        "a memory row was retired/remapped: reset the GPU when idle so the remap takes effect",
    ),
    x(
        64,
        "ECC page retirement or row-remap recording failure",
        C,
        "remapping failed: drain the node, reset the GPU, check DCGM_FI_DEV_ROW_REMAP_FAILURE; RMA if it persists",
    ),
    x(
        68,
        "NVDEC0 Exception",
        W,
        "video decoder fault, usually the application: check the job",
    ),
    x(74, "NVLINK Error", C, NVLINK),
    x(
        79,
        "GPU has fallen off the bus",
        C,
        "drain the node and power-cycle it; check PCIe seating, power and temperature; RMA if repeated",
    ),
    x(
        92,
        "High single-bit ECC error rate",
        W,
        "memory is degrading: plan a GPU reset and watch ECC counters",
    ),
    x(
        94,
        "Contained ECC error",
        W,
        "the affected application was stopped; reset the GPU when idle to remap the row",
    ),
    x(
        95,
        "Uncontained ECC error",
        C,
        "every application on the GPU is affected: drain the node and reset the GPU",
    ),
    x(
        109,
        "Context Switch Timeout Error",
        W,
        "application or driver hang: restart the job; recurring -> reset the GPU, update the driver",
    ),
    x(
        119,
        "GSP RPC Timeout",
        C,
        "GPU System Processor stopped answering: drain the node, reset the GPU or reboot; check the driver version",
    ),
    x(
        120,
        "GSP Error",
        C,
        "GPU System Processor error: drain the node, reset the GPU or reboot; check the driver version",
    ),
    x(140, "Unrecovered ECC Error", C, RESET),
    x(
        143,
        "GPU Initialization Failure",
        C,
        "the GPU failed to initialise: reboot the node; RMA if it persists",
    ),
    x(144, "NVLINK SAW Error", C, NVLINK),
    x(145, "NVLINK RLW Error", C, NVLINK),
    x(149, "NVLINK NETIR Error", C, NVLINK),
    x(150, "NVLINK MSE Error", C, NVLINK),
    x(
        154,
        "GPU Recovery Action Changed",
        W,
        "read the recovery action (nvidia-smi -q, 'GPU Recovery Action'): reset or reboot as it says",
    ),
];

/// Look an XID up; `None` for numbers the table does not list.
pub fn lookup(xid: u32) -> Option<&'static XidInfo> {
    XID_TABLE
        .binary_search_by_key(&xid, |i| i.xid)
        .ok()
        .map(|i| &XID_TABLE[i])
}

/// Words for any XID, listed or not.
pub fn describe(xid: u32) -> String {
    match lookup(xid) {
        Some(i) => format!(
            "XID {xid}: {} [{}] - {}",
            i.name,
            i.severity.as_str(),
            i.action
        ),
        None => format!(
            "XID {xid}: not in the table; look it up in NVIDIA's XID catalogue and check the kernel log"
        ),
    }
}

/// Which pod an XID hit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PodAttribution {
    /// From the exporter's `pod` / `namespace` / `container` labels on the GPU's series.
    Labelled {
        namespace: String,
        pod: String,
        container: String,
    },
    /// The only non-terminated accelerator pod on the node.
    OnlyPodOnNode {
        namespace: String,
        pod: String,
    },
    Unknown(String),
}

impl std::fmt::Display for PodAttribution {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PodAttribution::Labelled { namespace, pod, .. } => write!(f, "{namespace}/{pod}"),
            PodAttribution::OnlyPodOnNode { namespace, pod } => {
                write!(f, "{namespace}/{pod} (only accelerator pod on the node)")
            }
            PodAttribution::Unknown(why) => write!(f, "unknown ({why})"),
        }
    }
}

/// Attribute an event on a device to a pod: `labelled` is the (namespace, pod, container) from the
/// device's series; `node_pods` the (namespace, pod) of non-terminated accelerator pods on the node.
pub fn attribute(
    labelled: Option<(&str, &str, &str)>,
    node_pods: &[(String, String)],
) -> PodAttribution {
    if let Some((ns, pod, c)) = labelled
        && !pod.is_empty()
    {
        return PodAttribution::Labelled {
            namespace: ns.to_string(),
            pod: pod.to_string(),
            container: c.to_string(),
        };
    }
    match node_pods {
        [(ns, pod)] => PodAttribution::OnlyPodOnNode {
            namespace: ns.clone(),
            pod: pod.clone(),
        },
        [] => PodAttribution::Unknown("no accelerator pod on the node".to_string()),
        many => PodAttribution::Unknown(format!(
            "{} accelerator pods on the node and the exporter has no pod labels",
            many.len()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_and_unique() {
        assert!(XID_TABLE.windows(2).all(|w| w[0].xid < w[1].xid));
    }

    #[test]
    fn decodes_known_and_unknown() {
        for n in [
            13, 31, 43, 45, 48, 61, 62, 63, 64, 74, 79, 92, 94, 95, 119, 120,
        ] {
            assert!(lookup(n).is_some(), "XID {n} missing");
        }
        assert_eq!(lookup(48).map(|i| i.severity), Some(Severity::Critical));
        assert_eq!(lookup(45).map(|i| i.severity), Some(Severity::Info));
        assert!(lookup(12345).is_none());
        assert!(describe(12345).contains("not in the table"));
        assert!(describe(79).contains("fallen off the bus"));
    }

    #[test]
    fn attribution_prefers_labels_then_single_pod() {
        let one = vec![("ml".to_string(), "train-0".to_string())];
        let two = vec![
            ("ml".to_string(), "a".to_string()),
            ("ml".to_string(), "b".to_string()),
        ];
        assert!(matches!(
            attribute(Some(("ns", "p", "c")), &two),
            PodAttribution::Labelled { .. }
        ));
        assert_eq!(
            attribute(Some(("", "", "")), &one),
            PodAttribution::OnlyPodOnNode {
                namespace: "ml".into(),
                pod: "train-0".into()
            }
        );
        assert!(matches!(attribute(None, &two), PodAttribution::Unknown(_)));
        assert!(matches!(attribute(None, &[]), PodAttribution::Unknown(_)));
    }
}
