//! Scenario diagnostics: every problem at once, each with its line, column and key.

use ktopo::scenario::{Diagnostic, parse_str};
use proptest::prelude::*;

const MINIMAL: &str = r#"name = "t"
[[site]]
name = "dc1"
brokers = 3
controllers = 3
[[topic]]
name = "orders"
partitions = 6
"replication.factor" = 3
"min.insync.replicas" = 2
[[producer]]
site = "dc1"
topic = "orders"
rate_mb_s = 1.0
"#;

/// Uses every section, for the mutation fuzzing.
const RICH: &str = r#"name = "rich"
description = "two sites and a tie-breaker"
seed = 42
duration_s = 120.0
[[site]]
name = "dc1"
racks = ["dc1-a", "dc1-b"]
brokers = 4
controllers = 2
[[site]]
name = "dc2"
brokers = 4
controllers = 2
lan_rtt_ms = 0.3
[[site]]
name = "dc3"
controllers = 1
[[link]]
between = ["dc1", "dc2"]
rtt_ms = 20
bandwidth_mbps = 1000
[[link]]
between = ["dc1", "dc3"]
rtt_ms = 30
[[link]]
between = ["dc2", "dc3"]
rtt_ms = 30
loss_pct = 0.01
[broker]
"replica.lag.time.max.ms" = 30000
"min.insync.replicas" = 2
"replica.selector.class" = "org.apache.kafka.common.replica.RackAwareReplicaSelector"
[controller]
"controller.quorum.fetch.timeout.ms" = 2000
[[topic]]
name = "orders"
partitions = 12
"replication.factor" = 4
placement.replicas = [{ count = 2, rack = "dc1" }, { count = 2, rack = "dc2" }]
[[topic]]
name = "audit"
partitions = 3
[[producer]]
site = "dc1"
topic = "orders"
rate_mb_s = 5.0
acks = "all"
"linger.ms" = 5
[[consumer]]
site = "dc2"
topic = "orders"
"client.rack" = "dc2"
[[fault]]
kind = "link-degrade"
at_s = 30
duration_s = 10
between = ["dc1", "dc2"]
rtt_ms = 80
[[fault]]
kind = "broker-down"
at_s = 60
broker = 2
[model]
fidelity = "request"
"#;

fn errs(text: &str) -> Vec<Diagnostic> {
    match parse_str(text, "test.toml") {
        Ok(_) => panic!("expected diagnostics for:\n{text}"),
        Err(d) => d,
    }
}

fn show(d: &[Diagnostic]) -> String {
    d.iter().map(|d| format!("{d}\n")).collect()
}

#[test]
fn valid_scenarios_parse() {
    parse_str(MINIMAL, "m.toml").unwrap_or_else(|d| panic!("{}", show(&d)));
    let sc = parse_str(RICH, "r.toml").unwrap_or_else(|d| panic!("{}", show(&d)));
    assert_eq!(sc.site.len(), 3);
    assert_eq!(sc.topic[0].placement.as_ref().unwrap().replicas.len(), 2);
}

#[test]
fn docs_examples_are_valid() {
    let doc = include_str!("../../docs/scenario.md");
    let mut blocks = doc
        .split("```toml\n")
        .skip(1)
        .map(|b| b.split("```").next().unwrap());
    let placement = blocks.next().unwrap();
    let full = blocks.next().unwrap();
    let sc = parse_str(full, "docs/scenario.md").unwrap_or_else(|d| panic!("{}", show(&d)));
    assert_eq!((sc.site.len(), sc.link.len(), sc.fault.len()), (3, 3, 2));
    // The placement snippet fits in the example's sites once its topic is swapped in.
    let head = &full[..full.find("[[topic]]").unwrap()];
    let text = format!("{head}{placement}");
    parse_str(&text, "p").unwrap_or_else(|d| panic!("{}", show(&d)));
}

#[test]
fn six_mistakes_six_diagnostics() {
    let text = r#"name = "six"
[[site]]
name = "dc1"
brokers = 3
controllers = 3
[[site]]
name = "dc2"
brokers = 3
[[link]]
between = ["dc1", "dc2"]
rtt_msec = 20
loss_pct = 150.0
[[topic]]
name = "orders"
partitions = "six"
"replication.factor" = 3
[[producer]]
site = "dc1"
topic = "orders"
acks = "2"
[[consumer]]
site = "dc3"
topic = "orders"
"#;
    let d = errs(text);
    let got: Vec<(usize, usize, &str)> =
        d.iter().map(|d| (d.line, d.col, d.key.as_str())).collect();
    assert_eq!(
        got,
        vec![
            (11, 1, "link[0].rtt_msec"),
            (12, 1, "link[0].loss_pct"),
            (15, 14, "topic[0].partitions"),
            (17, 1, "producer[0].rate_mb_s"),
            (20, 8, "producer[0].acks"),
            (22, 1, "consumer[0].site"),
        ],
        "{}",
        show(&d)
    );
    assert!(d.iter().all(|d| d.file == "test.toml"));
    assert_eq!(d[0].help.as_deref(), Some("did you mean `rtt_ms`?"));
    assert!(d[1].message.contains("[0, 100)"), "{}", d[1]);
    assert!(
        d[2].message
            .contains("expected a whole number, found a string"),
        "{}",
        d[2]
    );
    assert!(
        d[3].message.contains("missing required key `rate_mb_s`"),
        "{}",
        d[3]
    );
    assert!(d[4].message.contains(r#""0", "1", "all""#), "{}", d[4]);
    assert!(d[5].message.contains("unknown site `dc3`"), "{}", d[5]);
}

#[test]
fn misspelled_kafka_property_gets_a_suggestion() {
    let text = MINIMAL.replace("\"min.insync.replicas\"", "\"min.insync.replica\"");
    let d = errs(&text);
    assert_eq!(d.len(), 1, "{}", show(&d));
    assert_eq!(d[0].key, r#"topic[0]."min.insync.replica""#);
    assert_eq!((d[0].line, d[0].col), (10, 1));
    assert_eq!(
        d[0].help.as_deref(),
        Some("did you mean `min.insync.replicas`?")
    );
}

#[test]
fn key_of_another_table_is_pointed_there() {
    let text = format!("{MINIMAL}\"min.insync.replicas\" = 2\n");
    let d = errs(&text);
    assert_eq!(d.len(), 1, "{}", show(&d));
    assert_eq!(d[0].line, 15);
    let help = d[0].help.as_deref().unwrap_or("");
    assert!(
        help.contains("[broker]") && help.contains("[[topic]]"),
        "{help}"
    );
}

#[test]
fn unquoted_kafka_property_is_explained() {
    let text = format!("{MINIMAL}[broker]\nreplica.lag.time.max.ms = 10000\n");
    let d = errs(&text);
    assert_eq!(d.len(), 1, "{}", show(&d));
    assert_eq!((d[0].line, d[0].col), (16, 1));
    assert_eq!(d[0].key, r#"broker."replica.lag.time.max.ms""#);
    assert!(
        d[0].help
            .as_deref()
            .unwrap()
            .contains(r#""replica.lag.time.max.ms" = "#)
    );
}

#[test]
fn semantic_errors_have_real_positions() {
    let text = format!(
        "{MINIMAL}[broker]\n\"broker.session.timeout.ms\" = 1000\n[[fault]]\nkind = \"site-down\"\nat_s = 5\n"
    );
    let d = errs(&text);
    let got: Vec<(usize, usize, &str)> =
        d.iter().map(|d| (d.line, d.col, d.key.as_str())).collect();
    assert_eq!(
        got,
        vec![
            (16, 1, r#"broker."broker.session.timeout.ms""#),
            // Missing key: the enclosing [[fault]] header.
            (17, 1, "fault[0].site"),
        ],
        "{}",
        show(&d)
    );
}

#[test]
fn missing_link_between_sites() {
    let text = MINIMAL.replace(
        "[[topic]]",
        "[[site]]\nname = \"dc2\"\nbrokers = 1\n[[topic]]",
    );
    let d = errs(&text);
    assert_eq!(d.len(), 1, "{}", show(&d));
    assert!(
        d[0].message
            .contains("no path of [[link]]s between `dc1` and `dc2`"),
        "{}",
        show(&d)
    );
    assert!(d[0].line >= 1);
}

#[test]
fn enum_values_are_listed() {
    let d = errs(&MINIMAL.replace("rate_mb_s = 1.0", "rate_mb_s = 1.0\nacks = 1"));
    assert!(d[0].message.contains(r#""0", "1", "all""#), "{}", d[0]);
    assert_eq!(d[0].help.as_deref(), Some(r#"write it as a string: `"1"`"#));
    let d = errs(&format!(
        "{MINIMAL}[[fault]]\nkind = \"site_down\"\nat_s = 1\nsite = \"dc1\"\n"
    ));
    assert_eq!(d.len(), 1, "{}", show(&d));
    assert!(
        d[0].message
            .contains(r#""site-down", "broker-down", "link-partition", "link-degrade""#),
        "{}",
        d[0]
    );
    assert_eq!(d[0].help.as_deref(), Some(r#"did you mean "site-down"?"#));
    let d = errs(&format!("{MINIMAL}[model]\nfidelity = \"fast\"\n"));
    assert!(d[0].message.contains(r#""request", "flow""#), "{}", d[0]);
    // Kafka's alias for all.
    parse_str(
        &MINIMAL.replace("rate_mb_s = 1.0", "rate_mb_s = 1.0\nacks = \"-1\""),
        "a",
    )
    .unwrap();
}

#[test]
fn syntax_error_is_one_diagnostic() {
    let d = errs("name = \"t\"\n[[site]\nname = 1\n");
    assert_eq!(d.len(), 1, "{}", show(&d));
    assert_eq!(d[0].line, 2);
    assert!(d[0].col >= 1);
    let d = errs("name = \"t\"\nname = \"u\"\n");
    assert_eq!((d.len(), d[0].line), (1, 2), "{}", show(&d));
}

#[test]
fn awkward_numbers() {
    for (value, line, needle) in [
        ("brokers = -3", 4, "negative"),
        ("brokers = 99999999999999999999999999", 4, "out of range"),
        ("brokers = 4294967296", 4, "out of range"),
        ("brokers = 2.5", 4, "whole number"),
        ("brokers = \"3\"", 4, "remove the quotes"),
        ("brokers = 1979-05-27", 4, "date-time"),
        ("brokers = 3\nlan_rtt_ms = nan", 5, "must be between 0 and"),
        ("brokers = 3\nlan_rtt_ms = -inf", 5, "must be between 0 and"),
        (
            "brokers = 3\nlan_rtt_ms = 250",
            5,
            "a round trip inside one site",
        ),
        ("brokers = 3\nlan_rtt_ms = 1e999", 5, "too large"),
        (
            "brokers = 3\nlan_rtt_ms = 99999999999999999999999999",
            5,
            "too large",
        ),
    ] {
        let text = MINIMAL.replace("brokers = 3", value);
        let d = errs(&text);
        assert_eq!(d.len(), 1, "{value}: {}", show(&d));
        assert_eq!(d[0].line, line, "{value}: {}", show(&d));
        let all = format!("{} {}", d[0].message, d[0].help.as_deref().unwrap_or(""));
        assert!(all.contains(needle), "{value}: {all}");
    }
    // Brokers far beyond the limit: an error, not a four-billion-step loop.
    let text = MINIMAL.replace("brokers = 3", "brokers = 4294967295")
        + "[[fault]]\nkind = \"broker-down\"\nat_s = 1\nbroker = 4294967295\n"
        + "[[site]]\nname = \"dc2\"\nbrokers = 4294967295\n[[link]]\nbetween=[\"dc1\",\"dc2\"]\nrtt_ms=1\n";
    let d = errs(&text);
    assert!(
        d.iter().any(|d| d.message.contains("at most 4096")),
        "{}",
        show(&d)
    );
}

#[test]
fn deep_nesting_does_not_panic() {
    for n in [10, 100, 1_000, 100_000] {
        let deep = format!("x = {}{}\n", "[".repeat(n), "]".repeat(n));
        let _ = parse_str(&deep, "d");
        let deep = format!("x = {}1{}\n", "{a = ".repeat(n), "}".repeat(n));
        let _ = parse_str(&deep, "d");
        let dotted = format!("{} = 1\n", vec!["a"; n].join("."));
        let _ = parse_str(&dotted, "d");
        let in_broker = format!("{MINIMAL}[broker]\n{} = 1\n", vec!["replica"; n].join("."));
        let _ = parse_str(&in_broker, "d");
    }
}

#[test]
fn diagnostics_are_deterministic_and_sorted() {
    let text = r#"zeta = 1
alpha = 2
[[site]]
nme = "dc1"
[[topic]]
partitions = -1
"#;
    let a = errs(text);
    let b = errs(text);
    assert_eq!(a, b);
    assert!(
        a.windows(2)
            .all(|w| (w[0].line, w[0].col) <= (w[1].line, w[1].col))
    );
    assert!(a.len() >= 5, "{}", show(&a));
}

fn check(text: &str) -> Result<(), TestCaseError> {
    let lines = text.lines().count().max(1);
    match parse_str(text, "fuzz.toml") {
        Ok(_) => {}
        Err(d) => {
            prop_assert!(!d.is_empty());
            for x in &d {
                prop_assert!(x.line >= 1 && x.line <= lines + 1, "{x}");
                prop_assert!(x.col >= 1, "{x}");
            }
            prop_assert!(
                d.windows(2)
                    .all(|w| (w[0].line, w[0].col) <= (w[1].line, w[1].col))
            );
            prop_assert_eq!(parse_str(text, "fuzz.toml").err(), Some(d));
        }
    }
    Ok(())
}

#[derive(Clone, Debug)]
enum Mutation {
    Delete(usize),
    Duplicate(usize),
    /// Replace the value of line n (or the whole line when it has no `=`).
    Replace(usize, String),
}

fn token() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("-1".to_string()),
        Just("0".to_string()),
        Just("nan".to_string()),
        Just("-inf".to_string()),
        Just("1e999".to_string()),
        Just("99999999999999999999999".to_string()),
        Just("4294967296".to_string()),
        Just("true".to_string()),
        Just("\"all\"".to_string()),
        Just("\"dc9\"".to_string()),
        Just("[]".to_string()),
        Just("{}".to_string()),
        Just("[[site]]".to_string()),
        Just("1979-05-27T07:32:00Z".to_string()),
        any::<i64>().prop_map(|n| n.to_string()),
        any::<f64>().prop_map(|f| format!("{f:?}")),
        "[a-z._\"\\[\\]{}=0-9 -]{0,12}",
    ]
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (0..80usize).prop_map(Mutation::Delete),
        (0..80usize).prop_map(Mutation::Duplicate),
        (0..80usize, token()).prop_map(|(n, t)| Mutation::Replace(n, t)),
    ]
}

fn apply(text: &str, muts: &[Mutation]) -> String {
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    for m in muts {
        if lines.is_empty() {
            break;
        }
        match m {
            Mutation::Delete(n) => {
                lines.remove(n % lines.len());
            }
            Mutation::Duplicate(n) => {
                let i = n % lines.len();
                lines.insert(i, lines[i].clone());
            }
            Mutation::Replace(n, t) => {
                let i = n % lines.len();
                lines[i] = match lines[i].split_once('=') {
                    Some((k, _)) => format!("{k}= {t}"),
                    None => t.clone(),
                };
            }
        }
    }
    lines.join("\n") + "\n"
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_text_never_panics(s in any::<String>()) {
        check(&s)?;
    }

    #[test]
    fn toml_like_text_never_panics(s in "[\\[\\]a-z0-9=\".{}, _\\n#-]{0,300}") {
        check(&s)?;
    }

    #[test]
    fn mutated_scenarios_never_panic(muts in prop::collection::vec(mutation(), 1..4), rich in any::<bool>()) {
        let base = if rich { RICH } else { MINIMAL };
        check(&apply(base, &muts))?;
    }
}

#[test]
fn kafka_version_is_checked_against_the_modelled_releases() {
    let ok = format!("{MINIMAL}[model]\nkafka_version = \"3.9\"\n");
    let sc = parse_str(&ok, "v.toml").unwrap_or_else(|d| panic!("{}", show(&d)));
    assert_eq!(sc.model.kafka_version, ktopo::scenario::KafkaVersion::V3_9);
    assert_eq!(sc.producer[0].linger_ms(sc.model.kafka_version), 0);
    let latest = parse_str(MINIMAL, "m.toml").unwrap_or_else(|d| panic!("{}", show(&d)));
    assert_eq!(
        latest.model.kafka_version,
        ktopo::scenario::KafkaVersion::V4_1
    );
    assert_eq!(latest.producer[0].linger_ms(latest.model.kafka_version), 5);
    let d = errs(&format!("{MINIMAL}[model]\nkafka_version = \"3.5\"\n"));
    assert_eq!(d.len(), 1, "{}", show(&d));
    let text = d[0].to_string();
    assert_eq!(d[0].line, 16, "{text}");
    assert!(text.contains("model.kafka_version"), "{text}");
    for v in ["3.6", "3.7", "3.8", "3.9", "4.0", "4.1"] {
        assert!(text.contains(v), "{text}");
    }
}

/// A name becomes a folder name (`reports/<name>/`): one longer than a file
/// system takes (255 bytes) used to pass, run, and then lose its results with
/// "File name too long". Now a located error before anything runs.
#[test]
fn overlong_names_are_rejected_before_a_run() {
    let long = "x".repeat(300);
    let text = MINIMAL.replace("name = \"t\"", &format!("name = \"{long}\""));
    let d = errs(&text);
    assert_eq!(
        (d.len(), d[0].line, d[0].key.as_str()),
        (1, 1, "name"),
        "{}",
        show(&d)
    );
    assert!(d[0].message.contains("300 characters"), "{}", show(&d));
    let text = format!(
        "{MINIMAL}[[site]]\nname = \"dc2\"\nbrokers = 3\ncontrollers = 3\n[[link]]\nbetween = [\"dc1\", \"dc2\"]\nrtt_ms = 10\n[[design]]\nname = \"{long}\"\nkind = \"async\"\n[[design]]\nname = \"a b\"\nkind = \"stretched\"\n[[design]]\nname = \"a/b\"\nkind = \"stretched\"\n"
    );
    let d = errs(&text);
    assert_eq!(d.len(), 2, "{}", show(&d));
    assert_eq!(
        (d[0].line, d[0].key.as_str()),
        (23, "design[0].name"),
        "{}",
        show(&d)
    );
    // Two names that map to the same folder would overwrite each other's reports.
    assert_eq!(
        (d[1].line, d[1].key.as_str()),
        (29, "design[2].name"),
        "{}",
        show(&d)
    );
    assert!(d[1].message.contains("same folder `a-b`"), "{}", show(&d));
    // The limit itself: 200 characters pass.
    let ok = MINIMAL.replace("name = \"t\"", &format!("name = \"{}\"", "y".repeat(200)));
    parse_str(&ok, "ok.toml").unwrap_or_else(|d| panic!("{}", show(&d)));
}

/// Link figures beyond what a link can be: an RTT longer than a geostationary
/// satellite hop, a bandwidth beyond 10 Tbit/s or below 10 kbit/s.
#[test]
fn physically_impossible_links_are_rejected() {
    let two = format!(
        "{MINIMAL}[[site]]\nname = \"dc2\"\nbrokers = 3\n[[link]]\nbetween = [\"dc1\", \"dc2\"]\n"
    );
    for (line, key, needle) in [
        ("rtt_ms = 5000", "link[0].rtt_ms", "geostationary"),
        ("rtt_ms = 1e300", "link[0].rtt_ms", "between 0 and 1000 ms"),
        (
            "rtt_ms = 10\nbandwidth_mbps = 1e12",
            "link[0].bandwidth_mbps",
            "10 Tbit/s",
        ),
        (
            "rtt_ms = 10\nbandwidth_mbps = 0.000001",
            "link[0].bandwidth_mbps",
            "10 kbit/s",
        ),
        (
            "rtt_ms = 10\njitter_ms = 1e9",
            "link[0].jitter_ms",
            "between 0 and 1000 ms",
        ),
    ] {
        let d = errs(&format!("{two}{line}\n"));
        assert_eq!(
            (d.len(), d[0].key.as_str()),
            (1, key),
            "{line}: {}",
            show(&d)
        );
        assert!(d[0].message.contains(needle), "{line}: {}", show(&d));
    }
    // The limits themselves pass.
    parse_str(
        &format!("{two}rtt_ms = 1000\nbandwidth_mbps = 10000000\n"),
        "ok.toml",
    )
    .unwrap_or_else(|d| panic!("{}", show(&d)));
    let d = errs(&format!(
        "{two}rtt_ms = 10\n[[fault]]\nkind = \"link-degrade\"\nbetween = [\"dc1\", \"dc2\"]\nat_s = 1\nrtt_ms = 2000\n"
    ));
    assert_eq!(d[0].key, "fault[0].rtt_ms", "{}", show(&d));
}

/// Issue 10 §7: a fault inside another on the same subject ended the outer one
/// early, silently. Now the file is rejected with both faults named.
#[test]
fn overlapping_faults_on_one_subject_are_rejected() {
    let two = format!(
        "{MINIMAL}[[site]]\nname = \"dc2\"\nbrokers = 3\n[[link]]\nbetween = [\"dc1\", \"dc2\"]\nrtt_ms = 5\n"
    );
    let fault = |kind: &str, what: &str, at: f64, dur: Option<f64>| {
        format!(
            "[[fault]]\nkind = \"{kind}\"\n{what}\nat_s = {at}\n{}",
            dur.map(|d| format!("duration_s = {d}\n"))
                .unwrap_or_default()
        )
    };
    // A site-down inside another site-down of the same site.
    let text = format!(
        "{two}{}{}",
        fault("site-down", "site = \"dc1\"", 10.0, Some(100.0)),
        fault("site-down", "site = \"dc1\"", 30.0, Some(10.0))
    );
    let d = errs(&text);
    assert_eq!(
        (d.len(), d[0].key.as_str()),
        (1, "fault[1].at_s"),
        "{}",
        show(&d)
    );
    assert!(
        d[0].message.contains("site-down `dc1` from 30 s to 40 s overlaps fault[0], site-down `dc1` from 10 s to 110 s"),
        "{}",
        show(&d)
    );
    // A broker-down of a broker in the site that is down; one lasting to the end.
    let text = format!(
        "{two}{}{}",
        fault("site-down", "site = \"dc2\"", 10.0, None),
        fault("broker-down", "broker = 5", 50.0, Some(10.0))
    );
    let d = errs(&text);
    assert_eq!(d.len(), 1, "{}", show(&d));
    assert!(
        d[0].message.contains("from 10 s to the end"),
        "{}",
        show(&d)
    );
    // Back to back, different subjects, or a partition and a degradation of a
    // link: accepted.
    let ok = format!(
        "{two}{}{}{}{}{}",
        fault("site-down", "site = \"dc1\"", 10.0, Some(20.0)),
        fault("site-down", "site = \"dc1\"", 30.0, Some(20.0)),
        fault("broker-down", "broker = 5", 10.0, Some(20.0)),
        fault(
            "link-partition",
            "between = [\"dc1\", \"dc2\"]",
            60.0,
            Some(20.0)
        ),
        fault(
            "link-degrade",
            "between = [\"dc2\", \"dc1\"]\nloss_pct = 1",
            60.0,
            Some(20.0)
        ),
    );
    parse_str(&ok, "ok.toml").unwrap_or_else(|d| panic!("{}", show(&d)));
    // Two degradations of one link, however its sites are ordered.
    let text = format!(
        "{two}{}{}",
        fault(
            "link-degrade",
            "between = [\"dc1\", \"dc2\"]\nloss_pct = 1",
            60.0,
            Some(20.0)
        ),
        fault(
            "link-degrade",
            "between = [\"dc2\", \"dc1\"]\nloss_pct = 2",
            70.0,
            Some(20.0)
        ),
    );
    assert_eq!(errs(&text).len(), 1);
}

/// Issue 12: a missing link is fine when a path of links joins the sites
/// (dc1–dc2–dc3); a site with no path to the others is one error on `link`
/// per group cut off, with its line.
#[test]
fn sites_joined_by_a_path_are_valid_and_an_island_is_not() {
    let chain = MINIMAL.replace(
        "[[topic]]",
        "[[site]]\nname = \"dc2\"\n[[site]]\nname = \"dc3\"\nbrokers = 1\n[[link]]\nbetween = [\"dc1\", \"dc2\"]\nrtt_ms = 5\n[[link]]\nbetween = [\"dc2\", \"dc3\"]\nrtt_ms = 5\n[[topic]]",
    );
    assert!(
        ktopo::scenario::parse_str(&chain, "t.toml").is_ok(),
        "a chain is valid"
    );
    let island = chain.replace(
        "[[topic]]",
        "[[site]]\nname = \"dc4\"\nbrokers = 1\n[[site]]\nname = \"dc5\"\nbrokers = 1\n[[link]]\nbetween = [\"dc4\", \"dc5\"]\nrtt_ms = 5\n[[topic]]",
    );
    let d = errs(&island);
    assert_eq!(d.len(), 1, "{}", show(&d));
    assert!(
        d[0].message
            .contains("no path of [[link]]s between `dc1` and `dc4`"),
        "{}",
        show(&d)
    );
    assert_eq!(d[0].key, "link");
    assert!(d[0].line >= 1);
}

/// Load noise out of range: located at the key, both at once.
#[test]
fn load_noise_out_of_range_is_located() {
    let text = format!("{MINIMAL}[load]\nnoise_cv = 3\nnoise_interval_s = 0\n");
    let d = errs(&text);
    let got: Vec<(usize, &str)> = d.iter().map(|d| (d.line, d.key.as_str())).collect();
    assert_eq!(
        got,
        vec![(16, "load.noise_cv"), (17, "load.noise_interval_s")],
        "{}",
        show(&d)
    );
}

/// A record larger than `max.request.size` or `buffer.memory` fails every
/// send in Kafka (`KafkaProducer.ensureValidRecordSize`,
/// RecordTooLargeException): both are refused before the run, each at its key.
#[test]
fn a_record_larger_than_a_request_or_the_buffer_is_refused() {
    let text = format!(
        "{MINIMAL}record_size_bytes = 2048\n\"max.request.size\" = 1024\n\"buffer.memory\" = 1000\n"
    );
    let d = errs(&text);
    assert_eq!(d.len(), 2, "{}", show(&d));
    assert_eq!(d[0].key, r#"producer[0]."max.request.size""#);
    assert_eq!(d[1].key, r#"producer[0]."buffer.memory""#);
    assert!(
        d.iter()
            .all(|d| d.message.contains("RecordTooLargeException"))
    );
    assert_eq!((d[0].line, d[1].line), (16, 17));
}

/// A consumer's window and fetch caps must let something through: 0 is
/// refused at each key (-1, OS autotuning, is accepted for the buffer).
#[test]
fn a_consumer_window_or_fetch_cap_of_zero_is_refused() {
    let consumer = "[[consumer]]\nsite = \"dc1\"\ntopic = \"orders\"\n";
    let text = format!(
        "{MINIMAL}{consumer}\"receive.buffer.bytes\" = 0\n\"max.partition.fetch.bytes\" = 0\n\"fetch.max.bytes\" = 0\n"
    );
    let d = errs(&text);
    let keys: Vec<&str> = d.iter().map(|d| d.key.as_str()).collect();
    assert_eq!(
        keys,
        [
            r#"consumer[0]."receive.buffer.bytes""#,
            r#"consumer[0]."max.partition.fetch.bytes""#,
            r#"consumer[0]."fetch.max.bytes""#
        ],
        "{}",
        show(&d)
    );
    let ok = format!("{MINIMAL}{consumer}\"receive.buffer.bytes\" = -1\n");
    parse_str(&ok, "ok.toml").unwrap_or_else(|d| panic!("{}", show(&d)));
}
