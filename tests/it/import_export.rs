//! `ktopo import` and `ktopo export`: mapping of real Kafka files, every problem
//! at once, never a panic, and export → import giving back an equivalent scenario.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use ktopo::export::{self, ExportFile};
use ktopo::import::{self, Imported, Input, Item, Options};
use ktopo::scenario::{Scenario, parse_str};
use ktopo::topology::Topology;
use proptest::prelude::*;

fn input(file: &str, text: &str) -> Input {
    Input {
        file: file.into(),
        text: text.into(),
        topic: None,
        scope: None,
    }
}

fn ok(inputs: &[Input], opts: &Options) -> Imported {
    match import::import(inputs, opts) {
        Ok(i) => i,
        Err(e) => panic!(
            "import failed:\n{}",
            e.iter()
                .map(|x| x.to_string())
                .collect::<Vec<_>>()
                .join("\n")
        ),
    }
}

fn errs(inputs: &[Input], opts: &Options) -> Vec<Item> {
    match import::import(inputs, opts) {
        Ok(i) => panic!("expected errors, got:\n{}", i.toml),
        Err(e) => e,
    }
}

fn has(items: &[Item], file: &str, line: usize, key: &str) -> bool {
    items
        .iter()
        .any(|i| i.file == file && i.line == line && i.key == key)
}

fn broker(id: u32, rack: &str, extra: &str) -> Input {
    input(
        &format!("b{id}.properties"),
        &format!(
            "# broker {id}\nprocess.roles=broker\nnode.id={id}\nbroker.rack={rack}\n\
             controller.quorum.voters=3000@c0.dc1:9093,3001@c1.dc2:9093,3002@c2.dc3:9093\n\
             listeners=PLAINTEXT://b{id}.example:9092\nlog.dirs=/var/lib/kafka\n{extra}"
        ),
    )
}

fn controller(id: u32, rack: &str) -> Input {
    input(
        &format!("c{id}.properties"),
        &format!(
            "process.roles=controller\nnode.id={id}\nbroker.rack={rack}\n\
             controller.quorum.voters=3000@c0.dc1:9093,3001@c1.dc2:9093,3002@c2.dc3:9093\n"
        ),
    )
}

fn three_dc() -> Vec<Input> {
    let mut v = Vec::new();
    for (i, rack) in ["dc1-r1", "dc1-r2", "dc2-r1", "dc2-r2", "dc3-r1", "dc3-r2"]
        .iter()
        .enumerate()
    {
        v.push(broker(
            101 + i as u32,
            rack,
            "min.insync.replicas=2\nreplica.lag.time.max.ms=10000\nnum.replica.fetchers=4\n\
             replica.socket.receive.buffer.bytes=-1\nsocket.receive.buffer.bytes=1048576\n\
             num.network.threads=8\nsome.unknown.key=1\n",
        ));
    }
    for (i, rack) in ["dc1", "dc2", "dc3"].iter().enumerate() {
        v.push(controller(3000 + i as u32, rack));
    }
    v
}

// ---------------------------------------------------------------------------
// server.properties

#[test]
fn server_properties_become_sites_racks_and_settings() {
    let imp = ok(&three_dc(), &Options::default());
    let sc = parse_str(&imp.toml, "imported.toml").expect("the imported TOML parses");
    let names: Vec<&str> = sc.site.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["dc1", "dc2", "dc3"]);
    for s in &sc.site {
        assert_eq!((s.brokers, s.controllers), (2, 1));
        assert_eq!(
            s.racks,
            [format!("{}-r1", s.name), format!("{}-r2", s.name)]
        );
    }
    assert_eq!(sc.broker.min_insync_replicas, 2);
    assert_eq!(sc.broker.replica_lag_time_max_ms, 10_000);
    assert_eq!(sc.broker.num_replica_fetchers, 4);
    assert_eq!(sc.broker.replica_socket_receive_buffer_bytes, -1);
    assert_eq!(sc.broker.socket_receive_buffer_bytes, 1_048_576);
    assert_eq!(sc.broker.num_network_threads, 8);
    // Nothing silently dropped: unknown and unmodelled keys are listed, once per key.
    let keys: Vec<&str> = imp.unmapped.iter().map(|i| i.key.as_str()).collect();
    for k in ["some.unknown.key", "log.dirs", "listeners", "--link"] {
        assert!(keys.contains(&k), "{k} not listed: {keys:?}");
    }
    let unknown = imp
        .unmapped
        .iter()
        .find(|i| i.key == "some.unknown.key")
        .unwrap();
    assert!(
        unknown.message.contains("also in 5 other file(s)"),
        "{unknown}"
    );
    // Placeholder links are flagged in the TOML.
    assert!(imp.toml.contains("PLACEHOLDER"));
    // The mapping names every Kafka node.
    assert_eq!(imp.mapping.len(), 9);
    assert!(imp.mapping[0].contains("node.id 101"), "{:?}", imp.mapping);
}

#[test]
fn site_options_links_and_voters_without_files() {
    // Racks that are AWS zones; voters with no file are placed by shared host names.
    let mut v = Vec::new();
    for (id, rack) in [(1, "use1-az1"), (2, "use1-az2"), (3, "use1-az4")] {
        v.push(input(
            &format!("s{id}.properties"),
            &format!(
                "process.roles=broker,controller\nnode.id={id}\nbroker.rack={rack}\n\
                 controller.quorum.voters=1@h1:9093,2@h2:9093,3@h3:9093\n\
                 listeners=PLAINTEXT://h{id}:9092,CONTROLLER://h{id}:9093\n"
            ),
        ));
    }
    let opts = Options {
        rack_is_site: true,
        links: vec![
            "use1-az1,use1-az2,0.5".parse().unwrap(),
            "use1-az1,use1-az4,0.9,25000".parse().unwrap(),
            "use1-az2,use1-az4,1.1,25000,0.01,0.05".parse().unwrap(),
        ],
        ..Default::default()
    };
    let imp = ok(&v, &opts);
    let sc = imp.scenario;
    assert_eq!(sc.site.len(), 3);
    assert!(sc.site.iter().all(|s| s.brokers == 1 && s.controllers == 1));
    assert_eq!(sc.link[2].loss_pct, 0.01);
    assert_eq!(sc.link[1].bandwidth_mbps, 25_000.0);
    assert!(!imp.toml.contains("PLACEHOLDER"));
    assert!(
        imp.unmapped
            .iter()
            .any(|i| i.key == "process.roles" && i.message.contains("combined mode"))
    );
    // --site-of-rack groups zones into one region.
    let mut opts = Options::default();
    for z in ["use1-az1", "use1-az2", "use1-az4"] {
        opts.site_of_rack.insert(z.into(), "east".into());
    }
    let sc = ok(&v, &opts).scenario;
    assert_eq!(sc.site.len(), 1);
    assert_eq!(sc.site[0].racks, ["use1-az1", "use1-az2", "use1-az4"]);
    assert_eq!(sc.site[0].controllers, 3);
}

#[test]
fn zookeeper_mode_and_no_rack() {
    let v = vec![
        input(
            "zk1.properties",
            "broker.id=0\nzookeeper.connect=zk1:2181,zk2:2181,zk3:2181/kafka\nzookeeper.session.timeout.ms=6000\n",
        ),
        input(
            "zk2.properties",
            "broker.id=1\nzookeeper.connect=zk1:2181,zk2:2181,zk3:2181/kafka\n",
        ),
    ];
    let imp = ok(&v, &Options::default());
    assert_eq!(imp.scenario.site[0].name, "default");
    assert!(
        imp.scenario.site[0].racks.is_empty(),
        "a rack named after its site is the default"
    );
    assert_eq!(imp.scenario.site[0].controllers, 3);
    assert_eq!(imp.scenario.broker.broker_session_timeout_ms, 6000);
    assert!(has(&imp.unmapped, "zk1.properties", 0, "broker.rack"));
    assert!(has(&imp.unmapped, "zk1.properties", 0, "process.roles"));
}

#[test]
fn bad_server_files_report_every_problem_with_file_line_and_key() {
    let v = vec![
        input(
            "a.properties",
            "node.id=x\nprocess.roles=broker,witness\nreplica.lag.time.max.ms=soon\n",
        ),
        input(
            "b.properties",
            "node.id=1\nmin.insync.replicas=-2\nunclean.leader.election.enable=maybe\ncontroller.quorum.voters=1:h\n",
        ),
        input("c.properties", "process.roles=broker\n"),
    ];
    let e = errs(&v, &Options::default());
    assert!(has(&e, "a.properties", 1, "node.id"), "{e:#?}");
    assert!(has(&e, "a.properties", 2, "process.roles"));
    assert!(has(&e, "a.properties", 3, "replica.lag.time.max.ms"));
    assert!(has(&e, "b.properties", 2, "min.insync.replicas"));
    assert!(has(&e, "b.properties", 3, "unclean.leader.election.enable"));
    assert!(has(&e, "b.properties", 4, "controller.quorum.voters"));
    assert!(has(&e, "c.properties", 0, "node.id"));
    assert!(
        e[0].to_string().starts_with("a.properties:1: `node.id`: "),
        "{}",
        e[0]
    );
    // Two files for one node.
    let e = errs(
        &[
            input("x.properties", "node.id=7\n"),
            input("y.properties", "node.id=7\n"),
        ],
        &Options::default(),
    );
    assert!(e.iter().any(|i| i.message.contains("also configured by")));
}

// ---------------------------------------------------------------------------
// Topics

const DESCRIBE: &str = "\
Topic: orders\tTopicId: AbC\tPartitionCount: 6\tReplicationFactor: 3\tConfigs: min.insync.replicas=2,retention.ms=604800000
\tTopic: orders\tPartition: 0\tLeader: 101\tReplicas: 101,103,105\tIsr: 101,103,105\tElr: \tLastKnownElr: 
\tTopic: orders\tPartition: 1\tLeader: 103\tReplicas: 103,105,101\tIsr: 103,105,101\tElr: \tLastKnownElr: 
\tTopic: orders\tPartition: 2\tLeader: 105\tReplicas: 105,101,103\tIsr: 105,101\tElr: \tLastKnownElr: 
\tTopic: orders\tPartition: 3\tLeader: 102\tReplicas: 102,104,106\tIsr: 102,104,106\tElr: \tLastKnownElr: 
\tTopic: orders\tPartition: 4\tLeader: 104\tReplicas: 104,106,102\tIsr: 104,106,102\tElr: \tLastKnownElr: 
\tTopic: orders\tPartition: 5\tLeader: 106\tReplicas: 106,102,104\tIsr: 106,102,104\tElr: \tLastKnownElr: 
Topic: payments\tPartitionCount: 2\tReplicationFactor: 2\tConfigs: confluent.placement.constraints={\"version\":2,\"replicas\":[{\"count\":1,\"constraints\":{\"rack\":\"dc1-r1\"}},{\"count\":1,\"constraints\":{\"rack\":\"dc1-r2\"}}],\"observers\":[{\"count\":1,\"constraints\":{\"rack\":\"dc2-r1\"}}],\"observerPromotionPolicy\":\"under-min-isr\"}
\tTopic: payments\tPartition: 0\tLeader: 101\tReplicas: 101,102,103\tIsr: 101,102\tObservers: 103
\tTopic: payments\tPartition: 1\tLeader: 102\tReplicas: 102,101,103\tIsr: 102,101\tObservers: 103
";

#[test]
fn describe_output_gives_partitions_rf_min_isr_and_placement() {
    let mut v = three_dc();
    v.push(input("describe.txt", DESCRIBE));
    let imp = ok(&v, &Options::default());
    let sc = parse_str(&imp.toml, "imported.toml").expect("parses");
    let orders = &sc.topic[0];
    assert_eq!((orders.name.as_str(), orders.partitions), ("orders", 6));
    assert_eq!(orders.replication_factor, Some(3));
    assert_eq!(orders.min_insync_replicas, Some(2));
    // One replica per site, leaders spread: Kafka's rack-aware placer does that.
    // (Racks dc1-r1 … dc3-r2: 6 racks, RF 3 → even over 3 of 6 racks.)
    let payments = &sc.topic[1];
    let p = payments.placement.as_ref().expect("explicit placement");
    assert_eq!(p.replicas.len(), 2);
    assert_eq!(
        (p.replicas[0].count, p.replicas[0].rack.as_str()),
        (1, "dc1-r1")
    );
    assert!(
        orders.placement.is_none(),
        "rack-aware shape: {:?}",
        orders.placement
    );
    assert_eq!(
        (p.observers[0].count, p.observers[0].rack.as_str()),
        (1, "dc2-r1")
    );
    assert!(has(&imp.unmapped, "describe.txt", 1, "retention.ms"));
    assert!(has(&imp.unmapped, "describe.txt", 4, "Isr"));
    // The policy is modelled now (automatic observer promotion): mapped, not listed.
    assert_eq!(
        p.observer_promotion_policy,
        Some(ktopo::scenario::ObserverPromotionPolicy::UnderMinIsr)
    );
    assert!(!has(
        &imp.unmapped,
        "describe.txt",
        8,
        "observerPromotionPolicy"
    ));
}

#[test]
fn reassignment_json_shapes() {
    // Every preferred leader in dc1 → explicit groups with dc1 first.
    let json = r#"{"version":1,"partitions":[
      {"topic":"t","partition":0,"replicas":[101,103,105],"log_dirs":["any","any","any"]},
      {"topic":"t","partition":1,"replicas":[102,104,106]},
      {"topic":"t","partition":2,"replicas":[101,104,105]}
    ]}"#;
    let mut v = three_dc();
    v.push(input("reassign.json", json));
    let imp = ok(&v, &Options::default());
    let t = &imp.scenario.topic[0];
    assert_eq!((t.partitions, t.replication_factor), (3, Some(3)));
    // Rack shapes differ (r1 vs r2 racks) but every partition has one replica per
    // site, leaders in dc1: site groups, dc1 first.
    let p = t.placement.as_ref().expect("leaders all in dc1: explicit");
    let g: Vec<(u32, &str)> = p
        .replicas
        .iter()
        .map(|g| (g.count, g.rack.as_str()))
        .collect();
    assert_eq!(g, [(1, "dc1"), (1, "dc2"), (1, "dc3")]);
    assert!(
        imp.unmapped
            .iter()
            .any(|i| i.key == "log_dirs" || i.message.contains("site groups")),
        "{:#?}",
        imp.unmapped
    );
    let opts = Options::default();
    let bad = r#"{"version":1,"partitions":[{"topic":"t","partition":0},{"topic":"","partition":-1,"replicas":[1,1]}, {"topic":"t","partition":0,"replicas":[101],"bogus":1}]}"#;
    let mut v = three_dc();
    v.push(input("bad.json", bad));
    let e = errs(&v, &opts);
    assert!(has(&e, "bad.json", 1, "partitions[0].replicas"), "{e:#?}");
    assert!(has(&e, "bad.json", 1, "partitions[1].topic"));
    assert!(has(&e, "bad.json", 1, "partitions[1].partition"));
    assert!(has(&e, "bad.json", 1, "partitions[2].bogus"));
}

#[test]
fn confluent_placement_versions_and_errors() {
    let v1 = r#"{"version":1,"replicas":[{"count":1,"constraints":{"rack":"dc1-r1"}},{"count":1,"constraints":{"rack":"dc1-r2"}},{"count":1,"constraints":{"rack":"dc2-r1"}}]}"#;
    let v2 = r#"{"version":2,"replicas":[{"count":1,"constraints":{"rack":"dc1-r1"}}],
        "observers":[{"count":1,"constraints":{"rack":"dc2-r1"}}],"observerPromotionPolicy":"under-replicated"}"#;
    let mut v = three_dc();
    v.push(input("topics.sh", "kafka-topics --bootstrap-server x:9092 --create --topic a --partitions 4\nkafka-topics.sh --create --topic b --partitions 2 --config min.insync.replicas=1\n"));
    v.push(Input {
        file: "a.json".into(),
        text: v1.into(),
        topic: Some("a".into()),
        scope: None,
    });
    v.push(Input {
        file: "b.json".into(),
        text: v2.into(),
        topic: Some("b".into()),
        scope: None,
    });
    let imp = ok(&v, &Options::default());
    let a = &imp.scenario.topic[0];
    assert_eq!(
        (a.name.as_str(), a.partitions, a.replication_factor),
        ("a", 4, Some(3))
    );
    assert_eq!(a.placement.as_ref().unwrap().replicas[2].rack, "dc2-r1");
    let b = &imp.scenario.topic[1];
    assert_eq!(b.placement.as_ref().unwrap().observers[0].rack, "dc2-r1");
    assert_eq!(b.min_insync_replicas, Some(1));
    assert_eq!(
        b.placement.as_ref().unwrap().observer_promotion_policy,
        Some(ktopo::scenario::ObserverPromotionPolicy::UnderReplicated)
    );
    assert!(
        !imp.unmapped
            .iter()
            .any(|i| i.key == "observerPromotionPolicy")
    );

    let bad = r#"{"version":3,"replicas":[{"count":0,"constraints":{}}],"observerPromotionPolicy":"sometimes","extra":1}"#;
    let mut v = three_dc();
    v.push(Input {
        file: "bad.json".into(),
        text: bad.into(),
        topic: Some("a".into()),
        scope: None,
    });
    let e = errs(&v, &Options::default());
    for key in [
        "version",
        "replicas[0].count",
        "replicas[0].constraints.rack",
        "observerPromotionPolicy",
        "extra",
    ] {
        assert!(
            e.iter().any(|i| i.file == "bad.json" && i.key == key),
            "{key}: {e:#?}"
        );
    }
    // Too many replicas for a rack, and an unknown rack.
    let mut v = three_dc();
    v.push(Input {
        file: "c.json".into(),
        text: r#"{"version":1,"replicas":[{"count":2,"constraints":{"rack":"dc1-r1"}}]}"#.into(),
        topic: Some("a".into()),
        scope: None,
    });
    let e = errs(&v, &Options::default());
    assert!(has(&e, "c.json", 1, "count"), "{e:#?}");
    let mut v = three_dc();
    v.push(Input {
        file: "r.json".into(),
        text: r#"{"version":1,"replicas":[{"count":1,"constraints":{"rack":"mars"}}]}"#.into(),
        topic: Some("a".into()),
        scope: None,
    });
    let e = errs(&v, &Options::default());
    assert!(e.iter().any(|i| i.message.contains("`mars`")), "{e:#?}");
}

#[test]
fn mm2_properties_are_parsed_and_listed() {
    let mm2 = "clusters = dc1, dc2\ndc1.bootstrap.servers = a:9092\ndc2.bootstrap.servers = b:9092\n\
               dc1->dc2.enabled = true\ndc1->dc2.topics = orders.*\ntasks.max = 4\n\
               dc2.producer.compression.type = zstd\nemit.checkpoints.interval.seconds = 30\n";
    let mut v = three_dc();
    v.push(input("mm2.properties", mm2));
    let imp = ok(&v, &Options::default());
    assert_eq!(imp.mm2.len(), 1);
    let f = &imp.mm2[0].flows[0];
    assert_eq!((f.tasks_max, f.emit_checkpoints_interval_seconds), (4, 30));
    assert_eq!(f.producer["compression.type"], "zstd");
    // The flow becomes a [[design]] the scenario parser accepts.
    assert!(imp.toml.contains("[[design]]"), "{}", imp.toml);
    let sc = ktopo::scenario::parse_str(&imp.toml, "imported.toml").unwrap_or_else(|d| {
        panic!(
            "imported TOML does not parse:\n{}\n{}",
            d.iter()
                .map(|x| x.to_string())
                .collect::<Vec<_>>()
                .join("\n"),
            imp.toml
        )
    });
    assert_eq!(sc.design.len(), 1, "{}", imp.toml);
    assert_eq!(sc.design[0].kind, ktopo::scenario::DesignKind::Async);
    assert_eq!(sc.design[0].tool, ktopo::scenario::CopierTool::Mirrormaker2);
    assert!(imp.toml.contains("\"tasks.max\" = 4"), "{}", imp.toml);
    assert!(imp.toml.contains("zstd"), "{}", imp.toml);
    let json = serde_json::to_value(&imp).unwrap();
    assert_eq!(json["mm2"][0]["flows"][0]["topics"], "orders.*");
}

// ---------------------------------------------------------------------------
// Export, and export → import

fn bundled() -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = std::fs::read_dir("scenarios")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .map(|p| {
            (
                p.display().to_string(),
                std::fs::read_to_string(&p).unwrap(),
            )
        })
        .collect();
    v.sort();
    v.push(("starter".into(), export::STARTER_SCENARIO.into()));
    v
}

fn tmpdir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("ktopo-ie-{}-{tag}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

/// The files `ktopo import` reads back, as the export's README command names them.
fn reimport_inputs(dir: &Path) -> Vec<Input> {
    let mut v = Vec::new();
    for sub in ["brokers", "controllers"] {
        let mut paths: Vec<PathBuf> = std::fs::read_dir(dir.join(sub))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        paths.sort();
        for p in paths {
            v.push(import::read_input(&p, None).unwrap());
        }
    }
    v.push(import::read_input(&dir.join("topics/create-topics.sh"), None).unwrap());
    v
}

/// Same brokers (node id, site, rack), controllers, links, settings, topics,
/// placement and the exact replica assignment.
fn assert_equivalent(a: &Scenario, b: &Scenario, what: &str) {
    let (ta, tb) = (Topology::build(a), Topology::build(b));
    let brokers = |t: &Topology| -> Vec<(u32, String, String)> {
        t.brokers
            .iter()
            .map(|x| (x.node_id, t.sites[x.site].name.clone(), x.rack.clone()))
            .collect()
    };
    let ctrls = |t: &Topology| -> Vec<(u32, String)> {
        t.controllers
            .iter()
            .map(|x| (x.node_id, t.sites[x.site].name.clone()))
            .collect()
    };
    assert_eq!(brokers(&ta), brokers(&tb), "{what}: brokers");
    assert_eq!(ctrls(&ta), ctrls(&tb), "{what}: controllers");
    let links = |s: &Scenario| -> BTreeMap<(String, String), String> {
        s.link
            .iter()
            .map(|l| {
                let mut k = [l.between[0].clone(), l.between[1].clone()];
                k.sort();
                (
                    (k[0].clone(), k[1].clone()),
                    format!(
                        "{} {} {} {}",
                        l.rtt_ms, l.jitter_ms, l.bandwidth_mbps, l.loss_pct
                    ),
                )
            })
            .collect()
    };
    assert_eq!(links(a), links(b), "{what}: links");
    assert_eq!(
        serde_json::to_value(&a.broker).unwrap(),
        serde_json::to_value(&b.broker).unwrap(),
        "{what}: [broker]"
    );
    assert_eq!(
        serde_json::to_value(&a.controller).unwrap(),
        serde_json::to_value(&b.controller).unwrap(),
        "{what}: [controller]"
    );
    assert_eq!(a.topic.len(), b.topic.len(), "{what}: topics");
    for (i, (x, y)) in a.topic.iter().zip(&b.topic).enumerate() {
        assert_eq!(x.name, y.name, "{what}");
        assert_eq!(x.partitions, y.partitions, "{what}: {}", x.name);
        let rf = |s: &Scenario, t: &ktopo::scenario::Topic| {
            t.replication_factor
                .unwrap_or(s.broker.default_replication_factor)
        };
        assert_eq!(rf(a, x), rf(b, y), "{what}: {} RF", x.name);
        let mi = |s: &Scenario, t: &ktopo::scenario::Topic| {
            t.min_insync_replicas
                .unwrap_or(s.broker.min_insync_replicas)
        };
        assert_eq!(mi(a, x), mi(b, y), "{what}: {} minISR", x.name);
        assert_eq!(
            serde_json::to_value(&x.placement).unwrap(),
            serde_json::to_value(&y.placement).unwrap(),
            "{what}: {} placement",
            x.name
        );
        assert_eq!(
            ta.assign(a, x, i),
            tb.assign(b, y, i),
            "{what}: {} assignment",
            x.name
        );
    }
}

fn round_trip(name: &str, sc: &Scenario, keep_buffers: bool) {
    let plan = export::plan(
        sc,
        &export::Options {
            keep_buffers,
            ..Default::default()
        },
    );
    let files = export::render(&plan, None, None);
    let dir = tmpdir(name);
    export::write_all(&dir, &files).unwrap();
    let imp = ok(
        &reimport_inputs(&dir),
        &export::reimport_options(&plan.scenario),
    );
    // Export writes only what import maps, apart from the send buffer.
    for u in &imp.unmapped {
        assert_eq!(
            u.key, "socket.send.buffer.bytes",
            "{name}: unexpected unmapped item {u}"
        );
    }
    assert_equivalent(&plan.scenario, &imp.scenario, name);
    if keep_buffers {
        assert_equivalent(sc, &imp.scenario, name);
    }
    let again = parse_str(&imp.toml, "reimported.toml").expect("the re-imported TOML parses");
    assert_equivalent(&imp.scenario, &again, name);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn export_then_import_gives_back_every_bundled_scenario() {
    for (i, (name, text)) in bundled().iter().enumerate() {
        let sc = parse_str(text, name).unwrap_or_else(|d| panic!("{name}: {d:?}"));
        round_trip(&format!("b{i}k"), &sc, true);
        round_trip(&format!("b{i}s"), &sc, false);
    }
}

#[test]
fn export_sizes_buffers_to_the_worst_link() {
    let sc = parse_str(
        &std::fs::read_to_string("scenarios/stretched-2.5dc.toml").unwrap(),
        "x",
    )
    .unwrap();
    let plan = export::plan(&sc, &export::Options::default());
    // Worst link: 10000 Mbit/s × 2 ms = 2.5 MB; × 1.25 → 3.125 MB → 4 MiB.
    assert_eq!(plan.sizing.worst_link, "dc1↔dc2");
    assert_eq!(plan.sizing.sized_bytes, 4 << 20);
    assert_eq!(
        plan.scenario.broker.replica_socket_receive_buffer_bytes,
        4 << 20
    );
    let files = export::render(&plan, None, None);
    let b1 = files
        .iter()
        .find(|f| f.path == "brokers/broker-1.properties")
        .unwrap();
    assert!(
        b1.text
            .contains("replica.socket.receive.buffer.bytes=4194304"),
        "{}",
        b1.text
    );
    assert!(
        b1.text
            .contains("node.id=1\nprocess.roles=broker\nbroker.rack=dc1\n")
    );
    assert!(b1.text.contains("controller.quorum.voters=3000@controller-3000:9093,3001@controller-3001:9093,3002@controller-3002:9093"));
    // -1 (autotuning) is kept.
    let mut auto = sc.clone();
    auto.broker.replica_socket_receive_buffer_bytes = -1;
    assert_eq!(
        export::plan(&auto, &Default::default())
            .scenario
            .broker
            .replica_socket_receive_buffer_bytes,
        -1
    );
}

#[test]
fn export_follower_fetching_placement_json_and_netem() {
    let text = std::fs::read_to_string("docs/scenario.md").unwrap();
    // The complete example of docs/scenario.md: follower fetching, observers, 3 sites.
    let start = text.find("```toml\nname = \"stretch-2.5dc\"").unwrap() + 8;
    let end = start + text[start..].find("```").unwrap();
    let sc = parse_str(&text[start..end], "example.toml").unwrap();
    let files = export::render(&export::plan(&sc, &Default::default()), None, None);
    let get = |p: &str| -> &ExportFile {
        files
            .iter()
            .find(|f| f.path == p)
            .unwrap_or_else(|| panic!("{p}"))
    };
    assert!(get("brokers/broker-1.properties").text.contains(
        "replica.selector.class=org.apache.kafka.common.replica.RackAwareReplicaSelector"
    ));
    let audit: serde_json::Value =
        serde_json::from_str(&get("topics/audit.placement.json").text).unwrap();
    assert_eq!(audit["version"], 2);
    assert_eq!(audit["observers"][0]["constraints"]["rack"], "dc2");
    let orders: serde_json::Value =
        serde_json::from_str(&get("topics/orders.placement.json").text).unwrap();
    assert_eq!(orders["version"], 1);
    let re: serde_json::Value =
        serde_json::from_str(&get("topics/reassignment.json").text).unwrap();
    assert_eq!(re["partitions"].as_array().unwrap().len(), 12 + 3);
    assert!(re["partitions"][12]["observers"].is_array());
    // Groups naming a site (any of its racks) cannot be said in Confluent's JSON: flagged.
    assert!(get("README.md").text.contains("## Check before use"));
    assert!(get("topics/create-topics.sh").text.contains("names a site"));
    let netem = &get("netem.sh").text;
    // dc2 → dc3: RTT 35 ms, jitter 0.5 → delay 17.5 + 0.5 ms ± 0.5 ms; 1000 Mbit/s.
    assert!(
        netem.contains("netem delay 18.000ms 0.500ms distribution normal"),
        "{netem}"
    );
    assert!(netem.contains("htb rate 1000000kbit"));
    assert!(netem.starts_with("#!/bin/sh\n"));
    assert!(get("netem.sh").executable && get("topics/create-topics.sh").executable);
    let p0 = &get("clients/producer-0.properties").text;
    assert!(
        p0.contains("acks=all\nlinger.ms=5\nbatch.size=65536\n"),
        "{p0}"
    );
    assert!(
        get("clients/consumer-0.properties")
            .text
            .contains("client.rack=dc2-a\n")
    );
}

#[test]
fn runbook_figures_come_from_the_simulation() {
    let sc = parse_str(
        &std::fs::read_to_string("scenarios/stretched-2dc.toml").unwrap(),
        "x",
    )
    .unwrap();
    let plan = export::plan(&sc, &Default::default());
    let out = ktopo::kafka::simulate(&plan.scenario).unwrap();
    let files = export::render(&plan, Some(&out), None);
    let rb = &files.iter().find(|f| f.path == "runbook.md").unwrap().text;
    assert_eq!(rb.matches("## Step ").count(), sc.fault.len());
    for f in &out.faults {
        assert!(
            rb.contains(&format!(
                "{:.1} unavailable partition-seconds",
                f.unavailable_partition_s
            )),
            "{rb}"
        );
    }
    assert!(rb.contains(&format!("seed {}", out.seed)));
    // --no-simulate: the same steps, no figures.
    let bare = export::render(&plan, None, None);
    let rb0 = &bare.iter().find(|f| f.path == "runbook.md").unwrap().text;
    assert_eq!(rb0.matches("## Step ").count(), sc.fault.len());
    assert_eq!(rb0.matches("not simulated").count(), sc.fault.len());
    // Deterministic: the same export twice is byte-identical.
    let again = export::render(
        &plan,
        Some(&ktopo::kafka::simulate(&plan.scenario).unwrap()),
        None,
    );
    assert_eq!(files, again);
    assert!(files.iter().zip(&again).all(|(a, b)| a.text == b.text));
}

// ---------------------------------------------------------------------------
// Properties: random scenarios round-trip; arbitrary text never panics.

fn scenario_strategy() -> impl Strategy<Value = String> {
    let site = (1u32..4, 0u32..3, 0u32..3, 0u32..3);
    (
        proptest::collection::vec(site, 1..4),
        1u32..3,
        prop_oneof![Just(-1i64), 65_536i64..10_000_000],
        1_000u64..60_000,
        1u32..5,
        proptest::collection::vec((1u32..20, 1u32..4, any::<bool>()), 0..4),
    )
        .prop_map(|(sites, min_isr, buf, lag, fetchers, topics)| {
            let mut s = String::from("name = \"p\"\n");
            for (i, (racks, brokers, controllers, _)) in sites.iter().enumerate() {
                // Site 1's racks do not start with its name: import needs --site-of-rack.
                let r: Vec<String> = (0..*racks)
                    .map(|k| if i == 1 { format!("\"rack{k}x{i}\"") } else { format!("\"s{i}-r{k}\"") })
                    .collect();
                s += &format!("[[site]]\nname = \"s{i}\"\nracks = [{}]\nbrokers = {}\ncontrollers = {}\n", r.join(", "), brokers + 1, controllers + u32::from(i == 0));
            }
            for i in 0..sites.len() {
                for (j, other) in sites.iter().enumerate().skip(i + 1) {
                    s += &format!("[[link]]\nbetween = [\"s{i}\", \"s{j}\"]\nrtt_ms = {}.5\nbandwidth_mbps = {}\n", i + j, 1000 * (1 + other.3));
                }
            }
            s += &format!("[broker]\n\"min.insync.replicas\" = {min_isr}\n\"replica.socket.receive.buffer.bytes\" = {buf}\n\"replica.lag.time.max.ms\" = {lag}\n\"num.replica.fetchers\" = {fetchers}\n");
            for (k, (parts, rf, explicit)) in topics.iter().enumerate() {
                s += &format!("[[topic]]\nname = \"t{k}\"\npartitions = {parts}\n");
                if *explicit {
                    s += "placement.replicas = [{ count = 1, rack = \"s0-r0\" }]\n";
                } else {
                    s += &format!("\"replication.factor\" = {rf}\n");
                }
            }
            s
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn random_scenarios_round_trip(text in scenario_strategy()) {
        // Some draws are invalid (RF above the broker count): those are not scenarios.
        if let Ok(sc) = parse_str(&text, "p.toml") {
            round_trip("prop-k", &sc, true);
            round_trip("prop-s", &sc, false);
        }
    }

    #[test]
    fn arbitrary_text_never_panics_in_any_parser(text in any::<String>(), topic in proptest::option::of("[a-z]{1,5}")) {
        let _ = import::import(&[Input { file: "f".into(), text: text.clone(), topic, scope: None }], &Options::default());
        let _ = ktopo::import::props::parse(&text);
    }

    #[test]
    fn mm2_text_never_panics_in_the_design_mapping(
        text in "(clusters|[a-c]{1,2}->[a-c]{1,2}\\.enabled|[a-c]\\.bootstrap\\.servers|tasks\\.max|topics|[a-c]\\.producer\\.compression\\.type|replication\\.policy\\.class)( = |=)[a-z0-9.,:*>-]{0,12}\n{0,1}",
        more in proptest::collection::vec("[a-c]{1,2}->[a-c]{1,2}\\.enabled = (true|false|x)\n", 0..6),
    ) {
        let full = format!("clusters = a, b, c\n{text}\n{}", more.join(""));
        let (mut e, mut u) = (Vec::new(), Vec::new());
        let m = ktopo::import::mm2::parse(&input("mm2.properties", &full), &mut e, &mut u);
        let sites = vec!["a".to_string(), "b".to_string()];
        let _ = ktopo::import::mm2::design_toml(&m, "d", &sites, &[], &Default::default(), &mut u);
    }

    #[test]
    fn describe_lines_never_panic(
        reps in "[0-9,]{0,12}",
        obs in "[0-9,]{0,8}",
        leader in "[0-9]{0,3}",
        isr in "[0-9,]{0,8}",
    ) {
        let text = format!("Topic: t\tPartitionCount: 2\n\tTopic: t\tPartition: 0\tLeader: {leader}\tReplicas: {reps}\tIsr: {isr}\tObservers: {obs}\n");
        let _ = import::import(&[input("d.txt", &text)], &Options::default());
        let mut v = three_dc();
        v.push(input("d.txt", &text));
        let _ = import::import(&v, &Options::default());
    }

    #[test]
    fn kafka_like_text_never_panics(
        text in "[a-z0-9.=:,\\->{}\\[\\]\"@ \\t\\n\\\\#!/]{0,400}",
        kind in 0usize..5,
    ) {
        let prefix = ["node.id=1\n", "clusters=a,b\na->b.enabled=true\n", "{\"partitions\":", "Topic: t\tPartitionCount: 1\n\tTopic: t\tPartition: 0\tReplicas: ", "kafka-topics --create --topic t "][kind];
        let full = format!("{prefix}{text}");
        let _ = import::import(&[input("f", &full)], &Options::default());
        let _ = import::import(&[Input { file: "p.json".into(), text: full, topic: Some("t".into()), scope: None }], &Options::default());
    }
}

// ---------------------------------------------------------------------------
// mm2.properties: render ∘ parse

fn mm2_parse(text: &str) -> ktopo::import::mm2::Mm2Config {
    let (mut e, mut u) = (Vec::new(), Vec::new());
    let mut c = ktopo::import::mm2::parse(&input("mm2.properties", text), &mut e, &mut u);
    assert!(e.is_empty(), "{e:#?}\n{text}");
    assert!(u.is_empty(), "{u:#?}\n{text}");
    for f in &mut c.flows {
        f.line = 0;
    }
    c
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn mm2_render_then_parse_gives_back_the_config(
        n in 2usize..4,
        enabled in proptest::collection::vec(any::<bool>(), 6),
        tasks in 1u32..16,
        lag in 1u64..1000,
        sync in any::<bool>(),
        codec in prop_oneof![Just("zstd"), Just("lz4"), Just("gzip")],
        topics in prop_oneof![Just(".*".to_string()), "[a-z]{1,6}(,[a-z]{1,6}){0,2}"],
    ) {
        let names: Vec<String> = (0..n).map(|i| format!("c{i}")).collect();
        let mut text = format!("clusters = {}\n", names.join(", "));
        for c in &names {
            text += &format!("{c}.bootstrap.servers = {c}-b1:9092,{c}-b2:9092\n");
        }
        text += &format!("{}.producer.compression.type = {codec}\nc0.consumer.fetch.max.wait.ms = 200\nc1.offset.flush.interval.ms = 5000\n", names[n - 1]);
        let mut k = 0;
        for a in &names {
            for b in &names {
                if a != b {
                    text += &format!("{a}->{b}.enabled = {}\n", enabled[k % 6]);
                    k += 1;
                }
            }
        }
        text += &format!("tasks.max = {tasks}\n{}->{}.offset.lag.max = {lag}\nsync.group.offsets.enabled = {sync}\ntopics = {topics}\n", names[0], names[1]);
        let c = mm2_parse(&text);
        let back = mm2_parse(&export::mm2::render(&c, "round trip"));
        prop_assert_eq!(c, back);
    }
}

#[test]
fn a_later_file_replaces_an_assignment_and_says_so() {
    let mut v = three_dc();
    v.push(input("describe.txt", DESCRIBE));
    v.push(input(
        "plan.json",
        r#"{"version":1,"partitions":[{"topic":"orders","partition":0,"replicas":[102,104,106]}]}"#,
    ));
    let imp = ok(&v, &Options::default());
    assert!(
        imp.unmapped.iter().any(|i| i.file == "describe.txt"
            && i.line == 2
            && i.message.contains("replaced by plan.json:1")),
        "{:#?}",
        imp.unmapped
    );
    // The same partition twice in one file is an error.
    let mut v = three_dc();
    v.push(input(
        "twice.json",
        "{\"partitions\":[\n{\"topic\":\"t\",\"partition\":0,\"replicas\":[101]},\n{\"topic\":\"t\",\"partition\":0,\"replicas\":[102]}]}",
    ));
    let e = errs(&v, &Options::default());
    assert!(has(&e, "twice.json", 3, "t"), "{e:#?}");
}

#[test]
fn two_clusters_with_their_own_quorums() {
    // Two clusters numbered apart (1.. and 101..), each with its own voters.
    let mut v = Vec::new();
    for (base, site) in [(1u32, "east"), (101, "west")] {
        let voters = format!(
            "{}@c{base}:9093,{}@c{}:9093,{}@c{}:9093",
            base + 10,
            base + 11,
            base + 1,
            base + 12,
            base + 2
        );
        for i in 0..3 {
            v.push(input(
                &format!("{site}-b{i}.properties"),
                &format!("process.roles=broker\nnode.id={}\nbroker.rack={site}\ncontroller.quorum.voters={voters}\n", base + i),
            ));
            v.push(input(
                &format!("{site}-c{i}.properties"),
                &format!("process.roles=controller\nnode.id={}\nbroker.rack={site}\ncontroller.quorum.voters={voters}\n", base + 10 + i),
            ));
        }
    }
    let imp = ok(&v, &Options::default());
    let s: Vec<(&str, u32, u32)> = imp
        .scenario
        .site
        .iter()
        .map(|s| (s.name.as_str(), s.brokers, s.controllers))
        .collect();
    assert_eq!(s, [("east", 3, 3), ("west", 3, 3)]);
    assert!(
        imp.unmapped
            .iter()
            .any(|i| i.key == "controller.quorum.voters" && i.message.contains("several clusters"))
    );
}

#[test]
fn two_clusters_numbered_alike_import_from_two_directories() {
    let mut v = Vec::new();
    for site in ["east", "west"] {
        for id in 1..=3 {
            let mut i = input(
                &format!("{site}/s{id}.properties"),
                &format!(
                    "process.roles=broker,controller\nnode.id={id}\ncontroller.quorum.voters=1@{site}1:9093,2@{site}2:9093,3@{site}3:9093\n"
                ),
            );
            i.scope = Some(site.into());
            v.push(i);
        }
    }
    let mut d = input(
        "east/describe.txt",
        "Topic: orders\tPartitionCount: 2\tReplicationFactor: 3\tConfigs:\n\tTopic: orders\tPartition: 0\tLeader: 1\tReplicas: 1,2,3\tIsr: 1,2,3\n\tTopic: orders\tPartition: 1\tLeader: 2\tReplicas: 2,3,1\tIsr: 2,3,1\n",
    );
    d.scope = Some("east".into());
    v.push(d);
    let imp = ok(&v, &Options::default());
    let s: Vec<(&str, u32, u32)> = imp
        .scenario
        .site
        .iter()
        .map(|s| (s.name.as_str(), s.brokers, s.controllers))
        .collect();
    assert_eq!(s, [("east", 3, 3), ("west", 3, 3)]);
    // The assignment names east's brokers 1, 2, 3, not west's.
    let p = imp.scenario.topic[0]
        .placement
        .as_ref()
        .expect("every replica in east");
    assert_eq!(
        (p.replicas[0].count, p.replicas[0].rack.as_str()),
        (3, "east")
    );
    // Without directories the ids collide: an error naming both files.
    let flat: Vec<Input> = v
        .into_iter()
        .map(|mut i| {
            i.scope = None;
            i
        })
        .collect();
    let e = errs(&flat, &Options::default());
    assert!(e.iter().any(|i| i.message.contains("also configured by")));
}

/// `ktopo export --design`: every MirrorMaker 2 design of the bundled scenarios
/// becomes an mm2.properties that MirrorMaker (our parser of it) reads back as
/// the same clusters, flows and settings, one flow per copy the topology makes.
#[test]
fn design_exports_as_mm2_properties_and_reads_back() {
    let mut seen = 0;
    for (path, text) in bundled() {
        let sc = ktopo::scenario::parse_str(&text, &path).expect("bundled scenario parses");
        for d in &sc.design {
            let Some(c) = export::mm2::from_design(&sc, d) else {
                continue;
            };
            seen += 1;
            let layout = ktopo::topology::DesignLayout::of(&sc, d);
            assert_eq!(c.flows.len(), layout.flows.len(), "{path} {}", d.name);
            assert!(c.flows.iter().all(|f| f.tasks_max == d.tasks_max));
            let back = mm2_parse(&export::mm2::render(&c, "test"));
            assert_eq!(back, c, "{path} design {}", d.name);
        }
    }
    assert!(seen >= 4, "bundled MirrorMaker 2 designs: {seen}");
}

/// Issue 12: a pair of sites without a link of its own is exported with its
/// route: dc1 → dc3 via dc2 as one path of 10 + 20 = 30 ms (delay 15 ms one
/// way), the narrower 80 Mbit/s, and the losses combined (1 − 0.999 × 1 =
/// 0.1 %); the buffers are sized for the worst BDP over links and routes.
#[test]
fn export_routes_pairs_without_a_link_through_the_hub() {
    let sc = parse_str(
        r#"
name = "chain"
[[site]]
name = "dc1"
brokers = 1
controllers = 1
[[site]]
name = "dc2"
brokers = 1
controllers = 1
[[site]]
name = "dc3"
brokers = 1
controllers = 1
[[link]]
between = ["dc1", "dc2"]
rtt_ms = 10
bandwidth_mbps = 100
loss_pct = 0.1
[[link]]
between = ["dc2", "dc3"]
rtt_ms = 20
bandwidth_mbps = 80
"#,
        "chain.toml",
    )
    .unwrap();
    let plan = export::plan(&sc, &Default::default());
    // Route BDP 10 MB/s × 30 ms = 300 kB > the links' 125 kB and 200 kB:
    // × 1.25 headroom = 375 kB, next power of two 512 KiB.
    assert_eq!(
        plan.scenario.broker.replica_socket_receive_buffer_bytes,
        524288
    );
    let files = export::render(&plan, None, None);
    let netem = &files.iter().find(|f| f.path == "netem.sh").unwrap().text;
    assert!(
        netem.contains("# → dc3 via dc2: RTT 30 ms, jitter 0 ms, loss 0.1 %, 80 Mbit/s"),
        "{netem}"
    );
    assert!(
        netem.contains("netem delay 15.000ms loss 0.1% limit 1000"),
        "{netem}"
    );
    assert!(netem.contains("# → dc2: RTT 10 ms, jitter 0 ms, loss 0.1 %, 100 Mbit/s"));
}
