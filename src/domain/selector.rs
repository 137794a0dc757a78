//! Label selectors for picking one endpoint's series: equality, one-of (a pod set) and
//! presence matchers, all of which must hold.

use std::collections::{BTreeMap, BTreeSet};

/// One label condition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Matcher {
    /// `label == value`
    Eq(String, String),
    /// `label` is one of the values (e.g. the pods of a Deployment).
    In(String, BTreeSet<String>),
    /// `label != value` (an absent label counts as the empty string, as in PromQL).
    NotEq(String, String),
}

/// All matchers must hold; an empty selector matches every series.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Selector {
    pub matchers: Vec<Matcher>,
}

impl Selector {
    pub fn all() -> Self {
        Selector::default()
    }

    /// Add `label == value`.
    pub fn eq(mut self, label: &str, value: &str) -> Self {
        self.matchers
            .push(Matcher::Eq(label.to_string(), value.to_string()));
        self
    }

    /// Add `label != value`.
    pub fn not_eq(mut self, label: &str, value: &str) -> Self {
        self.matchers
            .push(Matcher::NotEq(label.to_string(), value.to_string()));
        self
    }

    /// Add `label` in `values`.
    pub fn one_of<I: IntoIterator<Item = S>, S: Into<String>>(
        mut self,
        label: &str,
        values: I,
    ) -> Self {
        self.matchers.push(Matcher::In(
            label.to_string(),
            values.into_iter().map(Into::into).collect(),
        ));
        self
    }

    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.matchers.iter().all(|m| match m {
            Matcher::Eq(k, v) => labels.get(k).is_some_and(|x| x == v),
            Matcher::NotEq(k, v) => labels.get(k).map(String::as_str).unwrap_or("") != v,
            Matcher::In(k, set) => labels.get(k).is_some_and(|x| set.contains(x)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matchers_combine() {
        let l = BTreeMap::from([
            ("namespace".to_string(), "ai".to_string()),
            ("pod".to_string(), "p-1".to_string()),
        ]);
        assert!(Selector::all().matches(&l));
        assert!(
            Selector::all()
                .eq("namespace", "ai")
                .one_of("pod", ["p-0", "p-1"])
                .matches(&l)
        );
        assert!(
            !Selector::all()
                .eq("namespace", "ai")
                .one_of("pod", ["p-2"])
                .matches(&l)
        );
        assert!(!Selector::all().not_eq("pod", "p-1").matches(&l));
        assert!(Selector::all().not_eq("status", "5xx").matches(&l));
        assert!(!Selector::all().eq("model", "x").matches(&l));
    }
}
