//! Log intelligence kept beside the world's byte-bounded `LogStore`: a per-line classification
//! (level, return-code line, first line of a classifier finding) computed once when the line is
//! ingested, and per-pod NCCL state (init, transport IB or Socket, fallback, warnings) with the
//! pod's streaming classifier and its findings, and the global ranks its log prefixes name.
//! Updated incrementally from the lines that arrived since the last refresh, never per frame.
//! Four bytes per line on top of the store.

use std::collections::{HashMap, VecDeque};

use crate::domain::severity::Severity;
use crate::settings::rules::RulesError;
use crate::settings::signatures::Signatures;
use crate::training::derive::nccl::line::{self, NcclLevel};
use crate::training::derive::nccl::{Scanner, SignatureHit, pod_source};
use crate::training::derive::ranks;
use crate::world::log_store::LogStore;

/// What a line is, for colouring and navigation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LineKind {
    #[default]
    Plain,
    Info,
    Trace,
    /// `file.cc:123 -> N`: folded under the WARN it follows.
    RetCode,
    Warn,
    Error,
}

/// The precomputed classification of one stored line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LineMeta {
    pub kind: LineKind,
    /// 1 + index of the signature rule whose finding starts on this line (0: none).
    pub rule: u16,
}

/// Transport NCCL chose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    Ib,
    Socket,
}

impl Transport {
    pub fn label(self) -> &'static str {
        match self {
            Transport::Ib => "IB",
            Transport::Socket => "Socket",
        }
    }
}

/// NCCL's state in one pod, from its log.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NcclState {
    /// `Init START` seen / `Init COMPLETE` seen (for the newest communicator).
    pub init_started: bool,
    pub init_complete: bool,
    pub transport: Option<Transport>,
    /// The transport went from IB to Socket at some point.
    pub fell_back: bool,
    pub warns: u32,
    pub version: Option<String>,
}

/// Everything known about one pod's log.
#[derive(Debug, Clone)]
pub struct PodIntel {
    scanner: Scanner<'static>,
    /// Findings so far (overridden ones dropped), in line order; `line_no - 1` is the seq.
    pub findings: Vec<SignatureHit>,
    pub nccl: NcclState,
    pub lines: u64,
    /// Global ranks the pod's log prefixes name (`[rankN]:`), sorted (`derive::ranks`).
    pub ranks: Vec<u32>,
}

impl PartialEq for PodIntel {
    fn eq(&self, o: &Self) -> bool {
        self.findings == o.findings
            && self.nccl == o.nccl
            && self.lines == o.lines
            && self.ranks == o.ranks
    }
}

impl PodIntel {
    /// The most severe finding (the first of them).
    pub fn worst(&self) -> Option<&SignatureHit> {
        let max = self.findings.iter().map(|f| f.severity).max()?;
        self.findings.iter().find(|f| f.severity == max)
    }

    pub fn critical(&self) -> Option<&SignatureHit> {
        self.findings
            .iter()
            .find(|f| f.severity == Severity::Critical)
    }
}

/// Classification beside the log store, by sequence number (`LogStore::dropped` is the
/// sequence number of its oldest line).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LogIntel {
    front: u64,
    meta: VecDeque<LineMeta>,
    pub pods: HashMap<(String, String), PodIntel>,
    /// Why classification is off (the signature rules failed to load).
    pub unavailable: Option<String>,
}

fn looks_error(b: &str) -> bool {
    let head = b.trim_start().as_bytes();
    let glog_e = head.len() > 5 && (head[0] == b'E' || head.starts_with(b"[E")) && {
        let d = if head[0] == b'[' {
            &head[2..]
        } else {
            &head[1..]
        };
        d.len() > 4 && d[..4].iter().all(u8::is_ascii_digit)
    };
    glog_e
        || b.contains("Traceback")
        || b.contains("terminate called")
        || b.contains("Error:")
        || b.contains("ERROR")
        || b.contains("FATAL")
}

/// The line's kind and, for NCCL lines, what it says about the pod's NCCL state.
pub fn classify_line(text: &str, st: Option<&mut NcclState>) -> LineKind {
    let body = line::strip_prefixes(text).body;
    if memchr::memmem::find(body.as_bytes(), b"NCCL ").is_some()
        && let Some(n) = line::parse_nccl(body)
    {
        return match n.level {
            NcclLevel::Info => {
                if line::parse_retcode(n.msg).is_some() {
                    return LineKind::RetCode;
                }
                if let Some(st) = st {
                    nccl_info(st, n.msg);
                }
                LineKind::Info
            }
            NcclLevel::Warn => {
                if let Some(st) = st {
                    st.warns += 1;
                }
                LineKind::Warn
            }
            NcclLevel::Trace | NcclLevel::Call => LineKind::Trace,
            NcclLevel::Abort => LineKind::Error,
        };
    }
    if looks_error(body) {
        LineKind::Error
    } else if body.contains("WARN") || body.contains("Warning") {
        LineKind::Warn
    } else {
        LineKind::Plain
    }
}

fn nccl_info(st: &mut NcclState, msg: &str) {
    if msg.ends_with("Init START") {
        st.init_started = true;
        st.init_complete = false;
    } else if msg.ends_with("Init COMPLETE") {
        st.init_complete = true;
    } else if let Some(v) = msg.strip_prefix("NCCL version ") {
        st.version = v.split(' ').next().map(str::to_string);
    }
    let net = msg
        .strip_prefix("Using network ")
        .or_else(|| msg.strip_prefix("Assigned NET plugin "))
        .or_else(|| msg.strip_prefix("Initialized NET plugin "));
    let t = match net.map(|n| n.split(' ').next().unwrap_or(n)) {
        Some("IB") => Some(Transport::Ib),
        Some("Socket") => Some(Transport::Socket),
        _ => None,
    };
    if let Some(t) = t {
        if st.transport == Some(Transport::Ib) && t == Transport::Socket {
            st.fell_back = true;
        }
        st.transport = Some(t);
    }
}

impl LogIntel {
    /// Classify the lines that arrived in `store` since the last call with the signature rules
    /// in force (the state's rule data).
    pub fn ingest(
        &mut self,
        store: &LogStore,
        signatures: Result<&'static Signatures, &'static RulesError>,
    ) {
        let front = store.dropped;
        let total = front + store.lines().len() as u64;
        let mut next = self.front + self.meta.len() as u64;
        if total < next {
            // The store was replaced (world reset): start over.
            *self = LogIntel::default();
            next = 0;
        }
        while self.front < front && self.meta.pop_front().is_some() {
            self.front += 1;
        }
        if next < front || self.meta.is_empty() {
            self.front = front.max(next);
            next = self.front;
        }
        let sigs = match signatures {
            Ok(s) => Some(s),
            Err(e) => {
                self.unavailable = Some(format!("signature rules: {e}"));
                None
            }
        };
        let mut touched: Vec<(String, String)> = Vec::new();
        for seq in next..total {
            let Some(l) = store.lines().get((seq - front) as usize) else {
                break;
            };
            let key = (l.namespace.clone(), l.pod.clone());
            let pod = match self.pods.get_mut(&key) {
                Some(p) => p,
                None => {
                    let Some(s) = sigs else {
                        self.meta.push_back(LineMeta {
                            kind: classify_line(&l.line, None),
                            rule: 0,
                        });
                        continue;
                    };
                    let src = pod_source(&l.namespace, &l.pod, &l.container);
                    self.pods.entry(key.clone()).or_insert(PodIntel {
                        scanner: Scanner::new(s, src),
                        findings: Vec::new(),
                        nccl: NcclState::default(),
                        lines: 0,
                        ranks: Vec::new(),
                    })
                }
            };
            pod.lines += 1;
            ranks::note_log_rank(&mut pod.ranks, &l.line);
            let mut kind = classify_line(&l.line, Some(&mut pod.nccl));
            let before = pod.scanner.findings().len();
            pod.scanner.feed_str(seq + 1, &l.line);
            let mut rule = 0;
            if pod.scanner.findings().len() > before {
                if let (Some(f), Some(s)) = (pod.scanner.findings().last(), sigs) {
                    rule = s
                        .rules()
                        .iter()
                        .position(|r| r.id == f.id)
                        .map_or(0, |i| (i + 1).min(u16::MAX as usize) as u16);
                    if f.severity == Severity::Critical && kind != LineKind::Warn {
                        kind = LineKind::Error;
                    }
                }
                if !touched.contains(&key) {
                    touched.push(key);
                }
            }
            self.meta.push_back(LineMeta { kind, rule });
        }
        for key in touched {
            if let Some(p) = self.pods.get_mut(&key) {
                p.findings = p.scanner.snapshot().findings;
            }
        }
    }

    /// The classification of the line with sequence number `seq`, if still stored.
    pub fn meta(&self, seq: u64) -> Option<LineMeta> {
        let i = seq.checked_sub(self.front)?;
        self.meta.get(usize::try_from(i).ok()?).copied()
    }

    /// Lines classified (and still stored).
    pub fn len(&self) -> usize {
        self.meta.len()
    }

    pub fn is_empty(&self) -> bool {
        self.meta.is_empty()
    }

    pub fn pod(&self, namespace: &str, pod: &str) -> Option<&PodIntel> {
        self.pods.get(&(namespace.to_string(), pod.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::LogLine;

    fn sigs() -> Result<&'static Signatures, &'static RulesError> {
        crate::settings::rules::Rules::builtin().map(|r| &r.signatures)
    }

    fn push(s: &mut LogStore, pod: &str, line: &str) {
        s.push(LogLine {
            at_ms: 0,
            namespace: "ml".into(),
            pod: pod.into(),
            container: "c".into(),
            line: line.into(),
        });
    }

    #[test]
    fn classifies_incrementally_and_tracks_transport() {
        let mut store = LogStore::default();
        let mut intel = LogIntel::default();
        push(&mut store, "w0", "h:1:1 [0] NCCL INFO Using network IB");
        push(&mut store, "w0", "h:1:1 [0] NCCL INFO x - Init COMPLETE");
        intel.ingest(&store, sigs());
        assert_eq!(intel.len(), 2);
        let st = &intel.pod("ml", "w0").expect("pod").nccl;
        assert_eq!(
            (st.transport, st.init_complete),
            (Some(Transport::Ib), true)
        );
        push(&mut store, "w0", "h:1:1 [0] NCCL INFO Using network Socket");
        push(
            &mut store,
            "w0",
            "h:1:2 [0] misc/socket.cc:50 NCCL WARN boom",
        );
        push(
            &mut store,
            "w0",
            "h:1:2 [0] NCCL INFO misc/socket.cc:564 -> 2",
        );
        intel.ingest(&store, sigs());
        let st = &intel.pod("ml", "w0").expect("pod").nccl;
        assert!(st.fell_back && st.warns == 1);
        assert_eq!(intel.meta(3).map(|m| m.kind), Some(LineKind::Warn));
        assert_eq!(intel.meta(4).map(|m| m.kind), Some(LineKind::RetCode));
        assert_eq!(intel.meta(5), None);
    }

    #[test]
    fn findings_mark_their_first_line_and_drops_follow_the_store() {
        let mut store = LogStore::with_max_bytes(2000);
        let mut intel = LogIntel::default();
        let wd = "[rank1]:[E1122 10:38:30.438988897 ProcessGroupNCCL.cpp:2027] [PG ID 0 PG GUID 0(default_pg) Rank 1] Exception (either an error or timeout) detected by watchdog at work: 897, last enqueued NCCL work: 897, last completed NCCL work: 896.";
        push(&mut store, "w1", wd);
        intel.ingest(&store, sigs());
        let m = intel.meta(0).expect("meta");
        assert!(m.rule > 0, "the watchdog line starts a finding");
        let pod = intel.pod("ml", "w1").expect("pod");
        assert!(pod.critical().is_some());
        for _ in 0..100 {
            push(&mut store, "w1", "plain progress line");
        }
        intel.ingest(&store, sigs());
        assert_eq!(intel.len(), store.lines().len());
        assert!(intel.meta(0).is_none(), "dropped with the store");
        assert_eq!(
            intel.meta(store.dropped + 1).map(|m| m.kind),
            Some(LineKind::Plain)
        );
    }
}
