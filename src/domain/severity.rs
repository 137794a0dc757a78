//! The one `Severity` every layer speaks: health flags, threshold breaches, log signatures,
//! alert rules, playbook conclusions and the attention list all rank by it. Ordered
//! `Info < Warning < Critical`; written lowercase in data files and JSON.

use serde::{Deserialize, Serialize};

/// How bad something is. Ordered: `Info < Warning < Critical`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Critical,
}

impl Severity {
    /// The lowercase word, as data files and JSON write it.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Critical => "critical",
        }
    }

    /// The glyph lists put before a row of this severity.
    pub fn glyph(self) -> &'static str {
        match self {
            Severity::Critical => "✖",
            Severity::Warning => "▲",
            Severity::Info => "●",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_and_reads_back_lowercase() {
        assert!(Severity::Info < Severity::Warning && Severity::Warning < Severity::Critical);
        for s in [Severity::Info, Severity::Warning, Severity::Critical] {
            let json = serde_json::to_string(&s).expect("serialise");
            assert_eq!(json, format!("\"{}\"", s.as_str()));
            let back: Severity = serde_json::from_str(&json).expect("parse");
            assert_eq!(back, s);
        }
        assert!(serde_json::from_str::<Severity>("\"fatal\"").is_err());
    }
}
