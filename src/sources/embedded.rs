// PLACEHOLDER: replaced at merge
//! Scenarios embedded in the binary (placeholder registry with one tiny scenario).

use crate::sources::scenario::{self, Scenario, ScenarioError};

/// The scenario `--demo` plays when no name is given.
pub const DEFAULT_SCENARIO: &str = "placeholder";

const SCENARIOS: &[(&str, &str)] = &[(
    "placeholder",
    include_str!("../../assets/scenarios/placeholder.jsonl"),
)];

/// Facts about one embedded scenario.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmbeddedInfo {
    pub name: &'static str,
    pub title: String,
    pub description: String,
    pub duration_ms: i64,
}

/// Every embedded scenario.
pub fn list() -> Vec<EmbeddedInfo> {
    SCENARIOS
        .iter()
        .filter_map(|(name, text)| {
            let s = scenario::parse(text, name).ok()?;
            Some(EmbeddedInfo {
                name,
                title: s.header.title.clone(),
                description: s.header.description.clone(),
                duration_ms: s.duration_ms(),
            })
        })
        .collect()
}

/// Load an embedded scenario by name.
pub fn load(name: &str) -> Result<Scenario, ScenarioError> {
    let Some((n, text)) = SCENARIOS.iter().find(|(n, _)| *n == name) else {
        return Err(ScenarioError {
            file: name.to_string(),
            line: 0,
            message: format!(
                "unknown scenario {name:?}; known: {}",
                SCENARIOS
                    .iter()
                    .map(|(n, _)| *n)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        });
    };
    scenario::parse(text, &format!("{n}.jsonl"))
}
