//! The live Kubernetes source: one `kube::runtime::watcher` per resource (nodes, pods, events,
//! namespaces, workloads, HPAs, NetworkPolicies, device-info ConfigMaps and the AI/ML CRDs that
//! discovery finds), turned into raw `SourceEvent`s stamped with the wall clock. A failing
//! resource reports its own `SourceHealth` (forbidden, degraded, unavailable, ok again) while the
//! others keep going; every watch says `syncing` until its initial list is complete. Event and
//! error bookkeeping per watch lives in `kube_track.rs`, pod log following in `kube_logs.rs`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use futures::StreamExt;
use k8s_openapi::api::{apps, autoscaling, batch, core, networking};
use kube::api::{Api, ApiResource, DynamicObject, ListParams};
use kube::config::{InferConfigError, KubeConfigOptions, Kubeconfig, KubeconfigError};
use kube::discovery::{Scope, verbs};
use kube::runtime::{WatchStreamExt, watcher};
use kube::{Client, Config};
use tokio::sync::mpsc;

use crate::contract::event::{HealthState, Msg, SourceEvent, TimedEvent};
use crate::sources::kube_track::{FIRST_LIST, Tracker, classify};

use crate::domain::kinds::JOB_KINDS;

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

/// The CRDs worth watching, as (group, kind); an empty group matches any group: every
/// training-job kind of `domain::kinds` and KServe's InferenceService.
pub fn crd_kinds() -> impl Iterator<Item = (&'static str, &'static str)> {
    JOB_KINDS
        .iter()
        .map(|j| (j.group, j.kind))
        .chain([("serving.kserve.io", "InferenceService")])
}

/// Why no client could be built for the cluster.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The kubeconfig file given could not be read.
    #[error("cannot read kubeconfig {}: {reason}", path.display())]
    Unreadable {
        path: PathBuf,
        reason: KubeconfigError,
    },
    /// The kubeconfig file given was read but does not make a configuration.
    #[error("bad kubeconfig {}: {reason}", path.display())]
    Invalid {
        path: PathBuf,
        reason: KubeconfigError,
    },
    /// The context asked for could not be loaded from the usual kubeconfig.
    #[error("cannot load context {context:?}: {reason}")]
    Context {
        context: Option<String>,
        reason: KubeconfigError,
    },
    /// Neither a kubeconfig nor an in-cluster service account was found.
    #[error("no cluster configuration found: {reason}")]
    NoConfig { reason: InferConfigError },
    /// A configuration, but the client could not be made from it (TLS, proxy).
    #[error("cannot build a client: {reason}")]
    Build { reason: kube::Error },
}

/// Build a client from a kubeconfig file (or the usual inference: `$KUBECONFIG`,
/// `~/.kube/config`, in-cluster) and an optional context name.
pub async fn client_from(
    kubeconfig: Option<&Path>,
    context: Option<&str>,
) -> Result<Client, ClientError> {
    let opts = KubeConfigOptions {
        context: context.map(str::to_string),
        ..KubeConfigOptions::default()
    };
    let config = match kubeconfig {
        Some(p) => {
            let kc = Kubeconfig::read_from(p).map_err(|reason| ClientError::Unreadable {
                path: p.to_path_buf(),
                reason,
            })?;
            Config::from_custom_kubeconfig(kc, &opts)
                .await
                .map_err(|reason| ClientError::Invalid {
                    path: p.to_path_buf(),
                    reason,
                })?
        }
        None if context.is_some() => {
            Config::from_kubeconfig(&opts)
                .await
                .map_err(|reason| ClientError::Context {
                    context: opts.context.clone(),
                    reason,
                })?
        }
        None => Config::infer()
            .await
            .map_err(|reason| ClientError::NoConfig { reason })?,
    };
    Client::try_from(config).map_err(|reason| ClientError::Build { reason })
}

/// One resource to watch.
#[derive(Debug, Clone)]
pub(crate) struct WatchSpec {
    /// Health source name, `kube/<plural>` (`kube/<plural>.<group>` for CRDs).
    pub(crate) source: String,
    pub(crate) ar: ApiResource,
    pub(crate) namespaced: bool,
    pub(crate) namespace: Option<String>,
    pub(crate) name_prefix: Option<String>,
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

pub(crate) fn health(source: &str, state: HealthState, message: String) -> SourceEvent {
    SourceEvent::SourceHealth {
        source: source.to_string(),
        state,
        message,
    }
}

/// Could this API group hold one of `crd_kinds`? (Built-in groups have no dot or end in
/// `k8s.io`; only custom groups are queried for the kinds that may live in any group.)
fn candidate_group(name: &str) -> bool {
    crd_kinds().any(|(g, _)| {
        g == name || (g.is_empty() && name.contains('.') && !name.ends_with("k8s.io"))
    })
}

/// Find the CRDs of `crd_kinds` the cluster serves. Groups are queried one by one, so a broken
/// aggregated API (a metrics server down, say) costs only its own group; those failures come
/// back as notes; only the list of groups itself failing is an error.
async fn discover_crds(
    client: &Client,
    opts: &KubeOpts,
) -> Result<(Vec<WatchSpec>, Vec<String>), kube::Error> {
    let groups = client.list_api_groups().await?;
    let mut out = Vec::new();
    let mut notes = Vec::new();
    for g in groups.groups.iter().filter(|g| candidate_group(&g.name)) {
        let group = match kube::discovery::group(client, &g.name).await {
            Ok(group) => group,
            Err(e) => {
                notes.push(format!("{}: {e}", g.name));
                continue;
            }
        };
        for (ar, caps) in group.recommended_resources() {
            let wanted = crd_kinds().any(|(g, k)| k == ar.kind && (g.is_empty() || g == ar.group));
            if wanted && caps.supports_operation(verbs::WATCH) {
                let namespaced = caps.scope == Scope::Namespaced;
                let mut s = spec(ar, namespaced, opts);
                s.source = format!("kube/{}.{}", s.ar.plural, s.ar.group);
                out.push(s);
            }
        }
    }
    Ok((out, notes))
}

/// Watch everything until `tx` closes. Never returns early on cluster errors: they become
/// `SourceHealth` events and the watchers retry with backoff.
pub async fn run(client: Client, tx: mpsc::UnboundedSender<Msg>, opts: KubeOpts) {
    let mut specs = core_specs(&opts);
    if opts.discover_crds {
        match discover_crds(&client, &opts).await {
            Ok((found, notes)) => {
                let names: Vec<String> = found.iter().map(|s| s.source[5..].to_string()).collect();
                let mut msg = if names.is_empty() {
                    "no AI/ML custom resources found".to_string()
                } else {
                    format!("found {}", names.join(", "))
                };
                let state = if notes.is_empty() {
                    HealthState::Ok
                } else {
                    msg.push_str(&format!("; groups not readable: {}", notes.join("; ")));
                    HealthState::Degraded
                };
                if !send(&tx, vec![health("kube/discovery", state, msg)]) {
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
    // Every watch says it is syncing before any of them lists: the world then knows the whole
    // set, and that none of it is complete yet.
    let announce = specs
        .iter()
        .map(|s| health(&s.source, HealthState::Syncing, FIRST_LIST.to_string()))
        .collect();
    if !send(&tx, announce) {
        return;
    }
    let mut set = tokio::task::JoinSet::new();
    for s in specs {
        set.spawn(watch_one(client.clone(), s, tx.clone(), opts.clone()));
    }
    while set.join_next().await.is_some() {}
}

async fn watch_one(client: Client, w: WatchSpec, tx: mpsc::UnboundedSender<Msg>, opts: KubeOpts) {
    let api: Api<DynamicObject> = match &w.namespace {
        Some(ns) => Api::namespaced_with(client, ns, &w.ar),
        None => Api::all_with(client, &w.ar),
    };
    let cfg = watcher::Config::default().page_size(opts.page_size);
    let mut stream = watcher(api.clone(), cfg).default_backoff().boxed();
    let mut t = Tracker::new(w, opts.page_size as usize);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_custom_groups_are_queried_for_crds() {
        assert!(candidate_group("kubeflow.org"));
        assert!(candidate_group("serving.kserve.io"));
        assert!(
            candidate_group("mindxdl.gitee.com"),
            "AscendJob may live in any group"
        );
        assert!(!candidate_group("apps"));
        assert!(!candidate_group("metrics.k8s.io"));
    }
}
