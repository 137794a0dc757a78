//! The NCCL lens over one visible log line: where the NCCL level word, the subsystem and the
//! message start (so the pane can colour them), the `-> N` return-code chain folded under a WARN
//! with the last `ncclResult_t` decoded, an InfiniBand completion status decoded, and the
//! classifier finding that starts on the line. Worked out lazily for the lines the log viewer
//! shows (a bounded look-ahead for the chain), never for every stored line.

use crate::domain::LogLine;
use crate::training::derive::nccl::SignatureHit;
use crate::training::derive::nccl::codes;
use crate::training::derive::nccl::line::{self, NcclLevel, parse_retcode};
use crate::training::log_intel::{LineKind, LineMeta, LogIntel};
use crate::world::log_store::LogStore;

/// Most lines looked at after a WARN for its return-code chain.
const CHAIN_LOOKAHEAD: u64 = 64;

/// Byte offsets of an NCCL debug line's parts in the line's text: what comes before the level
/// word (launcher prefixes, host, pid, device), the level word up to the message, an optional
/// subsystem (`NET/IB`) at the start of the message, then the rest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NcclSegments {
    /// Where the level word (`NCCL WARN`) starts.
    pub level_at: usize,
    /// Where the message starts.
    pub msg_at: usize,
    pub level: NcclLevel,
    /// Where the subsystem at the start of the message ends, when there is one.
    pub subsys_end: Option<usize>,
}

/// What the lens says about one line.
#[derive(Debug, Clone, PartialEq)]
pub struct LineLens<'a> {
    /// The line's NCCL parts, when it is an NCCL debug line.
    pub nccl: Option<NcclSegments>,
    /// The folded return-code chain under a WARN: `a.cc:1 -> 2, b.cc:9 -> 2 · ncclSystemError:
    /// ...` (only while return-code lines are folded).
    pub chain: Option<String>,
    /// A non-success `status=N` decoded: `status=4 is IBV_WC_LOC_PROT_ERR: ...`.
    pub ibv_status: Option<String>,
    /// The classifier finding that starts on this line.
    pub finding: Option<&'a SignatureHit>,
}

/// The NCCL parts of `text`, if it is an NCCL debug line.
fn nccl_segments(text: &str) -> Option<NcclSegments> {
    let body_at = text.len() - line::strip_prefixes(text).body.len();
    let body = &text[body_at..];
    let n = line::parse_nccl(body)?;
    let lvl = memchr::memmem::find(body.as_bytes(), b" NCCL ")?;
    let msg_at = text.len() - n.msg.len();
    Some(NcclSegments {
        level_at: body_at + lvl + 1,
        msg_at,
        level: n.level,
        subsys_end: n.subsys.map(|s| msg_at + s.len()),
    })
}

/// The `-> N` lines of `pod` right after line `seq`: (where, code), in order.
fn retcode_chain(store: &LogStore, intel: &LogIntel, seq: u64, pod: &str) -> Vec<(String, u32)> {
    let mut chain = Vec::new();
    for s in seq + 1..seq + 1 + CHAIN_LOOKAHEAD {
        let Some(l) = store
            .lines()
            .get(usize::try_from(s.saturating_sub(store.dropped)).unwrap_or(usize::MAX))
        else {
            break;
        };
        if l.pod != pod {
            continue;
        }
        if intel.meta(s).map(|m| m.kind) != Some(LineKind::RetCode) {
            break;
        }
        let body = line::strip_prefixes(&l.line).body;
        if let Some(rc) = line::parse_nccl(body).and_then(|n| parse_retcode(n.msg)) {
            chain.push((rc.at.to_string(), rc.code));
        }
    }
    chain
}

/// The chain after WARN line `seq` as one text, the last code decoded.
fn chain_text(store: &LogStore, intel: &LogIntel, seq: u64, pod: &str) -> Option<String> {
    let chain = retcode_chain(store, intel, seq, pod);
    let &(_, code) = chain.last()?;
    let links: Vec<String> = chain.iter().map(|(a, c)| format!("{a} -> {c}")).collect();
    let meaning = codes::nccl_result(code)
        .map(|(n, m)| format!(" · {n}: {m}"))
        .unwrap_or_default();
    Some(format!("{}{meaning}", links.join(", ")))
}

/// A non-success InfiniBand completion status named by `status=N` in `text`, decoded.
fn ibv_status(text: &str) -> Option<String> {
    let i = text.find("status=")?;
    let n: String = text[i + 7..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    let (name, m) = n.parse().ok().and_then(codes::ibv_wc_status)?;
    (name != "IBV_WC_SUCCESS").then(|| format!("status={n} is {name}: {m}"))
}

/// What the lens says about line `seq` (`l`, classified `meta`) of the store; `fold`: the
/// viewer hides return-code lines, so their chain goes under the WARN they follow.
pub fn explain<'a>(
    store: &LogStore,
    intel: &'a LogIntel,
    seq: u64,
    l: &LogLine,
    meta: LineMeta,
    fold: bool,
) -> LineLens<'a> {
    let chain = (meta.kind == LineKind::Warn && fold)
        .then(|| chain_text(store, intel, seq, &l.pod))
        .flatten();
    let finding = (meta.rule > 0)
        .then(|| {
            let p = intel.pod(&l.namespace, &l.pod)?;
            let i = p
                .findings
                .binary_search_by_key(&(seq + 1), |f| f.line_no)
                .ok()?;
            p.findings.get(i)
        })
        .flatten();
    LineLens {
        nccl: nccl_segments(&l.line),
        chain,
        ibv_status: ibv_status(&l.line),
        finding,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_of_an_nccl_warn() {
        let text = "[rank3]: host:12:34 [0] NCCL WARN NET/IB : got completion";
        let s = nccl_segments(text).expect("an NCCL line");
        assert_eq!(&text[s.level_at..s.msg_at], "NCCL WARN ");
        assert_eq!(s.level, NcclLevel::Warn);
        let end = s.subsys_end.expect("a subsystem");
        assert_eq!(&text[s.msg_at..end], "NET/IB");
        assert!(nccl_segments("step 10 loss 2.1").is_none());
    }

    #[test]
    fn ibv_status_names_only_failures() {
        let s = ibv_status("completion with error status=12 vendor_err=129");
        assert!(
            s.as_deref()
                .is_some_and(|s| s.starts_with("status=12 is IBV_WC_RETRY_EXC_ERR: ")),
            "{s:?}"
        );
        assert_eq!(ibv_status("status=0"), None);
        assert_eq!(ibv_status("no status here"), None);
    }
}
