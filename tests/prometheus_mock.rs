//! The Prometheus source against a mock Prometheus (a few lines of axum on loopback, not a real
//! server): the bearer token is sent, a 403 is a forbidden state, a 503 an unavailable one, and
//! the answer of a good query becomes samples.

use std::net::SocketAddr;
use std::time::Duration;

use aicockpit::contract::event::{HealthState, SourceEvent};
use aicockpit::sources::prometheus::{PromAuth, PromClient};
use axum::http::{HeaderMap, StatusCode};

const TOKEN: &str = "t0ken-for-the-mock";

async fn mock(headers: HeaderMap, uri: axum::http::Uri) -> (StatusCode, String) {
    let authorized = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == format!("Bearer {TOKEN}"));
    if !authorized {
        return (StatusCode::FORBIDDEN, "forbidden by the mock".into());
    }
    if uri.query().unwrap_or_default().contains("overloaded") {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            r#"{"status":"error","error":"mock is overloaded"}"#.into(),
        );
    }
    let body = r#"{"status":"success","data":{"resultType":"matrix","result":[
        {"metric":{"__name__":"vllm:num_requests_waiting","pod":"p"},"values":[[1700000000,"4"]]}]}}"#;
    (StatusCode::OK, body.into())
}

async fn start_mock() -> String {
    let addr: SocketAddr = "127.0.0.1:0".parse().expect("addr");
    let listener = tokio::net::TcpListener::bind(addr).await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let app = axum::Router::new().fallback(mock);
    tokio::spawn(async move { axum::serve(listener, app).await });
    url
}

#[tokio::test]
async fn auth_is_sent_and_http_errors_are_states() {
    let url = start_mock().await;
    let step = Duration::from_secs(15);
    let anon = PromClient::new(&url, PromAuth::None).expect("client");
    let e = anon
        .query_range("up", 0, 15_000, step)
        .await
        .expect_err("forbidden without a token");
    assert_eq!(e.state, HealthState::Forbidden);
    assert!(e.message.contains("HTTP 403"), "{}", e.message);

    let c = PromClient::new(&url, PromAuth::Bearer(TOKEN.into())).expect("client");
    let e = c
        .query_range("overloaded", 0, 15_000, step)
        .await
        .expect_err("503");
    assert_eq!(e.state, HealthState::Unavailable);
    assert!(
        e.message.contains("HTTP 503") && e.message.contains("mock is overloaded"),
        "{}",
        e.message
    );

    let evs = c.query_range("up", 0, 15_000, step).await.expect("samples");
    assert_eq!(evs.len(), 1);
    assert_eq!(evs[0].at_ms, 1_700_000_000_000);
    assert!(matches!(&evs[0].ev, SourceEvent::Metric { value, .. } if *value == 4.0));
}
