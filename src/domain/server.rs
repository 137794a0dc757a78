//! The model servers whose metrics the cockpit reads (vLLM, Triton, TGI, KServe), as named in
//! alert rules, endpoint views and serving probes.

/// The model server behind an endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Server {
    Vllm,
    Triton,
    Tgi,
    Kserve,
    /// Not recognised; the seed runbooks' own metric names are tried.
    Generic,
}

impl Server {
    pub fn label(self) -> &'static str {
        match self {
            Server::Vllm => "vLLM",
            Server::Triton => "Triton",
            Server::Tgi => "TGI",
            Server::Kserve => "KServe",
            Server::Generic => "generic",
        }
    }
}
