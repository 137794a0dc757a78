//! Which metric names each model server exports, as data (names from the servers' own docs and
//! from the seed runbooks; see research anchors C4). Renamed series are listed newest first and
//! the first one present wins. An absent figure names why ("n/a for TGI"), never a zero.

use crate::domain::server::Server;

/// A latency histogram: candidate bucket series names, and the factor to seconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum HistSource {
    Buckets {
        names: &'static [&'static str],
        scale: f64,
    },
    Absent(&'static str),
}

/// A mean: Δnumerator/Δdenominator × scale (`_sum`/`_count`, Triton's cumulative µs counters
/// over its request counter), or a gauge that already holds a mean.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum MeanSource {
    Ratio {
        num: &'static str,
        den: &'static str,
        scale: f64,
    },
    Gauge(&'static str),
    Absent(&'static str),
}

/// A gauge: summed over replicas (queue lengths), averaged (usage fractions), or the first of
/// several renamed series (averaged).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Gauge {
    Sum(&'static str, Option<(&'static str, &'static str)>),
    Mean(&'static str, Option<(&'static str, &'static str)>),
    Renamed(&'static [&'static str]),
    Absent(&'static str),
}

/// Where request and error rates come from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ErrorSource {
    /// `rate(errors) / rate(total)`.
    Ratio {
        errors: &'static str,
        total: &'static str,
    },
    /// `rate(total{label=value}) / rate(total)`.
    Labelled {
        total: &'static str,
        label: &'static str,
        value: &'static str,
    },
    /// `rate(failure) / (rate(success) + rate(failure))`.
    SuccessFailure {
        success: &'static str,
        failure: &'static str,
    },
    /// `1 - rate(success) / rate(total)`.
    Complement {
        success: &'static str,
        total: &'static str,
    },
    /// A request counter but no error counter.
    RateOnly {
        total: &'static str,
        why: &'static str,
    },
}

/// The metric map of one server.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ServerMetrics {
    pub e2e: HistSource,
    /// Tried in order; the first with series wins.
    pub mean: &'static [MeanSource],
    pub ttft: HistSource,
    pub itl: HistSource,
    pub queue: HistSource,
    pub queue_mean: &'static [MeanSource],
    pub running: Gauge,
    pub waiting: Gauge,
    pub kv_cache: Gauge,
    /// Tried in order; the first whose request counter has series wins.
    pub errors: &'static [ErrorSource],
}

const SECONDS: f64 = 1.0;

const VLLM: ServerMetrics = ServerMetrics {
    e2e: HistSource::Buckets {
        names: &["vllm:e2e_request_latency_seconds_bucket"],
        scale: SECONDS,
    },
    mean: &[MeanSource::Ratio {
        num: "vllm:e2e_request_latency_seconds_sum",
        den: "vllm:e2e_request_latency_seconds_count",
        scale: SECONDS,
    }],
    ttft: HistSource::Buckets {
        names: &["vllm:time_to_first_token_seconds_bucket"],
        scale: SECONDS,
    },
    itl: HistSource::Buckets {
        names: &[
            "vllm:inter_token_latency_seconds_bucket",
            "vllm:time_per_output_token_seconds_bucket",
        ],
        scale: SECONDS,
    },
    queue: HistSource::Buckets {
        names: &["vllm:request_queue_time_seconds_bucket"],
        scale: SECONDS,
    },
    queue_mean: &[MeanSource::Ratio {
        num: "vllm:request_queue_time_seconds_sum",
        den: "vllm:request_queue_time_seconds_count",
        scale: SECONDS,
    }],
    running: Gauge::Sum("vllm:num_requests_running", None),
    waiting: Gauge::Sum("vllm:num_requests_waiting", None),
    kv_cache: Gauge::Renamed(&["vllm:kv_cache_usage_perc", "vllm:gpu_cache_usage_perc"]),
    errors: &[
        ErrorSource::Labelled {
            total: "http_requests_total",
            label: "status",
            value: "5xx",
        },
        ErrorSource::RateOnly {
            total: "vllm:request_success_total",
            why: "vLLM counts no failed requests (no http_requests_total)",
        },
    ],
};

const TRITON: ServerMetrics = ServerMetrics {
    e2e: HistSource::Absent(
        "Triton exports cumulative counters; quantiles need its opt-in histograms",
    ),
    mean: &[MeanSource::Ratio {
        num: "nv_inference_request_duration_us",
        den: "nv_inference_request_success",
        scale: 1e-6,
    }],
    ttft: HistSource::Buckets {
        names: &[
            "nv_inference_first_response_histogram_ms",
            "nv_inference_first_response_histogram_ms_bucket",
        ],
        scale: 1e-3,
    },
    itl: HistSource::Absent("n/a for Triton"),
    queue: HistSource::Absent("Triton queue time is a cumulative counter: mean only"),
    queue_mean: &[MeanSource::Ratio {
        num: "nv_inference_queue_duration_us",
        den: "nv_inference_request_success",
        scale: 1e-6,
    }],
    running: Gauge::Sum(
        "nv_trt_llm_request_metrics",
        Some(("request_type", "active")),
    ),
    waiting: Gauge::Sum("nv_inference_pending_request_count", None),
    kv_cache: Gauge::Absent("Triton base metrics carry no KV-cache usage"),
    errors: &[ErrorSource::SuccessFailure {
        success: "nv_inference_request_success",
        failure: "nv_inference_request_failure",
    }],
};

const TGI: ServerMetrics = ServerMetrics {
    e2e: HistSource::Buckets {
        names: &["tgi_request_duration_bucket"],
        scale: SECONDS,
    },
    mean: &[MeanSource::Ratio {
        num: "tgi_request_duration_sum",
        den: "tgi_request_duration_count",
        scale: SECONDS,
    }],
    ttft: HistSource::Absent("n/a for TGI"),
    itl: HistSource::Buckets {
        names: &["tgi_request_mean_time_per_token_duration_bucket"],
        scale: SECONDS,
    },
    queue: HistSource::Buckets {
        names: &["tgi_request_queue_duration_bucket"],
        scale: SECONDS,
    },
    queue_mean: &[MeanSource::Ratio {
        num: "tgi_request_queue_duration_sum",
        den: "tgi_request_queue_duration_count",
        scale: SECONDS,
    }],
    running: Gauge::Sum("tgi_batch_current_size", None),
    waiting: Gauge::Sum("tgi_queue_size", None),
    kv_cache: Gauge::Absent("n/a for TGI"),
    errors: &[ErrorSource::Complement {
        success: "tgi_request_success",
        total: "tgi_request_count",
    }],
};

const KSERVE: ServerMetrics = ServerMetrics {
    e2e: HistSource::Buckets {
        names: &["request_predict_seconds_bucket"],
        scale: SECONDS,
    },
    mean: &[MeanSource::Ratio {
        num: "request_predict_seconds_sum",
        den: "request_predict_seconds_count",
        scale: SECONDS,
    }],
    ttft: HistSource::Absent("n/a for the KServe model server"),
    itl: HistSource::Absent("n/a for the KServe model server"),
    queue: HistSource::Absent("n/a for the KServe model server"),
    queue_mean: &[MeanSource::Absent("n/a for the KServe model server")],
    running: Gauge::Absent("n/a for the KServe model server"),
    waiting: Gauge::Absent("n/a for the KServe model server"),
    kv_cache: Gauge::Absent("n/a for the KServe model server"),
    errors: &[ErrorSource::RateOnly {
        total: "request_predict_seconds_count",
        why: "the KServe model server counts no errors",
    }],
};

/// The seed runbooks' own names: `http_request_duration_seconds` (P99 > 0.5 s),
/// `inference_request_duration_seconds` (P95 > 2 s), `model_inference_duration_seconds`
/// (p99 > 30 s), `triton_inference_request_duration_seconds` (p95 > 0.5 s), the HPA's
/// `model_inference_latency_seconds` gauge, and their request/error counters.
const GENERIC: ServerMetrics = ServerMetrics {
    e2e: HistSource::Buckets {
        names: &[
            "http_request_duration_seconds_bucket",
            "inference_request_duration_seconds_bucket",
            "model_inference_duration_seconds_bucket",
            "triton_inference_request_duration_seconds_bucket",
        ],
        scale: SECONDS,
    },
    mean: &[
        MeanSource::Gauge("model_inference_latency_seconds"),
        MeanSource::Ratio {
            num: "http_request_duration_seconds_sum",
            den: "http_request_duration_seconds_count",
            scale: SECONDS,
        },
        MeanSource::Ratio {
            num: "inference_request_duration_seconds_sum",
            den: "inference_request_duration_seconds_count",
            scale: SECONDS,
        },
        MeanSource::Ratio {
            num: "model_inference_duration_seconds_sum",
            den: "model_inference_duration_seconds_count",
            scale: SECONDS,
        },
    ],
    ttft: HistSource::Absent("not exported by this server"),
    itl: HistSource::Absent("not exported by this server"),
    queue: HistSource::Absent("not exported by this server"),
    queue_mean: &[MeanSource::Absent("not exported by this server")],
    running: Gauge::Absent("not exported by this server"),
    waiting: Gauge::Absent("not exported by this server"),
    kv_cache: Gauge::Absent("not exported by this server"),
    errors: &[
        ErrorSource::Ratio {
            errors: "model_errors_total",
            total: "model_requests_total",
        },
        ErrorSource::Labelled {
            total: "inference_requests_total",
            label: "status",
            value: "error",
        },
        ErrorSource::Ratio {
            errors: "triton_inference_request_failure_total",
            total: "triton_inference_request_total",
        },
    ],
};

/// The metric map for a server.
pub fn metrics_for(server: Server) -> &'static ServerMetrics {
    match server {
        Server::Vllm => &VLLM,
        Server::Triton => &TRITON,
        Server::Tgi => &TGI,
        Server::Kserve => &KSERVE,
        Server::Generic => &GENERIC,
    }
}
