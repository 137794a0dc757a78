//! The scanner's memo of lines that only repeated existing findings: a later identical line
//! (same text, same rank context) replays the recorded effect without running the regexes,
//! provided every rule would take the same path again (merged into the same finding within the
//! rule's window, or counted as a repeat of the finding first seen with these fields).

use super::{Scanner, SignatureHit};

/// What a memoised line did for one rule: the rule, the rank, the finding it was merged into or
/// repeated, and the finding its exact fields were first seen in (for repeats).
#[derive(Debug, Clone, Copy)]
pub(super) struct Repeat {
    pub ri: usize,
    pub rank: Option<u32>,
    pub target: usize,
    pub seen: Option<usize>,
}

/// A memoised line's effect for one base rank.
pub(super) type MemoEntry = (Option<u32>, Vec<Repeat>);

/// Most distinct lines memoised per source (the memo is cleared when full).
const MEMO_MAX: usize = 4096;

pub(super) fn bump_repeat(f: &mut SignatureHit, line_no: u64) {
    let n = f.fields.get("repeats").and_then(|v| v.parse::<u64>().ok());
    f.fields
        .insert("repeats".into(), (n.unwrap_or(0) + 1).to_string());
    f.fields.insert("last_line".into(), line_no.to_string());
}

impl Scanner<'_> {
    /// Replay a memoised line; `false` when the line is unknown or a rule would now take a
    /// different path (the caller then runs the full classification).
    pub(super) fn replay(&mut self, body: &str, base_rank: Option<u32>, line_no: u64) -> bool {
        let Some(reps) = self
            .memo
            .get(body)
            .and_then(|e| e.iter().find(|(r, _)| *r == base_rank))
            .map(|(_, reps)| reps)
        else {
            return false;
        };
        let mut plan: Vec<(usize, Option<u32>, usize, bool)> = Vec::with_capacity(reps.len());
        for h in reps {
            let window = self.sigs.rules()[h.ri].merge_lines;
            let recent = self
                .last_of
                .get(&(h.ri, h.rank))
                .filter(|(_, last)| window > 0 && line_no.saturating_sub(*last) <= window);
            match (recent, h.seen) {
                (Some(&(idx, _)), _) if idx == h.target => plan.push((h.ri, h.rank, idx, false)),
                (Some(_), _) | (None, None) => return false,
                (None, Some(seen)) => plan.push((h.ri, h.rank, seen, true)),
            }
        }
        for (ri, rank, idx, bump) in plan {
            if bump && let Some(f) = self.out.findings.get_mut(idx) {
                bump_repeat(f, line_no);
            }
            self.last_of.insert((ri, rank), (idx, line_no));
        }
        true
    }

    /// Remember that `body` (in this rank context) only merged into or repeated findings.
    pub(super) fn remember(&mut self, body: &str, base_rank: Option<u32>, repeats: Vec<Repeat>) {
        if self.memo.len() >= MEMO_MAX {
            self.memo.clear();
        }
        self.memo
            .entry(body.to_string())
            .or_default()
            .push((base_rank, repeats));
    }
}
