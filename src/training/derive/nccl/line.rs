//! Line-level parsing of training logs: launcher prefixes (`[rank0]:`, `[1,2]<stdout>:`,
//! `(pid=123)`, torchrun `[default0]:`, srun `0: `), NCCL debug lines
//! (`host:pid:tid [dev] [file:line (func)] NCCL INFO|WARN|TRACE msg`, with or without the
//! `[YYYY-MM-DD HH:MM:SS]` stamp), NCCL return-code lines (`file.cc:123 -> 5`) and the timestamp
//! forms found in PyTorch, torchrun, HCCL and kernel logs. Pure functions; never panic.

/// Longest line (bytes) the analysis looks at; the rest of a longer line is ignored.
pub const MAX_LINE: usize = 64 * 1024;

/// A line with its launcher prefixes removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Prefixed<'a> {
    /// Rank named by a launcher prefix, when one was present.
    pub rank: Option<u32>,
    /// `rank` is a global rank: PyTorch's `[rankN]:` or mpirun's `[job,rank]<stdout>:`. Not for
    /// torchrun's `[defaultN]:` (a local rank) or srun's `N: ` (a task number).
    pub global: bool,
    /// The rest of the line.
    pub body: &'a str,
}

/// NCCL debug levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NcclLevel {
    Info,
    Warn,
    Trace,
    Call,
    Abort,
}

/// One parsed NCCL debug line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NcclLine<'a> {
    pub timestamp: Option<&'a str>,
    pub host: &'a str,
    pub pid: u32,
    pub tid: u32,
    pub dev: Option<u32>,
    /// `file.cc:line` and `(func)` before `NCCL WARN`, when printed.
    pub location: Option<&'a str>,
    pub level: NcclLevel,
    /// Leading topic of the message (`NET/IB`, `Bootstrap`, `ENV/Plugin` ...), when present.
    pub subsys: Option<&'a str>,
    pub msg: &'a str,
}

/// `file.cc:123 -> 5` (optionally followed by ` [Async thread]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetCode<'a> {
    pub at: &'a str,
    pub code: u32,
}

fn digits(s: &str) -> Option<u32> {
    if s.is_empty() || s.len() > 9 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Remove launcher prefixes (up to four stacked ones) and report the rank they name.
pub fn strip_prefixes(line: &str) -> Prefixed<'_> {
    let mut body = line.trim_end_matches(['\r', '\n']);
    let mut rank = None;
    let mut global = false;
    for _ in 0..4 {
        let trimmed = body.trim_start_matches(' ');
        if let Some(rest) = trimmed.strip_prefix('[') {
            let Some(close) = rest.find(']') else { break };
            let inner = &rest[..close];
            let after = &rest[close + 1..];
            if let Some(n) = inner.strip_prefix("rank").and_then(digits)
                && let Some(a) = after.strip_prefix(':')
            {
                rank = Some(n);
                global = true;
                body = a;
                continue;
            }
            if let Some(n) = inner.strip_prefix("default").and_then(digits)
                && let Some(a) = after.strip_prefix(':')
            {
                rank.get_or_insert(n);
                body = a;
                continue;
            }
            if let Some((job, r)) = inner.split_once(',')
                && digits(job).is_some()
                && digits(r).is_some()
            {
                let a = after
                    .strip_prefix("<stdout>:")
                    .or_else(|| after.strip_prefix("<stderr>:"));
                if let Some(a) = a {
                    rank = digits(r);
                    global = true;
                    body = a;
                    continue;
                }
            }
            break;
        } else if let Some(rest) = trimmed.strip_prefix('(') {
            let Some(close) = rest.find(')') else { break };
            let inner = &rest[..close];
            if inner.starts_with("pid=") || inner.contains(" pid=") {
                body = rest[close + 1..].trim_start_matches(' ');
                continue;
            }
            break;
        } else {
            // srun -l: "12: rest"
            let n_end = trimmed.bytes().take_while(u8::is_ascii_digit).count();
            if n_end > 0 && n_end <= 5 && trimmed[n_end..].starts_with(": ") {
                rank.get_or_insert(digits(&trimmed[..n_end]).unwrap_or(0));
                body = &trimmed[n_end + 2..];
                continue;
            }
            break;
        }
    }
    Prefixed { rank, global, body }
}

/// Parse an NCCL debug line (after prefix stripping).
pub fn parse_nccl(body: &str) -> Option<NcclLine<'_>> {
    let mut s = body.trim_start_matches(' ');
    let mut timestamp = None;
    if let Some(rest) = s.strip_prefix('[') {
        let close = rest.find(']')?;
        timestamp = Some(&rest[..close]);
        s = rest[close + 1..].trim_start_matches(' ');
    }
    let sp = s.find(' ')?;
    let id = &s[..sp];
    let mut it = id.rsplitn(3, ':');
    let tid = digits(it.next()?)?;
    let pid = digits(it.next()?)?;
    let host = it.next()?;
    if host.is_empty() {
        return None;
    }
    let mut rest = &s[sp + 1..];
    let mut dev = None;
    if let Some(r) = rest.strip_prefix('[') {
        let close = r.find(']')?;
        dev = digits(&r[..close]);
        rest = r[close + 1..].trim_start_matches(' ');
    }
    let npos = if rest.starts_with("NCCL ") {
        0
    } else {
        memchr::memmem::find(rest.as_bytes(), b" NCCL ")? + 1
    };
    let location = rest[..npos].trim();
    let location = (!location.is_empty()).then_some(location);
    let after = &rest[npos + 5..];
    let (lvl, msg) = after.split_once(' ').unwrap_or((after, ""));
    let level = match lvl {
        "INFO" => NcclLevel::Info,
        "WARN" => NcclLevel::Warn,
        "TRACE" => NcclLevel::Trace,
        "CALL" => NcclLevel::Call,
        "ABORT" => NcclLevel::Abort,
        _ => return None,
    };
    Some(NcclLine {
        timestamp,
        host,
        pid,
        tid,
        dev,
        location,
        level,
        subsys: subsys(msg),
        msg,
    })
}

fn subsys(msg: &str) -> Option<&str> {
    let b = msg.as_bytes();
    let window = &b[..b.len().min(26)];
    let end = window.windows(2).position(|w| w == b" :" || w == b": ")?;
    let head = msg.get(..end)?;
    let ok = !head.is_empty()
        && head.len() <= 24
        && head.as_bytes()[0].is_ascii_uppercase()
        && head.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'/');
    ok.then_some(head)
}

/// Recognise an NCCL return-code propagation message: `misc/socket.cc:564 -> 2`.
pub fn parse_retcode(msg: &str) -> Option<RetCode<'_>> {
    let msg = msg.trim_start_matches(' ');
    let (at, rest) = msg.split_once(' ')?;
    let rest = rest.strip_prefix("-> ")?;
    if !at.contains(':') {
        return None;
    }
    let num = rest.split(' ').next().unwrap_or("");
    Some(RetCode {
        at,
        code: digits(num)?,
    })
}

/// A best-effort timestamp found at the start of a line, with a sort key in milliseconds from
/// the start of the year for wall-clock forms (none for kernel seconds-since-boot stamps).
pub fn timestamp(body: &str) -> Option<(String, Option<u64>)> {
    let b = body.trim_start_matches(' ');
    let bytes = b.as_bytes();
    let num = |s: &str| -> Option<u64> { digits(s).map(u64::from) };
    let key = |mo: u64, d: u64, h: u64, mi: u64, s: u64, ms: u64| {
        ((((mo * 31 + d) * 24 + h) * 60 + mi) * 60 + s) * 1000 + ms
    };
    // [2026-11-22 10:38:27] (NCCL WARN)
    if bytes.len() >= 21 && bytes[0] == b'[' && bytes[20] == b']' && b.is_char_boundary(21) {
        let t = &b[1..20];
        let k = key(
            num(t.get(5..7)?)?,
            num(t.get(8..10)?)?,
            num(t.get(11..13)?)?,
            num(t.get(14..16)?)?,
            num(t.get(17..19)?)?,
            0,
        );
        return Some((t.to_string(), Some(k)));
    }
    // [E321 02:07:08.408271257 File.cpp:1] (glog in PyTorch) / E1122 10:38:28.665000 (torchrun)
    let g = b.strip_prefix('[').unwrap_or(b);
    if matches!(g.as_bytes().first(), Some(b'E' | b'W' | b'I' | b'F')) {
        let md_len = g.bytes().skip(1).take_while(u8::is_ascii_digit).count();
        if (3..=4).contains(&md_len) {
            let md = g.get(1..1 + md_len)?;
            let t = g.get(2 + md_len..14 + md_len).unwrap_or("");
            let tb = t.as_bytes();
            if tb.len() == 12 && tb[2] == b':' && tb[5] == b':' && tb[8] == b'.' {
                let k = key(
                    num(md.get(..md_len - 2)?)?,
                    num(md.get(md_len - 2..)?)?,
                    num(t.get(..2)?)?,
                    num(t.get(3..5)?)?,
                    num(t.get(6..8)?)?,
                    num(t.get(9..12)?)?,
                );
                return Some((format!("{md} {t}"), Some(k)));
            }
        }
    }
    // HCCL: [ERROR] HCCL(123,python):2024-03-28-10:25:50.589.610
    if let Some(p) = b.find("):20") {
        let t = b.get(p + 2..p + 25)?;
        let k = key(
            num(t.get(5..7)?)?,
            num(t.get(8..10)?)?,
            num(t.get(11..13)?)?,
            num(t.get(14..16)?)?,
            num(t.get(17..19)?)?,
            num(t.get(20..23)?)?,
        );
        return Some((t.to_string(), Some(k)));
    }
    // kernel: [   31.014953]
    if let Some(rest) = b.strip_prefix('[') {
        let close = rest.find(']')?;
        let (secs, frac) = rest[..close].trim().split_once('.')?;
        num(secs)?;
        num(frac)?;
        return Some((format!("{} s since boot", rest[..close].trim()), None));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_launcher_prefixes() {
        let p = strip_prefixes("[rank3]:[E321 02:07:08.408271257 ProcessGroupNCCL.cpp:607] x");
        assert_eq!((p.rank, p.global), (Some(3), true));
        assert!(p.body.starts_with("[E321"));
        let p = strip_prefixes("[1,2]<stdout>:host:1:2 [0] NCCL INFO hi");
        assert_eq!(p.rank, Some(2));
        assert_eq!(p.body, "host:1:2 [0] NCCL INFO hi");
        let local = strip_prefixes("[default1]:boom");
        assert_eq!((local.rank, local.global), (Some(1), false));
        assert_eq!(strip_prefixes("(train pid=12) boom").body, "boom");
        let srun = strip_prefixes("7: host:1:1 [0] NCCL INFO x");
        assert_eq!((srun.rank, srun.global), (Some(7), false));
        assert_eq!(strip_prefixes("[   31.01] NVRM").rank, None);
    }

    #[test]
    fn parses_nccl_forms() {
        let l = parse_nccl("vm:623:623 [0] NCCL INFO NET/IB : No device found.").expect("info");
        assert_eq!(
            (l.pid, l.level, l.subsys),
            (623, NcclLevel::Info, Some("NET/IB"))
        );
        let w = "[2026-11-22 10:38:27] vm:623:623 [0] init.cc:904 NCCL WARN Duplicate GPU";
        let l = parse_nccl(w).expect("warn");
        assert_eq!(l.timestamp, Some("2026-11-22 10:38:27"));
        assert_eq!(l.location, Some("init.cc:904"));
        assert_eq!(l.level, NcclLevel::Warn);
        let old = "ubuntu:39964:40075 [0] misc/socket.cc:483 NCCL WARN socketStartConnect: x";
        assert_eq!(parse_nccl(old).map(|l| l.tid), Some(40075));
        assert!(parse_nccl("hello world").is_none());
        let r = parse_retcode("group.cc:76 -> 5 [Async thread]").expect("ret");
        assert_eq!((r.at, r.code), ("group.cc:76", 5));
    }

    #[test]
    fn timestamps_sort() {
        let a = timestamp("[2026-11-22 10:38:27] vm").and_then(|t| t.1);
        let b = timestamp("[2026-11-22 10:38:28] vm").and_then(|t| t.1);
        assert!(a.is_some() && a < b);
        assert!(timestamp("E1122 10:38:28.665000 595 torch").is_some());
        let e = timestamp("[E321 02:07:08.408271257 ProcessGroupNCCL.cpp:607] x").expect("e");
        assert_eq!(e.0, "321 02:07:08.408");
        assert!(timestamp("[ERROR] HCCL(1,p):2024-03-28-10:25:50.589.610 [x]").is_some());
        assert!(timestamp("[   31.014961] NVRM: Xid").is_some());
    }
}
