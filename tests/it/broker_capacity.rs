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
