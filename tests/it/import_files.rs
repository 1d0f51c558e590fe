//! `ktopo import` / `ktopo export` at the command line with the files people
//! have (issue 11): MirrorMaker 2's producer and worker settings, `topics`
//! patterns, `--describe` output pasted with log lines, Confluent's cluster
//! default placement, docker-compose files, Strimzi resources, and export into
//! a folder that holds another export.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn run(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ktopo"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("ktopo runs")
}

fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn tmpdir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("ktopo-files-{}-{tag}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn data(p: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/import")
        .join(p)
        .display()
        .to_string()
}

fn repo(p: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join(p)
        .display()
        .to_string()
}

fn write(dir: &Path, name: &str, body: &str) {
    let p = dir.join(name);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, body).unwrap();
}

/// `ktopo import ARGS --json -q`: the JSON (exit 0 asserted) and the parsed scenario.
fn import_json(args: &[&str], dir: &Path) -> (serde_json::Value, ktopo::scenario::Scenario) {
    let mut all = vec!["import"];
    all.extend_from_slice(args);
    all.extend(["--json", "-q"]);
    let o = run(&all, dir);
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    let toml = v["toml"].as_str().unwrap().to_string();
    let sc = ktopo::scenario::parse_str(&toml, "imported.toml")
        .unwrap_or_else(|d| panic!("{d:?}\n{toml}"));
    (v, sc)
}

fn unmapped_with(v: &serde_json::Value, key: &str, words: &str) -> bool {
    v["unmapped"].as_array().unwrap().iter().any(|i| {
        i["key"].as_str() == Some(key) && i["message"].as_str().unwrap_or("").contains(words)
    })
}

/// Six brokers in two sites (dc1, dc2), three each, with their controllers.
fn two_dc(dir: &Path) -> Vec<String> {
    let mut files = Vec::new();
    let voters = "3000@c0.dc1:9093,3001@c1.dc1:9093,3002@c2.dc1:9093";
    let voters2 = "3100@c0.dc2:9093,3101@c1.dc2:9093,3102@c2.dc2:9093";
    for (i, dc) in [
        (1, "dc1"),
        (2, "dc1"),
        (3, "dc1"),
        (4, "dc2"),
        (5, "dc2"),
        (6, "dc2"),
    ] {
        let v = if dc == "dc1" { voters } else { voters2 };
        let name = format!("broker-{i}.properties");
        write(
            dir,
            &name,
            &format!(
                "process.roles=broker\nnode.id={i}\nbroker.rack={dc}\ncontroller.quorum.voters={v}\nlisteners=PLAINTEXT://b{i}.{dc}:9092\n"
            ),
        );
        files.push(name);
    }
    files
}

// ---------------------------------------------------------------------------
// mm2.properties: which spelling MirrorMaker 2 applies to the copied records

/// MirrorMakerConfig.workerConfig builds the A->B worker (whose producer writes
/// the copied records) from `clusterProps(B)`: `B.producer.compression.type`
/// applies, `A->B.producer.compression.type` reaches only the offset-syncs
/// producer (MirrorConnectorConfig.sourceProducerConfig). Same for the worker's
/// `offset.flush.interval.ms`.
#[test]
fn mm2_producer_overrides_are_read_where_mirrormaker_applies_them() {
    let t = tmpdir("mm2-producer");
    let mut files = two_dc(&t);
    write(
        &t,
        "flow-only.properties",
        "clusters = dc1, dc2\ndc1.bootstrap.servers = b1.dc1:9092\ndc2.bootstrap.servers = b4.dc2:9092\n\
         dc1->dc2.enabled = true\ndc1->dc2.producer.compression.type = gzip\n\
         dc1->dc2.offset.flush.interval.ms = 5000\n",
    );
    files.push("flow-only.properties".into());
    let args: Vec<&str> = files.iter().map(String::as_str).collect();
    let (v, sc) = import_json(&args, &t);
    let d = &sc.design[0];
    // Ignored by MirrorMaker 2 for the copied records: Kafka's defaults.
    assert_eq!(
        serde_json::to_value(d.compression_type).unwrap(),
        "none",
        "{}",
        v["toml"]
    );
    assert_eq!(d.offset_flush_interval_ms, 60_000);
    assert!(unmapped_with(
        &v,
        "dc1->dc2.producer.compression.type",
        "`dc2.producer.compression.type` (not set"
    ));
    assert!(unmapped_with(
        &v,
        "dc1->dc2.offset.flush.interval.ms",
        "`dc2.offset.flush.interval.ms`"
    ));
    // Both spellings: the target cluster's wins.
    write(
        &t,
        "flow-only.properties",
        "clusters = dc1, dc2\ndc1.bootstrap.servers = b1.dc1:9092\ndc2.bootstrap.servers = b4.dc2:9092\n\
         dc1->dc2.enabled = true\ndc1->dc2.producer.compression.type = gzip\n\
         dc2.producer.compression.type = zstd\ndc2.offset.flush.interval.ms = 5000\n",
    );
    let (v, sc) = import_json(&args, &t);
    let d = &sc.design[0];
    assert_eq!(serde_json::to_value(d.compression_type).unwrap(), "zstd");
    assert_eq!(d.offset_flush_interval_ms, 5000);
    assert!(unmapped_with(
        &v,
        "dc1->dc2.producer.compression.type",
        "`dc2.producer.compression.type` = zstd"
    ));
}

/// `ktopo export --design` writes the copied records' producer and the worker's
/// flush interval under the target cluster, where MirrorMaker 2 reads them, and
/// reads them back.
#[test]
fn mm2_export_writes_producer_settings_under_the_target_cluster() {
    let t = tmpdir("mm2-export");
    let scen = std::fs::read_to_string(repo("scenarios/mm2-active-passive.toml"))
        .unwrap()
        .replace(
            "\"tasks.max\" = 4",
            "\"tasks.max\" = 4\n\"producer.compression.type\" = \"zstd\"\n\"offset.flush.interval.ms\" = 10000",
        );
    write(&t, "s.toml", &scen);
    let o = run(
        &[
            "export",
            "s.toml",
            "--design",
            "mm2-ap",
            "--out",
            "out",
            "--no-simulate",
            "-q",
        ],
        &t,
    );
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    let mm2 = std::fs::read_to_string(t.join("out/mm2.properties")).unwrap();
    assert!(
        mm2.contains("dc2.producer.compression.type = zstd"),
        "{mm2}"
    );
    assert!(
        mm2.contains("dc2.offset.flush.interval.ms = 10000"),
        "{mm2}"
    );
    assert!(!mm2.contains("dc1->dc2.producer."), "{mm2}");
    assert!(!mm2.contains("dc1->dc2.offset.flush"), "{mm2}");
    // Read back: the same settings, nothing listed about them.
    let readme = std::fs::read_to_string(t.join("out/README.md")).unwrap();
    let block = readme
        .split("```sh\n")
        .nth(1)
        .and_then(|b| b.split("\n```").next())
        .unwrap()
        .replace(" \\\n    ", " ");
    let args: Vec<&str> = block.split_whitespace().skip(2).collect();
    let (v, sc) = import_json(&args, &t.join("out"));
    let d = &sc.design[0];
    assert_eq!(serde_json::to_value(d.compression_type).unwrap(), "zstd");
    assert_eq!(d.offset_flush_interval_ms, 10_000);
    let listed = v["unmapped"].as_array().unwrap();
    assert!(
        !listed
            .iter()
            .any(|i| i["key"].as_str().unwrap_or("").contains("producer")),
        "{listed:#?}"
    );
}

// ---------------------------------------------------------------------------
// MirrorMaker 2 `topics` patterns

/// DefaultTopicFilter: `topics` and `topics.exclude` are lists of Java regexes,
/// joined with `|` and matched against the whole topic name.
#[test]
fn mm2_topics_patterns_select_the_topics_they_match() {
    let t = tmpdir("mm2-topics");
    let mut files = two_dc(&t);
    write(
        &t,
        "create.sh",
        "#!/bin/sh\nfor t in orders-eu orders-us payments audit; do :; done\n\
         kafka-topics --bootstrap-server b1.dc1:9092 --create --topic orders-eu --partitions 6 --replication-factor 3\n\
         kafka-topics --bootstrap-server b1.dc1:9092 --create --topic orders-us --partitions 6 --replication-factor 3\n\
         kafka-topics --bootstrap-server b1.dc1:9092 --create --topic payments --partitions 6 --replication-factor 3\n\
         kafka-topics --bootstrap-server b1.dc1:9092 --create --topic audit --partitions 6 --replication-factor 3\n\
         kafka-topics --bootstrap-server b1.dc1:9092 --create --topic ordersX --partitions 1 --replication-factor 3\n",
    );
    files.push("create.sh".into());
    let mm2 = "clusters = dc1, dc2\ndc1.bootstrap.servers = b1.dc1:9092\ndc2.bootstrap.servers = b4.dc2:9092\n\
               dc1->dc2.enabled = true\n";
    write(
        &t,
        "mm2.properties",
        &format!("{mm2}topics = orders-.*|payments\n"),
    );
    files.push("mm2.properties".into());
    let args: Vec<&str> = files.iter().map(String::as_str).collect();
    let (_, sc) = import_json(&args, &t);
    assert_eq!(
        sc.design[0].topics,
        ["orders-eu", "orders-us", "payments"],
        "a whole-name match: ordersX and audit are not copied"
    );
    // A comma list of patterns, and an exclusion.
    write(
        &t,
        "mm2.properties",
        &format!("{mm2}topics = orders.*, audit\ntopics.exclude = .*-us, ordersX\n"),
    );
    let (_, sc) = import_json(&args, &t);
    assert_eq!(sc.design[0].topics, ["orders-eu", "audit"]);
    // Every topic matched: the design copies every topic (no list).
    write(&t, "mm2.properties", &format!("{mm2}topics = .*\n"));
    let (_, sc) = import_json(&args, &t);
    assert!(sc.design[0].topics.is_empty());
    // A pattern Rust's regex cannot evaluate (a look-ahead) is listed.
    write(
        &t,
        "mm2.properties",
        &format!("{mm2}topics = (?!audit).*\n"),
    );
    let (v, sc) = import_json(&args, &t);
    assert!(sc.design[0].topics.is_empty());
    assert!(unmapped_with(&v, "topics", "not one ktopo can evaluate"));
}

// ---------------------------------------------------------------------------
// kafka-topics --describe with log lines

#[test]
fn describe_output_with_log_lines_is_read_as_describe_output() {
    let t = tmpdir("describe-log");
    for (i, rack) in [(1, "dc1-a"), (2, "dc1-b"), (3, "dc1-c")] {
        write(
            &t,
            &format!("b{i}.properties"),
            &format!(
                "node.id={i}\nprocess.roles=broker,controller\nbroker.rack={rack}\ncontroller.quorum.voters=1@b1:9093,2@b2:9093,3@b3:9093\n"
            ),
        );
    }
    let desc = data("describe-with-log-lines.txt");
    let (v, sc) = import_json(
        &["b1.properties", "b2.properties", "b3.properties", &desc],
        &t,
    );
    let orders = &sc.topic[0];
    assert_eq!((orders.name.as_str(), orders.partitions), ("orders", 3));
    assert_eq!(orders.replication_factor, Some(3));
    assert_eq!(orders.min_insync_replicas, Some(2));
    let logs = v["unmapped"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["message"].as_str().unwrap_or("").contains("a log line"))
        .count();
    assert_eq!(logs, 2, "{:#?}", v["unmapped"]);
}

// ---------------------------------------------------------------------------
// Confluent's cluster default placement

/// `confluent.log.placement.constraints` in server.properties is the placement
/// of topics created without their own: the replication factor is the
/// placement's replica count and its observers are kept.
#[test]
fn confluent_cluster_default_placement_applies_to_topics_without_their_own() {
    let t = tmpdir("confluent-default");
    let default = r#"{"version":2,"replicas":[{"count":2,"constraints":{"rack":"east"}}],"observers":[{"count":2,"constraints":{"rack":"west"}}],"observerPromotionPolicy":"under-min-isr"}"#;
    let mut files = Vec::new();
    for (i, rack) in [(1, "east"), (2, "east"), (3, "west"), (4, "west")] {
        let name = format!("server-{i}.properties");
        write(
            &t,
            &name,
            &format!(
                "broker.id={i}\nbroker.rack={rack}\nzookeeper.connect=zk1:2181\nconfluent.log.placement.constraints={default}\n"
            ),
        );
        files.push(name);
    }
    write(
        &t,
        "topics.sh",
        "kafka-topics --create --topic orders --partitions 6\n\
         kafka-topics --create --topic local --partitions 3 --config 'confluent.placement.constraints={\"version\":1,\"replicas\":[{\"count\":1,\"constraints\":{\"rack\":\"west\"}}]}'\n",
    );
    files.push("topics.sh".into());
    let args: Vec<&str> = files.iter().map(String::as_str).collect();
    let (v, sc) = import_json(&args, &t);
    let orders = &sc.topic[0];
    assert_eq!(orders.replication_factor, Some(2), "{}", v["toml"]);
    let p = orders
        .placement
        .as_ref()
        .expect("the cluster default placement");
    assert_eq!(
        (p.replicas[0].count, p.replicas[0].rack.as_str()),
        (2, "east")
    );
    assert_eq!(
        (p.observers[0].count, p.observers[0].rack.as_str()),
        (2, "west")
    );
    // The topic's own placement wins.
    let local = &sc.topic[1];
    assert_eq!(local.replication_factor, Some(1));
    let p = local.placement.as_ref().unwrap();
    assert!(p.observers.is_empty() && p.replicas[0].rack == "west");
    assert!(
        !v["unmapped"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["key"] == "confluent.log.placement.constraints"),
        "the same default on every broker: nothing listed"
    );
}

// ---------------------------------------------------------------------------
// export into a folder holding another export

/// An export into a folder that holds an earlier export removes the files that
/// export wrote and this one does not (and says so); a folder holding another
/// export's files without ktopo's list of them is refused.
#[test]
fn export_into_a_folder_with_another_designs_files() {
    let t = tmpdir("export-folder");
    let scen = repo("scenarios/mm2-active-passive.toml");
    let o = run(
        &[
            "export",
            &scen,
            "--design",
            "mm2-ap",
            "--out",
            "out",
            "--no-simulate",
            "-q",
        ],
        &t,
    );
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    assert!(t.join("out/clusters/dc2/brokers").is_dir());
    write(&t, "out/notes.txt", "mine\n");
    // The stretched export of the same scenario into the same folder.
    let o = run(&["export", &scen, "--out", "out", "--no-simulate"], &t);
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    let err = text(&o.stderr);
    assert!(
        err.contains("removed") && err.contains("mm2.properties"),
        "{err}"
    );
    assert!(!t.join("out/clusters").exists(), "the async layout is gone");
    assert!(!t.join("out/mm2.properties").exists());
    assert!(t.join("out/brokers/broker-1.properties").is_file());
    assert_eq!(
        std::fs::read_to_string(t.join("out/notes.txt")).unwrap(),
        "mine\n"
    );
    // --json says what was removed.
    let o = run(
        &[
            "export",
            &scen,
            "--design",
            "mm2-ap",
            "--out",
            "out",
            "--no-simulate",
            "--json",
        ],
        &t,
    );
    assert_eq!(code(&o), 0);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let removed = v["removed"].as_array().unwrap();
    assert!(
        removed.iter().any(|r| r == "brokers/broker-1.properties"),
        "{removed:?}"
    );
    assert!(!t.join("out/brokers").exists());
    // A folder with another export's files and no list: refused, nothing written.
    let u = t.join("other");
    write(&u, "mm2.properties", "clusters = a, b\n");
    write(&u, "clusters/a/brokers/broker-1.properties", "node.id=1\n");
    let o = run(&["export", &scen, "--out", "other", "--no-simulate"], &t);
    assert_eq!(code(&o), 2);
    let err = text(&o.stderr);
    assert!(
        err.contains("mm2.properties") && err.contains("another export"),
        "{err}"
    );
    assert!(!u.join("brokers").exists());
}

// ---------------------------------------------------------------------------
// docker-compose

fn line_in(file: &str, needle: &str) -> usize {
    std::fs::read_to_string(file)
        .unwrap()
        .lines()
        .position(|l| l.contains(needle))
        .map_or(0, |i| i + 1)
}

/// Services with `KAFKA_*` variables are nodes (`KAFKA_NODE_ID` → `node.id`,
/// `KAFKA_BROKER_RACK` → `broker.rack`, …); a second cluster in the same file
/// (its own `KAFKA_CONTROLLER_QUORUM_VOTERS`) is not merged into the first
/// cluster's quorum.
#[test]
fn compose_services_become_nodes_and_a_second_cluster_keeps_its_own_quorum() {
    let t = tmpdir("compose");
    let file = data("compose/two-dc-with-monitoring.yml");
    let (v, sc) = import_json(&[&file], &t);
    let sites: Vec<(&str, u32, u32)> = sc
        .site
        .iter()
        .map(|s| (s.name.as_str(), s.brokers, s.controllers))
        .collect();
    // Three voters (1, 2, 3): the monitoring node's controller is not a fourth.
    assert_eq!(sites, [("dc1", 2, 2), ("dc2", 2, 1)], "{}", v["toml"]);
    assert_eq!(sc.broker.min_insync_replicas, 2);
    assert_eq!(sc.broker.default_replication_factor, 3);
    assert_eq!(sc.broker.replica_lag_time_max_ms, 10_000);
    let listed = v["unmapped"].as_array().unwrap();
    let at = |key: &str| {
        listed.iter().find(|i| i["key"] == key).map(|i| {
            (
                i["file"].as_str().unwrap().to_string(),
                i["line"].as_u64().unwrap() as usize,
            )
        })
    };
    // Problems name the YAML file and line.
    assert_eq!(
        at("KAFKA_HEAP_OPTS"),
        Some((file.clone(), line_in(&file, "KAFKA_HEAP_OPTS")))
    );
    assert_eq!(
        at("listener.security.protocol.map").map(|x| x.1),
        Some(line_in(&file, "KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"))
    );
    assert!(unmapped_with(&v, "schema-registry", "not a Kafka broker"));
    assert!(unmapped_with(
        &v,
        "monitoring-kafka",
        "another Kafka cluster"
    ));
    // With MirrorMaker 2 between them, both clusters are kept, each with its quorum.
    write(
        &t,
        "mm2.properties",
        "clusters = main, monitoring\nmain.bootstrap.servers = broker-1:29092\n\
         monitoring.bootstrap.servers = monitoring-kafka:9092\nmain->monitoring.enabled = true\n",
    );
    let (v, sc) = import_json(&[&file, "mm2.properties"], &t);
    let mon = sc
        .site
        .iter()
        .find(|s| s.name == "monitoring-kafka")
        .unwrap_or_else(|| panic!("{}", v["toml"]));
    assert_eq!((mon.brokers, mon.controllers), (1, 1));
    assert_eq!(sc.site.iter().map(|s| s.controllers).sum::<u32>(), 4);
    assert_eq!(sc.design.len(), 1, "{}", v["toml"]);
    assert!(
        sc.design[0]
            .clusters
            .contains(&"monitoring-kafka".to_string())
    );
}

/// Apache Kafka's own docker example (three controllers, three brokers).
#[test]
fn apache_kafka_docker_example_imports() {
    let t = tmpdir("compose-apache");
    let (_, sc) = import_json(&[&data("compose/apache-kafka-isolated-plaintext.yml")], &t);
    assert_eq!(sc.site.len(), 1);
    assert_eq!((sc.site[0].brokers, sc.site[0].controllers), (3, 3));
}

// ---------------------------------------------------------------------------
// Strimzi

/// Strimzi's example: a controller pool and a broker pool of three each, and
/// `spec.kafka.config`.
#[test]
fn strimzi_kafka_with_node_pools() {
    let t = tmpdir("strimzi");
    let file = data("strimzi/kafka-persistent.yaml");
    let (v, sc) = import_json(&[&file], &t);
    assert_eq!(sc.site.len(), 1);
    let s = &sc.site[0];
    assert_eq!(
        (s.name.as_str(), s.brokers, s.controllers),
        ("my-cluster", 3, 3)
    );
    assert_eq!(sc.broker.min_insync_replicas, 2);
    assert_eq!(sc.broker.default_replication_factor, 3);
    assert!(unmapped_with(&v, "spec.kafka.listeners", "not modelled"));
    let l = v["unmapped"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["key"] == "transaction.state.log.min.isr")
        .map(|i| i["line"].as_u64().unwrap() as usize);
    assert_eq!(l, Some(line_in(&file, "transaction.state.log.min.isr")));
}

/// Racks from `rack.topologyKey` and each pool's required node affinity on it;
/// the cluster is the site; `KafkaTopic`s are topics; a v1beta2
/// `KafkaMirrorMaker2` (clusters, connectCluster, sourceCluster/targetCluster,
/// topicsPattern, tasksMax, the connectors' and target cluster's config) is the
/// design, its producer setting taken from the Connect (target) cluster's config.
#[test]
fn strimzi_racks_topics_and_mirror_maker_2() {
    let t = tmpdir("strimzi-mm2");
    let (v, sc) = import_json(
        &[
            &data("strimzi/kafka-rack-zones.yaml"),
            &data("strimzi/kafka-west.yaml"),
            &data("strimzi/mm2-v1beta2.yaml"),
        ],
        &t,
    );
    let east = sc.site.iter().find(|s| s.name == "east").unwrap();
    assert_eq!((east.brokers, east.controllers), (6, 3));
    let topo = ktopo::topology::Topology::build(&sc);
    let mut racks: Vec<&str> = topo
        .brokers
        .iter()
        .filter(|b| sc.site[b.site].name == "east")
        .map(|b| b.rack.as_str())
        .collect();
    racks.sort();
    assert_eq!(
        racks,
        [
            "use1-az1", "use1-az1", "use1-az2", "use1-az2", "use1-az3", "use1-az3"
        ]
    );
    let west = sc.site.iter().find(|s| s.name == "west").unwrap();
    assert_eq!((west.brokers, west.controllers), (3, 3));
    let topics: Vec<(&str, u32)> = sc
        .topic
        .iter()
        .map(|t| (t.name.as_str(), t.partitions))
        .collect();
    assert_eq!(topics, [("orders", 12), ("payments", 6), ("audit", 3)]);
    let d = &sc.design[0];
    assert_eq!(d.clusters, ["east", "west"]);
    assert_eq!(d.primary.as_deref(), Some("east"));
    assert_eq!(d.tasks_max, 4);
    assert_eq!(d.replication_factor, 3);
    assert_eq!(d.offset_flush_interval_ms, 10_000);
    assert_eq!(d.emit_checkpoints_interval_seconds, 30);
    assert!(d.sync_group_offsets_enabled);
    assert_eq!(serde_json::to_value(d.compression_type).unwrap(), "zstd");
    // topicsPattern "orders.*|payments": audit is not copied.
    assert_eq!(d.topics, ["orders", "payments"], "{}", v["toml"]);
    assert!(unmapped_with(
        &v,
        "east->west.offset-syncs.topic.location",
        "not read"
    ));
    // The connector's consumer.* reaches the consumer of the copied records; a
    // source cluster's config does not (Strimzi makes it source.cluster.*).
    assert_eq!(d.max_partition_fetch_bytes, 2_097_152);
    assert_eq!(d.fetch_max_wait_ms, 500);
    assert!(unmapped_with(
        &v,
        "consumer.fetch.max.wait.ms",
        "source.cluster."
    ));
}

/// Strimzi's own MirrorMaker 2 example (v1 API: `target`, `mirrors[].source`),
/// with `replication.factor: -1` (the target brokers' default).
#[test]
fn strimzi_v1_mirror_maker_2_example() {
    let t = tmpdir("strimzi-v1");
    let (v, sc) = import_json(
        &[
            &data("strimzi/kafka-source.yaml"),
            &data("strimzi/kafka-target.yaml"),
            &data("strimzi/kafka-mirror-maker-2.yaml"),
        ],
        &t,
    );
    let names: Vec<&str> = sc.site.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["cluster-a", "cluster-b"]);
    let d = &sc.design[0];
    assert_eq!(d.primary.as_deref(), Some("cluster-a"));
    assert_eq!(d.replication_factor, sc.broker.default_replication_factor);
    assert!(unmapped_with(
        &v,
        "replication.factor",
        "default.replication.factor"
    ));
}

/// Bad Strimzi and compose input: every problem with file and line, exit 2.
#[test]
fn bad_yaml_is_reported_with_file_and_line() {
    let t = tmpdir("yaml-bad");
    write(
        &t,
        "pools.yaml",
        "apiVersion: kafka.strimzi.io/v1\nkind: KafkaNodePool\nmetadata:\n  name: p\n  labels:\n    strimzi.io/cluster: c\n\
         spec:\n  replicas: many\n  roles: [broker, witness]\n---\napiVersion: kafka.strimzi.io/v1\nkind: Kafka\nmetadata:\n  name: c\nspec:\n  kafka: {}\n",
    );
    write(
        &t,
        "compose.yml",
        "services:\n  kafka:\n    environment: [\n",
    );
    let o = run(&["import", "pools.yaml", "compose.yml"], &t);
    assert_eq!(code(&o), 2);
    let err = text(&o.stderr);
    assert!(err.contains("pools.yaml:8: `spec.replicas`"), "{err}");
    assert!(
        err.contains("pools.yaml:9: `spec.roles`") && err.contains("witness"),
        "{err}"
    );
    assert!(
        err.contains("compose.yml:") && err.contains("invalid YAML"),
        "{err}"
    );
}

mod never_panics {
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]

        /// Any text after a compose or Strimzi header: a result or a list of
        /// problems, never a panic.
        #[test]
        fn yaml_inputs_never_panic(
            strimzi in any::<bool>(),
            body in "[ a-zA-Z0-9_:\\-\\[\\]{}.,'\"\n#=@/]{0,400}",
            replicas in prop_oneof![Just("3".to_string()), Just("-1".to_string()), Just("4294967295".to_string()), "[a-z0-9]{1,4}"],
        ) {
            let head = if strimzi {
                format!("apiVersion: kafka.strimzi.io/v1\nkind: KafkaNodePool\nmetadata:\n  name: p\n  labels:\n    strimzi.io/cluster: c\n  annotations:\n    strimzi.io/next-node-ids: \"[4294967290]\"\nspec:\n  replicas: {replicas}\n  roles: [broker, controller]\n---\napiVersion: kafka.strimzi.io/v1\nkind: Kafka\nmetadata:\n  name: c\n")
            } else {
                format!("services:\n  kafka:\n    environment:\n      KAFKA_NODE_ID: {replicas}\n      KAFKA_PROCESS_ROLES: broker\n")
            };
            let text = format!("{head}{body}");
            let _ = ktopo::import::import(
                &[ktopo::import::Input::new("f.yaml", &text)],
                &ktopo::import::Options::default(),
            );
        }
    }
}

/// The topics a `topicsPattern` selects are the ones copied: with equal
/// producers on `orders` (selected by `orders.*|payments`) and `audit` (not
/// selected), MirrorMaker copies half the bytes a copy-every-topic design does
/// (closed form: the copied bytes are the selected topics' produced bytes).
#[test]
fn a_topics_pattern_halves_the_copied_bytes_of_two_equal_topics() {
    let t = tmpdir("strimzi-wan");
    let (v, _) = import_json(
        &[
            &data("strimzi/kafka-rack-zones.yaml"),
            &data("strimzi/kafka-west.yaml"),
            &data("strimzi/mm2-v1beta2.yaml"),
            "--link",
            "west,east,70",
        ],
        &t,
    );
    let load = "\n[[producer]]\nsite = \"east\"\ntopic = \"orders\"\nrate_mb_s = 2.0\n\
                \n[[producer]]\nsite = \"east\"\ntopic = \"audit\"\nrate_mb_s = 2.0\n";
    let toml = v["toml"]
        .as_str()
        .unwrap()
        .replace("duration_s = 300.0", "duration_s = 60.0");
    // [[producer]] tables before the [[design]] table (TOML arrays of tables
    // may come in any order, but keep the design last for readability).
    let with_load = toml.replacen("\n[[design]]\n", &format!("{load}\n[[design]]\n"), 1);
    let selected = ktopo::scenario::parse_str(&with_load, "selected.toml").unwrap();
    assert_eq!(selected.design[0].topics, ["orders", "payments"]);
    let all_topics = ktopo::scenario::parse_str(
        &with_load.replace("topics = [\"orders\", \"payments\"]\n", ""),
        "all.toml",
    )
    .unwrap();
    assert!(all_topics.design[0].topics.is_empty());
    let copied = |sc: &ktopo::scenario::Scenario| {
        let o = ktopo::compare::run_design(sc, 0).expect("runs");
        o.replication.expect("an async design").bytes_copied as f64
    };
    let (sel, all) = (copied(&selected), copied(&all_topics));
    let produced_orders = 2.0e6 * 60.0;
    eprintln!(
        "copied: selected {sel} B, every topic {all} B, orders produced ≈ {produced_orders} B"
    );
    assert!(
        sel <= produced_orders * 1.001 && sel >= produced_orders * 0.95,
        "copied {sel} B of the {produced_orders} B produced on the selected topic"
    );
    let ratio = sel / all;
    assert!((0.45..=0.55).contains(&ratio), "selected/all = {ratio}");
}
