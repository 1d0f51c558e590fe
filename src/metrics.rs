//! Measurements taken during a run, and the serializable [`Outcome`] a report
//! is made from. Reports consume an `Outcome`, never the simulator's state.

use serde::Serialize;

/// Version of the `report.json` layout (docs/report-schema.md).
pub const SCHEMA_VERSION: u32 = 3;

/// A log-bucketed histogram of nanosecond values with weights: 32 sub-buckets
/// per power of two, so any percentile is within ~3 % of the true value.
#[derive(Clone, Debug)]
pub struct Histogram {
    counts: Vec<u64>,
    total: u64,
    max: u64,
}

const SUB: u32 = 32;

impl Default for Histogram {
    fn default() -> Self {
        Histogram {
            counts: vec![0; (64 * SUB) as usize],
            total: 0,
            max: 0,
        }
    }
}

impl Histogram {
    fn index(v: u64) -> usize {
        if v < SUB as u64 {
            return v as usize;
        }
        let exp = 63 - v.leading_zeros(); // ≥ 5
        let shift = exp - 5;
        let sub = (v >> shift) as u32 - SUB; // 0..SUB
        ((exp - 4) * SUB + sub) as usize
    }

    /// Upper edge of a bucket (the value reported for percentiles in it).
    fn value_of(i: usize) -> u64 {
        let i = i as u32;
        if i < SUB {
            return i as u64;
        }
        let exp = i / SUB + 4;
        let sub = i % SUB;
        let shift = exp - 5;
        (((SUB + sub) as u64) << shift) + ((1u64 << shift) - 1)
    }

    pub fn record(&mut self, v: u64, weight: u64) {
        if weight == 0 {
            return;
        }
        self.counts[Self::index(v)] += weight;
        self.total += weight;
        self.max = self.max.max(v);
    }

    pub fn count(&self) -> u64 {
        self.total
    }

    pub fn max(&self) -> u64 {
        self.max
    }

    /// The value at quantile `q` (0..=1), clamped to the maximum seen.
    pub fn quantile(&self, q: f64) -> u64 {
        if self.total == 0 {
            return 0;
        }
        let rank = ((q * self.total as f64).ceil() as u64).clamp(1, self.total);
        let mut seen = 0;
        for (i, &c) in self.counts.iter().enumerate() {
            seen += c;
            if seen >= rank {
                return Self::value_of(i).min(self.max);
            }
        }
        self.max
    }

    /// Points (value, cumulative fraction) for a CDF plot, one per non-empty bucket.
    pub fn cdf(&self) -> Vec<(u64, f64)> {
        let mut out = Vec::new();
        let mut seen = 0;
        for (i, &c) in self.counts.iter().enumerate() {
            if c > 0 {
                seen += c;
                out.push((
                    Self::value_of(i).min(self.max),
                    seen as f64 / self.total as f64,
                ));
            }
        }
        out
    }
}

/// Latency percentiles in milliseconds. With no sample (`count` 0) the
/// fields hold 0 for arithmetic, but the JSON writes them as `null`: an empty
/// distribution is not "0 ms".
#[derive(Clone, Debug, PartialEq)]
pub struct LatencySummary {
    pub count: u64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub p999_ms: f64,
    pub max_ms: f64,
}

impl Serialize for LatencySummary {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let v = |x: f64| (self.count > 0).then_some(x);
        let mut st = s.serialize_struct("LatencySummary", 5)?;
        st.serialize_field("count", &self.count)?;
        st.serialize_field("p50_ms", &v(self.p50_ms))?;
        st.serialize_field("p99_ms", &v(self.p99_ms))?;
        st.serialize_field("p999_ms", &v(self.p999_ms))?;
        st.serialize_field("max_ms", &v(self.max_ms))?;
        st.end()
    }
}

impl LatencySummary {
    /// The highest p99 of the summaries that hold samples; `None` when none does.
    pub fn worst_p99<'a>(all: impl IntoIterator<Item = &'a LatencySummary>) -> Option<f64> {
        all.into_iter()
            .filter(|l| l.count > 0)
            .map(|l| l.p99_ms)
            .reduce(f64::max)
    }

    pub fn of(h: &Histogram) -> LatencySummary {
        let f = |v: u64| round3(v as f64 / 1e6);
        LatencySummary {
            count: h.count(),
            p50_ms: f(h.quantile(0.5)),
            p99_ms: f(h.quantile(0.99)),
            p999_ms: f(h.quantile(0.999)),
            max_ms: f(h.max()),
        }
    }
}

/// One point of a latency CDF: `fraction` of the records took at most `latency_ms`.
#[derive(Clone, Copy, Debug, Serialize, PartialEq)]
pub struct CdfPoint {
    pub latency_ms: f64,
    pub fraction: f64,
}

/// A thinned CDF of `h` for plotting: points of [`Histogram::cdf`] (bucket upper
/// edges), keeping one whenever the fraction rose by at least 0.01 or the value by
/// at least 20 % since the last kept point, and always the last one. At most about
/// 100 + 6 per power of two points; empty when nothing was recorded.
pub fn latency_cdf(h: &Histogram) -> Vec<CdfPoint> {
    let all = h.cdf();
    let mut out: Vec<CdfPoint> = Vec::new();
    let mut last: Option<(u64, f64)> = None;
    for (i, &(v, q)) in all.iter().enumerate() {
        let keep = match last {
            None => true,
            Some((lv, lq)) => i + 1 == all.len() || q - lq >= 0.01 || v as f64 >= lv as f64 * 1.2,
        };
        if keep {
            out.push(CdfPoint {
                latency_ms: round3(v as f64 / 1e6),
                fraction: (q * 1e6).round() / 1e6,
            });
            last = Some((v, q));
        }
    }
    out
}

pub fn round3(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}

/// Everything a report shows about one run.
#[derive(Clone, Debug, Serialize)]
pub struct Outcome {
    pub schema_version: u32,
    pub scenario: String,
    pub design: String,
    pub seed: u64,
    pub duration_s: f64,
    pub fidelity: String,
    pub sites: Vec<SiteOutcome>,
    pub durability: Durability,
    pub cluster: ClusterOutcome,
    pub faults: Vec<FaultOutcome>,
    pub links: Vec<LinkOutcome>,
    /// Each broker's resources: how busy each was over the run.
    pub brokers: Vec<BrokerOutcome>,
    pub timeline: Timeline,
    /// Kernel statistics that do not depend on the machine (no wall time here).
    pub events_processed: u64,
    /// Follower fetch responses that carried records. A kernel statistic like
    /// `events_processed` (at flow fidelity one response stands for a step's
    /// fetches), so it is not in the report.
    #[serde(skip)]
    pub follower_fetch_responses: u64,
    /// Request handling of each broker: its threads' busy time and request queue.
    pub request_handling: Vec<BrokerRequests>,
    /// Cross-cluster copying, for asynchronous designs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replication: Option<ReplicationOutcome>,
    /// Monthly cost estimate (runs of a `[[design]]`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cost: Option<CostOutcome>,
}

#[derive(Clone, Debug, Serialize)]
pub struct FlowOutcome {
    pub from_cluster: String,
    pub to_cluster: String,
    /// Site the copier runs in (Cluster Linking: the destination brokers).
    pub copier_site: String,
    pub tasks: u32,
    pub partitions: u32,
    pub records_copied: u64,
    /// Payload bytes copied (before the copier producer's compression).
    pub bytes_copied: u64,
}

#[derive(Clone, Debug, Serialize)]
pub struct ReplicationOutcome {
    pub tool: String,
    pub topology: String,
    pub flows: Vec<FlowOutcome>,
    /// Record creation at the source producer to readable at the target (target
    /// leader's high watermark covers it), weighted by records.
    pub lag: LatencySummary,
    /// Largest age of the oldest not-yet-readable record, sampled at interval ends.
    pub lag_s_max: f64,
    pub backlog_bytes_max: u64,
    pub records_copied: u64,
    pub bytes_copied: u64,
    /// Bytes the copier producers put on the wire (payload ÷ codec ratio + headers).
    pub producer_wire_bytes: u64,
    pub compression_ratio: f64,
    /// Deleted by source retention before the copier fetched them.
    pub records_lost_to_retention: u64,
    pub bytes_lost_to_retention: u64,
    pub offset_syncs: u64,
    pub checkpoints: u64,
    /// Flink: records copied again after the job restarted from its last
    /// checkpoint (duplicates at the target under at-least-once; under
    /// exactly-once the first copies were aborted, never visible).
    pub records_recopied: u64,
}

#[derive(Clone, Debug, Serialize)]
pub struct RecoveryOutcome {
    /// Recovery time: async failover = detection + decision + DNS TTL + client
    /// restart; stretched = measured (the end of the fault's outage − its
    /// start: the last unavailable interval that began before the fault's end,
    /// or of the run of them that continues across it).
    /// `None` when the fault needs no failover.
    pub rto_s: Option<f64>,
    /// Acknowledged at the source, not readable at the target at the failure.
    pub rpo_records: u64,
    pub rpo_bytes: u64,
    /// Age of the oldest such record (end-to-end replication lag at the failure).
    pub rpo_s: f64,
    /// Records failed-over consumers read again at the target.
    pub duplicates: u64,
    /// Of which from offset translation (distance to the offset sync used).
    pub duplicates_from_translation: u64,
    /// Of which consumed since the last checkpoint / offset sync.
    pub duplicates_from_interval: u64,
    /// When the failover happened within the run: records the moved consumers
    /// actually read again at the target by the end of the run.
    pub duplicates_measured: Option<u64>,
    /// Re-reads over the phases of the clocks that lead to the resume point.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duplicates_over_phases: Option<PhaseRange>,
    /// Records the failed-over consumers skip: with no translated offset at the
    /// target their group starts where `auto.offset.reset` says (`latest`).
    pub records_never_read: u64,
    /// Application clients moved to the surviving cluster after the RTO.
    pub producers_failed_over: u32,
    pub consumers_failed_over: u32,
    /// After the fault ends: time until the replication lag is back under 2 × its
    /// pre-fault level (at least 5 s).
    pub catch_up_s: Option<f64>,
    /// Writes disrupted again once the fault was over (a link's or a site's
    /// return: followers catching up, leaders moving back): seconds of
    /// intervals with an unavailable partition from the fault's end (after
    /// the outage, when that runs on across it) to 60 s after it. Not part of
    /// `rto_s`. `None` when the fault does not end within the run.
    pub disrupted_after_end_s: Option<f64>,
    /// `corruption` / `topic-deletion`: time until every copy has it (the lag).
    pub reaches_all_copies_s: Option<f64>,
    /// With `[backup]`: data written since the restore point (seconds) a restore loses.
    pub backup_restore_point_age_s: Option<f64>,
    pub note: String,
}

/// A figure's minimum, mean and maximum over the phases of independent clocks.
#[derive(Clone, Copy, Debug, Serialize, PartialEq)]
pub struct PhaseRange {
    pub min: u64,
    pub mean: u64,
    pub max: u64,
}

#[derive(Clone, Debug, Serialize)]
pub struct CostOutcome {
    pub transfer_usd_month: f64,
    pub brokers_usd_month: f64,
    pub storage_usd_month: f64,
    pub copier_usd_month: f64,
    pub total_usd_month: f64,
}

/// Request handling of one broker over the run (`SocketServer` processors,
/// `RequestChannel` queue, `KafkaRequestHandlerPool` io threads).
#[derive(Clone, Debug, Serialize)]
pub struct BrokerRequests {
    /// `node.id`.
    pub broker: u32,
    pub site: String,
    /// Io threads serving at once: min(`num.io.threads`, cores).
    pub io_threads: u32,
    pub network_threads: u32,
    /// Busy share of the io threads over the run, and in the busiest timeline interval.
    pub io_busy_pct_mean: f64,
    pub io_busy_pct_peak: f64,
    /// The same for the network threads (reads and writes; not time blocked on a full queue).
    pub network_busy_pct_mean: f64,
    pub network_busy_pct_peak: f64,
    /// Most requests waiting in the request queue at once.
    pub request_queue_max: u32,
    /// Log segments rolled (`log.segment.bytes` filled), leader and follower
    /// appends together.
    pub segment_rolls: u64,
}

#[derive(Clone, Debug, Serialize)]
pub struct ProduceOutcome {
    pub topic: String,
    pub acks: String,
    /// Send of a produce request to its acknowledgement, weighted by records
    /// (the request round trip; the accumulator wait before it is not in it).
    pub latency: LatencySummary,
    /// Time records spent in the producer's accumulator before their request
    /// was sent (`linger.ms`, batch fill, waiting for an in-flight slot),
    /// weighted by records; add it to `latency` for what `send()` callers see.
    pub accumulator_wait: LatencySummary,
    /// The same for records acknowledged outside every fault's window (steady
    /// state); the windows have theirs in `faults[].produce_latency`.
    pub latency_steady: LatencySummary,
    pub records_sent: u64,
    pub records_acked: u64,
    /// Refused with NotEnoughReplicas (ISR below min.insync.replicas).
    pub records_rejected: u64,
    /// No answer within request.timeout.ms.
    pub records_timed_out: u64,
    /// Expired (delivery.timeout.ms) in the producer while no leader was known.
    pub records_unavailable: u64,
    /// Not produced: the producer's buffer.memory (32 MiB) was full, so send() would block.
    pub records_blocked: u64,
    /// Still waiting for an answer when the run ended.
    pub records_in_flight_at_end: u64,
    /// Resent after a retriable error (NotEnoughReplicas,
    /// NOT_LEADER_OR_FOLLOWER, a closed connection, a request timeout); a
    /// record resent n times counts n times.
    pub records_retried: u64,
    /// Failed because `delivery.timeout.ms` passed since their creation while
    /// a leader was known (waiting for a retry, in the accumulator or in flight).
    pub records_expired: u64,
    /// Appended a second time by a retry while the leader's log already held
    /// them (only without idempotence): every consumer reads them twice.
    pub records_duplicated: u64,
    /// The thinned CDF of `latency` (see [`latency_cdf`]), for plots.
    pub latency_cdf: Vec<CdfPoint>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ConsumeOutcome {
    pub topic: String,
    /// Whether this consumer read from a follower in its own rack (KIP-392).
    pub follower_fetching: bool,
    /// Record creation at the producer to delivery to the consumer, weighted by records.
    pub end_to_end: LatencySummary,
    /// The same for records consumed outside every fault's window (steady state).
    pub end_to_end_steady: LatencySummary,
    pub records_consumed: u64,
}

#[derive(Clone, Debug, Serialize)]
pub struct SiteOutcome {
    pub site: String,
    pub produce: Vec<ProduceOutcome>,
    pub consume: Vec<ConsumeOutcome>,
}

#[derive(Clone, Debug, Serialize, Default)]
pub struct Durability {
    /// Acknowledged records later truncated from every replica.
    pub lost_acked_records: u64,
    pub lost_acked_bytes: u64,
    /// The realized RPO: age of the oldest lost acknowledged record when the broker
    /// that held it stopped (or, if it never stopped, when the loss became certain).
    pub lost_acked_age_s_max: f64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

#[derive(Clone, Debug, Serialize, Default)]
pub struct ClusterOutcome {
    pub isr_shrinks: u64,
    pub isr_expands: u64,
    /// Leader changes committed by the controller (fencing, unfencing, rebalance).
    pub leader_elections: u64,
    pub brokers_fenced: u64,
    /// Leaders elected from the Eligible Leader Replicas (KIP-966, Kafka ≥ 4.1)
    /// while the ISR was empty; counted when the controller elects them.
    pub elr_elections: u64,
    /// ISR changes that promoted an observer (Confluent's
    /// `observerPromotionPolicy`); absent when none did.
    #[serde(skip_serializing_if = "is_zero")]
    pub observer_promotions: u64,
    pub controller_elections: u64,
    /// Time with no active controller holding a majority.
    pub no_quorum_s: f64,
    /// Partition-seconds in which producers had records for a partition and none was acknowledged.
    pub unavailable_partition_s: f64,
    pub metadata_commits: u64,
}

#[derive(Clone, Debug, Serialize)]
pub struct FaultOutcome {
    pub index: usize,
    pub kind: String,
    pub subject: String,
    pub at_s: f64,
    pub end_s: f64,
    /// Unavailable partition-seconds from the fault's start until 60 s after its end.
    pub unavailable_partition_s: f64,
    pub lost_acked_records: u64,
    /// Produce latency (all producers, all acks) of requests answered from the
    /// fault's start until 60 s after its end.
    pub produce_latency: LatencySummary,
    /// From each record's creation (the application's `send()`) to its
    /// acknowledgement, for the records acknowledged in the same window: the
    /// accumulator wait (for a leader, an in-flight slot, a retry ahead of it)
    /// plus the produce latency. What a `send()` caller waited.
    pub delivery_latency: LatencySummary,
    /// End-to-end latency (all consumers) of records delivered in the same window.
    pub end_to_end_latency: LatencySummary,
    /// RTO, RPO, duplicates (runs of a `[[design]]`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recovery: Option<RecoveryOutcome>,
}

#[derive(Clone, Debug, Serialize)]
pub struct LinkOutcome {
    pub from: String,
    pub to: String,
    pub bandwidth_mbps: f64,
    pub bytes: u64,
    pub utilization_mean: f64,
    pub utilization_max: f64,
    pub above_80pct_s: f64,
    /// Utilization of each timeline interval against the capacity of the time.
    pub utilization: Vec<f64>,
}

/// One broker's resources over the run.
#[derive(Clone, Debug, Serialize)]
pub struct BrokerOutcome {
    /// `node.id`.
    pub broker: u32,
    pub site: String,
    /// One row per resource: `nic_in`, `nic_out`, `disk_write`, `disk_read`,
    /// `io_threads`, `network_threads` (more resources add rows).
    pub resources: Vec<ResourceUse>,
}

/// How busy one resource of a broker was: the share of its time (or of its
/// capacity) in use, per timeline interval, at the mean and the busiest
/// interval.
#[derive(Clone, Debug, Serialize)]
pub struct ResourceUse {
    pub resource: String,
    /// Capacity in MB/s (10^6 bytes), or 0 when not a byte rate.
    pub capacity_mb_s: f64,
    /// MB moved over the run.
    pub mb: f64,
    pub busy_mean: f64,
    pub busy_peak: f64,
}

impl BrokerOutcome {
    /// The group `resource` belongs to, as the verdict names it: network
    /// interfaces (`nic_*`), disks (`disk_*`), the io threads (request
    /// handlers, `io_threads`) or the network threads (`network_threads`).
    pub fn group(resource: &str) -> &'static str {
        if resource.starts_with("nic") {
            "NICs"
        } else if resource.starts_with("disk") {
            "disks"
        } else if resource == "network_threads" {
            "network threads"
        } else {
            "request handler threads"
        }
    }
}

#[derive(Clone, Debug, Serialize, Default)]
pub struct Timeline {
    pub interval_s: f64,
    /// Partitions counted unavailable in each interval.
    pub unavailable_partitions: Vec<u32>,
    /// Records acknowledged in each interval, all producers.
    pub acked_records: Vec<u64>,
    /// Whether some live voter held the leader role (an active controller) at each
    /// interval's end.
    pub quorum: Vec<bool>,
    /// Partitions producers had records for in each interval (the denominator of
    /// write availability: `1 − unavailable_partitions / written_partitions`).
    pub written_partitions: Vec<u32>,
    /// At each interval's end: the largest age of a record a live leader holds above
    /// its high watermark (appended, not yet replicated to the whole ISR), in ms.
    pub hw_lag_ms_max: Vec<f64>,
    /// Records the replicas lack at each interval's end: over every partition
    /// and every live replica (observers too), the leader's log end offset
    /// minus the replica's.
    pub replica_lag_records: Vec<u64>,
    /// Async designs: age of the oldest record not yet readable at its target, per interval.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub replication_lag_s: Vec<f64>,
    /// Async designs: bytes appended at sources and not yet readable at targets.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub replication_backlog_bytes: Vec<u64>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Percentiles are within 1/32 of the exact order statistic.
        #[test]
        fn quantile_within_bucket_precision(mut vals in proptest::collection::vec(1u64..10_000_000_000, 1..500), q in 0.0f64..1.0) {
            let mut h = Histogram::default();
            for v in &vals { h.record(*v, 1); }
            vals.sort();
            let rank = ((q * vals.len() as f64).ceil() as usize).clamp(1, vals.len());
            let exact = vals[rank - 1] as f64;
            let got = h.quantile(q) as f64;
            prop_assert!(got >= exact && got <= exact * (1.0 + 1.0 / 32.0) + 1.0, "got {} exact {}", got, exact);
        }
    }

    /// A summary with no sample writes null, never a 0 ms latency; one with
    /// samples writes its numbers.
    #[test]
    fn an_empty_latency_summary_is_null_in_json() {
        let empty = serde_json::to_value(LatencySummary::of(&Histogram::default())).unwrap();
        assert_eq!(empty["count"], 0);
        for k in ["p50_ms", "p99_ms", "p999_ms", "max_ms"] {
            assert!(empty[k].is_null(), "{k}: {}", empty[k]);
        }
        let mut h = Histogram::default();
        h.record(2_000_000, 1);
        let one = serde_json::to_value(LatencySummary::of(&h)).unwrap();
        let p50 = one["p50_ms"].as_f64().expect("a number");
        assert!((2.0..=2.0 * (1.0 + 1.0 / 32.0)).contains(&p50), "{p50}");
    }
}
