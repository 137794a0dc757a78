//! Serving endpoint discovery on realistic Deployment, StatefulSet, HPA and InferenceService JSON.

use std::collections::BTreeMap;

use aicockpit::domain::ObjKey;
use aicockpit::domain::server::Server;
use aicockpit::serving::derive::endpoints::{Rollout, discover, pod_selector};
use aicockpit::world::objects::{obj_key, pod_info};
use serde_json::{Value, json};

fn world(objs: Vec<Value>) -> BTreeMap<ObjKey, Value> {
    objs.into_iter()
        .map(|o| (obj_key(&o).expect("valid object"), o))
        .collect()
}

fn vllm_deployment() -> Value {
    json!({
      "apiVersion": "apps/v1", "kind": "Deployment",
      "metadata": {"name": "llama3-inference", "namespace": "ai", "generation": 4,
        "labels": {"app": "llama3-inference"},
        "annotations": {"deployment.kubernetes.io/revision": "7"}},
      "spec": {"replicas": 3,
        "selector": {"matchLabels": {"app": "llama3-inference"}},
        "template": {
          "metadata": {"labels": {"app": "llama3-inference"},
            "annotations": {"prometheus.io/scrape": "true", "prometheus.io/port": "8000",
                            "prometheus.io/path": "/metrics"}},
          "spec": {"containers": [{"name": "vllm", "image": "vllm/vllm-openai:v0.8.5",
            "args": ["--model", "meta-llama/Meta-Llama-3-8B-Instruct", "--max-model-len", "8192"],
            "ports": [{"containerPort": 8000, "name": "http"}],
            "resources": {"limits": {"nvidia.com/gpu": "1"}}}]}}},
      "status": {"observedGeneration": 4, "replicas": 3, "updatedReplicas": 3,
        "readyReplicas": 2, "availableReplicas": 2,
        "conditions": [{"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable"}]}
    })
}

fn hpa() -> Value {
    json!({
      "apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
      "metadata": {"name": "llama3-inference-hpa", "namespace": "ai"},
      "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "llama3-inference"},
        "minReplicas": 2, "maxReplicas": 10,
        "metrics": [
          {"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 70}}},
          {"type": "Pods", "pods": {"metric": {"name": "model_inference_latency_seconds"},
            "target": {"type": "AverageValue", "averageValue": "100m"}}}]},
      "status": {"currentReplicas": 3, "desiredReplicas": 4,
        "currentMetrics": [{"type": "Resource", "resource": {"name": "cpu",
          "current": {"averageUtilization": 85, "averageValue": "1700m"}}}],
        "conditions": [{"type": "ScalingLimited", "status": "False"}]}
    })
}

#[test]
fn vllm_deployment_with_hpa() {
    let eps = discover(&world(vec![vllm_deployment(), hpa()]));
    assert_eq!(eps.len(), 1);
    let e = &eps[0];
    assert_eq!(e.server, Server::Vllm);
    assert_eq!(
        e.model.as_deref(),
        Some("meta-llama/Meta-Llama-3-8B-Instruct")
    );
    assert!(e.scrape.enabled);
    assert_eq!(e.scrape.port.as_deref(), Some("8000"));
    assert_eq!((e.replicas.ready, e.replicas.desired), (2, Some(3)));
    assert_eq!(e.revision.as_deref(), Some("7"));
    // 3 updated but only 2 available: still rolling.
    assert_eq!(
        e.rollout,
        Rollout::Progressing("2 of 3 updated available".into())
    );
    assert!(e.evidence.iter().any(|x| x == "label app=llama3-inference"));
    let h = e.hpa.as_ref().expect("hpa");
    assert_eq!(
        (h.min, h.max, h.current, h.desired),
        (Some(2), Some(10), Some(3), Some(4))
    );
    assert_eq!(h.metrics[0].target, "cpu 70%");
    assert_eq!(h.metrics[0].current.as_deref(), Some("85%"));
    assert_eq!(h.metrics[1].target, "model_inference_latency_seconds 100m");
    assert!(!h.limited);
}

#[test]
fn seed_ascend_deployment_is_generic_and_stalled() {
    let d = json!({
      "apiVersion": "apps/v1", "kind": "Deployment",
      "metadata": {"name": "ascend-inference-v2", "namespace": "ai-production", "generation": 3,
        "labels": {"app": "ascend-inference", "version": "v2.3.1", "component": "ai-serving"},
        "annotations": {"deployment.kubernetes.io/revision": "3"}},
      "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "ascend-inference"}},
        "template": {"metadata": {"labels": {"app": "ascend-inference", "version": "v2.3.1"}},
          "spec": {"containers": [{"name": "inference-server",
            "image": "registry.company.com/ai-platform/ascend-inference:v2.3.1",
            "ports": [{"containerPort": 8000, "name": "http"}],
            "resources": {"limits": {"ascend.ai/npu": 2}}}]}}},
      "status": {"observedGeneration": 3, "replicas": 4, "updatedReplicas": 1, "readyReplicas": 3,
        "availableReplicas": 3,
        "conditions": [{"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded"}]}
    });
    let eps = discover(&world(vec![d]));
    assert_eq!(eps.len(), 1);
    assert_eq!(eps[0].server, Server::Generic);
    assert_eq!(
        eps[0].rollout,
        Rollout::Stalled("ProgressDeadlineExceeded".into())
    );
    assert!(
        eps[0]
            .evidence
            .iter()
            .any(|x| x == "label component=ai-serving")
    );
    assert!(eps[0].hpa.is_none());
}

#[test]
fn triton_by_ports_tgi_statefulset_and_unrelated_workloads() {
    let triton = json!({"kind": "Deployment",
      "metadata": {"name": "trt", "namespace": "ai", "generation": 2},
      "spec": {"replicas": 1, "paused": true, "template": {"spec": {"containers": [{"name": "s",
        "image": "registry.local/serving:1",
        "ports": [{"containerPort": 8000}, {"containerPort": 8001}, {"containerPort": 8002}]}]}}},
      "status": {"observedGeneration": 2}});
    let tgi = json!({"kind": "StatefulSet",
      "metadata": {"name": "tgi", "namespace": "ai"},
      "spec": {"replicas": 2, "template": {"spec": {"containers": [{"name": "tgi",
        "image": "ghcr.io/huggingface/text-generation-inference:2.4",
        "args": ["--model-id=mistralai/Mistral-7B-Instruct-v0.3"]}]}}},
      "status": {"currentRevision": "tgi-5c", "updateRevision": "tgi-7d", "updatedReplicas": 1,
        "readyReplicas": 2}});
    // Scraped but holding no accelerator and running no known server: not an endpoint.
    let coredns = json!({"kind": "Deployment", "metadata": {"name": "coredns", "namespace": "kube-system"},
      "spec": {"template": {"metadata": {"annotations": {"prometheus.io/scrape": "true"}},
        "spec": {"containers": [{"name": "c", "image": "coredns/coredns:1.11"}]}}}});
    let eps = discover(&world(vec![triton, tgi, coredns]));
    let names: Vec<&str> = eps.iter().map(|e| e.key.name.as_str()).collect();
    // Sorted by key: kind first (Deployment before StatefulSet).
    assert_eq!(names, vec!["trt", "tgi"]);
    assert_eq!(eps[1].server, Server::Tgi);
    let model = eps[1].model.as_deref();
    assert_eq!(model, Some("mistralai/Mistral-7B-Instruct-v0.3"));
    assert_eq!(eps[1].revision.as_deref(), Some("tgi-7d"));
    let rolling = Rollout::Progressing("1 of 2 updated".into());
    assert_eq!(eps[1].rollout, rolling);
    assert_eq!(eps[0].server, Server::Triton);
    assert_eq!(eps[0].rollout, Rollout::Paused);
}

#[test]
fn kserve_inference_service_absorbs_its_deployment() {
    let isvc = json!({"apiVersion": "serving.kserve.io/v1beta1", "kind": "InferenceService",
      "metadata": {"name": "qwen", "namespace": "llm",
        "annotations": {"serving.kserve.io/enable-prometheus-scraping": "true"}},
      "spec": {"predictor": {"model": {"modelFormat": {"name": "huggingface"},
        "storageUri": "hf://Qwen/Qwen2.5-7B-Instruct"}}},
      "status": {"conditions": [{"type": "Ready", "status": "True"}],
        "components": {"predictor": {"latestCreatedRevision": "qwen-predictor-00002",
          "latestReadyRevision": "qwen-predictor-00002"}}}});
    let dep = json!({"kind": "Deployment",
      "metadata": {"name": "qwen-predictor", "namespace": "llm",
        "labels": {"serving.kserve.io/inferenceservice": "qwen"}},
      "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "isvc.qwen-predictor"}},
        "template": {"metadata": {"labels": {"serving.kserve.io/inferenceservice": "qwen"}},
          "spec": {"containers": [{"name": "kserve-container", "image": "kserve/huggingfaceserver:v0.15.0"}]}}},
      "status": {"replicas": 1, "updatedReplicas": 1, "readyReplicas": 1, "availableReplicas": 1}});
    let eps = discover(&world(vec![isvc, dep]));
    assert_eq!(eps.len(), 1, "{eps:?}");
    let e = &eps[0];
    assert_eq!(e.key.kind, "InferenceService");
    assert_eq!(e.server, Server::Kserve);
    assert!(e.scrape.enabled);
    assert_eq!(e.replicas.ready, 1);
    assert_eq!(e.revision.as_deref(), Some("qwen-predictor-00002"));
    assert_eq!(e.rollout, Rollout::Complete);
    assert_eq!(e.model.as_deref(), Some("hf://Qwen/Qwen2.5-7B-Instruct"));
}

#[test]
fn pod_selector_names_the_endpoint_pods() {
    let eps = discover(&world(vec![vllm_deployment()]));
    let mut pods = BTreeMap::new();
    for (name, app) in [
        ("llama3-inference-a", "llama3-inference"),
        ("other-b", "other"),
    ] {
        let p = json!({"kind": "Pod", "metadata": {"name": name, "namespace": "ai", "labels": {"app": app}},
          "spec": {"containers": []}, "status": {"phase": "Running"}});
        pods.insert(("ai".to_string(), name.to_string()), pod_info(&p).into());
    }
    let sel = pod_selector(&eps[0], &pods).expect("pods found");
    let l = |pod: &str| {
        BTreeMap::from([
            ("namespace".to_string(), "ai".to_string()),
            ("pod".to_string(), pod.to_string()),
        ])
    };
    assert!(sel.matches(&l("llama3-inference-a")));
    assert!(!sel.matches(&l("other-b")));
    assert!(pod_selector(&eps[0], &BTreeMap::new()).is_none());
}
