//! `[broker_hardware]`: the server a broker runs on, and the per-site override
//! (`[[site]] broker_hardware = { ... }`, each key stated there replacing the
//! top-level value, field by field). The defaults describe one current cloud
//! server, the AWS i3en.2xlarge of Confluent's 2020 OpenMessaging Benchmark
//! (8 vCPU, 64 GiB, 2 × 2.5 TB NVMe, network "up to 25 Gbit/s"); docs/model.md
//! derives every default ("Request handling" §5a for the CPU fields, §2a for the
//! NIC, disk and page cache).

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

/// Stall of the append that rolls a partition's log segment, ms
/// (`LocalLog.roll` logs "Rolled new log segment at offset … in N ms": 3 ms
/// on a production broker's `__consumer_offsets`, 1 ms on a test broker;
/// docs/model.md §5a).
fn d_segment_roll_ms() -> f64 {
    3.0
}

// ---- NIC / disk / memory ----

/// i3en.2xlarge: "up to 25 Gigabit" (AWS instance type page).
fn d_nic_gbps() -> f64 {
    25.0
}
/// i3en.2xlarge's two 2.5 TB NVMe instance-store devices as two log
/// directories: 2 × 333,447,168 B/s, ScyllaDB's iotune measurement of one
/// device (`scylla-machine-image`, `common/aws_io_params.yaml`, which
/// `scylla_cloud_io_setup` multiplies by the device count; docs/model.md §2a).
fn d_disk_write_mb_s() -> f64 {
    666.9
}
/// The same devices' reads: 2 × 666,894,336 B/s (same source).
fn d_disk_read_mb_s() -> f64 {
    1333.8
}
/// 64 GiB (68.7 GB) less a 6 GB heap and about 6 GB for the OS.
fn d_page_cache_gb() -> f64 {
    56.0
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
    /// Stall of an append that rolls its partition's log segment, ms.
    #[serde(default = "d_segment_roll_ms")]
    pub segment_roll_ms: f64,
    // ---- NIC / disk / memory ----
    /// Network interface speed, Gbit/s, in each direction (full duplex): every
    /// byte a broker receives (produce, follower fetch responses, copier
    /// produce) crosses its NIC in, every byte it sends (fetch responses to
    /// followers, consumers and copiers) its NIC out.
    #[serde(default = "d_nic_gbps")]
    pub nic_gbps: f64,
    /// Sequential write throughput of the broker's log disks together, MB/s
    /// (10^6 bytes): what the page cache's dirty pages drain to.
    #[serde(default = "d_disk_write_mb_s")]
    pub disk_write_mb_s: f64,
    /// Sequential read throughput of the log disks, MB/s: reads of data no
    /// longer in the page cache (catch-up, lagging consumers and copiers).
    #[serde(default = "d_disk_read_mb_s")]
    pub disk_read_mb_s: f64,
    /// Memory the OS page cache holds log data in, GB (10^9 bytes): the machine's
    /// memory less the broker's JVM heap and the OS.
    #[serde(default = "d_page_cache_gb")]
    pub page_cache_gb: f64,
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
            segment_roll_ms: d_segment_roll_ms(),
            nic_gbps: d_nic_gbps(),
            disk_write_mb_s: d_disk_write_mb_s(),
            disk_read_mb_s: d_disk_read_mb_s(),
            page_cache_gb: d_page_cache_gb(),
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
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub segment_roll_ms: Option<f64>,
    // ---- NIC / disk / memory ----
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nic_gbps: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disk_write_mb_s: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disk_read_mb_s: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page_cache_gb: Option<f64>,
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
            segment_roll_ms: p.segment_roll_ms.unwrap_or(self.segment_roll_ms),
            // ---- NIC / disk / memory ----
            nic_gbps: p.nic_gbps.unwrap_or(self.nic_gbps),
            disk_write_mb_s: p.disk_write_mb_s.unwrap_or(self.disk_write_mb_s),
            disk_read_mb_s: p.disk_read_mb_s.unwrap_or(self.disk_read_mb_s),
            page_cache_gb: p.page_cache_gb.unwrap_or(self.page_cache_gb),
        }
    }

    /// NIC bytes per second, each direction.
    pub fn nic_bytes_per_s(&self) -> f64 {
        self.nic_gbps * 1e9 / 8.0
    }
    pub fn disk_write_bytes_per_s(&self) -> f64 {
        self.disk_write_mb_s * 1e6
    }
    pub fn disk_read_bytes_per_s(&self) -> f64 {
        self.disk_read_mb_s * 1e6
    }
    pub fn page_cache_bytes(&self) -> f64 {
        self.page_cache_gb * 1e9
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
            ("segment_roll_ms", self.segment_roll_ms),
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
        // ---- NIC / disk / memory ----
        for (key, v, hi, what) in [
            ("nic_gbps", self.nic_gbps, 1600.0, "Gbit/s per direction"),
            ("disk_write_mb_s", self.disk_write_mb_s, 1e6, "MB/s"),
            ("disk_read_mb_s", self.disk_read_mb_s, 1e6, "MB/s"),
        ] {
            if !(v.is_finite() && v > 0.0 && v <= hi) {
                bad(key, &format!("must be > 0 and at most {hi} ({what})"));
            }
        }
        if !(self.page_cache_gb.is_finite() && (0.0..=1e5).contains(&self.page_cache_gb)) {
            bad("page_cache_gb", "must be between 0 and 100000 (GB)");
        }
        out
    }
}
