//! Headless `scan-logs`: stream log files (or stdin) line by line through the NCCL-aware
//! classifier, correlate the findings across files and ranks, and print them as text or JSON
//! (schema in `docs/scan-logs.md`). Memory is bounded by the longest kept line, not the input.
//! The signature rules are the cockpit's: the built-ins, the user's `<config dir>/signatures/`
//! files, then `--signatures FILE`.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::domain::severity::Severity;
use crate::settings::rules::RulesError;
use crate::settings::signatures::Signatures;
use crate::shell::settings_files;
use crate::training::derive::nccl::line::MAX_LINE;
use crate::training::derive::nccl::{Correlation, Scanner, SignatureHit, correlate};

/// Inputs larger than this get progress lines on stderr.
pub const PROGRESS_MIN_BYTES: u64 = 64 << 20;
const PROGRESS_STEP: u64 = 256 << 20;
/// Version of the JSON output.
pub const SCHEMA_VERSION: u32 = 1;

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ScanFormat {
    Text,
    Json,
}

/// Lowest severity to report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum MinSeverity {
    Info,
    Warning,
    Critical,
}

/// `aicockpit scan-logs`: classify training logs without a cluster or a screen.
#[derive(Debug, Clone, clap::Args)]
pub struct ScanArgs {
    /// Log files to scan; `-` reads standard input.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: ScanFormat,
    /// Extra signature rules (TOML, same format as the built-in ones), merged after those of
    /// `<config dir>/signatures/*.toml`; same id replaces.
    #[arg(long, value_name = "FILE")]
    pub signatures: Option<PathBuf>,
    /// Lowest severity to report.
    #[arg(long, value_enum, default_value = "info")]
    pub min_severity: MinSeverity,
    /// Name a peer address's pod in the correlation (repeatable): `--peer 10.0.0.5=worker-1`.
    #[arg(long = "peer", value_name = "IP=POD")]
    pub peers: Vec<String>,
    /// Number of ranks in the job, to name ranks that reported nothing.
    #[arg(long)]
    pub world_size: Option<u32>,
}

#[derive(Debug, Serialize)]
struct FileReport {
    path: String,
    lines: u64,
    bytes: u64,
    findings: usize,
    dropped: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

#[derive(Debug, Default, Serialize)]
struct Summary {
    critical: usize,
    warning: usize,
    info: usize,
}

#[derive(Debug, Serialize)]
struct Report<'a> {
    schema_version: u32,
    files: Vec<FileReport>,
    summary: Summary,
    findings: &'a [SignatureHit],
    correlation: &'a Correlation,
}

/// Read lines of at most `MAX_LINE` bytes from `r`, discarding the rest of longer lines, and
/// hand each to `f` with its 1-based number. Returns the bytes read.
pub fn for_each_line<R: BufRead>(r: &mut R, mut f: impl FnMut(u64, &[u8], u64)) -> io::Result<u64> {
    let mut buf: Vec<u8> = Vec::with_capacity(4096);
    let mut line_no = 0u64;
    let mut total = 0u64;
    let mut in_line = false;
    loop {
        let chunk = match r.fill_buf() {
            Ok(c) => c,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if chunk.is_empty() {
            if in_line {
                line_no += 1;
                f(line_no, &buf, total);
            }
            return Ok(total);
        }
        let (used, done) = match memchr::memchr(b'\n', chunk) {
            Some(i) => (i + 1, true),
            None => (chunk.len(), false),
        };
        let room = MAX_LINE.saturating_sub(buf.len());
        let piece = &chunk[..used - usize::from(done)];
        buf.extend_from_slice(&piece[..piece.len().min(room)]);
        in_line = true;
        total += used as u64;
        r.consume(used);
        if done {
            line_no += 1;
            if buf.last() == Some(&b'\r') {
                buf.pop();
            }
            f(line_no, &buf, total);
            buf.clear();
            in_line = false;
        }
    }
}

fn scan_reader<R: Read>(
    sigs: &Signatures,
    name: &str,
    reader: R,
    size: Option<u64>,
    err: &mut dyn Write,
) -> (crate::training::derive::nccl::SourceScan, Option<String>) {
    let mut scanner = Scanner::new(sigs, name);
    let mut br = BufReader::with_capacity(1 << 20, reader);
    let show = size.is_none_or(|s| s > PROGRESS_MIN_BYTES);
    let mut next_report = PROGRESS_STEP;
    let res = for_each_line(&mut br, |n, l, read| {
        scanner.feed(n, l);
        if show && read >= next_report {
            next_report += PROGRESS_STEP;
            let total = size
                .map(|s| format!(" of {} MiB", s >> 20))
                .unwrap_or_default();
            let _ = writeln!(err, "scan-logs: {name}: {} MiB{total} read", read >> 20);
        }
    });
    let scan = scanner.finish();
    (scan, res.err().map(|e| e.to_string()))
}

fn severity_ok(min: MinSeverity, s: Severity) -> bool {
    let min = match min {
        MinSeverity::Info => Severity::Info,
        MinSeverity::Warning => Severity::Warning,
        MinSeverity::Critical => Severity::Critical,
    };
    s >= min
}

fn parse_peers(peers: &[String]) -> anyhow::Result<HashMap<String, String>> {
    peers
        .iter()
        .map(|p| match p.split_once('=') {
            Some((ip, pod)) if !ip.is_empty() && !pod.is_empty() => {
                Ok((ip.to_string(), pod.to_string()))
            }
            _ => Err(anyhow::anyhow!("--peer expects IP=POD, got `{p}`")),
        })
        .collect()
}

/// Run the scan with the signature rules of `config_dir` (the built-ins alone without one).
/// Exit status: 0 when the scan ran (findings or not), 2 on usage or I/O errors (unreadable or
/// invalid signature file, bad `--peer`, a file that cannot be read: the others are still
/// scanned and reported).
pub fn run(
    args: &ScanArgs,
    config_dir: Option<&Path>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> i32 {
    let sigs: Signatures = match settings_files::signatures(config_dir, args.signatures.as_deref())
    {
        Ok(s) => s,
        Err(e @ RulesError::Unreadable { .. }) => {
            let _ = writeln!(err, "scan-logs: {e}");
            return 2;
        }
        Err(e) => {
            let _ = writeln!(err, "scan-logs: invalid signatures: {e}");
            return 2;
        }
    };
    let peers = match parse_peers(&args.peers) {
        Ok(p) => p,
        Err(e) => {
            let _ = writeln!(err, "scan-logs: {e}");
            return 2;
        }
    };
    let mut status = 0;
    let mut files = Vec::new();
    let mut findings = Vec::new();
    for path in &args.files {
        let name = path.display().to_string();
        let (scan, error) = if path == Path::new("-") {
            scan_reader(&sigs, "-", io::stdin().lock(), None, err)
        } else {
            match File::open(path) {
                Ok(f) => {
                    let size = f.metadata().ok().map(|m| m.len());
                    scan_reader(&sigs, &name, f, size, err)
                }
                Err(e) => (Default::default(), Some(e.to_string())),
            }
        };
        if let Some(e) = &error {
            let _ = writeln!(err, "scan-logs: {name}: {e}");
            status = 2;
        }
        let kept: Vec<SignatureHit> = scan
            .findings
            .into_iter()
            .filter(|f| severity_ok(args.min_severity, f.severity))
            .collect();
        files.push(FileReport {
            path: name,
            lines: scan.lines,
            bytes: scan.bytes,
            findings: kept.len(),
            dropped: scan.dropped,
            error,
        });
        findings.extend(kept);
    }
    let corr = correlate(&findings, args.world_size, &peers);
    let mut summary = Summary::default();
    for f in &findings {
        match f.severity {
            Severity::Critical => summary.critical += 1,
            Severity::Warning => summary.warning += 1,
            Severity::Info => summary.info += 1,
        }
    }
    let report = Report {
        schema_version: SCHEMA_VERSION,
        files,
        summary,
        findings: &findings,
        correlation: &corr,
    };
    let written = match args.format {
        ScanFormat::Json => serde_json::to_writer_pretty(&mut *out, &report)
            .map_err(io::Error::other)
            .and_then(|()| writeln!(out)),
        ScanFormat::Text => write_text(out, &report),
    };
    if let Err(e) = written {
        let _ = writeln!(err, "scan-logs: cannot write output: {e}");
        return 2;
    }
    status
}

fn write_text(out: &mut dyn Write, r: &Report<'_>) -> io::Result<()> {
    for f in r.findings {
        let rank = f.rank.map(|r| format!(" rank {r}")).unwrap_or_default();
        let sev = f.severity.as_str().to_uppercase();
        writeln!(out, "{sev:<8} {} {}:{}{rank}", f.id, f.source, f.line_no)?;
        writeln!(out, "  | {}", f.excerpt)?;
        writeln!(out, "  {}", f.explanation)?;
        if !f.fields.is_empty() {
            let kv: Vec<String> = f.fields.iter().map(|(k, v)| format!("{k}={v}")).collect();
            writeln!(out, "  fields: {}", kv.join(" "))?;
        }
    }
    let lines: u64 = r.files.iter().map(|f| f.lines).sum();
    writeln!(
        out,
        "summary: {} critical, {} warning, {} info in {} file(s), {lines} line(s)",
        r.summary.critical,
        r.summary.warning,
        r.summary.info,
        r.files.len()
    )?;
    for f in r.files.iter().filter(|f| f.dropped > 0) {
        writeln!(out, "  {}: {} more findings not kept", f.path, f.dropped)?;
    }
    let c = r.correlation;
    if let Some(ff) = &c.first_failure {
        let rank = ff
            .finding
            .rank
            .map(|r| format!(" rank {r}"))
            .unwrap_or_default();
        writeln!(
            out,
            "first failure (by {}): {} at {}:{}{rank}",
            ff.basis, ff.finding.id, ff.finding.source, ff.finding.line_no
        )?;
    }
    if let Some(w) = &c.watchdog {
        writeln!(
            out,
            "watchdog: laggard rank(s) {:?}: {}",
            w.laggards, w.reason
        )?;
    }
    for p in &c.peers {
        let pod = p.pod.as_deref().unwrap_or("unknown pod");
        writeln!(
            out,
            "peer {} ({pod}) in {} at {}:{}",
            p.peer, p.finding.id, p.finding.source, p.finding.line_no
        )?;
    }
    Ok(())
}
