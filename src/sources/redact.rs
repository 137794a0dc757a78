//! What `aicockpit record` must not write: Secret data, environment variable values (except an
//! allow-list of the variables triage needs: NCCL_*, MASTER_ADDR, WORLD_SIZE ...), the
//! last-applied-configuration annotation (a copy of the spec, env included), and token-like
//! strings in log lines and event messages (bearer tokens, JWTs, cloud and hub keys,
//! `password=...`). Redacted values read `REDACTED`.

use std::sync::LazyLock;

use regex::Regex;
use serde_json::Value;

use crate::contract::event::SourceEvent;

/// What replaces a redacted value.
pub const REDACTED: &str = "REDACTED";

/// Environment variables kept verbatim: exact names, and prefixes ending in `_`.
pub const ENV_ALLOW: &[&str] = &[
    "NCCL_",
    "TORCH_NCCL_",
    "HCCL_",
    "PET_",
    "MASTER_ADDR",
    "MASTER_PORT",
    "WORLD_SIZE",
    "RANK",
    "LOCAL_RANK",
    "NODE_RANK",
    "GROUP_RANK",
    "LOCAL_WORLD_SIZE",
    "CUDA_VISIBLE_DEVICES",
    "NVIDIA_VISIBLE_DEVICES",
    "ASCEND_VISIBLE_DEVICES",
    "PYTORCH_CUDA_ALLOC_CONF",
    "TORCH_DISTRIBUTED_DEBUG",
    "OMP_NUM_THREADS",
    "CUDA_LAUNCH_BLOCKING",
];

/// Is this environment variable's value kept?
pub fn env_allowed(name: &str) -> bool {
    ENV_ALLOW.iter().any(|a| {
        if a.ends_with('_') {
            name.starts_with(a)
        } else {
            name == *a
        }
    })
}

const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// Redact a Kubernetes object in place.
pub fn object(v: &mut Value) {
    if v.get("kind").and_then(Value::as_str) == Some("Secret") {
        for field in ["data", "stringData"] {
            if let Some(Value::Object(m)) = v.get_mut(field) {
                for val in m.values_mut() {
                    *val = Value::String(REDACTED.into());
                }
            }
        }
    }
    if let Some(Value::Object(a)) = v.pointer_mut("/metadata/annotations")
        && let Some(val) = a.get_mut(LAST_APPLIED)
    {
        *val = Value::String(REDACTED.into());
    }
    if v.get("kind").and_then(Value::as_str) == Some("Event")
        && let Some(Value::String(m)) = v.get_mut("message")
    {
        *m = text(m);
    }
    env_values(v);
}

/// Every `env: [{name, value}]` list anywhere in the object (pods, templates, CRD replica specs).
fn env_values(v: &mut Value) {
    match v {
        Value::Object(m) => {
            for (k, child) in m.iter_mut() {
                if k == "env"
                    && let Value::Array(items) = child
                {
                    for item in items.iter_mut() {
                        let allowed = item
                            .get("name")
                            .and_then(Value::as_str)
                            .is_some_and(env_allowed);
                        if !allowed && let Some(val) = item.get_mut("value") {
                            *val = Value::String(REDACTED.into());
                        }
                    }
                } else {
                    env_values(child);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(env_values),
        _ => {}
    }
}

/// (pattern, replacement) pairs for token-like text, applied in order.
static TOKENS: LazyLock<Vec<(Regex, &'static str)>> = LazyLock::new(|| {
    [
        (r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}", "$1 REDACTED"),
        (r"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*", "REDACTED"),
        (r"\b(AKIA|ASIA)[0-9A-Z]{16}\b", "REDACTED"),
        (r"\b(gh[pousr]_[A-Za-z0-9]{30,}|hf_[A-Za-z0-9]{30,}|sk-[A-Za-z0-9_-]{20,}|xox[abpr]-[A-Za-z0-9-]{10,})", "REDACTED"),
        (
            r#"(?i)\b([a-z0-9_.-]*(?:password|passwd|secret|token|api[_-]?key|access[_-]?key|credential)s?["']?\s*[:=]\s*)["']?[^\s"',;]+"#,
            "${1}REDACTED",
        ),
        (r"(?i)(://[^:/\s@]+:)[^@\s/]+@", "${1}REDACTED@"),
    ]
    .into_iter()
    .filter_map(|(p, r)| Regex::new(p).ok().map(|re| (re, r)))
    .collect()
});

/// Token-like strings in free text replaced by `REDACTED`.
pub fn text(s: &str) -> String {
    let mut out = s.to_string();
    for (re, rep) in TOKENS.iter() {
        if re.is_match(&out) {
            out = re.replace_all(&out, *rep).into_owned();
        }
    }
    out
}

/// Redact one source event in place (objects and log lines; metrics and health pass).
pub fn event(ev: &mut SourceEvent) {
    match ev {
        SourceEvent::Upsert { object: o } => object(o),
        SourceEvent::Log { line, .. } => *line = text(line),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn secrets_env_and_last_applied_are_redacted() {
        let mut s = json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"},
            "data": {"token": "c2VjcmV0"}, "stringData": {"pw": "hunter2"}});
        object(&mut s);
        assert_eq!(s["data"]["token"], REDACTED);
        assert_eq!(s["stringData"]["pw"], REDACTED);
        let mut job = json!({"apiVersion": "kubeflow.org/v1", "kind": "PyTorchJob",
        "metadata": {"name": "j", "annotations": {LAST_APPLIED: "{\"env\":\"x\"}", "team": "ml"}},
        "spec": {"pytorchReplicaSpecs": {"Worker": {"template": {"spec": {"containers": [{
            "name": "pytorch", "env": [
                {"name": "NCCL_DEBUG", "value": "INFO"},
                {"name": "MASTER_PORT", "value": "23456"},
                {"name": "HF_TOKEN", "value": "hf_abcdefghijklmnopqrstuvwxyz0123456"},
                {"name": "DB_URL", "value": "postgres://u:p@h/db"},
                {"name": "FROM_SECRET", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}}
            ]}]}}}}}});
        object(&mut job);
        let env = &job["spec"]["pytorchReplicaSpecs"]["Worker"]["template"]["spec"]["containers"]
            [0]["env"];
        assert_eq!(env[0]["value"], "INFO");
        assert_eq!(env[1]["value"], "23456");
        assert_eq!(env[2]["value"], REDACTED);
        assert_eq!(env[3]["value"], REDACTED);
        assert_eq!(
            env[4]["valueFrom"]["secretKeyRef"]["key"], "k",
            "references are kept"
        );
        assert_eq!(job["metadata"]["annotations"][LAST_APPLIED], REDACTED);
        assert_eq!(job["metadata"]["annotations"]["team"], "ml");
    }

    #[test]
    fn token_like_text_is_redacted_and_nccl_lines_are_not() {
        let cases = [
            (
                "Authorization: Bearer abc.DEF-123_456xyz",
                "Authorization: Bearer REDACTED",
            ),
            ("login password=hunter2 ok", "login password=REDACTED ok"),
            ("WANDB_API_KEY: 0123456789abcdef", "WANDB_API_KEY: REDACTED"),
            (
                "jwt eyJhbGciOi.eyJzdWIiOiIx.sigsigsig end",
                "jwt REDACTED end",
            ),
            ("key AKIAABCDEFGHIJKLMNOP here", "key REDACTED here"),
            (
                "pull https://user:s3cret@example.com/x",
                "pull https://user:REDACTED@example.com/x",
            ),
        ];
        for (input, want) in cases {
            assert_eq!(text(input), want, "{input}");
        }
        let nccl = "worker-0:60:60 [0] NCCL INFO Channel 00/02 : 0[0] -> 1[1] via P2P/IPC";
        assert_eq!(text(nccl), nccl);
    }
}
