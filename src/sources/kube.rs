//! The live Kubernetes source: one `kube::runtime::watcher` per resource (nodes, pods, events,
//! namespaces, workloads, HPAs, NetworkPolicies, device-info ConfigMaps and the AI/ML CRDs that
//! discovery finds), turned into raw `SourceEvent`s stamped with the wall clock. A failing
//! resource reports its own `SourceHealth` (forbidden, degraded, unavailable, ok again) while the
//! others keep going. Pod log following lives in `kube_logs.rs`.

use std::collections::HashSet;
use std::path::Path;
use std::time::Duration;

use futures::StreamExt;
use k8s_openapi::api::{apps, autoscaling, batch, core, networking};
use kube::api::{Api, ApiResource, DynamicObject, ListParams, TypeMeta};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::discovery::{Discovery, Scope, verbs};
use kube::runtime::{WatchStreamExt, watcher};
use kube::{Client, Config};
use serde_json::Value;
use tokio::sync::mpsc;

use crate::event::{HealthState, Msg, SourceEvent, TimedEvent};

/// What the live source watches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KubeOpts {
    /// Watch namespaced resources in this namespace only; `None` watches all namespaces.
    pub namespace: Option<String>,
    /// Where the Ascend device-info ConfigMaps live, and their name prefix.
    pub configmap_namespace: String,
    pub configmap_prefix: String,
    /// Look for the AI/ML CRDs (Kubeflow, JobSet, Volcano, AscendJob, KServe, FineTuningJob).
    pub discover_crds: bool,
    /// List page size for the initial sync.
    pub page_size: u32,
    /// While a resource is unhealthy, how often to check whether it answers again.
    pub probe_every: Duration,
}

impl Default for KubeOpts {
    fn default() -> Self {
        KubeOpts {
            namespace: None,
            configmap_namespace: "kube-system".into(),
            configmap_prefix: "mindx-dl-deviceinfo-".into(),
            discover_crds: true,
            page_size: 500,
            probe_every: Duration::from_secs(2),
        }
    }
}

/// The CRDs worth watching, as (group, kind); an empty group matches any group.
pub const CRD_KINDS: &[(&str, &str)] = &[
    ("kubeflow.org", "PyTorchJob"),
    ("kubeflow.org", "MPIJob"),
    ("kubeflow.org", "TFJob"),
    ("jobset.x-k8s.io", "JobSet"),
    ("batch.volcano.sh", "Job"),
    ("", "AscendJob"),
    ("serving.kserve.io", "InferenceService"),
    ("", "FineTuningJob"),
];

/// Build a client from a kubeconfig file (or the usual inference: `$KUBECONFIG`,
/// `~/.kube/config`, in-cluster) and an optional context name.
pub async fn client_from(
    kubeconfig: Option<&Path>,
    context: Option<&str>,
) -> Result<Client, String> {
    let opts = KubeConfigOptions {
        context: context.map(str::to_string),
        ..KubeConfigOptions::default()
    };
    let config = match kubeconfig {
        Some(p) => {
            let kc = Kubeconfig::read_from(p)
                .map_err(|e| format!("cannot read kubeconfig {}: {e}", p.display()))?;
            Config::from_custom_kubeconfig(kc, &opts)
                .await
                .map_err(|e| format!("bad kubeconfig {}: {e}", p.display()))?
        }
        None if context.is_some() => Config::from_kubeconfig(&opts)
            .await
            .map_err(|e| format!("cannot load context {context:?}: {e}"))?,
        None => Config::infer()
            .await
            .map_err(|e| format!("no cluster configuration found: {e}"))?,
    };
    Client::try_from(config).map_err(|e| format!("cannot build a client: {e}"))
}

/// One resource to watch.
#[derive(Debug, Clone)]
struct WatchSpec {
    /// Health source name, `kube/<plural>` (`kube/<plural>.<group>` for CRDs).
    source: String,
    ar: ApiResource,
    namespaced: bool,
    namespace: Option<String>,
    name_prefix: Option<String>,
}

fn spec(ar: ApiResource, namespaced: bool, opts: &KubeOpts) -> WatchSpec {
    WatchSpec {
        source: format!("kube/{}", ar.plural),
        namespace: if namespaced {
            opts.namespace.clone()
        } else {
            None
        },
        ar,
        namespaced,
        name_prefix: None,
    }
}

fn core_specs(opts: &KubeOpts) -> Vec<WatchSpec> {
    let mut out = vec![
        spec(ApiResource::erase::<core::v1::Node>(&()), false, opts),
        spec(ApiResource::erase::<core::v1::Namespace>(&()), false, opts),
        spec(ApiResource::erase::<core::v1::Pod>(&()), true, opts),
        spec(ApiResource::erase::<core::v1::Event>(&()), true, opts),
        spec(ApiResource::erase::<batch::v1::Job>(&()), true, opts),
        spec(ApiResource::erase::<apps::v1::Deployment>(&()), true, opts),
        spec(ApiResource::erase::<apps::v1::StatefulSet>(&()), true, opts),
        spec(ApiResource::erase::<apps::v1::DaemonSet>(&()), true, opts),
        spec(
            ApiResource::erase::<autoscaling::v2::HorizontalPodAutoscaler>(&()),
            true,
            opts,
        ),
        spec(
            ApiResource::erase::<networking::v1::NetworkPolicy>(&()),
            true,
            opts,
        ),
    ];
    let mut cm = spec(ApiResource::erase::<core::v1::ConfigMap>(&()), true, opts);
    cm.namespace = Some(opts.configmap_namespace.clone());
    cm.name_prefix = Some(opts.configmap_prefix.clone());
    out.push(cm);
    out
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

fn send(tx: &mpsc::UnboundedSender<Msg>, evs: Vec<SourceEvent>) -> bool {
    if evs.is_empty() {
        return true;
    }
    let at_ms = now_ms();
    let batch = evs.into_iter().map(|ev| TimedEvent { at_ms, ev }).collect();
    tx.send(Msg::Source(batch)).is_ok()
}

fn health(source: &str, state: HealthState, message: String) -> SourceEvent {
    SourceEvent::SourceHealth {
        source: source.to_string(),
        state,
        message,
    }
}

/// Find the CRDs of `CRD_KINDS` the cluster serves.
async fn discover_crds(client: &Client, opts: &KubeOpts) -> Result<Vec<WatchSpec>, String> {
    let discovery = Discovery::new(client.clone())
        .run()
        .await
        .map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    for group in discovery.groups() {
        for (ar, caps) in group.recommended_resources() {
            let wanted = CRD_KINDS
                .iter()
                .any(|(g, k)| *k == ar.kind && (g.is_empty() || *g == ar.group));
            if wanted && caps.supports_operation(verbs::WATCH) {
                let namespaced = caps.scope == Scope::Namespaced;
                let mut s = spec(ar, namespaced, opts);
                s.source = format!("kube/{}.{}", s.ar.plural, s.ar.group);
                out.push(s);
            }
        }
    }
    Ok(out)
}

/// Watch everything until `tx` closes. Never returns early on cluster errors: they become
/// `SourceHealth` events and the watchers retry with backoff.
pub async fn run(client: Client, tx: mpsc::UnboundedSender<Msg>, opts: KubeOpts) {
    let mut specs = core_specs(&opts);
    if opts.discover_crds {
        match discover_crds(&client, &opts).await {
            Ok(found) => {
                let names: Vec<String> = found.iter().map(|s| s.source[5..].to_string()).collect();
                let msg = if names.is_empty() {
                    "no AI/ML custom resources found".to_string()
                } else {
                    format!("found {}", names.join(", "))
                };
                if !send(&tx, vec![health("kube/discovery", HealthState::Ok, msg)]) {
                    return;
                }
                specs.extend(found);
            }
            Err(e) => {
                let ev = health(
                    "kube/discovery",
                    HealthState::Degraded,
                    format!("custom resources not discovered: {e}"),
                );
                if !send(&tx, vec![ev]) {
                    return;
                }
            }
        }
    }
    let mut set = tokio::task::JoinSet::new();
    for s in specs {
        set.spawn(watch_one(client.clone(), s, tx.clone(), opts.clone()));
    }
    while set.join_next().await.is_some() {}
}

/// An object as the API returned it, with apiVersion and kind filled in (list items lack them)
/// and managedFields dropped (bookkeeping, often larger than the object).
fn raw(mut obj: DynamicObject, ar: &ApiResource) -> Option<Value> {
    obj.types = Some(TypeMeta {
        api_version: ar.api_version.clone(),
        kind: ar.kind.clone(),
    });
    obj.metadata.managed_fields = None;
    serde_json::to_value(&obj).ok()
}

fn key_of(obj: &DynamicObject) -> (String, String) {
    (
        obj.metadata.namespace.clone().unwrap_or_default(),
        obj.metadata.name.clone().unwrap_or_default(),
    )
}

fn classify(err: &watcher::Error, w: &WatchSpec) -> (HealthState, String) {
    let client_err = match err {
        watcher::Error::InitialListFailed(e)
        | watcher::Error::WatchStartFailed(e)
        | watcher::Error::WatchFailed(e) => Some(e),
        _ => None,
    };
    let scope = match &w.namespace {
        Some(ns) => format!("in namespace {ns}"),
        None if w.namespaced => "in all namespaces".to_string(),
        None => "(cluster-wide)".to_string(),
    };
    match client_err {
        Some(kube::Error::Api(s)) if s.code == 403 => (
            HealthState::Forbidden,
            format!("forbidden: list {} {scope}", w.ar.plural),
        ),
        Some(kube::Error::Service(e)) => (
            HealthState::Unavailable,
            format!("API server unreachable: {e}"),
        ),
        Some(kube::Error::HyperError(e)) => (
            HealthState::Unavailable,
            format!("API server unreachable: {e}"),
        ),
        _ if matches!(err, watcher::Error::WatchFailed(_)) => {
            (HealthState::Degraded, format!("watch dropped: {err}"))
        }
        _ => (HealthState::Degraded, err.to_string()),
    }
}

/// Per-watch bookkeeping: what is known (for deletes after a re-list) and the health last said.
struct Tracker {
    w: WatchSpec,
    known: HashSet<(String, String)>,
    init: Vec<DynamicObject>,
    health: Option<HealthState>,
    message: String,
}

impl Tracker {
    fn wanted(&self, obj: &DynamicObject) -> bool {
        self.w.name_prefix.as_deref().is_none_or(|p| {
            obj.metadata
                .name
                .as_deref()
                .is_some_and(|n| n.starts_with(p))
        })
    }

    fn delete(&self, key: &(String, String)) -> SourceEvent {
        SourceEvent::Delete {
            api_version: self.w.ar.api_version.clone(),
            object_kind: self.w.ar.kind.clone(),
            namespace: (!key.0.is_empty()).then(|| key.0.clone()),
            name: key.1.clone(),
        }
    }

    fn set_health(&mut self, state: HealthState, message: String) -> Option<SourceEvent> {
        if self.health == Some(state) && (state == HealthState::Ok || self.message == message) {
            return None;
        }
        self.health = Some(state);
        self.message = message.clone();
        Some(health(&self.w.source, state, message))
    }

    /// Turn one watcher event into source events.
    fn on_event(&mut self, ev: watcher::Event<DynamicObject>) -> Vec<SourceEvent> {
        let mut out = Vec::new();
        match ev {
            watcher::Event::Init => self.init.clear(),
            watcher::Event::InitApply(o) => {
                if self.wanted(&o) {
                    self.init.push(o);
                }
            }
            watcher::Event::InitDone => {
                let objs = std::mem::take(&mut self.init);
                let fresh: HashSet<(String, String)> = objs.iter().map(key_of).collect();
                let gone: Vec<(String, String)> = self.known.difference(&fresh).cloned().collect();
                out.extend(gone.iter().map(|k| self.delete(k)));
                let n = objs.len();
                out.extend(
                    objs.into_iter()
                        .filter_map(|o| raw(o, &self.w.ar))
                        .map(|object| SourceEvent::Upsert { object }),
                );
                self.known = fresh;
                self.health = None;
                out.extend(self.set_health(HealthState::Ok, format!("synced {n} objects")));
            }
            watcher::Event::Apply(o) => {
                if self.wanted(&o) {
                    self.known.insert(key_of(&o));
                    out.extend(raw(o, &self.w.ar).map(|object| SourceEvent::Upsert { object }));
                }
                out.extend(self.set_health(HealthState::Ok, "watching".into()));
            }
            watcher::Event::Delete(o) => {
                if self.wanted(&o) {
                    let k = key_of(&o);
                    self.known.remove(&k);
                    out.push(self.delete(&k));
                }
                out.extend(self.set_health(HealthState::Ok, "watching".into()));
            }
        }
        out
    }
}

async fn watch_one(client: Client, w: WatchSpec, tx: mpsc::UnboundedSender<Msg>, opts: KubeOpts) {
    let api: Api<DynamicObject> = match &w.namespace {
        Some(ns) => Api::namespaced_with(client, ns, &w.ar),
        None => Api::all_with(client, &w.ar),
    };
    let cfg = watcher::Config::default().page_size(opts.page_size);
    let mut stream = watcher(api.clone(), cfg).default_backoff().boxed();
    let mut t = Tracker {
        w,
        known: HashSet::new(),
        init: Vec::new(),
        health: None,
        message: String::new(),
    };
    let mut probe = tokio::time::interval(opts.probe_every);
    loop {
        let unhealthy = matches!(
            t.health,
            Some(HealthState::Degraded | HealthState::Unavailable)
        );
        let evs = tokio::select! {
            item = stream.next() => match item {
                None => return,
                Some(Ok(ev)) => t.on_event(ev),
                Some(Err(e)) => {
                    let (state, message) = classify(&e, &t.w);
                    t.set_health(state, message).into_iter().collect()
                }
            },
            _ = probe.tick(), if unhealthy => {
                // A watch restarted after an outage emits nothing until something changes;
                // a one-item list says whether the API server answers again.
                let lp = ListParams::default().limit(1);
                match api.list_metadata(&lp).await {
                    Ok(_) => t
                        .set_health(HealthState::Ok, "API server reachable again".into())
                        .into_iter()
                        .collect(),
                    Err(_) => Vec::new(),
                }
            }
        };
        if !send(&tx, evs) {
            return;
        }
    }
}
