//! The scenario file's schema. Structural keys are snake_case with the unit last
//! (`rtt_ms`, `bandwidth_mbps`, `at_s`); Kafka settings keep Kafka's property
//! names and Kafka's defaults (see docs/scenario.md for every key).

use super::RangeInput;
use serde::{Deserialize, Serialize};

use super::hardware::{BrokerHardware, BrokerHardwarePatch};

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
    /// The server every broker runs on (a site may override it).
    #[serde(default)]
    pub broker_hardware: BrokerHardware,
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
    /// Designs to run against the same workload (`ktopo compare`). None: the
    /// scenario is one stretched design, as before designs existed.
    #[serde(default)]
    pub design: Vec<Design>,
    /// Load over time applied to every producer (`rate_mb_s` is the peak).
    #[serde(default)]
    pub load: LoadConfig,
    /// Client failover timings for asynchronous designs.
    #[serde(default)]
    pub failover: FailoverConfig,
    /// A point-in-time backup outside the clusters.
    #[serde(default)]
    pub backup: Option<BackupConfig>,
    /// Prices for the monthly cost estimate.
    #[serde(default)]
    pub cost: CostConfig,
    /// What a design must achieve; the verdict and the recommendation weigh it.
    #[serde(default)]
    pub objectives: Objectives,
    /// A parameter sweep (`ktopo sweep`); the scenario itself is its values as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sweep: Option<SweepConfig>,
    /// What `ktopo plan` searches and under which faults; ignored by the other commands.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan: Option<PlanConfig>,
    /// The values written as ranges (`scenario::ranges`), each set to its
    /// `mid` above; `--runs N` draws them (not a key).
    #[serde(skip)]
    pub ranges: Vec<RangeInput>,
}

/// The architect's requirements of a design. Every key is optional: unset, it is
/// not required (the recommendation then weighs the figure without a bound).
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Objectives {
    /// Most seconds of acknowledged writes one failure may lose (0: none).
    #[serde(default)]
    pub rpo_s: Option<f64>,
    /// Longest time the clients of a failed site may be without service.
    #[serde(default)]
    pub rto_s: Option<f64>,
    /// Highest produce latency p99 of any producer, in ms.
    #[serde(default)]
    pub produce_p99_ms: Option<f64>,
    /// Lowest write availability over the run, percent of partition-intervals.
    #[serde(default)]
    pub write_availability_pct: Option<f64>,
    /// Highest monthly cost, USD.
    #[serde(default)]
    pub cost_usd_month: Option<f64>,
    /// Asynchronous designs: the largest replication lag between clusters
    /// over the run, in s (the maximum, not a percentile).
    #[serde(default)]
    pub replication_lag_s: Option<f64>,
    /// Asynchronous designs: the longest catch-up after a fault, in s; a copier
    /// still behind at the end of the run misses it.
    #[serde(default)]
    pub catch_up_s: Option<f64>,
    /// Most records the consumers of a lost site read again where they fail
    /// over (duplicates), at the worst phase of the offset clocks (auto-commit,
    /// checkpoints or offset copies, group sync): docs/model.md §19.
    #[serde(default)]
    pub rereads_records: Option<f64>,
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
    /// This site's brokers' hardware where it differs from `[broker_hardware]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub broker_hardware: Option<BrokerHardwarePatch>,
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
    /// Other traffic on the link, per direction, that Kafka does not control.
    #[serde(default)]
    pub background_mbps: f64,
    /// Share of the capacity reserved for Kafka traffic (QoS), in percent.
    /// 0: none, the background takes what it needs first.
    #[serde(default)]
    pub reserved_replication_pct: f64,
    /// Price of cross-site transfer over this link.
    #[serde(default = "d_transfer_usd")]
    pub transfer_usd_per_gb: f64,
}

fn d_transfer_usd() -> f64 {
    0.02
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
    /// Processors (`SocketServer`): each reads requests from and writes
    /// responses to the connections assigned to it.
    #[serde(rename = "num.network.threads")]
    pub num_network_threads: u32,
    /// Request handler threads (`KafkaRequestHandlerPool`).
    #[serde(rename = "num.io.threads")]
    pub num_io_threads: u32,
    /// Requests read and waiting for an io thread (`RequestChannel`); when
    /// full, the network threads stop reading.
    #[serde(rename = "queued.max.requests")]
    pub queued_max_requests: u32,
    /// Size at which a partition's active log segment is rolled
    /// (`UnifiedLog.maybeRoll`): each roll stalls the append that makes it for
    /// `[broker_hardware] segment_roll_ms`.
    #[serde(rename = "log.segment.bytes")]
    pub log_segment_bytes: u64,
    /// Age after which a partition's active segment rolls on its next append
    /// (`log.roll.ms`; Kafka's default is `log.roll.hours`, 168 h). Topics
    /// override it with `segment.ms`.
    #[serde(rename = "log.roll.ms")]
    pub log_roll_ms: u64,
    /// Largest random amount taken off each new segment's roll age
    /// (`log.roll.jitter.ms`; Kafka's default `log.roll.jitter.hours` is 0).
    /// Topics override it with `segment.jitter.ms`.
    #[serde(rename = "log.roll.jitter.ms")]
    pub log_roll_jitter_ms: u64,
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
            num_network_threads: 3,
            num_io_threads: 8,
            queued_max_requests: 500,
            log_segment_bytes: 1_073_741_824,
            log_roll_ms: 604_800_000,
            log_roll_jitter_ms: 0,
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
    /// Kafka's topic `retention.ms` (7 days).
    #[serde(rename = "retention.ms", default = "d_retention_ms")]
    pub retention_ms: i64,
    /// Kafka's topic `retention.bytes` per partition (-1: unlimited).
    #[serde(rename = "retention.bytes", default = "d_retention_bytes")]
    pub retention_bytes: i64,
    /// Kafka's topic `segment.ms`: the broker's `log.roll.ms` unless set.
    #[serde(rename = "segment.ms", default)]
    pub segment_ms: Option<u64>,
    /// Kafka's topic `segment.jitter.ms`: the broker's `log.roll.jitter.ms`
    /// unless set.
    #[serde(rename = "segment.jitter.ms", default)]
    pub segment_jitter_ms: Option<u64>,
    /// When the topic is created (its producers start then); 0: before the run.
    /// A copier only finds a topic created later at its next topic refresh.
    #[serde(default)]
    pub created_at_s: f64,
}

fn d_retention_ms() -> i64 {
    604_800_000
}
fn d_retention_bytes() -> i64 {
    -1
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Placement {
    #[serde(default)]
    pub replicas: Vec<PlacementGroup>,
    #[serde(default)]
    pub observers: Vec<PlacementGroup>,
    /// Confluent's automatic observer promotion (`observerPromotionPolicy` of
    /// a version-2 placement): when caught-up observers may join the ISR.
    #[serde(
        rename = "observerPromotionPolicy",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub observer_promotion_policy: Option<ObserverPromotionPolicy>,
}

/// Confluent Server's `observerPromotionPolicy`: the degraded state in which a
/// caught-up observer is promoted into the ISR (Confluent Platform 6.1,
/// "Automatic Observer Promotion").
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum ObserverPromotionPolicy {
    /// The ISR has fewer members than `min.insync.replicas`.
    UnderMinIsr,
    /// The ISR has fewer members than the placement's synchronous replicas.
    UnderReplicated,
    /// The partition's leader is an observer.
    LeaderIsObserver,
}

impl ObserverPromotionPolicy {
    /// The policy's name in the placement JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            ObserverPromotionPolicy::UnderMinIsr => "under-min-isr",
            ObserverPromotionPolicy::UnderReplicated => "under-replicated",
            ObserverPromotionPolicy::LeaderIsObserver => "leader-is-observer",
        }
    }
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
fn d_retries() -> u32 {
    i32::MAX as u32
}
fn d_retry_backoff() -> u64 {
    100
}
fn d_send_buffer() -> i64 {
    131_072
}
fn d_fetch_wait() -> u64 {
    500
}

fn d_auto_commit() -> u64 {
    5000
}

fn d_consumer_receive_buffer() -> i64 {
    65_536
}

fn d_partition_fetch() -> u64 {
    1_048_576
}

fn d_fetch_max_bytes() -> u64 {
    52_428_800
}

fn d_buffer_memory() -> u64 {
    33_554_432
}

fn d_max_request_size() -> u64 {
    1_048_576
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
    /// Unset: the default of `model.kafka_version` (`Scenario::linger_ms`).
    #[serde(rename = "linger.ms", default)]
    pub linger_ms: Option<u64>,
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
    /// Bytes of records the accumulator may hold before `send()` blocks.
    #[serde(rename = "buffer.memory", default = "d_buffer_memory")]
    pub buffer_memory: u64,
    /// Bytes of batches one produce request may carry (a single larger batch
    /// still goes alone).
    #[serde(rename = "max.request.size", default = "d_max_request_size")]
    pub max_request_size: u64,
    /// Resends of a batch after a retriable error (Kafka's default
    /// `Integer.MAX_VALUE`: `delivery.timeout.ms` bounds them).
    #[serde(default = "d_retries")]
    pub retries: u32,
    /// First wait before a retried batch is resent.
    #[serde(rename = "retry.backoff.ms", default = "d_retry_backoff")]
    pub retry_backoff_ms: u64,
    /// Cap of the exponential backoff (KIP-580, Kafka 3.7). Unset: 1000 from
    /// 3.7, `retry.backoff.ms` (a fixed backoff) before (`retry_backoff_max_ms`).
    #[serde(rename = "retry.backoff.max.ms", default)]
    pub retry_backoff_max_ms: Option<u64>,
    /// Unset: on unless `acks` ≠ all, `retries` = 0 or
    /// `max.in.flight.requests.per.connection` > 5 (`idempotent`).
    #[serde(rename = "enable.idempotence", default)]
    pub enable_idempotence: Option<bool>,
}

impl Producer {
    /// `linger.ms` as set, else the default of Kafka `version`.
    pub fn linger_ms(&self, version: KafkaVersion) -> u64 {
        self.linger_ms
            .unwrap_or_else(|| version.default_linger_ms())
    }

    /// `retry.backoff.max.ms` as set, else the default of Kafka `version`:
    /// 1000 since 3.7 (KIP-580), before it the backoff is `retry.backoff.ms`
    /// every time.
    pub fn retry_backoff_max_ms(&self, version: KafkaVersion) -> u64 {
        self.retry_backoff_max_ms
            .unwrap_or(if version.exponential_retry_backoff() {
                1_000
            } else {
                self.retry_backoff_ms
            })
    }

    /// Whether the producer is idempotent. Kafka's
    /// `ProducerConfig.postProcessAndValidateIdempotenceConfigs`: on by default
    /// (since 3.0), turned off silently when `acks` is not `all`, `retries` is 0
    /// or `max.in.flight.requests.per.connection` exceeds 5; set to `true` with
    /// one of those, the configuration is refused (validation).
    pub fn idempotent(&self) -> bool {
        self.enable_idempotence.unwrap_or(true) && self.idempotence_conflict().is_none()
    }

    /// The setting that rules idempotence out, as Kafka's message names it.
    pub fn idempotence_conflict(&self) -> Option<&'static str> {
        if self.retries == 0 {
            Some("retries must be non-zero")
        } else if self.acks != Acks::All {
            Some("acks must be all")
        } else if self.max_in_flight > 5 {
            Some("max.in.flight.requests.per.connection must be at most 5")
        } else {
            None
        }
    }
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
    /// How often the group commits its positions (`enable.auto.commit` is
    /// always on): where a consumer restarted after its site's loss resumes.
    #[serde(rename = "auto.commit.interval.ms", default = "d_auto_commit")]
    pub auto_commit_interval_ms: u64,
    /// Socket receive buffer; -1 lets the OS autotune (`tcp_autotune_max_bytes`).
    #[serde(rename = "receive.buffer.bytes", default = "d_consumer_receive_buffer")]
    pub receive_buffer_bytes: i64,
    /// Records one fetch response may carry per partition.
    #[serde(rename = "max.partition.fetch.bytes", default = "d_partition_fetch")]
    pub max_partition_fetch_bytes: u64,
    /// Records one fetch response may carry in all.
    #[serde(rename = "fetch.max.bytes", default = "d_fetch_max_bytes")]
    pub fetch_max_bytes: u64,
    /// Where the consumer's group starts without a committed offset (after a
    /// failover before any checkpoint reached the target).
    #[serde(rename = "auto.offset.reset", default)]
    pub auto_offset_reset: AutoOffsetReset,
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
    /// Bad records written to `topic` at `site` (or every topic): replicated like any others.
    Corruption,
    /// `topic` deleted at `site` (or every topic): the deletion reaches every copy.
    TopicDeletion,
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
    /// Topic a `corruption` or `topic-deletion` fault hits (absent: every topic).
    #[serde(default)]
    pub topic: Option<String>,
}

/// The Apache Kafka release whose behaviour is simulated (`model.kafka_version`).
/// Only what changed between these releases depends on it; see docs/model.md §21.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq, PartialOrd, Ord, Default)]
pub enum KafkaVersion {
    #[serde(rename = "3.6")]
    V3_6,
    #[serde(rename = "3.7")]
    V3_7,
    #[serde(rename = "3.8")]
    V3_8,
    #[serde(rename = "3.9")]
    V3_9,
    #[serde(rename = "4.0")]
    V4_0,
    /// The latest release.
    #[default]
    #[serde(rename = "4.1")]
    V4_1,
}

impl KafkaVersion {
    /// Strict min ISR (3.7, KAFKA-15583): the high watermark does not advance
    /// while the ISR is below min(`min.insync.replicas`, replicas), whatever `acks`.
    pub fn strict_min_isr(self) -> bool {
        self >= KafkaVersion::V3_7
    }
    /// KIP-996 pre-vote in the KRaft quorum (4.0).
    pub fn pre_vote(self) -> bool {
        self >= KafkaVersion::V4_0
    }
    /// KIP-966 Eligible Leader Replicas, on by default for new clusters (4.1).
    pub fn eligible_leader_replicas(self) -> bool {
        self >= KafkaVersion::V4_1
    }
    /// KIP-580 (3.7): the producer's retry backoff grows exponentially from
    /// `retry.backoff.ms` to `retry.backoff.max.ms`, with ±20 % jitter; and
    /// KIP-951 (3.7): a retried batch whose partition has a new leader is
    /// resent without waiting for its backoff.
    pub fn exponential_retry_backoff(self) -> bool {
        self >= KafkaVersion::V3_7
    }
    /// The producer's default `linger.ms`: 5 since 4.0 (KIP-1030), 0 before.
    pub fn default_linger_ms(self) -> u64 {
        if self >= KafkaVersion::V4_0 { 5 } else { 0 }
    }
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
/// Flow fidelity: the shortest default interval between a producer's probes.
pub const FLOW_PROBE_MIN_MS: f64 = 100.0;
/// Flow fidelity: probes per producer a run aims at when
/// `model.flow_probe_interval_ms` is absent (docs/model.md §16, Probes).
pub const FLOW_PROBES_PER_RUN: f64 = 20_000.0;
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
    /// The Kafka release simulated (default the latest, 4.1).
    #[serde(default)]
    pub kafka_version: KafkaVersion,
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
    /// Flow fidelity: how often each producer sends one request-level probe
    /// batch. Absent: `probe_interval_ms` derives it from the run's duration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flow_probe_interval_ms: Option<f64>,
    /// TCP maximum segment size, for the loss cap (Mathis et al.).
    #[serde(default = "d_mss")]
    pub tcp_mss_bytes: u32,
    /// Window reached by Linux autotuning when a socket buffer is set to -1.
    #[serde(default = "d_autotune")]
    pub tcp_autotune_max_bytes: u64,
}

impl ModelConfig {
    /// Flow fidelity: the interval between a producer's probes in a run of
    /// `duration_s`: `flow_probe_interval_ms` when the file states it, else
    /// max(100 ms, duration ÷ 20 000), so a run samples about 20 000 probes
    /// per producer however long it is (a percentile's precision depends on
    /// the sample count, not the spacing; docs/model.md §16).
    pub fn probe_interval_ms(&self, duration_s: f64) -> f64 {
        self.flow_probe_interval_ms
            .unwrap_or_else(|| FLOW_PROBE_MIN_MS.max(duration_s * 1000.0 / FLOW_PROBES_PER_RUN))
    }

    /// Flow fidelity: probes go out at a random moment of each interval
    /// (stratified sampling) rather than at a fixed spacing: when the interval
    /// is derived from the duration and longer than 100 ms, it may be a
    /// multiple of `flow_step_ms`, and fixed spacing would then sample one
    /// phase of the step only.
    pub fn probe_jitter(&self, duration_s: f64) -> bool {
        self.flow_probe_interval_ms.is_none()
            && self.probe_interval_ms(duration_s) > FLOW_PROBE_MIN_MS
    }
}

impl Default for ModelConfig {
    fn default() -> Self {
        ModelConfig {
            fidelity: Fidelity::Request,
            kafka_version: KafkaVersion::default(),
            produce_processing_ms: d_produce_proc(),
            fetch_processing_ms: d_fetch_proc(),
            max_events: d_max_events(),
            timeline_interval_s: d_timeline(),
            flow_step_ms: d_flow_step(),
            flow_probe_interval_ms: None,
            tcp_mss_bytes: d_mss(),
            tcp_autotune_max_bytes: d_autotune(),
        }
    }
}

#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq, Default)]
#[serde(rename_all = "kebab-case")]
pub enum DesignKind {
    /// One cluster over every site (the model of a scenario without designs).
    Stretched,
    /// One cluster per site, copied asynchronously by a copier.
    #[default]
    Async,
    /// One stretched cluster over the `stretched` sites (plus any controller-only
    /// site as tie-breaker) and one cluster per other site, copied by a copier.
    Hybrid,
}

#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq, Default)]
#[serde(rename_all = "kebab-case")]
pub enum CopierTool {
    /// Apache Kafka MirrorMaker 2 (Connect-based, offsets translated).
    #[default]
    Mirrormaker2,
    /// Confluent Cluster Linking (broker-based, offsets preserved).
    ClusterLinking,
    /// Confluent Replicator (Connect-based, topic names kept).
    Replicator,
    /// Uber uReplicator (workers assigned by a controller, names kept, no translation).
    Ureplicator,
    /// Apache Kafka Cluster Mirroring (KIP-1279): destination brokers fetch from
    /// source leaders, byte for byte at the same offsets (Cluster Linking's model).
    ClusterMirroring,
    /// Redpanda Shadowing: the shadow cluster's brokers fetch from the source,
    /// offsets preserved (Cluster Linking's model, Redpanda's fetch defaults).
    RedpandaShadowing,
    /// A custom Apache Flink job: a Kafka source and a Kafka sink per parallel
    /// subtask, committing with each checkpoint (names kept, no translation).
    Flink,
}

/// Flink `KafkaSink`'s `DeliveryGuarantee`.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq, Default)]
#[serde(rename_all = "kebab-case")]
pub enum DeliveryGuarantee {
    /// Transactions committed when a checkpoint completes.
    #[default]
    ExactlyOnce,
    /// The producer is flushed at each checkpoint; records are visible at once.
    AtLeastOnce,
}

impl Design {
    /// Does the copy keep the source topic's name (so a cycle of flows would copy
    /// records around forever)?
    pub fn keeps_names(&self) -> bool {
        match self.tool {
            CopierTool::Mirrormaker2 => self.replication_policy == ReplicationPolicy::Identity,
            CopierTool::Replicator => self.topic_rename_format == "${topic}",
            CopierTool::ClusterLinking => self.cluster_link_prefix.is_empty(),
            CopierTool::Ureplicator
            | CopierTool::ClusterMirroring
            | CopierTool::RedpandaShadowing
            | CopierTool::Flink => true,
        }
    }

    /// Kafka consumer `fetch.max.bytes` of the copier's fetches: the design's
    /// value, else the tool's default (Redpanda's shadow link client 20 MiB,
    /// Kafka's consumer 50 MiB).
    pub fn fetch_max_bytes(&self) -> u64 {
        self.fetch_max_bytes.unwrap_or(match self.tool {
            CopierTool::RedpandaShadowing => 20_971_520,
            _ => 52_428_800,
        })
    }

    /// `fetch.min.bytes` of the copier's fetches: the design's value, else the
    /// tool's default (Redpanda's shadow link client 5 MiB, Kafka's 1 byte).
    pub fn fetch_min_bytes(&self) -> u64 {
        self.fetch_min_bytes.unwrap_or(match self.tool {
            CopierTool::RedpandaShadowing => 5_242_880,
            _ => 1,
        })
    }
}

/// Every copier's `tool` value, in the order the planner generates them
/// ([`CopierTool::label`]).
pub const COPIER_TOOLS: &[&str] = &[
    "mirrormaker2",
    "cluster-linking",
    "replicator",
    "ureplicator",
    "cluster-mirroring",
    "redpanda-shadowing",
    "flink",
];

impl CopierTool {
    pub fn label(self) -> &'static str {
        match self {
            CopierTool::Mirrormaker2 => "mirrormaker2",
            CopierTool::ClusterLinking => "cluster-linking",
            CopierTool::Replicator => "replicator",
            CopierTool::Ureplicator => "ureplicator",
            CopierTool::ClusterMirroring => "cluster-mirroring",
            CopierTool::RedpandaShadowing => "redpanda-shadowing",
            CopierTool::Flink => "flink",
        }
    }

    /// The offset-preserving class: byte-for-byte copies at the same offsets,
    /// fetched by the destination's brokers (Cluster Linking, KIP-1279 Cluster
    /// Mirroring, Redpanda Shadowing). Consumer offsets are copied, not
    /// translated; failover promotes the mirror and fail-back truncates.
    pub fn offset_preserving(self) -> bool {
        matches!(
            self,
            CopierTool::ClusterLinking
                | CopierTool::ClusterMirroring
                | CopierTool::RedpandaShadowing
        )
    }
}

#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq, Default)]
#[serde(rename_all = "kebab-case")]
pub enum DesignTopology {
    /// `primary` copies to every other cluster.
    #[default]
    ActivePassive,
    /// Every cluster produces, consumes and copies to every other (two clusters usually).
    ActiveActive,
    /// Every other cluster copies into `hub` (aggregation).
    FanIn,
    /// `hub` copies to every other cluster (distribution).
    HubAndSpoke,
    /// Every cluster copies to every other.
    Mesh,
}

#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq, Default)]
pub enum ReplicationPolicy {
    /// `orders` from cluster `dc1` becomes `dc1.orders`.
    #[default]
    #[serde(
        rename = "DefaultReplicationPolicy",
        alias = "org.apache.kafka.connect.mirror.DefaultReplicationPolicy"
    )]
    Default,
    /// Names kept: one-way only, cannot prevent cycles.
    #[serde(
        rename = "IdentityReplicationPolicy",
        alias = "org.apache.kafka.connect.mirror.IdentityReplicationPolicy"
    )]
    Identity,
}

#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum Compression {
    #[default]
    None,
    Gzip,
    Snappy,
    Lz4,
    Zstd,
}

impl Compression {
    /// Payload bytes ÷ wire bytes on mixed data (Silesia-corpus figures; see docs/model.md).
    pub fn default_ratio(self) -> f64 {
        match self {
            Compression::None => 1.0,
            Compression::Gzip => 3.1,
            Compression::Snappy => 2.0,
            Compression::Lz4 => 2.1,
            Compression::Zstd => 2.9,
        }
    }
}

fn d_one_u32() -> u32 {
    1
}
fn d_two_u32() -> u32 {
    2
}
fn d_copier_site() -> String {
    "target".into()
}
fn d_sep() -> String {
    ".".into()
}
fn d_mpfb() -> u64 {
    1_048_576
}
fn d_rbb() -> i64 {
    65_536
}
fn d_sbb() -> i64 {
    131_072
}
fn d_lag_max() -> u64 {
    100
}
fn d_flush_ms() -> u64 {
    60_000
}
fn d_sixty() -> u64 {
    60
}
fn d_cl_sync_ms() -> u64 {
    30_000
}
fn d_refresh_topics_s() -> u64 {
    600
}
fn d_topic_poll_ms() -> u64 {
    120_000
}
fn d_checkpoint_ms() -> u64 {
    10_000
}
fn d_rename_format() -> String {
    "${topic}".into()
}

/// One design to compare. Kafka and MirrorMaker 2 settings keep their names and defaults.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Design {
    pub name: String,
    #[serde(default)]
    pub kind: DesignKind,
    #[serde(default)]
    pub tool: CopierTool,
    #[serde(default)]
    pub topology: DesignTopology,
    /// Sites that hold a cluster (async; hybrid: the clusters besides the
    /// stretched one). Empty: every site with brokers (hybrid: not stretched).
    #[serde(default)]
    pub clusters: Vec<String>,
    /// Hybrid: the sites of the stretched cluster (the copy's primary by default).
    #[serde(default)]
    pub stretched: Vec<String>,
    /// Source of an active-passive design. Default: the first cluster.
    #[serde(default)]
    pub primary: Option<String>,
    /// Hub of a fan-in or hub-and-spoke design. Default: the last cluster.
    #[serde(default)]
    pub hub: Option<String>,
    /// Where the copier runs: `target` (pulls over the WAN), `source` (pushes), or a site name.
    #[serde(default = "d_copier_site")]
    pub copier_site: String,
    /// Topics copied. Empty: every topic.
    #[serde(default)]
    pub topics: Vec<String>,
    #[serde(rename = "replication.policy.class", default)]
    pub replication_policy: ReplicationPolicy,
    #[serde(rename = "replication.policy.separator", default = "d_sep")]
    pub replication_policy_separator: String,
    /// Replication factor of remote topics (MM2's `replication.factor`).
    #[serde(rename = "replication.factor", default = "d_two_u32")]
    pub replication_factor: u32,
    #[serde(rename = "tasks.max", default = "d_one_u32")]
    pub tasks_max: u32,
    #[serde(rename = "consumer.fetch.max.wait.ms", default = "d_fetch_wait")]
    pub fetch_max_wait_ms: u64,
    #[serde(rename = "consumer.max.partition.fetch.bytes", default = "d_mpfb")]
    pub max_partition_fetch_bytes: u64,
    /// Unset: the tool's default (`Design::fetch_max_bytes`).
    #[serde(rename = "consumer.fetch.max.bytes", default)]
    pub fetch_max_bytes: Option<u64>,
    /// Unset: the tool's default (`Design::fetch_min_bytes`).
    #[serde(rename = "consumer.fetch.min.bytes", default)]
    pub fetch_min_bytes: Option<u64>,
    /// -1: OS autotuning (`model.tcp_autotune_max_bytes`).
    #[serde(rename = "consumer.receive.buffer.bytes", default = "d_rbb")]
    pub receive_buffer_bytes: i64,
    #[serde(rename = "producer.compression.type", default)]
    pub compression_type: Compression,
    /// Payload ÷ wire bytes of the chosen codec; default per codec (docs/model.md).
    #[serde(default)]
    pub compression_ratio: Option<f64>,
    #[serde(
        rename = "producer.max.in.flight.requests.per.connection",
        default = "d_one_u32"
    )]
    pub producer_max_in_flight: u32,
    #[serde(rename = "producer.batch.size", default = "d_batch")]
    pub producer_batch_size: u64,
    /// -1: OS autotuning.
    #[serde(rename = "producer.send.buffer.bytes", default = "d_sbb")]
    pub producer_send_buffer_bytes: i64,
    #[serde(rename = "offset.lag.max", default = "d_lag_max")]
    pub offset_lag_max: u64,
    #[serde(rename = "offset.flush.interval.ms", default = "d_flush_ms")]
    pub offset_flush_interval_ms: u64,
    #[serde(rename = "emit.checkpoints.interval.seconds", default = "d_sixty")]
    pub emit_checkpoints_interval_seconds: u64,
    #[serde(rename = "sync.group.offsets.enabled", default)]
    pub sync_group_offsets_enabled: bool,
    #[serde(rename = "sync.group.offsets.interval.seconds", default = "d_sixty")]
    pub sync_group_offsets_interval_seconds: u64,
    /// Cluster Linking: how often consumer offsets are copied.
    #[serde(rename = "consumer.offset.sync.ms", default = "d_cl_sync_ms")]
    pub consumer_offset_sync_ms: u64,
    /// Cluster Linking: prefix of mirror topic names (`cluster.link.prefix`); empty:
    /// the source name.
    #[serde(rename = "cluster.link.prefix", default)]
    pub cluster_link_prefix: String,
    /// MirrorMaker 2: how often the source connector looks for new topics.
    #[serde(
        rename = "refresh.topics.interval.seconds",
        default = "d_refresh_topics_s"
    )]
    pub refresh_topics_interval_seconds: u64,
    /// Replicator: how often it polls the source cluster for new topics.
    #[serde(rename = "topic.poll.interval.ms", default = "d_topic_poll_ms")]
    pub topic_poll_interval_ms: u64,
    /// Replicator: the destination topic name, `${topic}` standing for the source name.
    #[serde(rename = "topic.rename.format", default = "d_rename_format")]
    pub topic_rename_format: String,
    /// Replicator: provenance headers (its loop prevention when names are kept).
    #[serde(rename = "provenance.header.enable", default)]
    pub provenance_header_enable: bool,
    /// Replicator: how often committed source offsets are translated (by timestamp)
    /// and written to the destination's consumer offsets.
    #[serde(rename = "offset.translator.batch.period.ms", default = "d_flush_ms")]
    pub offset_translator_batch_period_ms: u64,
    /// Flink: parallel subtasks of the copy job (`parallelism.default`, 1).
    #[serde(default = "d_one_u32")]
    pub parallelism: u32,
    /// Flink: checkpoint interval, ms (Flink's default: checkpointing off; a
    /// copier needs it, docs/model.md).
    #[serde(
        rename = "execution.checkpointing.interval",
        default = "d_checkpoint_ms"
    )]
    pub checkpointing_interval_ms: u64,
    /// Flink: the sink's delivery guarantee.
    #[serde(rename = "delivery.guarantee", default)]
    pub delivery_guarantee: DeliveryGuarantee,
}

#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq, Default)]
#[serde(rename_all = "kebab-case")]
pub enum LoadProfile {
    #[default]
    Constant,
    /// A raised cosine over `period_s` peaking at `peak_at_s`; mean = peak / `peak_factor`.
    Daily,
    /// `burst_factor` × the base rate for `burst_duration_s` every `burst_every_s`.
    Bursts,
    /// A CSV file of `time_s,MB/s`, scaled so its maximum is the producers' rate.
    Trace,
}

fn d_peak_factor() -> f64 {
    1.5
}
fn d_period() -> f64 {
    86_400.0
}
fn d_peak_at() -> f64 {
    14.0 * 3600.0
}
fn d_burst_every() -> f64 {
    3600.0
}
fn d_burst_dur() -> f64 {
    300.0
}
fn d_burst_factor() -> f64 {
    3.0
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LoadConfig {
    #[serde(default)]
    pub profile: LoadProfile,
    #[serde(default = "d_peak_factor")]
    pub peak_factor: f64,
    #[serde(default = "d_period")]
    pub period_s: f64,
    #[serde(default = "d_peak_at")]
    pub peak_at_s: f64,
    #[serde(default = "d_burst_every")]
    pub burst_every_s: f64,
    #[serde(default = "d_burst_dur")]
    pub burst_duration_s: f64,
    #[serde(default = "d_burst_factor")]
    pub burst_factor: f64,
    /// Load noise: the coefficient of variation of a lognormal multiplier
    /// (mean 1) on the profile, drawn afresh every `noise_interval_s` from
    /// the run's seed; 0 (the default) for none.
    #[serde(default)]
    pub noise_cv: f64,
    #[serde(default = "d_noise_interval")]
    pub noise_interval_s: f64,
    /// CSV of `time_s,MB/s`, relative to the scenario file.
    #[serde(default)]
    pub trace_file: Option<String>,
    /// The trace's points, read by `scenario::load` (not a key).
    #[serde(skip)]
    pub trace: Vec<(f64, f64)>,
}

impl Default for LoadConfig {
    fn default() -> Self {
        LoadConfig {
            profile: LoadProfile::Constant,
            peak_factor: d_peak_factor(),
            period_s: d_period(),
            peak_at_s: d_peak_at(),
            burst_every_s: d_burst_every(),
            burst_duration_s: d_burst_dur(),
            burst_factor: d_burst_factor(),
            noise_cv: 0.0,
            noise_interval_s: d_noise_interval(),
            trace_file: None,
            trace: Vec::new(),
        }
    }
}

fn d_noise_interval() -> f64 {
    60.0
}

fn d_detect() -> f64 {
    30.0
}
fn d_decide() -> f64 {
    60.0
}
fn d_ttl() -> f64 {
    60.0
}
fn d_restart() -> f64 {
    30.0
}

/// RTO of an asynchronous design = detection + decision + DNS TTL + client restart.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FailoverConfig {
    #[serde(default = "d_detect")]
    pub detection_s: f64,
    #[serde(default = "d_decide")]
    pub decision_s: f64,
    #[serde(default = "d_ttl")]
    pub dns_ttl_s: f64,
    #[serde(default = "d_restart")]
    pub client_restart_s: f64,
    /// What the applications of a lost site do: fail over (default) or stay down.
    #[serde(default)]
    pub clients: ClientFailover,
    /// The site they fail over to; unset: the nearest surviving site (by RTT).
    #[serde(default)]
    pub to_site: Option<String>,
}

/// What the producers and consumers of a lost site do.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq, Default)]
#[serde(rename_all = "kebab-case")]
pub enum ClientFailover {
    /// Restart in a surviving site after detection, decision, restart (+ DNS TTL).
    #[default]
    FailOver,
    /// Stay down with their site until it returns.
    StayDown,
}

/// Kafka consumer `auto.offset.reset`: where a group without a committed offset starts.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq, Default)]
#[serde(rename_all = "kebab-case")]
pub enum AutoOffsetReset {
    /// At the log end: what came before is skipped (Kafka's default).
    #[default]
    Latest,
    /// At the log start: everything is read (again).
    Earliest,
}

impl Default for FailoverConfig {
    fn default() -> Self {
        FailoverConfig {
            detection_s: d_detect(),
            decision_s: d_decide(),
            dns_ttl_s: d_ttl(),
            client_restart_s: d_restart(),
            clients: ClientFailover::FailOver,
            to_site: None,
        }
    }
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct BackupConfig {
    /// A point-in-time copy to object storage every this many seconds.
    pub interval_s: f64,
}

fn d_broker_usd() -> f64 {
    0.40
}
fn d_storage_usd() -> f64 {
    0.10
}
fn d_worker_usd() -> f64 {
    0.20
}

/// Illustrative prices; set your own.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CostConfig {
    #[serde(default = "d_broker_usd")]
    pub broker_usd_per_hour: f64,
    #[serde(default = "d_storage_usd")]
    pub storage_usd_per_gb_month: f64,
    /// A copier worker (one per MM2/Replicator task, or uReplicator worker).
    #[serde(default = "d_worker_usd")]
    pub copier_worker_usd_per_hour: f64,
}

impl Default for CostConfig {
    fn default() -> Self {
        CostConfig {
            broker_usd_per_hour: d_broker_usd(),
            storage_usd_per_gb_month: d_storage_usd(),
            copier_worker_usd_per_hour: d_worker_usd(),
        }
    }
}

/// `[sweep]`: parameters to vary, each over a list of values or a range; every
/// combination is one variant of the scenario (`scenario::sweep`).
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SweepConfig {
    /// Runs per variant, with seeds `seed`, `seed + 1`, …; `--seeds` overrides it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seeds: Option<u32>,
    #[serde(default)]
    pub parameter: Vec<SweepParameter>,
}

/// `[[sweep.parameter]]`: one scenario key and its values.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SweepParameter {
    /// The key swept, e.g. `link[dc1-dc2].rtt_ms` or `topic[orders]."min.insync.replicas"`.
    pub key: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<SweepValue>,
    /// A range `from`, `from + step`, … up to `to` (inclusive), instead of `values`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<f64>,
}

/// One value a swept key takes: a TOML scalar.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(untagged)]
pub enum SweepValue {
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
}

fn d_plan_families() -> Vec<String> {
    vec!["stretched".into(), "async".into(), "hybrid".into()]
}
fn d_plan_tools() -> Vec<String> {
    COPIER_TOOLS.iter().map(|t| t.to_string()).collect()
}
fn d_plan_topologies() -> Vec<String> {
    vec!["active-passive".into(), "active-active".into()]
}
fn d_plan_fault_at_s() -> f64 {
    60.0
}
fn d_plan_outage_s() -> f64 {
    300.0
}
fn d_plan_recovery_s() -> f64 {
    600.0
}
/// `[plan].faults`: which faults every candidate runs under.
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum PlanFaults {
    /// The peak, each single-site loss, each link cut: one run each.
    #[default]
    Standard,
    /// One run with the file's `[[fault]]`s.
    File,
}

fn d_plan_faults() -> PlanFaults {
    PlanFaults::Standard
}

/// `[plan]`: the search of `ktopo plan` (docs/plan.md). Every key is optional.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PlanConfig {
    /// Design families to generate: `stretched`, `async`, `hybrid`.
    #[serde(default = "d_plan_families")]
    pub families: Vec<String>,
    /// Copiers of the asynchronous candidates.
    #[serde(default = "d_plan_tools")]
    pub tools: Vec<String>,
    /// Topologies of the asynchronous candidates.
    #[serde(default = "d_plan_topologies")]
    pub topologies: Vec<String>,
    /// `standard`: one run per single-site loss, per link cut, and one at the
    /// load's peak without a fault; `file`: one run with the file's `[[fault]]`s.
    #[serde(default = "d_plan_faults")]
    pub faults: PlanFaults,
    /// When the standard faults start (the load's peak is placed there).
    #[serde(default = "d_plan_fault_at_s")]
    pub fault_at_s: f64,
    /// How long a standard fault lasts.
    #[serde(default = "d_plan_outage_s")]
    pub outage_s: f64,
    /// Simulated time after a standard fault ends (catch-up is measured there).
    #[serde(default = "d_plan_recovery_s")]
    pub recovery_s: f64,
}

impl Default for PlanConfig {
    fn default() -> Self {
        PlanConfig {
            families: d_plan_families(),
            tools: d_plan_tools(),
            topologies: d_plan_topologies(),
            faults: d_plan_faults(),
            fault_at_s: d_plan_fault_at_s(),
            outage_s: d_plan_outage_s(),
            recovery_s: d_plan_recovery_s(),
        }
    }
}
