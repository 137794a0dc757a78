//! The sandbox's in-memory object store: current objects per resource with a monotonic
//! resourceVersion (one step per change), a bounded change history that watches resume from, and
//! container log lines per pod.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Arc;

use serde_json::{Value, json};

use super::resources::Resource;
use crate::contract::event::SourceEvent;
use crate::domain::Millis;

/// What happened to an object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    Added,
    Modified,
    Deleted,
}

impl ChangeKind {
    pub fn word(self) -> &'static str {
        match self {
            ChangeKind::Added => "ADDED",
            ChangeKind::Modified => "MODIFIED",
            ChangeKind::Deleted => "DELETED",
        }
    }
}

/// One entry of the change history.
#[derive(Debug, Clone)]
pub struct Change {
    pub rv: u64,
    pub res: usize,
    pub kind: ChangeKind,
    pub object: Arc<Value>,
}

/// Namespace and name; the namespace is empty for cluster-scoped objects.
pub type Key = (String, String);

/// One logged line: event time, container, text.
#[derive(Debug, Clone)]
pub struct StoredLine {
    pub at_ms: Millis,
    pub container: String,
    pub line: String,
}

#[derive(Debug, Default)]
struct LogBuf {
    /// Absolute index of `lines[0]`.
    first: u64,
    lines: VecDeque<StoredLine>,
}

/// Lines kept per pod.
pub const MAX_LOG_LINES: usize = 50_000;

/// The object store.
#[derive(Debug)]
pub struct Store {
    pub resources: Vec<Resource>,
    objects: Vec<BTreeMap<Key, Arc<Value>>>,
    history: VecDeque<Change>,
    max_history: usize,
    rv: u64,
    /// Every change at or below this resourceVersion has left the history.
    compacted: u64,
    logs: HashMap<Key, LogBuf>,
    synth_namespaces: bool,
}

/// The watch asked for a resourceVersion the history no longer holds (or never will).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expired {
    pub requested: u64,
    pub oldest: u64,
}

impl Store {
    pub fn new(resources: Vec<Resource>, synth_namespaces: bool, max_history: usize) -> Self {
        let objects = resources.iter().map(|_| BTreeMap::new()).collect();
        Store {
            resources,
            objects,
            history: VecDeque::new(),
            max_history: max_history.max(1),
            rv: 0,
            compacted: 0,
            logs: HashMap::new(),
            synth_namespaces,
        }
    }

    /// The current resourceVersion.
    pub fn rv(&self) -> u64 {
        self.rv
    }

    /// Index of the resource served under `group/version/plural`.
    pub fn find(&self, group: &str, version: &str, plural: &str) -> Option<usize> {
        self.resources
            .iter()
            .position(|r| r.group == group && r.version == version && r.plural == plural)
    }

    fn find_kind(&self, api_version: &str, kind: &str) -> Option<usize> {
        self.resources
            .iter()
            .position(|r| r.api_version() == api_version && r.kind == kind)
    }

    fn record(&mut self, res: usize, kind: ChangeKind, object: Arc<Value>) {
        self.history.push_back(Change {
            rv: self.rv,
            res,
            kind,
            object,
        });
        while self.history.len() > self.max_history {
            if let Some(c) = self.history.pop_front() {
                self.compacted = c.rv;
            }
        }
    }

    fn put(&mut self, res: usize, key: Key, mut object: Value) {
        self.rv += 1;
        if let Some(meta) = object.get_mut("metadata").and_then(Value::as_object_mut) {
            meta.insert("resourceVersion".into(), Value::String(self.rv.to_string()));
        }
        let object = Arc::new(object);
        let kind = match self.objects[res].insert(key, object.clone()) {
            Some(_) => ChangeKind::Modified,
            None => ChangeKind::Added,
        };
        self.record(res, kind, object);
    }

    /// Fold one scenario event in. Metrics, NVML snapshots and health changes are not API
    /// objects and are ignored.
    pub fn apply(&mut self, at_ms: Millis, ev: SourceEvent) {
        match ev {
            SourceEvent::Upsert { object } => {
                let s = |p: &str| object.pointer(p).and_then(Value::as_str).unwrap_or("");
                let Some(res) = self.find_kind(s("/apiVersion"), s("/kind")) else {
                    return;
                };
                let ns = if self.resources[res].namespaced {
                    s("/metadata/namespace").to_string()
                } else {
                    String::new()
                };
                if !ns.is_empty() {
                    self.ensure_namespace(&ns);
                }
                let key = (ns, s("/metadata/name").to_string());
                self.put(res, key, object);
            }
            SourceEvent::Delete {
                api_version,
                object_kind,
                namespace,
                name,
            } => {
                let Some(res) = self.find_kind(&api_version, &object_kind) else {
                    return;
                };
                let key = (namespace.unwrap_or_default(), name);
                if let Some(old) = self.objects[res].remove(&key) {
                    self.rv += 1;
                    let mut obj = (*old).clone();
                    if let Some(meta) = obj.get_mut("metadata").and_then(Value::as_object_mut) {
                        meta.insert("resourceVersion".into(), Value::String(self.rv.to_string()));
                    }
                    self.record(res, ChangeKind::Deleted, Arc::new(obj));
                }
            }
            SourceEvent::Log {
                namespace,
                pod,
                container,
                line,
            } => {
                let buf = self.logs.entry((namespace, pod)).or_default();
                buf.lines.push_back(StoredLine {
                    at_ms,
                    container,
                    line,
                });
                while buf.lines.len() > MAX_LOG_LINES {
                    buf.lines.pop_front();
                    buf.first += 1;
                }
            }
            SourceEvent::Metric { .. }
            | SourceEvent::Nvml { .. }
            | SourceEvent::SourceHealth { .. } => {}
        }
    }

    fn ensure_namespace(&mut self, ns: &str) {
        if !self.synth_namespaces {
            return;
        }
        let Some(res) = self.find("", "v1", "namespaces") else {
            return;
        };
        let key = (String::new(), ns.to_string());
        if !self.objects[res].contains_key(&key) {
            let obj = json!({"apiVersion": "v1", "kind": "Namespace",
                "metadata": {"name": ns}, "spec": {"finalizers": ["kubernetes"]},
                "status": {"phase": "Active"}});
            self.put(res, key, obj);
        }
    }

    /// Up to `limit` objects of `res` (in namespace `ns` when given), in key order, strictly
    /// after `after`, that `keep` accepts; plus the key to continue after when more remain.
    pub fn list(
        &self,
        res: usize,
        ns: Option<&str>,
        after: Option<&Key>,
        limit: usize,
        keep: impl Fn(&Value) -> bool,
    ) -> (Vec<Arc<Value>>, Option<Key>) {
        use std::ops::Bound;
        let lower = match (after, ns) {
            (Some(k), _) => Bound::Excluded(k.clone()),
            (None, Some(ns)) => Bound::Included((ns.to_string(), String::new())),
            (None, None) => Bound::Unbounded,
        };
        let mut out = Vec::new();
        let mut last = None;
        for (k, v) in self.objects[res].range((lower, Bound::Unbounded)) {
            if ns.is_some_and(|ns| k.0 != ns) {
                break;
            }
            if !keep(v) {
                continue;
            }
            if out.len() == limit {
                return (out, last);
            }
            out.push(v.clone());
            last = Some(k.clone());
        }
        (out, None)
    }

    pub fn get(&self, res: usize, ns: &str, name: &str) -> Option<Arc<Value>> {
        self.objects[res]
            .get(&(ns.to_string(), name.to_string()))
            .cloned()
    }

    /// Changes of `res` after resourceVersion `from`.
    pub fn changes_since(&self, res: usize, from: u64) -> Result<Vec<Change>, Expired> {
        if from < self.compacted || from > self.rv {
            return Err(Expired {
                requested: from,
                oldest: self.compacted + 1,
            });
        }
        let start = self.history.partition_point(|c| c.rv <= from);
        Ok(self
            .history
            .range(start..)
            .filter(|c| c.res == res)
            .cloned()
            .collect())
    }

    /// Log lines of a pod from absolute position `from` on, for `container` (lines recorded
    /// without a container name match any); returns the lines and the next position.
    pub fn log_lines(
        &self,
        ns: &str,
        pod: &str,
        container: Option<&str>,
        from: u64,
    ) -> (Vec<StoredLine>, u64) {
        let Some(buf) = self.logs.get(&(ns.to_string(), pod.to_string())) else {
            return (Vec::new(), from);
        };
        let end = buf.first + buf.lines.len() as u64;
        let start = from.max(buf.first);
        let lines = buf
            .lines
            .range((start - buf.first) as usize..)
            .filter(|l| container.is_none_or(|c| l.container.is_empty() || l.container == c))
            .cloned()
            .collect();
        (lines, end)
    }

    /// Absolute position one past the newest line of a pod.
    pub fn log_end(&self, ns: &str, pod: &str) -> u64 {
        self.logs
            .get(&(ns.to_string(), pod.to_string()))
            .map_or(0, |b| b.first + b.lines.len() as u64)
    }
}

#[cfg(test)]
#[path = "store_tests.rs"]
mod tests;
