//! The assumptions a report states: every setting of the scenario that differs
//! from its default, and the model's simplifications that matter for it.

use crate::metrics::Outcome;
use crate::scenario::{
    BrokerConfig, ControllerConfig, CopierTool, DesignKind, Fidelity, ModelConfig,
    RACK_AWARE_SELECTOR, Scenario,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};

/// One setting that differs from its default.
#[derive(Clone, Debug, PartialEq)]
pub struct Setting {
    /// Where it is set, e.g. `broker` or `producer[0] (dc1 → orders)`.
    pub scope: String,
    /// The key as written in the scenario, e.g. `min.insync.replicas`.
    pub key: String,
    pub value: String,
    pub default: String,
}

fn show(v: &Value) -> String {
    match v {
        Value::Null => "unset".into(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Keys of `actual` whose value differs from `default`, skipping `skip`, in the
/// order of the struct's fields.
fn diff<T: Serialize>(scope: &str, actual: &T, default: &T, skip: &[&str], out: &mut Vec<Setting>) {
    let (Ok(Value::Object(a)), Ok(Value::Object(d))) =
        (serde_json::to_value(actual), serde_json::to_value(default))
    else {
        return;
    };
    for (k, v) in &a {
        if skip.contains(&k.as_str()) {
            continue;
        }
        let dv = d.get(k).unwrap_or(&Value::Null);
        if v != dv {
            out.push(Setting {
                scope: scope.to_string(),
                key: k.clone(),
                value: show(v),
                default: show(dv),
            });
        }
    }
}

/// The item as it would be with only its `required` keys given (copied from
/// `actual`): what serde's defaults make of the rest.
fn defaults_of<T: Serialize + DeserializeOwned>(actual: &T, required: &[&str]) -> Option<T> {
    let Value::Object(a) = serde_json::to_value(actual).ok()? else {
        return None;
    };
    let mut m = Map::new();
    for k in required {
        if let Some(v) = a.get(*k) {
            m.insert((*k).to_string(), v.clone());
        }
    }
    serde_json::from_value(Value::Object(m)).ok()
}

/// Every setting of `sc` that differs from its default. Structural inputs
/// without a default (sites, counts, RTTs, rates, faults) are the scenario itself
/// and are not listed.
pub fn non_defaults(sc: &Scenario) -> Vec<Setting> {
    let mut out = Vec::new();
    let top_default = json!({ "seed": 1, "duration_s": 300.0 });
    for (k, d) in top_default.as_object().into_iter().flatten() {
        let v = match k.as_str() {
            "seed" => json!(sc.seed),
            _ => json!(sc.duration_s),
        };
        if &v != d {
            out.push(Setting {
                scope: "scenario".into(),
                key: k.clone(),
                value: show(&v),
                default: show(d),
            });
        }
    }
    diff(
        "broker",
        &sc.broker,
        &BrokerConfig::default(),
        &[],
        &mut out,
    );
    diff(
        "controller",
        &sc.controller,
        &ControllerConfig::default(),
        &[],
        &mut out,
    );
    diff("model", &sc.model, &ModelConfig::default(), &[], &mut out);
    for s in &sc.site {
        if let Some(d) = defaults_of(s, &["name"]) {
            diff(
                &format!("site {}", s.name),
                s,
                &d,
                &["brokers", "controllers", "racks"],
                &mut out,
            );
        }
    }
    for l in &sc.link {
        if let Some(d) = defaults_of(l, &["between", "rtt_ms"]) {
            diff(
                &format!("link {} ↔ {}", l.between[0], l.between[1]),
                l,
                &d,
                &[],
                &mut out,
            );
        }
    }
    for t in &sc.topic {
        if let Some(d) = defaults_of(t, &["name", "partitions"]) {
            diff(&format!("topic {}", t.name), t, &d, &[], &mut out);
        }
    }
    for (i, p) in sc.producer.iter().enumerate() {
        if let Some(d) = defaults_of(p, &["site", "topic", "rate_mb_s"]) {
            diff(
                &format!("producer[{i}] ({} → {})", p.site, p.topic),
                p,
                &d,
                &[],
                &mut out,
            );
        }
    }
    for (i, c) in sc.consumer.iter().enumerate() {
        if let Some(d) = defaults_of(c, &["site", "topic"]) {
            diff(
                &format!("consumer[{i}] ({} ← {})", c.site, c.topic),
                c,
                &d,
                &[],
                &mut out,
            );
        }
    }
    let linger = sc.model.kafka_version.default_linger_ms();
    // A `linger.ms` set to its version's default is no assumption.
    out.retain(|s| !(s.key == "linger.ms" && s.value == linger.to_string()));
    for s in &mut out {
        if s.default == "unset" && s.key == "linger.ms" {
            // Kafka's default for model.kafka_version.
            s.default = linger.to_string();
        }
        if s.default == "unset" && (s.key == "replication.factor" || s.key == "min.insync.replicas")
        {
            s.default = format!(
                "broker {}",
                s.key
                    .replace("replication.factor", "default.replication.factor")
            );
        }
    }
    out
}

/// A simplification of the model, keyed by the mechanism it concerns.
pub struct Simplification {
    pub mechanism: &'static str,
    /// Section of docs/model.md that describes it.
    pub section: &'static str,
    pub text: &'static str,
    applies: fn(&Scenario, &[(&str, &Outcome)]) -> bool,
}

fn has_faults(sc: &Scenario, _: &[(&str, &Outcome)]) -> bool {
    !sc.fault.is_empty()
}

fn has_async(sc: &Scenario) -> bool {
    sc.design.iter().any(|d| d.kind == DesignKind::Async)
}

fn any_outcome(designs: &[(&str, &Outcome)], p: impl Fn(&Outcome) -> bool) -> bool {
    designs.iter().any(|(_, o)| p(o))
}

/// The model's simplifications (docs/model.md) with the condition under which
/// each can change this scenario's numbers.
pub const SIMPLIFICATIONS: &[Simplification] = &[
    Simplification {
        mechanism: "copiers",
        section: "§18",
        text: "Copier tasks are never rebalanced (no Connect rebalance, no uReplicator controller), MM2's offset-syncs and checkpoint topics are state rather than records, source producers do not compress (a pulling copier fetches payload bytes), and clients never fail back.",
        applies: |sc, _| has_async(sc),
    },
    Simplification {
        mechanism: "Replicator offsets",
        section: "§18",
        text: "Replicator translates by timestamp, and the records of one producer batch share one creation time here: a failed-over consumer re-reads up to the rest of a batch per partition, where Kafka's millisecond timestamps re-read only records of the same millisecond.",
        applies: |sc, _| {
            sc.design
                .iter()
                .any(|d| d.kind == DesignKind::Async && d.tool == CopierTool::Replicator)
        },
    },
    Simplification {
        mechanism: "new topics",
        section: "§18",
        text: "A topic created during the run joins the copier at its next topic refresh without the task restart Connect performs; Cluster Linking mirror topics and uReplicator whitelisting are assumed set up with the topic.",
        applies: |sc, _| has_async(sc) && sc.topic.iter().any(|t| t.created_at_s > 0.0),
    },
    Simplification {
        mechanism: "producer retries",
        section: "§4",
        text: "Failed batches are retried with Kafka's backoff until delivery.timeout.ms, and an idempotent producer's retry of a batch the leader holds is not appended again; producer ids, epochs and out-of-order sequences are not modelled, an in-flight batch expires when its request ends, and at flow fidelity retries are not counted per batch and duplicates not detected.",
        applies: |_, d| {
            any_outcome(d, |o| {
                o.sites
                    .iter()
                    .flat_map(|s| &s.produce)
                    .any(|p| p.records_retried > 0)
            })
        },
    },
    Simplification {
        mechanism: "load",
        section: "§4",
        text: "Producers spread batches round-robin over partitions with no keys; a tick's records share one creation time.",
        applies: |sc, _| !sc.producer.is_empty(),
    },
    Simplification {
        mechanism: "broker resources",
        section: "Not modelled yet",
        text: "Brokers have no NIC, disk or page-cache limits; request handling (network and io threads, request queue, service times per request, partition and MB, GC pauses: §5a) is modelled, CPU shared beyond the io threads is not; application producers do not compress (wire bytes = payload bytes; only a copier's producer compresses).",
        applies: |_, _| true,
    },
    Simplification {
        mechanism: "TCP",
        section: "§2",
        text: "No slow start or congestion window: each message is capped by window ÷ RTT and by the loss formula from its send time, and connections share a link only through its FIFO serialisation.",
        applies: |sc, _| !sc.link.is_empty(),
    },
    Simplification {
        mechanism: "leader election",
        section: "§9",
        text: "Elections pick the first unfenced ISR member, then (Kafka ≥ 4.1) the first unfenced Eligible Leader Replica (KIP-966) when the ISR is empty; the ELR is not rolled back by a controller failover, its last-known-leader recovery is not modelled, and controller discovery is instant.",
        applies: has_faults,
    },
    Simplification {
        mechanism: "quorum loss",
        section: "§9",
        text: "Behaviour without a controller majority is inferred: leaders keep serving on cached metadata and acks=all stays blocked on dead ISR members.",
        applies: |_, d| any_outcome(d, |o| o.cluster.no_quorum_s > 0.0),
    },
    Simplification {
        mechanism: "controller restart",
        section: "§8",
        text: "A controller that restarts after a site-down does not learn the current leader, so the quorum runs one voter short until another election (a known issue of the model).",
        applies: |sc, _| {
            sc.fault.iter().any(|f| {
                f.duration_s.is_some()
                    && f.site
                        .as_ref()
                        .is_some_and(|s| sc.site.iter().any(|x| &x.name == s && x.controllers > 0))
            })
        },
    },
    Simplification {
        mechanism: "metadata",
        section: "§10",
        text: "The metadata log is one global list pushed to brokers on commit; brokers do not fetch it.",
        applies: has_faults,
    },
    Simplification {
        mechanism: "follower fetching",
        section: "§13",
        text: "A rack-aware consumer's replica is chosen once per metadata change, not on every fetch, with no first fetch to the leader, and dead brokers are skipped directly.",
        applies: |sc, _| {
            sc.broker.replica_selector_class.as_deref() == Some(RACK_AWARE_SELECTOR)
                && sc.consumer.iter().any(|c| c.client_rack.is_some())
        },
    },
    Simplification {
        mechanism: "consumers",
        section: "§13",
        text: "Each consumer reads every partition of its topic from offset 0: no groups, rebalances or committed offsets.",
        applies: |sc, _| !sc.consumer.is_empty(),
    },
    Simplification {
        mechanism: "observer promotion",
        section: "§7a",
        text: "A controller that must replace every synchronous replica elects an observer without checking its lag: what it had not fetched is lost.",
        applies: |sc, _| {
            sc.topic.iter().any(|t| {
                t.placement.as_ref().is_some_and(|p| {
                    !p.observers.is_empty()
                        && matches!(
                            p.observer_promotion_policy,
                            Some(
                                crate::scenario::ObserverPromotionPolicy::UnderMinIsr
                                    | crate::scenario::ObserverPromotionPolicy::UnderReplicated
                            )
                        )
                })
            })
        },
    },
    Simplification {
        mechanism: "ignored settings",
        section: "§6",
        text: "replica.fetch.min.bytes is accepted but ignored: a parked follower fetch returns as soon as one record arrives.",
        applies: |sc, _| {
            sc.broker.replica_fetch_min_bytes != BrokerConfig::default().replica_fetch_min_bytes
        },
    },
    Simplification {
        mechanism: "flow fidelity",
        section: "§16",
        text: "Bulk data moves once per model.flow_step_ms as a fluid over the links; latencies come from request-level probe batches and are those of a lightly loaded fetcher (lower than at request fidelity near saturation), and lags include up to one step of records in transit.",
        applies: |sc, _| sc.model.fidelity == Fidelity::Flow,
    },
];

/// The simplifications that matter for this scenario and these outcomes, in table order.
pub fn simplifications(
    sc: &Scenario,
    designs: &[(&str, &Outcome)],
) -> Vec<&'static Simplification> {
    SIMPLIFICATIONS
        .iter()
        .filter(|s| (s.applies)(sc, designs))
        .collect()
}
