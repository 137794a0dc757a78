//! Serving objectives for one model endpoint: which metric names each server exports (vLLM with
//! its renamed series, Triton's cumulative microsecond counters, TGI, KServe, and the generic
//! names the seed runbooks alert on), and `EndpointStats` computed from the metric store over a
//! window at an event time. Every figure is a value or an explicit "unavailable: why".

use crate::domain::Millis;
use crate::domain::server::Server;
use crate::serving::derive::histogram::{
    Gap, Selector, Window, gauge_values, histogram_quantiles, mean_ratio, select, sum_rate,
};
use crate::serving::derive::sparkline::{StepQuantiles, prepare, quantile_steps};
use crate::world::metrics::MetricStore;

pub use crate::serving::derive::names::{
    ErrorSource, Gauge, HistSource, MeanSource, ServerMetrics, metrics_for,
};

/// One figure, or why there is none. Never a silent zero.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Stat {
    Value(f64),
    Unavailable(&'static str),
}

impl Stat {
    pub fn value(self) -> Option<f64> {
        match self {
            Stat::Value(v) => Some(v),
            Stat::Unavailable(_) => None,
        }
    }

    fn from_gap(r: Result<f64, Gap>) -> Stat {
        match r {
            Ok(v) => Stat::Value(v),
            Err(g) => Stat::Unavailable(g.reason()),
        }
    }
}

/// Why an endpoint has no figures at all: there are no pods to select its series by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum NoStats {
    #[error("the workload has no pod selector")]
    NoPodSelector,
    #[error("no pods match the workload's selector")]
    NoPods,
}

/// Latency (seconds), load and errors of one endpoint over a window.
#[derive(Debug, Clone, PartialEq)]
pub struct EndpointStats {
    pub server: Server,
    pub at: Millis,
    pub window_ms: Millis,
    /// End-to-end request latency quantiles and mean.
    pub p50: Stat,
    pub p95: Stat,
    pub p99: Stat,
    pub mean: Stat,
    /// The series the end-to-end figures came from, when one did.
    pub latency_metric: Option<&'static str>,
    pub ttft_p95: Stat,
    /// Inter-token latency / time per output token, p95.
    pub itl_p95: Stat,
    pub queue_p95: Stat,
    pub queue_mean: Stat,
    pub running: Stat,
    pub waiting: Stat,
    /// KV-cache usage, 0..1.
    pub kv_cache: Stat,
    /// Requests per second.
    pub req_rate: Stat,
    /// Failed requests over all requests, 0..1.
    pub err_ratio: Stat,
}

/// Guess the server from which metric names exist for the selector.
pub fn detect_server(store: &MetricStore, sel: &Selector) -> Server {
    let has = |n: &str| !select(store, n, sel).is_empty();
    if has("vllm:num_requests_running")
        || has("vllm:e2e_request_latency_seconds_bucket")
        || has("vllm:request_success_total")
    {
        Server::Vllm
    } else if has("nv_inference_request_success") || has("nv_inference_count") {
        Server::Triton
    } else if has("tgi_request_count") || has("tgi_request_duration_bucket") {
        Server::Tgi
    } else if has("request_predict_seconds_bucket") {
        Server::Kserve
    } else {
        Server::Generic
    }
}

/// Where histogram quantiles come from: `(bucket_name, window, qs)` to one result per `q`, as
/// `histogram_quantiles` over the endpoint's series gives them (the view answers from an index).
pub type QuantileFn<'a> = dyn FnMut(&str, Window, &[f64]) -> Vec<Result<f64, Gap>> + 'a;

/// Quantiles from the first candidate histogram with a value; else the first one's gap.
fn hist(
    hq: &mut QuantileFn<'_>,
    src: &HistSource,
    w: Window,
    qs: &[f64],
) -> (Vec<Stat>, Option<&'static str>) {
    let (names, scale) = match src {
        HistSource::Buckets { names, scale } => (*names, *scale),
        HistSource::Absent(why) => return (vec![Stat::Unavailable(why); qs.len()], None),
    };
    let mut first_gap = None;
    for name in names {
        let r = hq(name, w, qs);
        if r.iter().any(Result::is_ok) {
            let stats = r.into_iter().map(|x| Stat::from_gap(x.map(|v| v * scale)));
            return (stats.collect(), Some(*name));
        }
        if first_gap.is_none() && r.iter().any(|x| *x != Err(Gap::NoSeries)) {
            first_gap = Some((r, *name));
        }
    }
    match first_gap {
        Some((r, name)) => (r.into_iter().map(Stat::from_gap).collect(), Some(name)),
        None => (
            vec![Stat::Unavailable("latency histogram not exported"); qs.len()],
            None,
        ),
    }
}

/// The first mean source that has series.
fn mean(store: &MetricStore, srcs: &[MeanSource], sel: &Selector, w: Window) -> Stat {
    let no_series = Stat::Unavailable(Gap::NoSeries.reason());
    let mut first = None;
    for src in srcs {
        let s = match src {
            MeanSource::Ratio { num, den, scale } => {
                Stat::from_gap(mean_ratio(store, num, den, sel, w, *scale))
            }
            MeanSource::Gauge(name) => gauge(store, &Gauge::Mean(name, None), sel, w),
            MeanSource::Absent(why) => Stat::Unavailable(why),
        };
        if s.value().is_some() {
            return s;
        }
        if s != no_series && first.is_none() {
            first = Some(s);
        }
    }
    first.unwrap_or(Stat::Unavailable("mean latency not exported"))
}

fn gauge(store: &MetricStore, g: &Gauge, sel: &Selector, w: Window) -> Stat {
    let (name, label, mean) = match g {
        Gauge::Sum(n, l) => (n, l, false),
        Gauge::Mean(n, l) => (n, l, true),
        Gauge::Renamed(names) => {
            // The first name with any series wins; the newer name is listed first.
            for n in names.iter() {
                let s = gauge(store, &Gauge::Mean(n, None), sel, w);
                if s != Stat::Unavailable(Gap::NoSeries.reason()) {
                    return s;
                }
            }
            return Stat::Unavailable("metric not exported");
        }
        Gauge::Absent(why) => return Stat::Unavailable(why),
    };
    let sel = match label {
        Some((k, v)) => sel.clone().eq(k, v),
        None => sel.clone(),
    };
    match gauge_values(store, name, &sel, w) {
        Ok(v) if mean => Stat::Value(v.iter().sum::<f64>() / v.len() as f64),
        Ok(v) => Stat::Value(v.iter().sum()),
        Err(g) => Stat::Unavailable(g.reason()),
    }
}

fn error_source(store: &MetricStore, src: &ErrorSource, sel: &Selector, w: Window) -> (Stat, Stat) {
    let rate = |n: &str, s: &Selector| sum_rate(store, n, s, w);
    let ratio = |e: Result<f64, Gap>, t: Result<f64, Gap>| match (e, t) {
        (Ok(_), Ok(t)) if t <= 0.0 => Stat::Unavailable(Gap::NoObservations.reason()),
        (Ok(e), Ok(t)) => Stat::Value(e / t),
        (Err(g), _) | (_, Err(g)) => Stat::Unavailable(g.reason()),
    };
    match src {
        ErrorSource::Ratio { errors, total } => {
            let t = rate(total, sel);
            (Stat::from_gap(t), ratio(rate(errors, sel), t))
        }
        ErrorSource::Labelled {
            total,
            label,
            value,
        } => {
            let t = rate(total, sel);
            let e = rate(total, &sel.clone().eq(label, value)).or_else(|g| {
                // No error series while the total exists means no errors were ever counted.
                if g == Gap::NoSeries && t.is_ok() {
                    Ok(0.0)
                } else {
                    Err(g)
                }
            });
            (Stat::from_gap(t), ratio(e, t))
        }
        ErrorSource::SuccessFailure { success, failure } => {
            let (s, f) = (rate(success, sel), rate(failure, sel));
            let t = match (s, f) {
                (Ok(s), Ok(f)) => Ok(s + f),
                (Err(g), _) | (_, Err(g)) => Err(g),
            };
            (Stat::from_gap(t), ratio(f, t))
        }
        ErrorSource::Complement { success, total } => {
            let t = rate(total, sel);
            let e = match (rate(success, sel), t) {
                (Ok(s), Ok(t)) => Ok((t - s).max(0.0)),
                (Err(g), _) | (_, Err(g)) => Err(g),
            };
            (Stat::from_gap(t), ratio(e, t))
        }
        ErrorSource::RateOnly { total, why } => {
            (Stat::from_gap(rate(total, sel)), Stat::Unavailable(why))
        }
    }
}

/// Request rate and error ratio from the first error source whose request counter exists.
fn errors(store: &MetricStore, srcs: &[ErrorSource], sel: &Selector, w: Window) -> (Stat, Stat) {
    let no_series = Stat::Unavailable(Gap::NoSeries.reason());
    for src in srcs {
        let r = error_source(store, src, sel, w);
        if r.0 != no_series {
            return r;
        }
    }
    let none = Stat::Unavailable("request counter not exported");
    (none, none)
}

/// Everything about one endpoint (`sel` picks its series) over `(now - window_ms, now]`.
pub fn endpoint_stats(
    store: &MetricStore,
    server: Server,
    sel: &Selector,
    now: Millis,
    window_ms: Millis,
) -> EndpointStats {
    let mut hq = |name: &str, w: Window, qs: &[f64]| histogram_quantiles(store, name, sel, w, qs);
    endpoint_stats_with(store, server, sel, now, window_ms, &mut hq)
}

/// `endpoint_stats` with the histogram quantiles taken from `hq`.
pub fn endpoint_stats_with(
    store: &MetricStore,
    server: Server,
    sel: &Selector,
    now: Millis,
    window_ms: Millis,
    hq: &mut QuantileFn<'_>,
) -> EndpointStats {
    let m = metrics_for(server);
    let w = Window::ending_at(now, window_ms);
    let (e2e, latency_metric) = hist(hq, &m.e2e, w, &[0.5, 0.95, 0.99]);
    let mut p95 = |src: &HistSource| hist(hq, src, w, &[0.95]).0[0];
    let (req_rate, err_ratio) = errors(store, m.errors, sel, w);
    EndpointStats {
        server,
        at: now,
        window_ms,
        p50: e2e[0],
        p95: e2e[1],
        p99: e2e[2],
        mean: mean(store, m.mean, sel, w),
        latency_metric,
        ttft_p95: p95(&m.ttft),
        itl_p95: p95(&m.itl),
        queue_p95: p95(&m.queue),
        queue_mean: mean(store, m.queue_mean, sel, w),
        running: gauge(store, &m.running, sel, w),
        waiting: gauge(store, &m.waiting, sel, w),
        kv_cache: gauge(store, &m.kv_cache, sel, w),
        req_rate,
        err_ratio,
    }
}

/// One quantile (seconds) of the endpoint server's end-to-end latency histogram over `w`.
pub fn e2e_quantile(
    store: &MetricStore,
    server: Server,
    sel: &Selector,
    w: Window,
    q: f64,
) -> Stat {
    let mut hq = |name: &str, w: Window, qs: &[f64]| histogram_quantiles(store, name, sel, w, qs);
    e2e_quantile_with(&mut hq, server, w, q)
}

/// `e2e_quantile` with the histogram quantiles taken from `hq`.
pub fn e2e_quantile_with(hq: &mut QuantileFn<'_>, server: Server, w: Window, q: f64) -> Stat {
    hist(hq, &metrics_for(server).e2e, w, &[q]).0[0]
}

/// p50/p95/p99 of the end-to-end latency histogram (seconds) at every `step_ms` from `from` to
/// `to`, each over `range_ms`: the sparkline data. Unavailable when the server has no
/// end-to-end histogram (Triton without its opt-in histograms).
pub fn latency_sparkline(
    store: &MetricStore,
    server: Server,
    sel: &Selector,
    range_ms: Millis,
    from: Millis,
    to: Millis,
    step_ms: Millis,
) -> Result<Vec<StepQuantiles>, &'static str> {
    let (names, scale) = match metrics_for(server).e2e {
        HistSource::Buckets { names, scale } => (names, scale),
        HistSource::Absent(why) => return Err(why),
    };
    let name = names
        .iter()
        .find(|n| !select(store, n, sel).is_empty())
        .ok_or("latency histogram not exported")?;
    let prepared = prepare(store, name, sel);
    let mut steps = quantile_steps(&prepared, range_ms, from, to, step_ms, &[0.5, 0.95, 0.99]);
    for s in &mut steps {
        for v in &mut s.values {
            *v = v.map(|x| x * scale);
        }
    }
    Ok(steps)
}

/// Request rate (per second) and error ratio of the endpoint over `w`, from the server's own
/// counters: one point of the drill-down's rate and error series.
pub fn rate_and_errors(
    store: &MetricStore,
    server: Server,
    sel: &Selector,
    w: Window,
) -> (Stat, Stat) {
    errors(store, metrics_for(server).errors, sel, w)
}
