//! Label and field selectors as the Kubernetes API accepts them in `labelSelector` and
//! `fieldSelector`, parsed once per request and matched against raw objects. A selector that
//! does not parse is a `SelectorError` naming the requirement that was wrong (the sandbox answers
//! it with a 400, as the API server does).

use serde_json::Value;

#[derive(Debug, Clone, PartialEq)]
enum Req {
    Eq(String, String),
    Ne(String, String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
    Exists(String),
    NotExists(String),
}

/// A selector that could not be parsed; each variant quotes the offending part.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SelectorError {
    /// `key in ...` / `key notin ...` without a `(a, b)` set.
    #[error("expected a parenthesised set, got {0:?}")]
    NotASet(String),
    /// A label requirement that is none of the forms the API accepts.
    #[error("unable to parse requirement: {0:?}")]
    Requirement(String),
    /// A field requirement without `=`, `==` or `!=`.
    #[error("invalid field selector: {0:?}")]
    Field(String),
}

/// A parsed label selector (all requirements must hold).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LabelSelector(Vec<Req>);

/// Split at commas that are not inside parentheses.
fn split_top(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut depth, mut start) = (0i32, 0usize);
    for (i, c) in s.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    out.into_iter()
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect()
}

fn set_of(s: &str) -> Result<Vec<String>, SelectorError> {
    let inner = s
        .trim()
        .strip_prefix('(')
        .and_then(|r| r.strip_suffix(')'))
        .ok_or_else(|| SelectorError::NotASet(s.to_string()))?;
    Ok(inner.split(',').map(|v| v.trim().to_string()).collect())
}

impl LabelSelector {
    pub fn parse(s: &str) -> Result<Self, SelectorError> {
        let mut reqs = Vec::new();
        for part in split_top(s) {
            let req = if let Some(k) = part.strip_prefix('!') {
                Req::NotExists(k.trim().to_string())
            } else if let Some((k, v)) = part.split_once("!=") {
                Req::Ne(k.trim().to_string(), v.trim().to_string())
            } else if let Some((k, v)) = part.split_once("==") {
                Req::Eq(k.trim().to_string(), v.trim().to_string())
            } else if let Some((k, v)) = part.split_once('=') {
                Req::Eq(k.trim().to_string(), v.trim().to_string())
            } else if let Some((k, v)) = part.split_once(" notin ") {
                Req::NotIn(k.trim().to_string(), set_of(v)?)
            } else if let Some((k, v)) = part.split_once(" in ") {
                Req::In(k.trim().to_string(), set_of(v)?)
            } else if part.contains([' ', '(', ')']) {
                return Err(SelectorError::Requirement(part.to_string()));
            } else {
                Req::Exists(part.to_string())
            };
            reqs.push(req);
        }
        Ok(LabelSelector(reqs))
    }

    pub fn matches(&self, obj: &Value) -> bool {
        let labels = obj.pointer("/metadata/labels");
        let get = |k: &str| labels.and_then(|l| l.get(k)).and_then(Value::as_str);
        self.0.iter().all(|r| match r {
            Req::Eq(k, v) => get(k) == Some(v.as_str()),
            Req::Ne(k, v) => get(k) != Some(v.as_str()),
            Req::In(k, vs) => get(k).is_some_and(|x| vs.iter().any(|v| v == x)),
            Req::NotIn(k, vs) => !get(k).is_some_and(|x| vs.iter().any(|v| v == x)),
            Req::Exists(k) => get(k).is_some(),
            Req::NotExists(k) => get(k).is_none(),
        })
    }
}

/// A parsed field selector: `path=value`, `path==value` or `path!=value`, comma-separated, where
/// path is a dotted field path (`metadata.name`, `spec.nodeName`, `involvedObject.uid` ...).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FieldSelector(Vec<(String, bool, String)>);

impl FieldSelector {
    pub fn parse(s: &str) -> Result<Self, SelectorError> {
        let mut reqs = Vec::new();
        for part in split_top(s) {
            let (path, eq, value) = if let Some((k, v)) = part.split_once("!=") {
                (k, false, v)
            } else if let Some((k, v)) = part.split_once("==") {
                (k, true, v)
            } else if let Some((k, v)) = part.split_once('=') {
                (k, true, v)
            } else {
                return Err(SelectorError::Field(part.to_string()));
            };
            let pointer = format!("/{}", path.trim().replace('.', "/"));
            reqs.push((pointer, eq, value.trim().to_string()));
        }
        Ok(FieldSelector(reqs))
    }

    pub fn matches(&self, obj: &Value) -> bool {
        self.0.iter().all(|(pointer, eq, value)| {
            let actual = match obj.pointer(pointer) {
                Some(Value::String(s)) => s.clone(),
                Some(Value::Null) | None => String::new(),
                Some(other) => other.to_string(),
            };
            (actual == *value) == *eq
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pod() -> Value {
        json!({"metadata": {"name": "w-0", "namespace": "ml", "labels": {"app": "train", "rank": "0"}},
               "spec": {"nodeName": "gpu-1"}})
    }

    #[test]
    fn label_selectors_cover_equality_sets_and_existence() {
        let p = pod();
        let m = |s: &str| LabelSelector::parse(s).map(|l| l.matches(&p));
        assert_eq!(m("app=train,rank!=1"), Ok(true));
        assert_eq!(m("app==serve"), Ok(false));
        assert_eq!(m("rank in (0, 1),app"), Ok(true));
        assert_eq!(m("rank notin (0)"), Ok(false));
        assert_eq!(m("!missing"), Ok(true));
        assert_eq!(m("!app"), Ok(false));
        assert!(LabelSelector::parse("a b c").is_err());
    }

    #[test]
    fn field_selectors_read_dotted_paths() {
        let p = pod();
        let m = |s: &str| FieldSelector::parse(s).map(|f| f.matches(&p));
        assert_eq!(m("spec.nodeName=gpu-1,metadata.namespace=ml"), Ok(true));
        assert_eq!(m("metadata.name!=w-0"), Ok(false));
        assert_eq!(m("spec.nodeName="), Ok(false));
        assert!(FieldSelector::parse("nonsense").is_err());
    }
}
