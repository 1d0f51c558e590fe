//! Issue 13: `ktopo check`'s `broker-capacity` warning points at the key to
//! change (file, line, column) and counts copier traffic (docs/model.md §2a,
//! docs/cli.md).

use ktopo::check::Finding;
use ktopo::scenario::parse_str;

fn findings(text: &str) -> Vec<Finding> {
    let sc = parse_str(text, "cap.toml").expect("valid scenario");
    let mut f = ktopo::run::findings(&sc);
    ktopo::check::locate(&mut f, "cap.toml", text);
    f.into_iter()
        .filter(|f| f.code == "broker-capacity")
        .collect()
}

/// The 1-based line of the first line of `text` that starts with `needle`.
fn line_of(text: &str, needle: &str) -> usize {
    1 + text
        .lines()
        .position(|l| l.starts_with(needle))
        .expect("line present")
}

/// RF 3 over 3 brokers on 1 Gbit/s NICs: each broker's NIC in carries the
/// whole produce rate (closed form: T/3 produce + 2T/3 replication = T), so
/// 200 MB/s needs 160 % of a 125 MB/s NIC. The warning points at the
/// producer's `rate_mb_s`, at its line and column in the file.
#[test]
fn broker_capacity_points_at_the_producers_rate() {
    let text = r#"name = "cap"
[broker_hardware]
nic_gbps = 1
[[site]]
name = "dc1"
brokers = 3
controllers = 3
[[topic]]
name = "t"
partitions = 12
"replication.factor" = 3
[[producer]]
site = "dc1"
topic = "t"
rate_mb_s = 200
"#;
    let f = findings(text);
    let nic_in = f
        .iter()
        .find(|f| f.message.contains("NIC in"))
        .unwrap_or_else(|| panic!("{f:?}"));
    assert!(
        nic_in.message.contains("(160 % of its capacity"),
        "{}",
        nic_in.message
    );
    assert_eq!(nic_in.key.as_deref(), Some("producer[0].rate_mb_s"));
    let line = line_of(text, "rate_mb_s = 200");
    assert_eq!(
        nic_in.at.as_deref(),
        Some(format!("cap.toml:{line}:1").as_str())
    );
    let shown = ktopo::check::render_text(&f);
    assert!(
        shown.contains(&format!("--> cap.toml:{line}:1 (producer[0].rate_mb_s)")),
        "{shown}"
    );
}

/// MirrorMaker 2 active-passive, dc1 → dc2, 3 brokers each, RF 3, 100 MB/s
/// produced in dc1 with a local consumer. Closed forms per dc1 broker (a
/// third of the leaders): NIC out = 2/3 × 100 (replication) + 1/3 × 100
/// (the consumer) + 1/3 × 100 (the copier's fetches) = 133 MB/s > 125 MB/s
/// at 1 Gbit/s; without the copier it would be 100 MB/s, no warning. In dc2
/// the copier's produce and its replication make every broker write
/// 100 MB/s, over a stated 80 MB/s disk, though dc2 has no producer.
#[test]
fn broker_capacity_counts_copier_traffic() {
    let text = r#"name = "cap"
[broker_hardware]
nic_gbps = 1
[[site]]
name = "dc1"
brokers = 3
controllers = 3
[[site]]
name = "dc2"
brokers = 3
controllers = 3
broker_hardware = { disk_write_mb_s = 80 }
[[link]]
between = ["dc1", "dc2"]
rtt_ms = 10
bandwidth_mbps = 10000
[[topic]]
name = "t"
partitions = 12
"replication.factor" = 3
[[producer]]
site = "dc1"
topic = "t"
rate_mb_s = 100
[[consumer]]
site = "dc1"
topic = "t"
[[design]]
name = "ap"
topology = "active-passive"
primary = "dc1"
"#;
    let f = findings(text);
    let out = f
        .iter()
        .find(|f| f.message.contains("NIC out"))
        .unwrap_or_else(|| panic!("{f:?}"));
    assert!(out.subject.contains("dc1"), "{}", out.subject);
    assert!(out.message.contains("needs 133.33 MB/s"), "{}", out.message);
    assert!(
        out.message.contains("the copiers of topic `t`"),
        "{}",
        out.message
    );
    let disk = f
        .iter()
        .find(|f| f.message.contains("disk writes"))
        .unwrap_or_else(|| panic!("{f:?}"));
    assert!(disk.subject.contains("dc2"), "{}", disk.subject);
    assert!(
        disk.message.contains("needs 100.00 MB/s"),
        "{}",
        disk.message
    );
    // No producer writes in dc2: the warning points at the hardware key.
    assert_eq!(disk.key.as_deref(), Some("broker_hardware.disk_write_mb_s"));
    assert!(!f.iter().any(|f| f.message.contains("NIC in")), "{f:?}");
}

fn lagging_copier(bandwidth_mbps: u32) -> String {
    format!(
        r#"name = "cap"
[[site]]
name = "dc1"
brokers = 3
controllers = 3
broker_hardware = {{ disk_write_mb_s = 120, disk_read_mb_s = 40 }}
[[site]]
name = "dc2"
brokers = 3
controllers = 3
[[link]]
between = ["dc1", "dc2"]
rtt_ms = 10
bandwidth_mbps = {bandwidth_mbps}
[[topic]]
name = "t"
partitions = 12
"replication.factor" = 3
[[producer]]
site = "dc1"
topic = "t"
rate_mb_s = 100
[[design]]
name = "ap"
topology = "active-passive"
primary = "dc1"
"consumer.receive.buffer.bytes" = -1
"#
    )
}

/// A copier that cannot carry its flow's mean rate falls behind without bound,
/// so it reads what it copies from the source leaders' disks (data older than
/// the page cache holds, docs/model.md §2a), sharing the disk with the
/// writeback. MirrorMaker 2 dc1 → dc2, 100 MB/s produced in dc1 at RF 3 over 3
/// brokers; the link leaves 400 Mbit/s = 50 MB/s and the copier's connections
/// (autotuned windows, 6 MiB / 10 ms each) do not bind, so it copies 50 MB/s.
/// Closed form per dc1 broker: writes 100 MB/s over 120 MB/s (83 %), plus a
/// third of the copier's reads, 16.67 MB/s over 40 MB/s (42 %): 125 %, a
/// warning. With a 10 Gbit/s link the copier keeps up and reads from the
/// page cache: 83 %, none.
#[test]
fn broker_capacity_counts_a_lagging_copiers_disk_reads() {
    let lag = findings(&lagging_copier(400));
    let disk = lag
        .iter()
        .find(|f| f.message.contains("of reads by copiers"))
        .unwrap_or_else(|| panic!("{lag:?}"));
    eprintln!("{}", disk.message);
    assert!(disk.subject.contains("dc1"), "{}", disk.subject);
    assert!(
        disk.message
            .contains("needs 100.00 MB/s of writes and 16.67 MB/s of reads"),
        "{}",
        disk.message
    );
    assert!(
        disk.message.contains("(125 % of its capacity"),
        "{}",
        disk.message
    );
    let keeps_up = findings(&lagging_copier(10_000));
    assert!(keeps_up.is_empty(), "{keeps_up:?}");
}
