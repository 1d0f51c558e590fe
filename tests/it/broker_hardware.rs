//! Issue 13, part 2: the broker's NIC, disk and page cache (`[broker_hardware]`).

use ktopo::scenario::{Diagnostic, parse_str};

fn errs(text: &str) -> Vec<Diagnostic> {
    match parse_str(text, "hw.toml") {
        Ok(_) => Vec::new(),
        Err(d) => d,
    }
}

/// A site's override replaces only the keys it states; bad values are
/// reported with their file, line and key, every one at once.
#[test]
fn hardware_table_override_and_errors() {
    let ok = r#"name = "hw"
[broker_hardware]
nic_gbps = 10
[[site]]
name = "dc1"
brokers = 3
controllers = 3
broker_hardware = { disk_write_mb_s = 300 }
"#;
    let sc = parse_str(ok, "hw.toml").expect("valid");
    let h = sc.broker_hardware.with(sc.site[0].broker_hardware.as_ref());
    assert_eq!(h.nic_gbps, 10.0, "top level kept");
    assert_eq!(h.disk_write_mb_s, 300.0, "site override");
    assert_eq!(h.disk_read_mb_s, 2000.0, "default");
    let bad = r#"name = "hw"
[broker_hardware]
nic_gbps = 0
[[site]]
name = "dc1"
brokers = 3
controllers = 3
broker_hardware = { disk_read_mb_s = -1, page_cache = 3 }
"#;
    let d = errs(bad);
    let got: Vec<(usize, &str)> = d.iter().map(|d| (d.line, d.key.as_str())).collect();
    assert!(got.contains(&(3, "broker_hardware.nic_gbps")), "{got:?}");
    assert!(
        got.iter()
            .any(|(l, k)| *l == 8 && k.starts_with("site[0].broker_hardware")),
        "{got:?}"
    );
    assert!(d.iter().all(|d| d.file == "hw.toml"));
}
