//! Rule data: the log signatures, alert rules and playbooks the cockpit and its subcommands
//! judge with. Each kind is its built-in file(s) with the user's files of that kind merged over
//! them (texts read from `<config dir>/{signatures,alerts,playbooks}/*.toml` by
//! `shell::settings_files`), loaded and validated once here, then passed to the code that uses
//! them: playbooks are checked against the signature ids and alert rules actually loaded.

use std::sync::OnceLock;

use crate::settings::alerts::{self, AlertRule, RuleError};
use crate::settings::playbooks::Playbooks;
use crate::settings::playbooks::validate::{Known, PlaybookError};
use crate::settings::signatures::{SignatureError, Signatures};

/// The user's rule files of each kind, (origin, text), in the order they are merged.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RuleTexts {
    pub signatures: Vec<(String, String)>,
    pub alerts: Vec<(String, String)>,
    pub playbooks: Vec<(String, String)>,
}

/// Rule data, loaded and validated.
#[derive(Debug)]
pub struct Rules {
    pub signatures: Signatures,
    pub alerts: Vec<AlertRule>,
    pub playbooks: Playbooks,
}

/// Rule data that cannot be used: every problem found, each naming its file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RulesError {
    #[error("{file}: cannot read it: {reason}")]
    Unreadable { file: String, reason: String },
    #[error("{0}")]
    Signatures(#[from] SignatureError),
    #[error("{}", lines(.0))]
    Alerts(Vec<RuleError>),
    #[error("{}", lines(.0))]
    Playbooks(Vec<PlaybookError>),
}

fn lines<E: ToString>(errs: &[E]) -> String {
    errs.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

fn pairs(files: &[(String, String)]) -> impl Iterator<Item = (&str, &str)> {
    files.iter().map(|(o, t)| (o.as_str(), t.as_str()))
}

/// The built-in signatures merged with user signature files (what `scan-logs` needs).
pub fn load_signatures(files: &[(String, String)]) -> Result<Signatures, RulesError> {
    Ok(Signatures::load(pairs(files))?)
}

impl Rules {
    /// The built-ins merged with the user's files: signatures and alert rules first, then the
    /// playbooks, checked against them.
    pub fn load(user: &RuleTexts) -> Result<Rules, RulesError> {
        let signatures = load_signatures(&user.signatures)?;
        let alerts = alerts::load(pairs(&user.alerts)).map_err(RulesError::Alerts)?;
        let known = Known {
            signatures: &signatures,
            alerts: &alerts,
        };
        let mut files: Vec<(String, &str)> = crate::settings::playbooks::builtin_files().collect();
        files.extend(user.playbooks.iter().map(|(o, t)| (o.clone(), t.as_str())));
        let playbooks = Playbooks::from_texts(files, &known).map_err(RulesError::Playbooks)?;
        Ok(Rules {
            signatures,
            alerts,
            playbooks,
        })
    }

    /// The built-in rule data alone, loaded once (tests, and code given no rule data).
    pub fn builtin() -> Result<&'static Rules, &'static RulesError> {
        static B: OnceLock<Result<Rules, RulesError>> = OnceLock::new();
        B.get_or_init(|| Rules::load(&RuleTexts::default()))
            .as_ref()
    }

    /// Keep the rule data for the rest of the process: the cockpit loads it once at start, and
    /// its log classifiers hold on to the signatures for as long as it runs.
    pub fn leak(self) -> &'static Rules {
        Box::leak(Box::new(self))
    }
}

/// Rule data is compared by identity: two values are equal when they are the same load.
impl PartialEq for Rules {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self, other)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(kind: &str, origin: &str, text: &str) -> RuleTexts {
        let file = vec![(origin.to_string(), text.to_string())];
        match kind {
            "signatures" => RuleTexts {
                signatures: file,
                ..RuleTexts::default()
            },
            "alerts" => RuleTexts {
                alerts: file,
                ..RuleTexts::default()
            },
            _ => RuleTexts {
                playbooks: file,
                ..RuleTexts::default()
            },
        }
    }

    const SIG: &str = "[[rule]]\nid = \"site.disk_full\"\nseverity = \"critical\"\n\
                       patterns = ['No space left on device']\n";
    const ALERT: &str = "[[rule]]\nname = \"SiteLatency\"\nkind = \"latency_quantile\"\n\
                         quantile = 0.9\nthreshold = 1.0\nwindow = \"5m\"\n";

    fn playbook(probe: &str) -> String {
        format!(
            "[[playbook]]\nid = \"site\"\ntitle = \"t\"\ncategory = \"c\"\nentry = \"a\"\n\
             [[playbook.steps]]\nid = \"a\"\nquestion = \"q?\"\nprobe = {probe}\n\
             yes = \"site-c\"\nno = \"ok\"\n\
             [[playbook.conclusions]]\nid = \"site-c\"\nroot_cause = \"r\"\nseverity = \"info\"\n"
        )
    }

    #[test]
    fn builtins_load_and_user_files_extend_them() {
        let b = Rules::builtin().expect("built-in rule data");
        assert!(b.signatures.rule("cuda.oom").is_some());
        let r = Rules::load(&texts("signatures", "s.toml", SIG)).expect("user signature");
        assert_eq!(r.signatures.rules().len(), b.signatures.rules().len() + 1);
        let r = Rules::load(&texts("alerts", "a.toml", ALERT)).expect("user alert rule");
        assert!(r.alerts.iter().any(|a| a.name == "SiteLatency"));
        assert_eq!(r.playbooks.list.len(), b.playbooks.list.len());
    }

    #[test]
    fn playbooks_are_checked_against_the_rules_loaded() {
        let sig = playbook("{ kind = \"log_signature\", ids = [\"site.disk_full\"] }");
        let e = Rules::load(&texts("playbooks", "p.toml", &sig)).expect_err("unknown id");
        assert!(matches!(e, RulesError::Playbooks(_)), "{e}");
        assert!(e.to_string().contains("unknown signature id"), "{e}");
        let mut both = texts("playbooks", "p.toml", &sig);
        both.signatures = vec![("s.toml".into(), SIG.into())];
        let r = Rules::load(&both).expect("the user signature is known");
        assert!(r.playbooks.get("site").is_some());

        let alert = playbook("{ kind = \"serving_alert\", rule = \"SiteLatency\" }");
        let mut both = texts("playbooks", "p.toml", &alert);
        assert!(Rules::load(&both).is_err());
        both.alerts = vec![("a.toml".into(), ALERT.into())];
        assert!(Rules::load(&both).is_ok());
    }

    #[test]
    fn errors_name_the_file() {
        let e = Rules::load(&texts("signatures", "s.toml", "[[rule]]\nid = 1\n"))
            .expect_err("bad signature file");
        assert!(e.to_string().starts_with("s.toml: "), "{e}");
        let e = Rules::load(&texts("alerts", "a.toml", "[[rule]]\nname = \"x\"\n"))
            .expect_err("bad alert file");
        assert!(e.to_string().starts_with("a.toml: rule x: "), "{e}");
    }
}
