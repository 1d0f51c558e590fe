//! The scenario file's schema. Structural keys are snake_case with the unit last
//! (`rtt_ms`, `bandwidth_mbps`, `at_s`); Kafka settings keep Kafka's property
//! names and Kafka's defaults (see docs/scenario.md for every key).

use serde::{Deserialize, Serialize};

fn d_seed() -> u64 {
    1
}
fn d_duration_s() -> f64 {
    300.0
}
fn d_lan_rtt_ms() -> f64 {
    0.2
}
fn d_bandwidth_mbps() -> f64 {
    10_000.0
}
fn d_record_size() -> u32 {
    1024
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Names the report directory `reports/<name>/`.
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// The one seed every random draw derives from.
    #[serde(default = "d_seed")]
    pub seed: u64,
    /// Simulated time.
    #[serde(default = "d_duration_s")]
    pub duration_s: f64,
    #[serde(default)]
    pub site: Vec<Site>,
    #[serde(default)]
    pub link: Vec<Link>,
    /// Broker settings under Kafka's names, applied to every broker.
    #[serde(default)]
    pub broker: BrokerConfig,
    /// KRaft controller settings under Kafka's names.
    #[serde(default)]
    pub controller: ControllerConfig,
    #[serde(default)]
    pub topic: Vec<Topic>,
    #[serde(default)]
    pub producer: Vec<Producer>,
    #[serde(default)]
    pub consumer: Vec<Consumer>,
    #[serde(default)]
    pub fault: Vec<Fault>,
    #[serde(default)]
    pub model: ModelConfig,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Site {
    pub name: String,
    /// `broker.rack` values of this site's brokers, assigned round-robin.
    /// Empty: one rack named after the site.
    #[serde(default)]
    pub racks: Vec<String>,
    /// Number of brokers (process.roles=broker) in this site.
    #[serde(default)]
    pub brokers: u32,
    /// Number of KRaft controller voters (process.roles=controller) in this site.
    #[serde(default)]
    pub controllers: u32,
    /// Round trip between two hosts inside the site.
    #[serde(default = "d_lan_rtt_ms")]
    pub lan_rtt_ms: f64,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Link {
    /// The two sites this link joins (both directions, each with its own capacity).
    pub between: [String; 2],
    pub rtt_ms: f64,
    /// Mean of the exponential extra one-way delay per message.
    #[serde(default)]
    pub jitter_ms: f64,
    /// Capacity of each direction.
    #[serde(default = "d_bandwidth_mbps")]
    pub bandwidth_mbps: f64,
    /// Packet loss in percent (0–100).
    #[serde(default)]
    pub loss_pct: f64,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct BrokerConfig {
    #[serde(rename = "replica.lag.time.max.ms")]
    pub replica_lag_time_max_ms: u64,
    #[serde(rename = "replica.fetch.wait.max.ms")]
    pub replica_fetch_wait_max_ms: u64,
    #[serde(rename = "replica.fetch.min.bytes")]
    pub replica_fetch_min_bytes: u64,
    #[serde(rename = "replica.fetch.max.bytes")]
    pub replica_fetch_max_bytes: u64,
    #[serde(rename = "replica.fetch.response.max.bytes")]
    pub replica_fetch_response_max_bytes: u64,
    /// -1 lets the OS autotune (then the model uses `tcp_autotune_max_bytes`).
    #[serde(rename = "replica.socket.receive.buffer.bytes")]
    pub replica_socket_receive_buffer_bytes: i64,
    #[serde(rename = "replica.socket.timeout.ms")]
    pub replica_socket_timeout_ms: u64,
    #[serde(rename = "replica.fetch.backoff.ms")]
    pub replica_fetch_backoff_ms: u64,
    #[serde(rename = "num.replica.fetchers")]
    pub num_replica_fetchers: u32,
    #[serde(rename = "socket.receive.buffer.bytes")]
    pub socket_receive_buffer_bytes: i64,
    #[serde(rename = "broker.heartbeat.interval.ms")]
    pub broker_heartbeat_interval_ms: u64,
    #[serde(rename = "broker.session.timeout.ms")]
    pub broker_session_timeout_ms: u64,
    #[serde(rename = "unclean.leader.election.enable")]
    pub unclean_leader_election_enable: bool,
    #[serde(rename = "min.insync.replicas")]
    pub min_insync_replicas: u32,
    #[serde(rename = "default.replication.factor")]
    pub default_replication_factor: u32,
    /// `org.apache.kafka.common.replica.RackAwareReplicaSelector` enables KIP-392
    /// follower fetching for consumers that set `client.rack`.
    #[serde(rename = "replica.selector.class")]
    pub replica_selector_class: Option<String>,
    #[serde(rename = "auto.leader.rebalance.enable")]
    pub auto_leader_rebalance_enable: bool,
    #[serde(rename = "leader.imbalance.check.interval.seconds")]
    pub leader_imbalance_check_interval_seconds: u64,
    #[serde(rename = "leader.imbalance.per.broker.percentage")]
    pub leader_imbalance_per_broker_percentage: u32,
}

impl Default for BrokerConfig {
    fn default() -> Self {
        BrokerConfig {
            replica_lag_time_max_ms: 30_000,
            replica_fetch_wait_max_ms: 500,
            replica_fetch_min_bytes: 1,
            replica_fetch_max_bytes: 1_048_576,
            replica_fetch_response_max_bytes: 10_485_760,
            replica_socket_receive_buffer_bytes: 65_536,
            replica_socket_timeout_ms: 30_000,
            replica_fetch_backoff_ms: 1_000,
            num_replica_fetchers: 1,
            socket_receive_buffer_bytes: 102_400,
            broker_heartbeat_interval_ms: 2_000,
            broker_session_timeout_ms: 9_000,
            unclean_leader_election_enable: false,
            min_insync_replicas: 1,
            default_replication_factor: 1,
            replica_selector_class: None,
            auto_leader_rebalance_enable: true,
            leader_imbalance_check_interval_seconds: 300,
            leader_imbalance_per_broker_percentage: 10,
        }
    }
}

pub const RACK_AWARE_SELECTOR: &str = "org.apache.kafka.common.replica.RackAwareReplicaSelector";

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct ControllerConfig {
    #[serde(rename = "controller.quorum.election.timeout.ms")]
    pub election_timeout_ms: u64,
    #[serde(rename = "controller.quorum.fetch.timeout.ms")]
    pub fetch_timeout_ms: u64,
    #[serde(rename = "controller.quorum.append.linger.ms")]
    pub append_linger_ms: u64,
}

impl Default for ControllerConfig {
    fn default() -> Self {
        ControllerConfig {
            election_timeout_ms: 1_000,
            fetch_timeout_ms: 2_000,
            append_linger_ms: 25,
        }
    }
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Topic {
    pub name: String,
    pub partitions: u32,
    /// Defaults to the broker's `default.replication.factor`.
    #[serde(rename = "replication.factor", default)]
    pub replication_factor: Option<u32>,
    /// Defaults to the broker's `min.insync.replicas`.
    #[serde(rename = "min.insync.replicas", default)]
    pub min_insync_replicas: Option<u32>,
    /// Explicit placement in the spirit of Confluent's replica-placement JSON.
    /// Without it, Kafka's rack-aware placer decides.
    #[serde(default)]
    pub placement: Option<Placement>,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Placement {
    #[serde(default)]
    pub replicas: Vec<PlacementGroup>,
    #[serde(default)]
    pub observers: Vec<PlacementGroup>,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PlacementGroup {
    pub count: u32,
    /// A `broker.rack` value (or a site name, meaning any rack of that site).
    pub rack: String,
}

#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
pub enum Acks {
    #[serde(rename = "0")]
    Zero,
    #[serde(rename = "1")]
    One,
    #[serde(rename = "all", alias = "-1")]
    All,
}

impl Acks {
    pub fn label(self) -> &'static str {
        match self {
            Acks::Zero => "0",
            Acks::One => "1",
            Acks::All => "all",
        }
    }
}

fn d_acks() -> Acks {
    Acks::All
}
fn d_linger() -> u64 {
    5
}
fn d_batch() -> u64 {
    16_384
}
fn d_inflight() -> u32 {
    5
}
fn d_req_timeout() -> u64 {
    30_000
}
fn d_delivery_timeout() -> u64 {
    120_000
}
fn d_send_buffer() -> i64 {
    131_072
}
fn d_fetch_wait() -> u64 {
    500
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Producer {
    /// Site the producing application runs in.
    pub site: String,
    pub topic: String,
    /// Produce rate in megabytes (10⁶ bytes) of record payload per second.
    pub rate_mb_s: f64,
    #[serde(default = "d_record_size")]
    pub record_size_bytes: u32,
    #[serde(default = "d_acks")]
    pub acks: Acks,
    #[serde(rename = "linger.ms", default = "d_linger")]
    pub linger_ms: u64,
    #[serde(rename = "batch.size", default = "d_batch")]
    pub batch_size: u64,
    #[serde(
        rename = "max.in.flight.requests.per.connection",
        default = "d_inflight"
    )]
    pub max_in_flight: u32,
    #[serde(rename = "request.timeout.ms", default = "d_req_timeout")]
    pub request_timeout_ms: u64,
    #[serde(rename = "delivery.timeout.ms", default = "d_delivery_timeout")]
    pub delivery_timeout_ms: u64,
    #[serde(rename = "send.buffer.bytes", default = "d_send_buffer")]
    pub send_buffer_bytes: i64,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Consumer {
    pub site: String,
    pub topic: String,
    /// Matching a broker's `broker.rack` lets a rack-aware selector serve this
    /// consumer from a local follower (KIP-392).
    #[serde(rename = "client.rack", default)]
    pub client_rack: Option<String>,
    #[serde(rename = "fetch.max.wait.ms", default = "d_fetch_wait")]
    pub fetch_max_wait_ms: u64,
}

#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum FaultKind {
    /// Every broker, controller and client in `site` stops.
    SiteDown,
    /// Broker `broker` (its node.id) stops.
    BrokerDown,
    /// Link `between` carries nothing in either direction; both sides stay up.
    LinkPartition,
    /// Link `between` takes the given `rtt_ms`, `bandwidth_mbps`, `loss_pct`, `jitter_ms`.
    LinkDegrade,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Fault {
    pub kind: FaultKind,
    pub at_s: f64,
    /// Absent: lasts to the end of the run.
    #[serde(default)]
    pub duration_s: Option<f64>,
    #[serde(default)]
    pub site: Option<String>,
    #[serde(default)]
    pub broker: Option<u32>,
    #[serde(default)]
    pub between: Option<[String; 2]>,
    #[serde(default)]
    pub rtt_ms: Option<f64>,
    #[serde(default)]
    pub bandwidth_mbps: Option<f64>,
    #[serde(default)]
    pub loss_pct: Option<f64>,
    #[serde(default)]
    pub jitter_ms: Option<f64>,
}

#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Fidelity {
    /// Every produce request and follower fetch is an event.
    #[default]
    Request,
    /// Bulk records move in aggregated batches once per `flow_step_ms`;
    /// request-level probe batches every `flow_probe_interval_ms` keep the
    /// latency measurements.
    Flow,
}

fn d_produce_proc() -> f64 {
    0.1
}
fn d_fetch_proc() -> f64 {
    0.05
}
fn d_max_events() -> u64 {
    2_000_000_000
}
fn d_timeline() -> f64 {
    1.0
}
fn d_flow_step() -> f64 {
    1000.0
}
fn d_probe() -> f64 {
    100.0
}
fn d_mss() -> u32 {
    1460
}
fn d_autotune() -> u64 {
    6 * 1024 * 1024
}

/// Model parameters that are not Kafka settings: processing costs, limits.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ModelConfig {
    #[serde(default)]
    pub fidelity: Fidelity,
    /// Broker time to append a produce request (per request).
    #[serde(default = "d_produce_proc")]
    pub produce_processing_ms: f64,
    /// Broker time to serve a fetch or append a fetched batch (per request).
    #[serde(default = "d_fetch_proc")]
    pub fetch_processing_ms: f64,
    /// Hard stop: the run ends with an error after this many events.
    #[serde(default = "d_max_events")]
    pub max_events: u64,
    /// Resolution of the timelines in the report.
    #[serde(default = "d_timeline")]
    pub timeline_interval_s: f64,
    /// Flow fidelity: how often each producer sends its aggregated bulk batches.
    #[serde(default = "d_flow_step")]
    pub flow_step_ms: f64,
    /// Flow fidelity: how often each producer sends one request-level probe batch.
    #[serde(default = "d_probe")]
    pub flow_probe_interval_ms: f64,
    /// TCP maximum segment size, for the loss cap (Mathis et al.).
    #[serde(default = "d_mss")]
    pub tcp_mss_bytes: u32,
    /// Window reached by Linux autotuning when a socket buffer is set to -1.
    #[serde(default = "d_autotune")]
    pub tcp_autotune_max_bytes: u64,
}

impl Default for ModelConfig {
    fn default() -> Self {
        ModelConfig {
            fidelity: Fidelity::Request,
            produce_processing_ms: d_produce_proc(),
            fetch_processing_ms: d_fetch_proc(),
            max_events: d_max_events(),
            timeline_interval_s: d_timeline(),
            flow_step_ms: d_flow_step(),
            flow_probe_interval_ms: d_probe(),
            tcp_mss_bytes: d_mss(),
            tcp_autotune_max_bytes: d_autotune(),
        }
    }
}
