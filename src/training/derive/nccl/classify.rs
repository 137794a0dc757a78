//! The classifier: runs the signature rules over a stream of log lines from one source and
//! produces `SignatureHit`s. Keeps the little per-source context that makes findings useful: which
//! NCCL process is which rank (from `Init START` lines), the NCCL version, the return-code chain
//! (`file.cc:123 -> 5`) folded under the WARN it follows, and merging of the several lines one
//! failure prints. Pure and streaming; bounded memory apart from the findings themselves.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

use memchr::memmem;
use serde::Serialize;

use super::codes;
use super::line::{self, MAX_LINE, NcclLevel};
use crate::domain::severity::Severity;
use crate::settings::signatures::Signatures;

#[path = "classify_memo.rs"]
mod memo;
use crate::training::derive::nccl::classify::memo::{MemoEntry, Repeat};

/// Longest excerpt kept in a finding (characters).
pub const MAX_EXCERPT: usize = 400;
/// Most findings kept per source; later ones are counted in `dropped`.
pub const MAX_FINDINGS: usize = 100_000;

/// One line a signature rule recognised: a failure (or notable fact) in a log, with the fields
/// the rule extracted. Triage turns hits into findings; this is not a triage `Finding`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SignatureHit {
    pub id: String,
    pub severity: Severity,
    /// File path, `-` for stdin, or `namespace/pod/container`.
    pub source: String,
    /// 1-based line number of the first line of the finding.
    pub line_no: u64,
    pub rank: Option<u32>,
    /// The timestamp printed on the line, as printed (normalised for glog forms).
    pub timestamp: Option<String>,
    /// Sort key in ms for wall-clock timestamps (comparable across forms of the same year).
    #[serde(skip)]
    pub ts_key: Option<u64>,
    pub excerpt: String,
    pub explanation: String,
    pub fields: BTreeMap<String, String>,
}

/// What one source produced.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourceScan {
    pub findings: Vec<SignatureHit>,
    pub lines: u64,
    pub bytes: u64,
    /// Findings not kept because of `MAX_FINDINGS`.
    pub dropped: u64,
}

/// Streaming classifier for one source.
#[derive(Debug, Clone)]
pub struct Scanner<'s> {
    sigs: &'s Signatures,
    source: String,
    out: SourceScan,
    rule_of: Vec<usize>,
    pid_rank: HashMap<u32, u32>,
    pid_version: HashMap<u32, String>,
    last_warn: HashMap<u32, usize>,
    last_of: HashMap<(usize, Option<u32>), (usize, u64)>,
    seen: HashMap<(usize, Option<u32>, Option<u32>, String), usize>,
    /// Lines seen before that only repeated existing findings: body -> (base rank, what to
    /// bump: rule, finding index, rank). A repeat of such a line skips the regexes.
    memo: HashMap<String, Vec<MemoEntry>>,
    nccl_finder: memmem::Finder<'static>,
}

fn cap_chars(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

/// `[Rank 3]`, `[PG ID 0 PG GUID 0(default_pg) Rank 3]`.
fn pg_rank(body: &str) -> Option<u32> {
    let i = body.find("Rank ")?;
    let rest = &body[i + 5..];
    let n = rest.bytes().take_while(u8::is_ascii_digit).count();
    if n == 0 || n > 6 || !rest[n..].starts_with(']') {
        return None;
    }
    rest[..n].parse().ok()
}

fn nccl_version_in(body: &str) -> Option<&str> {
    let i = body.find("NCCL version ")?;
    let v = body[i + 13..].split([' ', ',', '\t']).next()?;
    (!v.is_empty() && v.as_bytes()[0].is_ascii_digit()).then_some(v)
}

fn decode_fields(fields: &mut BTreeMap<String, String>) {
    let num = |f: &BTreeMap<String, String>, k: &str| f.get(k).and_then(|v| v.parse::<u32>().ok());
    if let Some(x) = num(fields, "xid").and_then(codes::xid) {
        fields.insert("xid_meaning".into(), x.into());
    }
    if let Some((n, m)) = num(fields, "ib_status")
        .or_else(|| num(fields, "cqe_status"))
        .and_then(codes::ibv_wc_status)
    {
        fields.insert("ib_status_name".into(), n.into());
        fields.insert("ib_status_meaning".into(), m.into());
    }
    if let Some((n, m)) = num(fields, "nccl_code").and_then(codes::nccl_result) {
        fields.insert("nccl_result".into(), n.into());
        fields.insert("nccl_result_meaning".into(), m.into());
    }
}

impl<'s> Scanner<'s> {
    pub fn new(sigs: &'s Signatures, source: impl Into<String>) -> Self {
        Scanner {
            sigs,
            source: source.into(),
            out: SourceScan::default(),
            rule_of: Vec::new(),
            pid_rank: HashMap::new(),
            pid_version: HashMap::new(),
            last_warn: HashMap::new(),
            last_of: HashMap::new(),
            seen: HashMap::new(),
            memo: HashMap::new(),
            nccl_finder: memmem::Finder::new(b"NCCL ").into_owned(),
        }
    }

    /// Feed one line (without or with its newline) as raw bytes; invalid UTF-8 is replaced and
    /// lines longer than `MAX_LINE` are cut.
    pub fn feed(&mut self, line_no: u64, raw: &[u8]) {
        self.out.lines += 1;
        self.out.bytes += raw.len() as u64;
        let raw = &raw[..raw.len().min(MAX_LINE)];
        let text: Cow<'_, str> = match std::str::from_utf8(raw) {
            Ok(t) => Cow::Borrowed(t),
            Err(_) => String::from_utf8_lossy(raw),
        };
        self.classify(line_no, &text);
    }

    /// Feed one line of text.
    pub fn feed_str(&mut self, line_no: u64, text: &str) {
        self.feed(line_no, text.as_bytes());
    }

    fn classify(&mut self, line_no: u64, text: &str) {
        let pre = line::strip_prefixes(text);
        let body = pre.body;
        let mut nccl = None;
        if self.nccl_finder.find(body.as_bytes()).is_some() {
            nccl = line::parse_nccl(body);
        }
        if let Some(n) = &nccl
            && n.level == NcclLevel::Info
        {
            if let Some(rc) = line::parse_retcode(n.msg) {
                self.fold_retcode(n.pid, rc);
                return;
            }
            if let Some(v) = n.msg.strip_prefix("NCCL version ") {
                let v = v.split(' ').next().unwrap_or(v);
                self.pid_version.insert(n.pid, v.to_string());
            } else if n.msg.contains(" nranks ")
                && n.msg.contains("Init START")
                && let Some(r) = n
                    .msg
                    .split(" rank ")
                    .nth(1)
                    .and_then(|s| s.split(' ').next().and_then(|d| d.parse::<u32>().ok()))
            {
                self.pid_rank.insert(n.pid, r);
            }
        }
        if !self.sigs.may_match(body) {
            return;
        }
        let base_rank = pre
            .rank
            .or_else(|| {
                nccl.as_ref()
                    .and_then(|n| self.pid_rank.get(&n.pid).copied())
            })
            .or_else(|| pg_rank(body));
        let memoable = nccl.as_ref().is_none_or(|n| n.level != NcclLevel::Warn);
        if memoable && self.replay(body, base_rank, line_no) {
            return;
        }
        let hits = self.sigs.matching_unfiltered(body);
        if hits.is_empty() {
            return;
        }
        let mut repeats: Vec<Repeat> = Vec::new();
        let mut only_repeats = memoable;
        let stamp = nccl
            .as_ref()
            .and_then(|n| n.timestamp)
            .map(|t| line::timestamp(&format!("[{t}]")))
            .unwrap_or_else(|| line::timestamp(body));
        for (ri, pats) in hits {
            let rule = &self.sigs.rules()[ri];
            let mut fields = BTreeMap::new();
            for &pi in &pats {
                let Some(caps) = rule.regexes.get(pi).and_then(|re| re.captures(body)) else {
                    continue;
                };
                for name in &rule.fields {
                    if let Some(m) = caps.name(name) {
                        fields
                            .entry(name.clone())
                            .or_insert_with(|| cap_chars(m.as_str().trim(), MAX_EXCERPT));
                    }
                }
            }
            let mut rank = base_rank;
            if rank.is_none()
                && let Some(rf) = &rule.rank_field
            {
                rank = fields.get(rf).and_then(|v| v.parse().ok());
            }
            let same: Vec<&str> = rule
                .fields
                .iter()
                .filter_map(|n| fields.get(n).map(String::as_str))
                .collect();
            let seen_key = (ri, rank, nccl.as_ref().map(|n| n.pid), same.join("\u{1f}"));
            if let Some(n) = &nccl {
                fields.insert("host".into(), n.host.to_string());
                fields.insert("nccl_pid".into(), n.pid.to_string());
                if let Some(loc) = n.location {
                    fields.insert("nccl_location".into(), loc.to_string());
                }
                if let Some(v) = self.pid_version.get(&n.pid) {
                    fields.insert("nccl_version".into(), v.clone());
                }
            }
            if let Some(v) = nccl_version_in(body) {
                fields.insert("nccl_version".into(), v.to_string());
            }
            decode_fields(&mut fields);
            let key = (ri, rank);
            let seen_idx = self.seen.get(&seen_key).copied();
            if rule.merge_lines > 0
                && let Some(&(idx, last)) = self.last_of.get(&key)
                && line_no.saturating_sub(last) <= rule.merge_lines
            {
                if let Some(f) = self.out.findings.get_mut(idx) {
                    for (k, v) in fields {
                        f.fields.entry(k).or_insert(v);
                    }
                }
                self.last_of.insert(key, (idx, line_no));
                repeats.push(Repeat {
                    ri,
                    rank,
                    target: idx,
                    seen: seen_idx,
                });
                continue;
            }
            if let Some(&idx) = self.seen.get(&seen_key)
                && let Some(f) = self.out.findings.get_mut(idx)
            {
                memo::bump_repeat(f, line_no);
                self.last_of.insert(key, (idx, line_no));
                repeats.push(Repeat {
                    ri,
                    rank,
                    target: idx,
                    seen: Some(idx),
                });
                continue;
            }
            only_repeats = false;
            if self.out.findings.len() >= MAX_FINDINGS {
                self.out.dropped += 1;
                continue;
            }
            let idx = self.out.findings.len();
            self.out.findings.push(SignatureHit {
                id: rule.id.clone(),
                severity: rule.severity,
                source: self.source.clone(),
                line_no,
                rank,
                timestamp: stamp.as_ref().map(|s| s.0.clone()),
                ts_key: stamp.as_ref().and_then(|s| s.1),
                excerpt: cap_chars(body.trim(), MAX_EXCERPT),
                explanation: rule.explanation.clone(),
                fields,
            });
            self.rule_of.push(ri);
            self.last_of.insert(key, (idx, line_no));
            self.seen.insert(seen_key, idx);
            if let Some(n) = nccl.as_ref().filter(|n| n.level == NcclLevel::Warn) {
                self.last_warn.insert(n.pid, idx);
            }
        }
        if only_repeats && !repeats.is_empty() {
            self.remember(body, base_rank, repeats);
        }
    }

    fn fold_retcode(&mut self, pid: u32, rc: line::RetCode<'_>) {
        let Some(&idx) = self.last_warn.get(&pid) else {
            return;
        };
        let Some(f) = self.out.findings.get_mut(idx) else {
            return;
        };
        let link = format!("{} -> {}", rc.at, rc.code);
        let chain = f.fields.entry("call_chain".into()).or_default();
        if chain.split(", ").count() < 32 {
            if !chain.is_empty() {
                chain.push_str(", ");
            }
            chain.push_str(&link);
        }
        if !f.fields.contains_key("nccl_code") {
            f.fields.insert("nccl_code".into(), rc.code.to_string());
            decode_fields(&mut f.fields);
        }
    }

    /// Findings so far (before `finish` drops overridden ones).
    pub fn findings(&self) -> &[SignatureHit] {
        &self.out.findings
    }

    /// The findings `finish` would give now, without ending the stream.
    pub fn snapshot(&self) -> SourceScan {
        self.clone().finish()
    }

    /// Finish the source: drop findings overridden by a more specific finding in the same
    /// source for the same rank (or where either rank is unknown).
    pub fn finish(mut self) -> SourceScan {
        let mut present: HashMap<usize, Vec<Option<u32>>> = HashMap::new();
        for (f, &ri) in self.out.findings.iter().zip(&self.rule_of) {
            for &o in self.sigs.overridden_by(ri) {
                present.entry(o).or_default().push(f.rank);
            }
        }
        if !present.is_empty() {
            let rule_of = std::mem::take(&mut self.rule_of);
            let mut i = 0;
            self.out.findings.retain(|f| {
                let ri = rule_of[i];
                i += 1;
                !present.get(&ri).is_some_and(|ranks| {
                    ranks
                        .iter()
                        .any(|r| r.is_none() || f.rank.is_none() || *r == f.rank)
                })
            });
        }
        self.out
    }
}

/// Classify a piece of text (one or more lines) as one source.
pub fn classify_text(sigs: &Signatures, source: &str, text: &str) -> Vec<SignatureHit> {
    let mut s = Scanner::new(sigs, source);
    for (i, l) in text.lines().enumerate() {
        s.feed_str(i as u64 + 1, l);
    }
    s.finish().findings
}

/// The `source` name of a container's log stream: `namespace/pod/container`.
pub fn pod_source(namespace: &str, pod: &str, container: &str) -> String {
    format!("{namespace}/{pod}/{container}")
}
