//! `[broker_hardware]`: the server a broker runs on, and the per-site override
//! (`[[site]] broker_hardware = { ... }`, each key stated there replacing the
//! top-level value, field by field). The defaults describe one typical current
//! server: 8 cores (AWS i3en.2xlarge, the testbed of the Confluent 2020
//! OpenMessaging Benchmark). Each field keeps its doc comment, default and
//! validation in one contiguous block; docs/model.md "Request handling" derives
//! every default.

use serde::{Deserialize, Serialize};

// ---- request handling (CPU): cores, service costs, tails and stalls ----

/// Cores: io threads serve at most this many requests at once.
fn d_cores() -> u32 {
    8
}
/// Io-thread time per partition a request carries (produce: partitions in the
/// request; fetch: partitions in the fetch session), µs. Jun Rao (Confluent,
/// 2015): replicating 1000 partitions between two brokers adds about 20 ms; a
/// committed batch waits for about two leader fetch services of the
/// follower's session (docs/model.md §5a): 20 ms / (2 × 1000).
fn d_request_partition_us() -> f64 {
    10.0
}
/// Io-thread time per MB of records a produce request appends (CRC check,
/// validation, copy into the log), µs (inferred: CRC32C and a memory copy at a
/// few GB/s per core).
fn d_request_mb_us() -> f64 {
    500.0
}
/// Network-thread time per MB read from or written to a socket, µs (inferred:
/// one copy between kernel and user space at about 5 GB/s).
fn d_network_mb_us() -> f64 {
    200.0
}
/// Spread of service times: p99 / p50 of a lognormal law around the computed
/// service time (Kreps 2014: end-to-end p50 2 ms, p99 3 ms).
fn d_service_p99_over_p50() -> f64 {
    1.5
}
/// Request bytes read into the heap (produce requests, replica fetch
/// responses) between two stop-the-world young collections, MB (inferred: a
/// young generation of about 1 GB, G1's 5–60 % of LinkedIn's 6 GB heap).
fn d_gc_young_gen_mb() -> f64 {
    1024.0
}
/// Length of one JVM pause, ms (LinkedIn's busiest cluster: 90th percentile
/// young GC pause about 21 ms, Kafka documentation, "Java Version").
fn d_gc_pause_ms() -> f64 {
    21.0
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct BrokerHardware {
    // ---- request handling (CPU) ----
    /// Cores: io threads serving at once are min(`num.io.threads`, cores).
    #[serde(default = "d_cores")]
    pub cores: u32,
    /// Io-thread time per partition in a request, µs.
    #[serde(default = "d_request_partition_us")]
    pub request_partition_us: f64,
    /// Io-thread time per MB of records appended by a produce, µs.
    #[serde(default = "d_request_mb_us")]
    pub request_mb_us: f64,
    /// Network-thread time per MB read or written, µs.
    #[serde(default = "d_network_mb_us")]
    pub network_mb_us: f64,
    /// p99 / p50 of the lognormal spread of service times (1: no spread).
    #[serde(default = "d_service_p99_over_p50")]
    pub service_p99_over_p50: f64,
    /// MB read into the heap between two JVM pauses (0: no pauses).
    #[serde(default = "d_gc_young_gen_mb")]
    pub gc_young_gen_mb: f64,
    /// Length of a JVM pause, ms.
    #[serde(default = "d_gc_pause_ms")]
    pub gc_pause_ms: f64,
}

impl Default for BrokerHardware {
    fn default() -> Self {
        BrokerHardware {
            cores: d_cores(),
            request_partition_us: d_request_partition_us(),
            request_mb_us: d_request_mb_us(),
            network_mb_us: d_network_mb_us(),
            service_p99_over_p50: d_service_p99_over_p50(),
            gc_young_gen_mb: d_gc_young_gen_mb(),
            gc_pause_ms: d_gc_pause_ms(),
        }
    }
}

/// A site's `broker_hardware`: the keys it states replace the top level's.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct BrokerHardwarePatch {
    // ---- request handling (CPU) ----
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cores: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_partition_us: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_mb_us: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_mb_us: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_p99_over_p50: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gc_young_gen_mb: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gc_pause_ms: Option<f64>,
}

impl BrokerHardware {
    /// This hardware with the keys `patch` states replaced.
    pub fn with(&self, patch: Option<&BrokerHardwarePatch>) -> BrokerHardware {
        let Some(p) = patch else {
            return self.clone();
        };
        BrokerHardware {
            // ---- request handling (CPU) ----
            cores: p.cores.unwrap_or(self.cores),
            request_partition_us: p.request_partition_us.unwrap_or(self.request_partition_us),
            request_mb_us: p.request_mb_us.unwrap_or(self.request_mb_us),
            network_mb_us: p.network_mb_us.unwrap_or(self.network_mb_us),
            service_p99_over_p50: p.service_p99_over_p50.unwrap_or(self.service_p99_over_p50),
            gc_young_gen_mb: p.gc_young_gen_mb.unwrap_or(self.gc_young_gen_mb),
            gc_pause_ms: p.gc_pause_ms.unwrap_or(self.gc_pause_ms),
        }
    }

    /// Range problems of this hardware, as (key under `prefix`, message).
    pub(crate) fn problems(&self, prefix: &str) -> Vec<(String, String)> {
        let mut out = Vec::new();
        let mut bad = |key: &str, msg: &str| out.push((format!("{prefix}.{key}"), msg.to_string()));
        // ---- request handling (CPU) ----
        if !(1..=1024).contains(&self.cores) {
            bad("cores", "must be 1 to 1024");
        }
        for (key, v) in [
            ("request_partition_us", self.request_partition_us),
            ("request_mb_us", self.request_mb_us),
            ("network_mb_us", self.network_mb_us),
            ("gc_young_gen_mb", self.gc_young_gen_mb),
            ("gc_pause_ms", self.gc_pause_ms),
        ] {
            if !(v.is_finite() && (0.0..=1e6).contains(&v)) {
                bad(key, "must be ≥ 0 and at most 1000000");
            }
        }
        if !(self.service_p99_over_p50.is_finite()
            && (1.0..=100.0).contains(&self.service_p99_over_p50))
        {
            bad("service_p99_over_p50", "must be 1 to 100");
        }
        out
    }
}
