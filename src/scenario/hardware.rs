//! `[broker_hardware]`: what one broker machine can do, the same for every
//! broker unless a site overrides it (`[[site]] broker_hardware = { ... }`, each
//! key the site states replacing the top-level value, field by field).
//!
//! The defaults describe one current cloud server, the AWS `i3en.2xlarge` of
//! Confluent's 2020 OpenMessaging Benchmark (8 vCPU, 64 GiB, 2 × 2.5 TB NVMe,
//! network "up to 25 Gbit/s"); docs/model.md says where each figure comes from.
//!
//! Each field keeps its doc comment, default fn, override and validation in one
//! contiguous block, so that the request-handling fields (CPU) and the
//! NIC / disk / memory fields can be merged by hand.

use serde::{Deserialize, Serialize};

/// One broker machine's resources. Every key is optional.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct BrokerHardware {
    // --- NIC / disk / memory (issue 13, part 2) ---
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

/// i3en.2xlarge: "up to 25 Gigabit" (AWS instance type page).
fn d_nic_gbps() -> f64 {
    25.0
}
/// Inferred for two i3en NVMe instance-store volumes in JBOD (docs/model.md).
fn d_disk_write_mb_s() -> f64 {
    1000.0
}
/// Inferred, NVMe reads about twice writes (docs/model.md).
fn d_disk_read_mb_s() -> f64 {
    2000.0
}
/// 64 GiB (68.7 GB) less a 6 GB heap and about 6 GB for the OS.
fn d_page_cache_gb() -> f64 {
    56.0
}

impl Default for BrokerHardware {
    fn default() -> Self {
        BrokerHardware {
            nic_gbps: d_nic_gbps(),
            disk_write_mb_s: d_disk_write_mb_s(),
            disk_read_mb_s: d_disk_read_mb_s(),
            page_cache_gb: d_page_cache_gb(),
        }
    }
}

/// A site's `broker_hardware = { ... }`: the keys it states replace the
/// top-level `[broker_hardware]`.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct BrokerHardwareOverride {
    // --- NIC / disk / memory ---
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
    /// The hardware of a site's brokers: this, with what `o` states in its place.
    pub fn with(&self, o: Option<&BrokerHardwareOverride>) -> BrokerHardware {
        let Some(o) = o else {
            return self.clone();
        };
        BrokerHardware {
            // --- NIC / disk / memory ---
            nic_gbps: o.nic_gbps.unwrap_or(self.nic_gbps),
            disk_write_mb_s: o.disk_write_mb_s.unwrap_or(self.disk_write_mb_s),
            disk_read_mb_s: o.disk_read_mb_s.unwrap_or(self.disk_read_mb_s),
            page_cache_gb: o.page_cache_gb.unwrap_or(self.page_cache_gb),
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
}

/// Problems of one hardware table (top level or a site's override), each as
/// (key under `prefix`, message). Every stated value must be in range.
pub(super) fn validate(
    prefix: &str,
    nic_gbps: Option<f64>,
    disk_write_mb_s: Option<f64>,
    disk_read_mb_s: Option<f64>,
    page_cache_gb: Option<f64>,
) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut range = |key: &str, v: Option<f64>, lo: f64, hi: f64, what: &str| {
        if let Some(v) = v
            && !(v.is_finite() && v > lo && v <= hi)
        {
            out.push((
                format!("{prefix}.{key}"),
                format!("must be > {lo} and at most {hi} ({what})"),
            ));
        }
    };
    // --- NIC / disk / memory ---
    range("nic_gbps", nic_gbps, 0.0, 1600.0, "Gbit/s per direction");
    range("disk_write_mb_s", disk_write_mb_s, 0.0, 1e6, "MB/s");
    range("disk_read_mb_s", disk_read_mb_s, 0.0, 1e6, "MB/s");
    if let Some(v) = page_cache_gb
        && !(v.is_finite() && (0.0..=1e5).contains(&v))
    {
        out.push((
            format!("{prefix}.page_cache_gb"),
            "must be between 0 and 100000 (GB)".into(),
        ));
    }
    out
}
