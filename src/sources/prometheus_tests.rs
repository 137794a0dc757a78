//! Unit tests of the Prometheus source (kept beside the module, in their own file).
use super::*;

#[test]
fn matrix_answers_become_samples() {
    let body = br#"{"status":"success","data":{"resultType":"matrix","result":[
        {"metric":{"__name__":"vllm:num_requests_waiting","pod":"a"},
         "values":[[1700000030,"3"],[1700000000.5,"2"],[1700000060,"NaN"]]}]}}"#;
    let evs = parse_matrix(body).expect("parsed");
    assert_eq!(evs.len(), 3);
    assert_eq!(evs[0].at_ms, 1_700_000_000_500);
    let SourceEvent::Metric {
        name,
        labels,
        value,
    } = &evs[1].ev
    else {
        panic!("not a metric");
    };
    assert_eq!((name.as_str(), *value), ("vllm:num_requests_waiting", 3.0));
    assert_eq!(labels.get("pod").map(String::as_str), Some("a"));
    assert!(!labels.contains_key("__name__"));
    assert!(parse_matrix(b"<html>").is_err());
    assert!(parse_matrix(br#"{"status":"error","error":"bad query"}"#).is_err());
}

#[test]
fn secrets_stay_out_of_debug_and_queries_are_encoded() {
    let a = PromAuth::Bearer("s3cr3t".into());
    assert!(!format!("{a:?}").contains("s3cr3t"));
    assert_eq!(a.header().as_deref(), Some("Bearer s3cr3t"));
    let b = PromAuth::Basic {
        user: "u".into(),
        password: "p".into(),
    };
    assert_eq!(b.header().as_deref(), Some("Basic dTpw"));
    assert_eq!(
        encode("{__name__=~\"a:.*\"}"),
        "%7B__name__%3D~%22a%3A.%2A%22%7D"
    );
    let o = PromOpts::new("http://p:9090/", PromAuth::None);
    assert_eq!(o.url, "http://p:9090");
    assert!(o.selector().starts_with("{__name__=~\"DCGM_FI_.*|"));
}

#[test]
fn credentials_load_from_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    let t = dir.path().join("token");
    std::fs::write(&t, "abc\n").expect("write");
    assert_eq!(
        PromAuth::load(Some(&t), None),
        Ok(PromAuth::Bearer("abc".into()))
    );
    let b = dir.path().join("basic");
    std::fs::write(&b, "me:pw").expect("write");
    assert_eq!(
        PromAuth::load(None, Some(&b)),
        Ok(PromAuth::Basic {
            user: "me".into(),
            password: "pw".into()
        })
    );
    assert!(PromAuth::load(Some(&t), Some(&b)).is_err());
    std::fs::write(&b, "nocolon").expect("write");
    assert!(PromAuth::load(None, Some(&b)).is_err());
}
