//! Real `/metrics` text through the reader into the store, and endpoint stats per server.

use std::collections::BTreeMap;

use aicockpit::domain::server::Server;
use aicockpit::serving::derive::histogram::{Selector, Window, histogram_quantiles};
use aicockpit::serving::derive::objectives::{
    Stat, detect_server, endpoint_stats, latency_sparkline,
};
use aicockpit::serving::derive::promtext::{MetricType, parse};
use aicockpit::world::metrics::MetricStore;

const VLLM: &str = include_str!("fixtures/prom/vllm_metrics_design_doc_sample_llama31_8b.prom");
const TRITON_TTFR: &str =
    include_str!("fixtures/prom/triton_metrics_first_response_histogram_doc_sample.prom");
const TRITON_BASE: &str =
    include_str!("fixtures/prom/triton_trtllm_backend_nv_inference_base_metrics.prom");
const VLLM_HTTP: &str =
    include_str!("fixtures/prom/vllm_metrics_http_fastapi_instrumentator_sample.prom");

/// Push every sample at `t_ms`, scaled by `k` (k = 0 gives a "counters just started" scrape).
fn load(m: &mut MetricStore, text: &str, t_ms: i64, k: f64) {
    for s in parse(text).samples {
        m.push(&s.name, &s.labels, t_ms, s.value * k);
    }
}

fn close(s: Stat, want: f64) {
    let v = s.value().unwrap_or(f64::NAN);
    assert!((v - want).abs() < 1e-9, "{s:?} != {want}");
}

#[test]
fn vllm_design_doc_sample_parses() {
    let e = parse(VLLM);
    // 1 running + 1 generation tokens + 3 success reasons + 8 TTFT buckets + 1 count = 14.
    assert_eq!(e.samples.len(), 14);
    // The curl line and the three "..." elisions.
    let bad: Vec<usize> = e.errors.iter().map(|x| x.line).collect();
    assert_eq!(bad, vec![1, 5, 9, 15]);
    assert_eq!(
        e.types.get("vllm:time_to_first_token_seconds"),
        Some(&MetricType::Histogram)
    );
    let length = e
        .samples
        .iter()
        .find(|s| {
            s.name == "vllm:request_success_total"
                && s.labels.get("finished_reason").map(String::as_str) == Some("length")
        })
        .expect("length reason");
    assert_eq!(length.value, 131.0);
    assert_eq!(
        length.labels["model_name"],
        "meta-llama/Llama-3.1-8B-Instruct"
    );
    // The excerpt elides the +Inf bucket: the quantile says so instead of guessing.
    let mut m = MetricStore::default();
    load(&mut m, VLLM, 0, 0.0);
    load(&mut m, VLLM, 15_000, 1.0);
    let w = Window::ending_at(15_000, 60_000);
    let r = histogram_quantiles(
        &m,
        "vllm:time_to_first_token_seconds_bucket",
        &Selector::all(),
        w,
        &[0.5],
    );
    assert_eq!(
        r[0].map_err(|g| g.reason()),
        Err("histogram has no +Inf bucket")
    );
    assert_eq!(detect_server(&m, &Selector::all()), Server::Vllm);
}

#[test]
fn triton_first_response_histogram_from_docs() {
    let mut m = MetricStore::default();
    // Counters born at 0 s, the documented scrape at 15 s. Window (-45 s, 15 s]: the zero
    // clamp stops extrapolation before 0 s, so increases are the documented counts.
    load(&mut m, TRITON_TTFR, 0, 0.0);
    load(&mut m, TRITON_TTFR, 15_000, 1.0);
    let sel = Selector::all().eq("model", "my_model");
    let w = Window::ending_at(15_000, 60_000);
    let r = histogram_quantiles(
        &m,
        "nv_inference_first_response_histogram_ms",
        &sel,
        w,
        &[0.5, 0.99],
    );
    // Buckets 100:8, 500:30, 2000:36, 5000:37, +Inf:37.
    // p50: rank 18.5 in (100, 500]: 100 + 400 * (18.5-8)/(30-8) = 290.909...
    let p50 = r[0].expect("p50");
    assert!((p50 - (100.0 + 400.0 * 10.5 / 22.0)).abs() < 1e-9, "{p50}");
    // p99: rank 36.63 in (2000, 5000]: 2000 + 3000 * 0.63/1 = 3890.
    let p99 = r[1].expect("p99");
    assert!((p99 - 3890.0).abs() < 1e-6, "{p99}");
    let s = endpoint_stats(&m, Server::Triton, &sel, 15_000, 60_000);
    // p95: rank 35.15 in (500, 2000]: 500 + 1500 * 5.15/6 = 1787.5 ms = 1.7875 s.
    close(s.ttft_p95, 1.7875);
    assert!(matches!(s.p99, Stat::Unavailable(why) if why.contains("Triton")));
    assert_eq!(s.itl_p95, Stat::Unavailable("n/a for Triton"));
    assert_eq!(
        latency_sparkline(&m, Server::Triton, &sel, 60_000, 0, 15_000, 15_000).map(|v| v.len()),
        Err("Triton exports cumulative counters; quantiles need its opt-in histograms")
    );
}

#[test]
fn idle_triton_counters_give_no_latency_not_zero() {
    let mut m = MetricStore::default();
    load(&mut m, TRITON_BASE, 0, 1.0);
    load(&mut m, TRITON_BASE, 15_000, 1.0);
    let sel = Selector::all().eq("model", "tensorrt_llm");
    assert_eq!(detect_server(&m, &sel), Server::Triton);
    let s = endpoint_stats(&m, Server::Triton, &sel, 15_000, 60_000);
    assert_eq!(s.mean, Stat::Unavailable("no requests in the window"));
    assert_eq!(s.queue_mean, Stat::Unavailable("no requests in the window"));
    assert_eq!(s.err_ratio, Stat::Unavailable("no requests in the window"));
    // A measured zero stays a zero: no requests per second, nothing pending.
    assert_eq!(s.req_rate, Stat::Value(0.0));
    assert_eq!(s.waiting, Stat::Value(0.0));
    assert_eq!(s.running, Stat::Unavailable("no such series"));
}

fn counter(m: &mut MetricStore, name: &str, l: &[(&str, &str)], base: f64, inc: f64) {
    let l: BTreeMap<String, String> = l
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    for (t, v) in [(15, base), (30, base), (45, base), (60, base + inc)] {
        m.push(name, &l, t * 1000, v);
    }
}

#[test]
fn vllm_old_names_and_http_errors() {
    let mut m = MetricStore::default();
    let pod = [("pod", "v-0")];
    counter(&mut m, "vllm:gpu_cache_usage_perc", &pod, 0.42, 0.0);
    for (le, inc) in [("0.01", 50.0), ("0.05", 90.0), ("+Inf", 100.0)] {
        counter(
            &mut m,
            "vllm:time_per_output_token_seconds_bucket",
            &[("pod", "v-0"), ("le", le)],
            1000.0,
            inc,
        );
    }
    counter(
        &mut m,
        "http_requests_total",
        &[("pod", "v-0"), ("status", "2xx")],
        1000.0,
        96.0,
    );
    counter(
        &mut m,
        "http_requests_total",
        &[("pod", "v-0"), ("status", "5xx")],
        1000.0,
        4.0,
    );
    let sel = Selector::all().eq("pod", "v-0");
    let s = endpoint_stats(&m, Server::Vllm, &sel, 60_000, 60_000);
    // The older gauge name is used when the renamed one is absent.
    close(s.kv_cache, 0.42);
    // p95 of TPOT (old name): rank 95 of 100 is above the 0.05 bucket's 90, so it lies in
    // +Inf: the last finite bound, 0.05.
    close(s.itl_p95, 0.05);
    // 5xx: +4 of +100 requests (both x4/3 extrapolated, which cancels).
    close(s.err_ratio, 0.04);
    // 100 requests x 4/3 over 60 s.
    close(s.req_rate, 100.0 * 4.0 / 3.0 / 60.0);
    assert_eq!(s.p95, Stat::Unavailable("latency histogram not exported"));
    // The HTTP instrumentator sample parses (its first line is the shell command).
    let e = parse(VLLM_HTTP);
    assert_eq!((e.samples.len(), e.errors.len()), (5, 1));
}

#[test]
fn tgi_has_no_ttft_and_generic_uses_seed_names() {
    let m = MetricStore::default();
    let s = endpoint_stats(&m, Server::Tgi, &Selector::all(), 60_000, 60_000);
    assert_eq!(s.ttft_p95, Stat::Unavailable("n/a for TGI"));
    assert_eq!(s.kv_cache, Stat::Unavailable("n/a for TGI"));
    let mut g = MetricStore::default();
    counter(
        &mut g,
        "model_requests_total",
        &[("service", "llm")],
        500.0,
        100.0,
    );
    counter(
        &mut g,
        "model_errors_total",
        &[("service", "llm")],
        50.0,
        7.0,
    );
    for (le, inc) in [
        ("0.1", 20.0),
        ("0.5", 80.0),
        ("1.0", 100.0),
        ("+Inf", 100.0),
    ] {
        counter(
            &mut g,
            "http_request_duration_seconds_bucket",
            &[("service", "llm"), ("le", le)],
            900.0,
            inc,
        );
    }
    let s = endpoint_stats(
        &g,
        Server::Generic,
        &Selector::all().eq("service", "llm"),
        60_000,
        60_000,
    );
    // 7 errors / 100 requests.
    close(s.err_ratio, 0.07);
    // p99: rank 99 in (0.5, 1.0]: 0.5 + 0.5 * (99-80)/(100-80) = 0.975.
    close(s.p99, 0.975);
    assert_eq!(
        s.latency_metric,
        Some("http_request_duration_seconds_bucket")
    );
}
