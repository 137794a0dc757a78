//! Failure signatures as data: the built-in `assets/signatures.toml` merged with the texts of
//! user rule files (read by the shell, loaded with the other rule data by `settings::rules`),
//! validated at load (errors name the file and the rule) and compiled into one `RegexSet` so
//! that a line is tested against every pattern in a single pass.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::domain::severity::Severity;
use aho_corasick::{AhoCorasick, AhoCorasickKind};
use regex::{Regex, RegexSet};
use serde::Deserialize;

/// The built-in rules.
pub const BUILTIN: &str = include_str!("../../assets/signatures.toml");
pub const BUILTIN_ORIGIN: &str = "built-in assets/signatures.toml";

/// A rule as written in TOML.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleSpec {
    id: String,
    severity: Severity,
    #[serde(default)]
    title: String,
    patterns: Vec<String>,
    #[serde(default)]
    fields: Vec<String>,
    #[serde(default)]
    explanation: String,
    #[serde(default)]
    likely_causes: Vec<String>,
    #[serde(default)]
    next_checks: Vec<String>,
    #[serde(default)]
    overrides: Vec<String>,
    #[serde(default)]
    fallback: bool,
    #[serde(default)]
    merge_lines: u64,
    #[serde(default)]
    rank_field: Option<String>,
    #[serde(default)]
    literals: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    #[serde(default)]
    rule: Vec<RuleSpec>,
}

/// A validated, compiled rule.
#[derive(Debug, Clone)]
pub struct SignatureRule {
    pub id: String,
    pub severity: Severity,
    pub title: String,
    pub explanation: String,
    pub likely_causes: Vec<String>,
    pub next_checks: Vec<String>,
    pub overrides: Vec<String>,
    pub fallback: bool,
    pub merge_lines: u64,
    pub rank_field: Option<String>,
    /// Exact strings of which every matching line contains one (empty: always tried).
    pub literals: Vec<String>,
    /// Named groups kept as finding fields.
    pub fields: Vec<String>,
    pub regexes: Vec<Regex>,
    /// Where the rule came from (built-in or a user file).
    pub origin: String,
}

/// A rule file or rule that failed validation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{origin}: {}{message}", rule.as_ref().map(|r| format!("rule `{r}`: ")).unwrap_or_default())]
pub struct SignatureError {
    pub origin: String,
    pub rule: Option<String>,
    pub message: String,
}

/// The loaded rule set.
#[derive(Debug, Clone)]
pub struct Signatures {
    rules: Vec<SignatureRule>,
    set: RegexSet,
    /// For each pattern in `set`: (rule index, pattern index in the rule).
    pattern_owner: Vec<(usize, usize)>,
    /// For each rule: indices of the rules it overrides.
    overrides: Vec<Vec<usize>>,
    /// Literal prefilter; `None` when some rule has no literals (every line is tried).
    prefilter: Option<AhoCorasick>,
}

fn err(origin: &str, rule: Option<&str>, message: impl Into<String>) -> SignatureError {
    SignatureError {
        origin: origin.to_string(),
        rule: rule.map(str::to_string),
        message: message.into(),
    }
}

fn valid_id(id: &str) -> bool {
    let parts: Vec<&str> = id.split('.').collect();
    parts.len() >= 2
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        })
}

fn parse(text: &str, origin: &str) -> Result<Vec<RuleSpec>, SignatureError> {
    let file: RuleFile = toml::from_str(text).map_err(|e| err(origin, None, e.to_string()))?;
    let mut seen = BTreeSet::new();
    for r in &file.rule {
        if !seen.insert(r.id.clone()) {
            return Err(err(origin, Some(&r.id), "id defined twice in this file"));
        }
    }
    Ok(file.rule)
}

fn compile(spec: RuleSpec, origin: &str) -> Result<SignatureRule, SignatureError> {
    let id = spec.id.as_str();
    if !valid_id(id) {
        return Err(err(
            origin,
            Some(id),
            "id must be dotted lowercase words like `nccl.my_failure`",
        ));
    }
    if spec.literals.iter().any(String::is_empty) {
        return Err(err(origin, Some(id), "literals must not be empty strings"));
    }
    if spec.patterns.is_empty() {
        return Err(err(origin, Some(id), "at least one pattern is required"));
    }
    let mut regexes = Vec::with_capacity(spec.patterns.len());
    let mut groups = BTreeSet::new();
    for (i, p) in spec.patterns.iter().enumerate() {
        let re =
            Regex::new(p).map_err(|e| err(origin, Some(id), format!("pattern {}: {e}", i + 1)))?;
        groups.extend(re.capture_names().flatten().map(str::to_string));
        regexes.push(re);
    }
    for f in spec.fields.iter().chain(spec.rank_field.iter()) {
        if !groups.contains(f) {
            return Err(err(
                origin,
                Some(id),
                format!("field `{f}` is not a named group of any pattern"),
            ));
        }
    }
    let fields = if spec.fields.is_empty() {
        groups.into_iter().collect()
    } else {
        spec.fields
    };
    Ok(SignatureRule {
        id: spec.id,
        severity: spec.severity,
        title: spec.title,
        explanation: spec.explanation,
        likely_causes: spec.likely_causes,
        next_checks: spec.next_checks,
        overrides: spec.overrides,
        fallback: spec.fallback,
        merge_lines: spec.merge_lines,
        rank_field: spec.rank_field,
        literals: spec.literals,
        fields,
        regexes,
        origin: origin.to_string(),
    })
}

impl Signatures {
    /// The built-in rules merged with user rule files, (origin, TOML text), in order: a rule
    /// with an existing id replaces the earlier one; new ids are added.
    pub fn load<'a>(
        user: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, SignatureError> {
        let mut specs: Vec<(RuleSpec, String)> = parse(BUILTIN, BUILTIN_ORIGIN)?
            .into_iter()
            .map(|s| (s, BUILTIN_ORIGIN.to_string()))
            .collect();
        let mut origin = BUILTIN_ORIGIN.to_string();
        for (file, text) in user {
            for s in parse(text, file)? {
                match specs.iter_mut().find(|(b, _)| b.id == s.id) {
                    Some(slot) => *slot = (s, file.to_string()),
                    None => specs.push((s, file.to_string())),
                }
            }
            origin = file.to_string();
        }
        let origin = origin.as_str();
        let rules = specs
            .into_iter()
            .map(|(s, o)| compile(s, &o))
            .collect::<Result<Vec<_>, _>>()?;
        let index: HashMap<&str, usize> = rules
            .iter()
            .enumerate()
            .map(|(i, r)| (r.id.as_str(), i))
            .collect();
        let mut overrides = Vec::with_capacity(rules.len());
        for r in &rules {
            let mut v = Vec::new();
            for o in &r.overrides {
                let Some(&i) = index.get(o.as_str()) else {
                    return Err(err(
                        &r.origin,
                        Some(&r.id),
                        format!("overrides unknown id `{o}`"),
                    ));
                };
                if rules[i].id == r.id {
                    return Err(err(&r.origin, Some(&r.id), "a rule cannot override itself"));
                }
                v.push(i);
            }
            overrides.push(v);
        }
        let mut patterns = Vec::new();
        let mut pattern_owner = Vec::new();
        for (ri, r) in rules.iter().enumerate() {
            for (pi, re) in r.regexes.iter().enumerate() {
                patterns.push(re.as_str().to_string());
                pattern_owner.push((ri, pi));
            }
        }
        let set = RegexSet::new(&patterns)
            .map_err(|e| err(origin, None, format!("cannot build the pattern set: {e}")))?;
        let prefilter = if rules.iter().all(|r| !r.literals.is_empty()) {
            let all: BTreeSet<&str> = rules
                .iter()
                .flat_map(|r| r.literals.iter().map(String::as_str))
                .collect();
            // a literal containing another one adds nothing to a yes/no filter
            let lits: Vec<&str> = all
                .iter()
                .copied()
                .filter(|l| !all.iter().any(|o| o != l && l.contains(o)))
                .collect();
            // at most 64 literals keep the SIMD (Teddy) search
            let ac = AhoCorasick::builder()
                .kind(Some(AhoCorasickKind::DFA))
                .build(lits);
            Some(ac.map_err(|e| {
                err(
                    origin,
                    None,
                    format!("cannot build the literal filter: {e}"),
                )
            })?)
        } else {
            None
        };
        Ok(Signatures {
            rules,
            set,
            pattern_owner,
            overrides,
            prefilter,
        })
    }

    /// Only the built-in rules.
    pub fn builtin() -> Result<Self, SignatureError> {
        Self::load([])
    }

    pub fn rules(&self) -> &[SignatureRule] {
        &self.rules
    }

    pub fn rule(&self, id: &str) -> Option<&SignatureRule> {
        self.rules.iter().find(|r| r.id == id)
    }

    /// Indices of the rules `rule` overrides.
    pub fn overridden_by(&self, rule: usize) -> &[usize] {
        self.overrides.get(rule).map(Vec::as_slice).unwrap_or(&[])
    }

    /// Rules (index) whose patterns match `text`, with the matching pattern indices; fallback
    /// rules are dropped when another rule matched, and overridden rules when their overrider
    /// matched.
    pub fn matching(&self, text: &str) -> BTreeMap<usize, Vec<usize>> {
        if !self.may_match(text) {
            return BTreeMap::new();
        }
        self.matching_unfiltered(text)
    }

    /// Whether `text` passes the literal prefilter (a line that does not cannot match).
    pub fn may_match(&self, text: &str) -> bool {
        self.prefilter.as_ref().is_none_or(|ac| ac.is_match(text))
    }

    /// `matching` without the literal prefilter (for callers that ran `may_match`).
    pub fn matching_unfiltered(&self, text: &str) -> BTreeMap<usize, Vec<usize>> {
        let mut hits: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        if !self.set.is_match(text) {
            return hits;
        }
        for p in self.set.matches(text).iter() {
            if let Some(&(r, pi)) = self.pattern_owner.get(p) {
                hits.entry(r).or_default().push(pi);
            }
        }
        if hits.keys().any(|&r| !self.rules[r].fallback) {
            hits.retain(|&r, _| !self.rules[r].fallback);
        }
        let dropped: BTreeSet<usize> = hits
            .keys()
            .flat_map(|&r| self.overridden_by(r).iter().copied())
            .collect();
        hits.retain(|r, _| !dropped.contains(r));
        hits
    }
}

#[cfg(test)]
#[path = "signatures_tests.rs"]
mod tests;
