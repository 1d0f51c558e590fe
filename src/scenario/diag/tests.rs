//! Unit tests: the schema against `model.rs` through serde, in both directions,
//! and against docs/scenario.md; suggestions; key paths.

use toml::de::DeTable;

use super::path::{Seg, is_within, join, parse_path};
use super::schema::*;
use super::suggest::suggest;
use super::walk::{Found, Walk};
use crate::scenario::*;

/// A scenario with every field set (every `Option` is `Some`, every list has an
/// element), written as a struct literal so that adding a field to model.rs
/// breaks this test until the field is added here and to [`ROOT`].
fn full() -> Scenario {
    Scenario {
        name: "full".into(),
        description: "every key".into(),
        seed: 7,
        duration_s: 60.0,
        site: vec![
            Site {
                name: "dc1".into(),
                racks: vec!["r1".into(), "r2".into()],
                brokers: 3,
                controllers: 2,
                lan_rtt_ms: 0.2,
                broker_hardware: Some(BrokerHardwarePatch {
                    cores: Some(16),
                    request_partition_us: Some(15.0),
                    request_mb_us: Some(400.0),
                    network_mb_us: Some(100.0),
                    service_p99_over_p50: Some(2.0),
                    gc_young_gen_mb: Some(512.0),
                    gc_pause_ms: Some(10.0),
                    segment_roll_ms: Some(5.0),
                    nic_gbps: Some(10.0),
                    disk_write_mb_s: Some(500.0),
                    disk_read_mb_s: Some(900.0),
                    page_cache_gb: Some(20.0),
                }),
            },
            Site {
                name: "dc2".into(),
                racks: vec![],
                brokers: 3,
                controllers: 1,
                lan_rtt_ms: 0.3,
                broker_hardware: None,
            },
        ],
        link: vec![Link {
            between: ["dc1".into(), "dc2".into()],
            rtt_ms: 20.0,
            jitter_ms: 1.0,
            bandwidth_mbps: 1000.0,
            loss_pct: 0.1,
            background_mbps: 100.0,
            reserved_replication_pct: 50.0,
            transfer_usd_per_gb: 0.02,
        }],
        broker: BrokerConfig {
            replica_selector_class: Some(RACK_AWARE_SELECTOR.into()),
            ..BrokerConfig::default()
        },
        broker_hardware: BrokerHardware::default(),
        controller: ControllerConfig::default(),
        topic: vec![Topic {
            name: "orders".into(),
            partitions: 6,
            replication_factor: Some(3),
            min_insync_replicas: Some(2),
            placement: Some(Placement {
                replicas: vec![PlacementGroup {
                    count: 3,
                    rack: "dc1".into(),
                }],
                observers: vec![PlacementGroup {
                    count: 1,
                    rack: "dc2".into(),
                }],
                observer_promotion_policy: Some(ObserverPromotionPolicy::UnderMinIsr),
            }),
            retention_ms: 3_600_000,
            retention_bytes: 1_000_000_000,
            segment_ms: Some(3_600_000),
            segment_jitter_ms: Some(60_000),
            created_at_s: 30.0,
        }],
        producer: vec![Producer {
            site: "dc1".into(),
            topic: "orders".into(),
            rate_mb_s: 1.0,
            record_size_bytes: 1000,
            acks: Acks::One,
            linger_ms: Some(5),
            batch_size: 16384,
            max_in_flight: 5,
            buffer_memory: 33_554_432,
            max_request_size: 1_048_576,
            request_timeout_ms: 30000,
            delivery_timeout_ms: 120000,
            send_buffer_bytes: -1,
            retries: 10,
            retry_backoff_ms: 200,
            retry_backoff_max_ms: Some(2000),
            enable_idempotence: Some(false),
        }],
        consumer: vec![Consumer {
            site: "dc2".into(),
            topic: "orders".into(),
            client_rack: Some("dc2".into()),
            fetch_max_wait_ms: 500,
            auto_commit_interval_ms: 5000,
            receive_buffer_bytes: 65_536,
            max_partition_fetch_bytes: 1_048_576,
            fetch_max_bytes: 52_428_800,
            auto_offset_reset: Default::default(),
        }],
        fault: vec![Fault {
            kind: FaultKind::LinkDegrade,
            at_s: 10.0,
            duration_s: Some(5.0),
            site: Some("dc1".into()),
            broker: Some(1),
            between: Some(["dc1".into(), "dc2".into()]),
            rtt_ms: Some(50.0),
            bandwidth_mbps: Some(100.0),
            loss_pct: Some(1.0),
            jitter_ms: Some(2.0),
            topic: Some("orders".into()),
        }],
        model: ModelConfig {
            fidelity: Fidelity::Flow,
            flow_probe_interval_ms: Some(100.0),
            ..ModelConfig::default()
        },
        design: vec![Design {
            name: "mm2".into(),
            kind: DesignKind::Async,
            tool: CopierTool::Mirrormaker2,
            topology: DesignTopology::ActivePassive,
            clusters: vec!["dc1".into(), "dc2".into()],
            stretched: Vec::new(),
            primary: Some("dc1".into()),
            hub: Some("dc2".into()),
            copier_site: "target".into(),
            topics: vec!["orders".into()],
            replication_policy: ReplicationPolicy::Default,
            replication_policy_separator: ".".into(),
            replication_factor: 2,
            tasks_max: 1,
            fetch_max_wait_ms: 500,
            max_partition_fetch_bytes: 1_048_576,
            fetch_max_bytes: Some(52_428_800),
            fetch_min_bytes: Some(1),
            parallelism: 1,
            checkpointing_interval_ms: 10_000,
            delivery_guarantee: Default::default(),
            receive_buffer_bytes: 65_536,
            compression_type: Compression::Zstd,
            compression_ratio: Some(2.9),
            producer_max_in_flight: 1,
            producer_batch_size: 16_384,
            producer_send_buffer_bytes: 131_072,
            offset_lag_max: 100,
            offset_flush_interval_ms: 60_000,
            emit_checkpoints_interval_seconds: 60,
            sync_group_offsets_enabled: true,
            sync_group_offsets_interval_seconds: 60,
            consumer_offset_sync_ms: 30_000,
            cluster_link_prefix: "dr.".into(),
            refresh_topics_interval_seconds: 600,
            topic_poll_interval_ms: 120_000,
            topic_rename_format: "${topic}.replica".into(),
            provenance_header_enable: true,
            offset_translator_batch_period_ms: 60_000,
        }],
        load: LoadConfig {
            profile: LoadProfile::Daily,
            trace_file: Some("trace.csv".into()),
            ..LoadConfig::default()
        },
        failover: FailoverConfig {
            to_site: Some("dc2".into()),
            ..FailoverConfig::default()
        },
        backup: Some(BackupConfig { interval_s: 3600.0 }),
        objectives: Objectives {
            rpo_s: Some(0.0),
            rto_s: Some(60.0),
            produce_p99_ms: Some(20.0),
            write_availability_pct: Some(99.9),
            cost_usd_month: Some(10_000.0),
            replication_lag_s: Some(30.0),
            catch_up_s: Some(120.0),
            rereads_records: Some(1000.0),
        },
        cost: CostConfig::default(),
        sweep: Some(SweepConfig {
            seeds: Some(2),
            parameter: vec![SweepParameter {
                key: "link[dc1-dc2].rtt_ms".into(),
                values: vec![SweepValue::Int(5), SweepValue::Str("all".into())],
                from: Some(1.0),
                to: Some(2.0),
                step: Some(0.5),
            }],
        }),
        plan: Some(PlanConfig::default()),
        ranges: Vec::new(),
    }
}

fn full_value() -> toml::Value {
    toml::Value::try_from(full()).expect("serialize")
}

fn walk_text(text: &str) -> Vec<Found> {
    let doc = DeTable::parse(text).expect("valid TOML");
    let mut w = Walk::new(text);
    w.root(&doc);
    w.found
}

fn walk_value(v: &toml::Value) -> Vec<Found> {
    walk_text(&toml::to_string(v).expect("serialize"))
}

#[derive(Clone, Debug)]
enum Step {
    Key(String),
    Index(usize),
}

/// Every (path, schema field) present in `v`, recursively.
fn leaves(
    v: &toml::Table,
    schema: &'static TableSchema,
    path: Vec<Step>,
    out: &mut Vec<(Vec<Step>, &'static Field)>,
) {
    for (k, val) in v {
        let f = schema
            .field(k)
            .unwrap_or_else(|| panic!("serialized key `{k}` is not in the schema"));
        let mut p = path.clone();
        p.push(Step::Key(k.clone()));
        out.push((p.clone(), f));
        match (f.ty, val) {
            (Ty::Table(s), toml::Value::Table(t)) => leaves(t, s, p, out),
            (Ty::Tables(s), toml::Value::Array(a)) => {
                for (i, e) in a.iter().enumerate() {
                    let mut pi = p.clone();
                    pi.push(Step::Index(i));
                    leaves(e.as_table().expect("table"), s, pi, out);
                }
            }
            _ => {}
        }
    }
}

fn get_mut<'a>(v: &'a mut toml::Value, path: &[Step]) -> &'a mut toml::Value {
    let mut cur = v;
    for s in path {
        cur = match s {
            Step::Key(k) => cur.get_mut(k.as_str()).expect("key"),
            Step::Index(i) => cur.get_mut(*i).expect("index"),
        };
    }
    cur
}

fn parent_table<'a>(v: &'a mut toml::Value, path: &[Step]) -> (&'a mut toml::Table, String) {
    let (last, parent) = path.split_last().expect("non-empty");
    let Step::Key(k) = last else {
        panic!("not a key")
    };
    (get_mut(v, parent).as_table_mut().expect("table"), k.clone())
}

fn all_fields(s: &'static TableSchema, out: &mut Vec<(&'static str, &'static str)>) {
    for f in s.fields {
        out.push((s.header, f.key));
        if let Ty::Table(c) | Ty::Tables(c) = f.ty {
            all_fields(c, out);
        }
    }
}

#[test]
fn full_scenario_is_clean_and_covers_every_schema_key() {
    let v = full_value();
    assert!(walk_value(&v).is_empty(), "{:?}", walk_value(&v));
    let mut seen = Vec::new();
    leaves(v.as_table().unwrap(), &ROOT, vec![], &mut seen);
    let mut expected = Vec::new();
    all_fields(&ROOT, &mut expected);
    for (header, key) in expected {
        assert!(
            seen.iter()
                .any(|(p, f)| f.key == key && matches!(p.last(), Some(Step::Key(k)) if k == key)),
            "schema key `{key}` of {header} is not a field of model.rs"
        );
    }
}

#[test]
fn required_flags_match_serde() {
    let v = full_value();
    let mut seen = Vec::new();
    leaves(v.as_table().unwrap(), &ROOT, vec![], &mut seen);
    for (path, f) in seen {
        let mut m = v.clone();
        let (t, k) = parent_table(&mut m, &path);
        t.remove(&k);
        let serde_ok = m.clone().try_into::<Scenario>().is_ok();
        assert_eq!(
            serde_ok, !f.required,
            "`{}`: schema says required={}, serde disagrees",
            f.key, f.required
        );
        assert_eq!(walk_value(&m).is_empty(), !f.required, "{}", f.key);
    }
}

#[test]
fn types_match_serde() {
    use toml::Value as V;
    let s = |x: &str| V::String(x.into());
    let mut probes = vec![
        s("x"),
        s("all"),
        s("0"),
        s("-1"),
        s("request"),
        s("flow"),
        s("site-down"),
        s("link-degrade"),
        V::Integer(0),
        V::Integer(1),
        V::Integer(-1),
        V::Integer(i64::MAX),
        V::Integer(5_000_000_000),
        V::Integer(i64::MIN),
        V::Float(1.5),
        V::Float(-0.0),
        V::Boolean(true),
        V::Array(vec![]),
        V::Array(vec![s("a"), s("b")]),
        V::Array(vec![s("a")]),
        V::Array(vec![s("a"), s("b"), s("c")]),
        V::Array(vec![V::Integer(1), V::Integer(2)]),
        V::Table(toml::Table::new()),
    ];
    let mut group = toml::Table::new();
    group.insert("count".into(), V::Integer(1));
    group.insert("rack".into(), s("dc1"));
    probes.push(V::Array(vec![V::Table(group.clone())]));
    probes.push(V::Table(group));
    let v = full_value();
    let mut seen = Vec::new();
    leaves(v.as_table().unwrap(), &ROOT, vec![], &mut seen);
    let mut bad = Vec::new();
    for (path, f) in seen {
        for p in &probes {
            let mut m = v.clone();
            *get_mut(&mut m, &path) = p.clone();
            let serde_ok = m.clone().try_into::<Scenario>().is_ok();
            let walk = walk_value(&m);
            // serde also reads a struct from an array of its fields in order
            // (`broker = []`); the walk refuses that on purpose.
            let stricter = matches!(
                (f.ty, p),
                (Ty::Table(_), V::Array(_)) | (Ty::Tables(_), V::Array(_))
            );
            // A range (`[1, 2]`) is read by the walk, which hands serde a
            // number in its place (`scenario::ranges`); raw serde refuses it.
            let ranged = matches!(f.ty, Ty::Range { .. })
                && matches!(p, V::Array(_) | V::Table(_))
                && walk.is_empty();
            if walk.is_empty() != serde_ok && !(stricter && serde_ok) && !ranged {
                bad.push(format!(
                    "`{}` = {p}: walk found {walk:?}, serde ok = {serde_ok}",
                    f.key
                ));
            }
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

#[test]
fn docs_mention_every_key() {
    let doc = include_str!("../../../docs/scenario.md");
    let mut all = Vec::new();
    all_fields(&ROOT, &mut all);
    for (header, key) in all {
        let section = |h: &str| doc.contains(&format!("## `{h}`"));
        assert!(
            doc.contains(&format!("| `{key}` |"))
                || section(&format!("[{key}]"))
                || section(&format!("[[{key}]]")),
            "docs/scenario.md does not document `{key}` of {header}"
        );
    }
}

#[test]
fn suggestions() {
    let link = LINK.fields.iter().map(|f| f.key);
    assert_eq!(suggest("rtt_msec", link), Some("rtt_ms"));
    let topic = TOPIC.fields.iter().map(|f| f.key);
    assert_eq!(
        suggest("min.insync.replica", topic),
        Some("min.insync.replicas")
    );
    let broker = BROKER.fields.iter().map(|f| f.key);
    assert_eq!(
        suggest("replica_lag_time_max_ms", broker),
        Some("replica.lag.time.max.ms")
    );
    assert_eq!(suggest("zzz", LINK.fields.iter().map(|f| f.key)), None);
}

#[test]
fn paths_round_trip() {
    let p = join(&join("topic[0]", "placement"), "replicas") + "[1].rack";
    assert_eq!(p, "topic[0].placement.replicas[1].rack");
    assert_eq!(
        join("broker", "replica.lag.time.max.ms"),
        "broker.\"replica.lag.time.max.ms\""
    );
    let segs = parse_path("broker.\"replica.lag.time.max.ms\"");
    assert!(matches!(&segs[1], Seg::Key(k) if k == "replica.lag.time.max.ms"));
    assert!(is_within("fault[0].site", "fault[0]"));
    assert!(!is_within("fault[01].site", "fault[0]"));
    assert!(!is_within("fault[10]", "fault[1]"));
}
