//! The dependency rules of `docs/architecture.md`, checked on the source text: every file's
//! `use crate::` lines (and `crate::` paths written inline) are read, and a path that a rule
//! forbids fails the test naming the file, the line and the rule. Test code (`tests.rs`,
//! `*_tests.rs`, a trailing `#[cfg(test)]` module) is not checked.

use std::fs;
use std::path::{Path, PathBuf};

/// Where a file sits in the layout.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Place {
    Domain,
    Contract,
    World,
    Settings,
    Sources,
    Shell,
    State,
    Ui,
    /// A feature's `derive/` (accel, training, serving).
    Derive(String),
    /// A feature's `pane/`.
    Pane(String),
    /// `triage/engine` and `triage/probes`.
    TriageCore,
    /// The rest of a feature (its view, its `mod.rs`, triage's attention and summary).
    Feature(String),
    /// `lib.rs`, `main.rs`.
    Root,
}

const FEATURES: &[&str] = &["accel", "training", "serving", "triage", "browse", "fleet"];

fn place(rel: &str) -> Place {
    let parts: Vec<&str> = rel.split('/').collect();
    match parts.as_slice() {
        ["domain", ..] => Place::Domain,
        ["contract", ..] => Place::Contract,
        ["world", ..] => Place::World,
        ["settings", ..] => Place::Settings,
        ["sources", ..] => Place::Sources,
        ["shell", ..] => Place::Shell,
        ["state", ..] => Place::State,
        ["ui", ..] => Place::Ui,
        ["triage", "engine" | "probes", ..] => Place::TriageCore,
        [f, "derive", ..] if FEATURES.contains(f) => Place::Derive(f.to_string()),
        [f, "pane", ..] if FEATURES.contains(f) => Place::Pane(f.to_string()),
        [f, ..] if FEATURES.contains(f) => Place::Feature(f.to_string()),
        _ => Place::Root,
    }
}

/// One `crate::` path found in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Ref {
    line: usize,
    /// Segments after `crate`.
    path: Vec<String>,
    /// Found in a `use` line (an import) rather than inline.
    imported: bool,
}

/// Expand a use tree (`a::{b, c::{d, e}}`) into full paths.
fn expand(tree: &str, prefix: &[String], out: &mut Vec<Vec<String>>) {
    let tree = tree.trim();
    if let Some(open) = tree.find('{') {
        let head: Vec<String> = tree[..open]
            .split("::")
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect();
        let mut base = prefix.to_vec();
        base.extend(head);
        let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
        let (mut depth, mut start) = (0usize, 0usize);
        for (i, ch) in inner.char_indices() {
            match ch {
                '{' => depth += 1,
                '}' => depth = depth.saturating_sub(1),
                ',' if depth == 0 => {
                    expand(&inner[start..i], &base, out);
                    start = i + 1;
                }
                _ => {}
            }
        }
        expand(&inner[start..], &base, out);
        return;
    }
    let tree = tree.split(" as ").next().unwrap_or(tree).trim();
    if tree.is_empty() {
        return;
    }
    let mut p = prefix.to_vec();
    p.extend(tree.split("::").map(|s| s.trim().to_string()));
    out.push(p);
}

/// The code of a file without comments and without its trailing test module.
fn code_lines(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut lines = text.lines().enumerate().peekable();
    while let Some((i, l)) = lines.next() {
        let t = l.trim_start();
        if t.starts_with("#[cfg(test)]")
            && lines
                .peek()
                .is_some_and(|(_, n)| n.trim_start().starts_with("mod tests"))
        {
            break;
        }
        let code = match l.find("//") {
            Some(c) if !l[..c].contains('"') => &l[..c],
            _ => l,
        };
        if t.starts_with("//") {
            continue;
        }
        out.push((i + 1, code.to_string()));
    }
    out
}

/// Every `crate::` path of a file's code, `use` statements expanded.
fn refs(text: &str) -> Vec<Ref> {
    let lines = code_lines(text);
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let (no, l) = &lines[i];
        let t = l.trim_start();
        let t = t.strip_prefix("pub ").unwrap_or(t);
        if let Some(rest) = t.strip_prefix("use crate::") {
            let mut stmt = rest.to_string();
            while !stmt.contains(';') && i + 1 < lines.len() {
                i += 1;
                stmt.push_str(&lines[i].1);
            }
            let stmt = stmt.split(';').next().unwrap_or("");
            let mut paths = Vec::new();
            expand(stmt, &[], &mut paths);
            out.extend(paths.into_iter().map(|path| Ref {
                line: *no,
                path,
                imported: true,
            }));
        } else {
            let mut s = l.as_str();
            while let Some(at) = s.find("crate::") {
                let before = s[..at].chars().last();
                let rest = &s[at + "crate::".len()..];
                let end = rest
                    .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':' || c == '#'))
                    .unwrap_or(rest.len());
                if !before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                    let path: Vec<String> = rest[..end]
                        .split("::")
                        .filter(|x| !x.is_empty())
                        .map(String::from)
                        .collect();
                    out.push(Ref {
                        line: *no,
                        path,
                        imported: false,
                    });
                }
                s = &rest[end..];
            }
        }
        i += 1;
    }
    out
}

fn is_type(seg: &str) -> bool {
    seg.chars().next().is_some_and(char::is_uppercase)
}

/// Why `r` is not allowed from `from`, if it is not.
fn violation(from: &Place, r: &Ref) -> Option<String> {
    let top = r.path.first().map(String::as_str).unwrap_or("");
    let second = r.path.get(1).map(String::as_str).unwrap_or("");
    let only = |allowed: &[&str], rule: &str| {
        (!allowed.contains(&top)).then(|| format!("{rule} (uses crate::{top})"))
    };
    match from {
        Place::Domain => only(&["domain"], "domain depends on nothing of ours"),
        Place::Contract => only(&["domain", "contract"], "contract depends only on domain"),
        Place::World => only(
            &["domain", "contract", "world"],
            "world depends only on domain and contract",
        ),
        Place::Derive(own) => {
            let rule = "a feature's derive/ uses domain, contract, world, settings and features' derive/ only";
            match top {
                "domain" | "contract" | "world" | "settings" => None,
                f if FEATURES.contains(&f) && second == "derive" => None,
                f if FEATURES.contains(&f) && f == own && second.is_empty() => None,
                _ => Some(format!("{rule} (uses crate::{})", r.path.join("::"))),
            }
        }
        Place::Pane(_) | Place::Ui => {
            let derived = FEATURES.contains(&top)
                && matches!(
                    second,
                    "derive" | "engine" | "probes" | "summary" | "attention" | "attention_rank"
                );
            match derived {
                true => {
                    let leaf = r.path.last().map(String::as_str).unwrap_or("");
                    let ok = r.path[2..].iter().any(|s| is_type(s)) && leaf != "self";
                    (!ok).then(|| {
                        format!(
                            "a pane calls no derive function: it draws its view (crate::{})",
                            r.path.join("::")
                        )
                    })
                }
                false => match top {
                    "sources" | "shell" => {
                        Some(format!("a pane reads no source or shell (crate::{top})"))
                    }
                    _ => None,
                },
            }
        }
        Place::TriageCore => {
            let rule = "triage engine and probes read world and derive, never sources, the keymap, the shell, state or ui";
            let bad = matches!(top, "sources" | "shell" | "state" | "ui")
                || (top == "settings" && second == "keymap")
                || (FEATURES.contains(&top) && top != "triage" && second != "derive");
            bad.then(|| format!("{rule} (uses crate::{})", r.path.join("::")))
        }
        Place::Settings => only(
            &["domain", "contract", "settings"],
            "settings depends only on domain and contract",
        ),
        _ => None,
    }
}

/// Names only shell and sources may use (I/O, the runtime, clocks).
const IO_NAMES: &[&str] = &["tokio", "std::fs", "std::net", "Instant", "SystemTime"];

fn io_violations(from: &Place, text: &str) -> Vec<(usize, String)> {
    if matches!(from, Place::Shell | Place::Sources | Place::Root) {
        return Vec::new();
    }
    let mut out = Vec::new();
    for (no, l) in code_lines(text) {
        for name in IO_NAMES {
            let hit = l.match_indices(name).any(|(i, _)| {
                let before = l[..i].chars().last();
                let after = l[i + name.len()..].chars().next();
                !before.is_some_and(|c| c.is_alphanumeric() || c == '_')
                    && !after.is_some_and(|c| c.is_alphanumeric() || c == '_')
            });
            if hit {
                out.push((no, format!("only shell/ and sources/ name {name}")));
            }
        }
    }
    out
}

fn rs_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            rs_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

fn is_test_file(rel: &str) -> bool {
    rel.ends_with("/tests.rs") || rel.ends_with("_tests.rs")
}

/// Every rule broken by one file's text, as `file:line: rule`.
fn check(rel: &str, text: &str) -> Vec<String> {
    let from = place(rel);
    let mut out: Vec<String> = refs(text)
        .iter()
        .filter_map(|r| violation(&from, r).map(|why| format!("src/{rel}:{}: {why}", r.line)))
        .collect();
    out.extend(
        io_violations(&from, text)
            .into_iter()
            .map(|(no, why)| format!("src/{rel}:{no}: {why}")),
    );
    out
}

#[test]
fn every_file_keeps_the_dependency_rules() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rs_files(&src, &mut files);
    assert!(files.len() > 100, "found only {} source files", files.len());
    let mut broken = Vec::new();
    for f in &files {
        let rel = f
            .strip_prefix(&src)
            .expect("under src")
            .to_string_lossy()
            .replace('\\', "/");
        if is_test_file(&rel) {
            continue;
        }
        let text = fs::read_to_string(f).expect("readable source");
        broken.extend(check(&rel, &text));
    }
    assert!(
        broken.is_empty(),
        "{} dependency rule(s) broken:\n{}",
        broken.len(),
        broken.join("\n")
    );
}

#[test]
fn the_checker_catches_each_kind_of_violation() {
    let cases = [
        (
            "domain/x.rs",
            "use crate::contract::event::Millis;\n",
            "domain depends",
        ),
        (
            "contract/x.rs",
            "use crate::world::World;\n",
            "contract depends",
        ),
        (
            "world/x.rs",
            "use crate::accel::derive::inventory::Inventory;\n",
            "world depends",
        ),
        (
            "accel/derive/x.rs",
            "use crate::state::AppState;\n",
            "derive/ uses",
        ),
        (
            "serving/derive/x.rs",
            "use crate::{domain::ObjKey, ui::panes};\n",
            "derive/ uses",
        ),
        (
            "accel/pane/x.rs",
            "    let s = crate::accel::derive::summary::summarize(w);\n",
            "calls no derive",
        ),
        (
            "accel/pane/x.rs",
            "use crate::accel::derive::inventory::{self, Inventory};\n",
            "calls no derive",
        ),
        (
            "ui/header.rs",
            "use crate::triage::summary::summarize;\n",
            "calls no derive",
        ),
        (
            "triage/engine/x.rs",
            "use crate::sources::embedded;\n",
            "triage engine",
        ),
        (
            "triage/probes/x.rs",
            "use crate::settings::keymap::Keymap;\n",
            "triage engine",
        ),
        (
            "settings/x.rs",
            "use crate::state::AppState;\n",
            "settings depends",
        ),
        (
            "state/x.rs",
            "let t = std::time::Instant::now();\n",
            "Instant",
        ),
        (
            "triage/engine/x.rs",
            "let s = std::fs::read_to_string(p);\n",
            "std::fs",
        ),
    ];
    for (rel, text, want) in cases {
        let got = check(rel, text);
        assert!(
            got.iter().any(|g| g.contains(want) && g.contains(rel)),
            "{rel}: expected a violation containing {want:?}, got {got:?}"
        );
    }
    let fine = [
        (
            "accel/pane/x.rs",
            "use crate::accel::derive::inventory::{Inventory, NodeInv};\n",
        ),
        (
            "accel/derive/x.rs",
            "use crate::serving::derive::histogram::quantile;\n",
        ),
        (
            "shell/x.rs",
            "use tokio::sync::mpsc;\nuse crate::state::AppState;\n",
        ),
        ("state/x.rs", "// std::fs in a comment is not code\n"),
        (
            "world/x.rs",
            "#[cfg(test)]\nmod tests {\n    use crate::accel::derive::x;\n}\n",
        ),
    ];
    for (rel, text) in fine {
        assert_eq!(check(rel, text), Vec::<String>::new(), "{rel}: {text}");
    }
}

/// Every source file with its path relative to `src/`, test files included.
fn all_sources() -> Vec<(String, String)> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rs_files(&src, &mut files);
    files.sort();
    files
        .iter()
        .map(|f| {
            let rel = f
                .strip_prefix(&src)
                .expect("under src")
                .to_string_lossy()
                .replace('\\', "/");
            (rel, fs::read_to_string(f).expect("readable source"))
        })
        .collect()
}

/// Functions longer than `max` lines, as (name, first line, length): from the `fn` line to the
/// closing brace at the same indentation.
fn long_functions(text: &str, max: usize) -> Vec<(String, usize, usize)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let l = lines[i];
        let indent = l.len() - l.trim_start().len();
        let t = l.trim_start();
        let t = t
            .strip_prefix("pub(crate) ")
            .or(t.strip_prefix("pub "))
            .unwrap_or(t);
        if let Some(rest) = t.strip_prefix("fn ") {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            let close = format!("{}}}", " ".repeat(indent));
            if let Some(end) = (i..lines.len()).find(|&j| lines[j].trim_end() == close) {
                let len = end - i + 1;
                if len > max {
                    out.push((name, i + 1, len));
                }
                i = end;
            }
        }
        i += 1;
    }
    out
}

#[test]
fn files_stay_short_and_pane_functions_shorter() {
    let mut long = Vec::new();
    for (rel, text) in all_sources() {
        let n = text.lines().count();
        if n > 400 {
            long.push(format!("src/{rel}: {n} lines (at most 400)"));
        }
        let pane = rel.starts_with("ui/") || rel.split('/').nth(1) == Some("pane");
        if pane && !is_test_file(&rel) {
            for (name, at, len) in long_functions(&text, 80) {
                long.push(format!(
                    "src/{rel}:{at}: fn {name} is {len} lines (at most 80)"
                ));
            }
        }
    }
    assert!(long.is_empty(), "too long:\n{}", long.join("\n"));
}

#[test]
fn one_severity_and_colours_only_in_the_theme() {
    let mut found = Vec::new();
    for (rel, text) in all_sources() {
        for (no, l) in code_lines(&text) {
            if l.contains("enum Severity") {
                found.push(format!("src/{rel}:{no}: enum Severity"));
            }
            if l.contains("Color::") && rel != "settings/theme.rs" && !is_test_file(&rel) {
                found.push(format!("src/{rel}:{no}: Color:: outside the theme"));
            }
        }
    }
    let severities = found
        .iter()
        .filter(|f| f.ends_with("enum Severity"))
        .count();
    assert_eq!(severities, 1, "{found:?}");
    assert!(
        found.iter().all(|f| f.ends_with("enum Severity")),
        "{}",
        found.join("\n")
    );
}

#[test]
fn the_length_check_counts_a_function_to_its_closing_brace() {
    let body = "    let x = 1;\n".repeat(81);
    let text = format!("pub fn big() {{\n{body}}}\n\nfn small() {{\n    let y = 2;\n}}\n");
    assert_eq!(long_functions(&text, 80), vec![("big".to_string(), 1, 83)]);
    assert!(long_functions(&text, 83).is_empty());
}
