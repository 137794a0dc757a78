//! Telemetry join over real exporter samples (dcgm-exporter MIG sample, npu-exporter test
//! output), XID decoding and pod attribution, and threshold "for N minutes" evaluation on
//! device history.

mod common;

use aicockpit::accel::derive::health::HealthFlag;
use aicockpit::accel::derive::inventory::{InventoryConfig, build};
use aicockpit::accel::derive::telemetry::{Field, Telemetry, UtilSource, xid_events};
use aicockpit::accel::derive::thresholds::{ThresholdRule, Thresholds, evaluate};
use aicockpit::accel::derive::xid::PodAttribution;
use aicockpit::domain::Millis;
use aicockpit::domain::severity::Severity;
use common::{fixture, k8s, labels, parse_prom, pod, push_samples, upsert, world};

const MIN: Millis = 60_000;

#[test]
fn prom_parser_reads_the_dcgm_sample() {
    let (samples, bad) = parse_prom(&fixture(
        "metrics/nvidia_dcgm-exporter_metrics_a100_mig_1g.5gb.prom",
    ));
    assert!(bad.is_empty(), "{bad:?}");
    assert_eq!(samples.len(), 21);
    let mig: Vec<_> = samples
        .iter()
        .filter(|s| s.labels.get("GPU_I_PROFILE").map(String::as_str) == Some("1g.5gb"))
        .collect();
    assert_eq!(mig.len(), 4);
    assert_eq!(mig[0].labels["GPU_I_ID"], "13");
    assert_eq!(mig[0].labels["Hostname"], "ub20-a100-k8s");
}

#[test]
fn mig_instance_utilisation_comes_from_gr_engine_active() {
    let (samples, _) = parse_prom(&fixture(
        "metrics/nvidia_dcgm-exporter_metrics_a100_mig_1g.5gb.prom",
    ));
    let mut w = world(&[k8s("node_a100_mig_mixed.json")]);
    push_samples(&mut w, &samples, 1_000, &[]);
    let inv = build(&w, &InventoryConfig::default());
    assert_eq!(inv.unjoined_series, 0);
    let n = inv.node("ub20-a100-k8s").expect("node");
    let Telemetry::Present(t) = &n.telemetry else {
        panic!("expected telemetry, got {:?}", n.telemetry);
    };
    assert_eq!(t.devices.len(), 2, "whole GPU and one MIG instance");
    let gpu = n.telemetry.device("0", None).expect("gpu0");
    assert_eq!(gpu.value(Field::GpuTemp), Some(61.0));
    assert_eq!(gpu.value(Field::Power), Some(409.692));
    assert_eq!(gpu.model, None, "the sample carries no modelName label");
    assert_eq!(
        gpu.uuid.as_deref(),
        Some("GPU-34319582-d595-d1c7-d1d2-179bcfa61660")
    );
    let fb = gpu.fb_used_pct().expect("fb pct");
    assert!((fb - 4845.0 / (4845.0 + 35690.0) * 100.0).abs() < 1e-9);
    let mig = n.telemetry.device("0", Some("13")).expect("mig 13");
    assert_eq!(mig.mig_profile.as_deref(), Some("1g.5gb"));
    assert_eq!(mig.label(), "gpu0/mig13 (1g.5gb)");
    let (util, src) = mig.util_pct().expect("util");
    assert_eq!(src, UtilSource::GrEngineActive);
    assert!((util - 99.5687).abs() < 1e-9, "{util}");
    assert!(
        mig.notes.iter().any(|n| n.contains("not reported for MIG")),
        "{:?}",
        mig.notes
    );
    assert_eq!(mig.value(Field::GpuUtil), None);
    // history accessor reads the ring buffer behind the field
    assert_eq!(mig.util_history(&w.metrics).len(), 1);
    // XID 0 is "no error": no flag
    assert!(
        !n.flags.iter().any(|f| f.id() == "gpu.xid"),
        "{:?}",
        n.flags
    );
}

#[test]
fn nodes_without_series_say_why() {
    let w = world(&[
        k8s("node_gpu_7_of_8.json"),
        k8s("node_atlas800_ascend910x8.json"),
        pod(
            "gpu-operator",
            "nvidia-dcgm-exporter-q",
            "gpu-node-1",
            "Running",
            &[("", 0)],
            Some("nvidia-dcgm-exporter"),
        ),
    ]);
    let inv = build(&w, &InventoryConfig::default());
    let gpu = inv.node("gpu-node-1").expect("gpu node");
    assert_eq!(
        gpu.telemetry,
        Telemetry::Missing("no telemetry: dcgm-exporter not scraped".to_string())
    );
    let npu = inv.node("ubuntu").expect("npu node");
    let Telemetry::Missing(why) = &npu.telemetry else {
        panic!("expected Missing");
    };
    assert!(
        why.starts_with("no telemetry: npu-exporter not scraped"),
        "{why}"
    );
    assert!(why.contains("no npu-exporter pod"), "{why}");
}

#[test]
fn npu_exporter_series_join_by_host_label() {
    let (samples, bad) = parse_prom(&fixture(
        "metrics/ascend_npu-exporter_testdata_prometheus_metrics.prom",
    ));
    assert!(bad.is_empty(), "{bad:?}");
    let mut w = world(&[k8s("node_atlas800_ascend910x8.json")]);
    // the exporter output names no host: unjoined, and counted as such
    push_samples(&mut w, &samples, 1_000, &[]);
    let inv = build(&w, &InventoryConfig::default());
    assert!(matches!(inv.nodes[0].telemetry, Telemetry::Missing(_)));
    assert!(inv.unjoined_series >= 8 * 10, "{}", inv.unjoined_series);
    // with the scrape's node label (as a relabelling would add) the chips join
    let mut w = world(&[k8s("node_atlas800_ascend910x8.json")]);
    push_samples(&mut w, &samples, 1_000, &[("node", "ubuntu")]);
    let inv = build(&w, &InventoryConfig::default());
    let devs = inv.nodes[0].telemetry.devices();
    assert_eq!(devs.len(), 8);
    assert!(devs.iter().all(|d| d.value(Field::NpuHealth) == Some(1.0)));
    assert_eq!(devs[0].model.as_deref(), Some("910Awn-Ascend-V1"));
    // the fixture's mocked chips report 0 HBM total: no percentage rather than a division by 0
    assert_eq!(devs[0].npu_mem_pct(), None);
    assert_eq!(devs[0].util_pct(), Some((0.0, UtilSource::NpuUtil)));
    // its mocked link_status is 0 (DOWN) for every chip, and the flags say so
    let down = inv.nodes[0]
        .flags
        .iter()
        .filter(|f| f.id() == "npu.link_down")
        .count();
    assert_eq!(down, 8);
    assert!(
        !inv.nodes[0]
            .flags
            .iter()
            .any(|f| f.id() == "npu.chip_unhealthy")
    );
}

fn gpu_series(
    w: &mut aicockpit::world::World,
    name: &str,
    extra: &[(&str, &str)],
    pts: &[(Millis, f64)],
) {
    let mut l = labels(&[("gpu", "2"), ("UUID", "GPU-x2"), ("Hostname", "gpu-node-1")]);
    for (k, v) in extra {
        l.insert(k.to_string(), v.to_string());
    }
    for (t, v) in pts {
        w.metrics.push(name, &l, *t, *v);
    }
}

#[test]
fn xid_is_decoded_and_attributed() {
    // exporter with pod mapping: the label wins
    let mut w = world(&[k8s("node_gpu_7_of_8.json")]);
    gpu_series(
        &mut w,
        "DCGM_FI_DEV_XID_ERRORS",
        &[
            ("pod", "train-3"),
            ("namespace", "ml"),
            ("container", "worker"),
        ],
        &[(5 * MIN, 79.0)],
    );
    let inv = build(&w, &InventoryConfig::default());
    let ev = xid_events(&inv);
    assert_eq!(ev.len(), 1);
    assert_eq!(ev[0].xid, 79);
    assert_eq!(ev[0].device, "gpu2");
    assert_eq!(
        ev[0].info.map(|i| i.name),
        Some("GPU has fallen off the bus")
    );
    assert!(matches!(&ev[0].pod, PodAttribution::Labelled { pod, .. } if pod == "train-3"));
    let flag = inv.nodes[0]
        .flags
        .iter()
        .find(|f| f.id() == "gpu.xid")
        .expect("xid flag");
    assert_eq!(flag.severity(), Severity::Critical);

    // no pod labels, one GPU pod on the node: that pod
    let mut w = world(&[
        k8s("node_gpu_7_of_8.json"),
        pod(
            "ml",
            "solo",
            "gpu-node-1",
            "Running",
            &[("nvidia.com/gpu", 1)],
            None,
        ),
    ]);
    gpu_series(&mut w, "dcgm_fi_dev_xid_errors", &[], &[(MIN, 48.0)]);
    let ev = xid_events(&build(&w, &InventoryConfig::default()));
    assert_eq!(
        ev[0].pod,
        PodAttribution::OnlyPodOnNode {
            namespace: "ml".into(),
            pod: "solo".into()
        }
    );
    assert_eq!(ev[0].info.map(|i| i.severity), Some(Severity::Critical));

    // two GPU pods and no labels: unknown, with the reason
    upsert(
        &mut w,
        pod(
            "ml",
            "other",
            "gpu-node-1",
            "Running",
            &[("nvidia.com/gpu", 1)],
            None,
        ),
    );
    let ev = xid_events(&build(&w, &InventoryConfig::default()));
    assert!(
        matches!(&ev[0].pod, PodAttribution::Unknown(why) if why.contains("2 accelerator pods"))
    );
}

#[test]
fn ecc_dbe_and_throttling_flags_from_series() {
    let mut w = world(&[k8s("node_gpu_7_of_8.json")]);
    gpu_series(&mut w, "DCGM_FI_DEV_ECC_DBE_VOL_TOTAL", &[], &[(MIN, 2.0)]);
    gpu_series(
        &mut w,
        "DCGM_FI_DEV_THERMAL_VIOLATION",
        &[],
        &[(0, 1e9), (MIN, 4e9)],
    );
    gpu_series(
        &mut w,
        "DCGM_FI_DEV_POWER_VIOLATION",
        &[],
        &[(0, 5e9), (MIN, 5e9)],
    );
    let inv = build(&w, &InventoryConfig::default());
    let flags = &inv.nodes[0].flags;
    let dbe = flags
        .iter()
        .find(|f| f.id() == "gpu.ecc_dbe")
        .expect("dbe flag");
    assert_eq!(dbe.severity(), Severity::Critical);
    let thr = flags.iter().find_map(|f| match f {
        HealthFlag::Throttling { reason, .. } => Some(reason.clone()),
        _ => None,
    });
    assert_eq!(thr.as_deref(), Some("thermal violation +3.0s"));
}

#[test]
fn thresholds_hold_for_their_duration() {
    let mut w = world(&[
        k8s("node_gpu_7_of_8.json"),
        pod(
            "ml",
            "solo",
            "gpu-node-1",
            "Running",
            &[("nvidia.com/gpu", 1)],
            None,
        ),
    ]);
    // every 30 s for 20 minutes: hot (85 °C) from minute 17, idle (5 %) throughout, FB 95 %
    let pts = |f: &dyn Fn(Millis) -> f64| -> Vec<(Millis, f64)> {
        (0..=40).map(|i| (i * MIN / 2, f(i * MIN / 2))).collect()
    };
    gpu_series(
        &mut w,
        "DCGM_FI_DEV_GPU_TEMP",
        &[],
        &pts(&|t| if t >= 17 * MIN { 85.0 } else { 60.0 }),
    );
    gpu_series(&mut w, "DCGM_FI_DEV_GPU_UTIL", &[], &pts(&|_| 5.0));
    gpu_series(&mut w, "DCGM_FI_DEV_FB_USED", &[], &pts(&|_| 950.0));
    gpu_series(&mut w, "DCGM_FI_DEV_FB_FREE", &[], &pts(&|_| 50.0));
    let inv = build(&w, &InventoryConfig::default());
    let dev = &inv.nodes[0].telemetry.devices()[0];
    let th = Thresholds::embedded();
    let rules = |now| -> Vec<ThresholdRule> {
        evaluate(dev, &w.metrics, &th, now, true)
            .iter()
            .map(|b| b.rule)
            .collect()
    };
    // at 18 min the heat has lasted 1 min of the 2 needed
    assert_eq!(
        rules(18 * MIN),
        vec![ThresholdRule::FbFull, ThresholdRule::IdleAllocated]
    );
    let at20 = evaluate(dev, &w.metrics, &th, 20 * MIN, true);
    let hot = at20
        .iter()
        .find(|b| b.rule == ThresholdRule::GpuHot)
        .expect("hot at 20m");
    assert_eq!((hot.severity, hot.since_ms), (Severity::Critical, 17 * MIN));
    assert!(hot.text.contains("temperature > 80"), "{}", hot.text);
    // at 10 min the history covers less than the 15 min idle window
    assert!(!rules(10 * MIN).contains(&ThresholdRule::IdleAllocated));
    // an unallocated device is never "waste"
    assert!(
        !evaluate(dev, &w.metrics, &th, 20 * MIN, false)
            .iter()
            .any(|b| b.rule == ThresholdRule::IdleAllocated)
    );
}

#[test]
fn npu_memory_threshold() {
    let mut w = world(&[k8s("node_atlas800_ascend910x8.json")]);
    let l = labels(&[("id", "0"), ("node", "ubuntu"), ("model_name", "910B")]);
    for i in 0..=12 {
        let t = i * MIN / 2;
        w.metrics
            .push("npu_chip_info_hbm_total_memory", &l, t, 65536.0);
        w.metrics
            .push("npu_chip_info_hbm_used_memory", &l, t, 60000.0);
    }
    let inv = build(&w, &InventoryConfig::default());
    let dev = &inv.nodes[0].telemetry.devices()[0];
    let b = evaluate(dev, &w.metrics, &Thresholds::embedded(), 6 * MIN, false);
    assert_eq!(b.len(), 1);
    assert_eq!(
        (b[0].rule, b[0].severity),
        (ThresholdRule::NpuMemFull, Severity::Critical)
    );
    assert!((b[0].latest - 60000.0 / 65536.0 * 100.0).abs() < 1e-9);
}

#[test]
fn newest_series_names_the_pod_and_fqdn_hosts_join() {
    let mut w = world(&[k8s("node_gpu_7_of_8.json")]);
    let old = labels(&[
        ("gpu", "0"),
        ("Hostname", "gpu-node-1.cluster.local"),
        ("pod", "old-job"),
        ("namespace", "ml"),
    ]);
    let new = labels(&[
        ("gpu", "0"),
        ("Hostname", "gpu-node-1.cluster.local"),
        ("pod", "new-job"),
        ("namespace", "ml"),
    ]);
    w.metrics.push("DCGM_FI_DEV_GPU_UTIL", &old, MIN, 90.0);
    w.metrics.push("DCGM_FI_DEV_GPU_UTIL", &new, 2 * MIN, 40.0);
    let inv = build(&w, &InventoryConfig::default());
    let d = inv.nodes[0]
        .telemetry
        .device("0", None)
        .expect("gpu0 joined by short hostname");
    assert_eq!(d.pod.as_ref().map(|p| p.1.as_str()), Some("new-job"));
    assert_eq!(d.util_pct(), Some((40.0, UtilSource::GpuUtil)));
    assert!(inv.nodes[0].is_allocated(d));
}
