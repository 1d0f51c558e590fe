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
