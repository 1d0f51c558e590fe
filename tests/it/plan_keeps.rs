//! `ktopo plan` keeps what the file states: RF, `min.insync.replicas` and
//! each site's `controllers`, read from the TOML text (a key present is
//! stated, even at Kafka's default value), and searches only what it leaves
//! open.

/// The metro-and-far plan file with `[broker] "min.insync.replicas" = 1`
/// (Kafka's default, stated), `"replication.factor" = 4` on the topic and
/// `controllers = 1` in dc1: every generated candidate keeps min ISR 1, RF 4
/// and dc1's single voter; no min ISR 2/3 variants are generated; the
/// three-site stretch, which places 3 replicas, is pruned saying the file
/// states 4.
#[test]
fn plan_keeps_the_stated_rf_min_isr_and_controllers() {
    let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let base = std::fs::read_to_string(root.join("scenarios/plan/metro-and-far.toml")).unwrap();
    let text = base
        .replacen("[broker]\n", "[broker]\n\"min.insync.replicas\" = 1\n", 1)
        .replacen(
            "name = \"orders\"\npartitions = 6\n",
            "name = \"orders\"\npartitions = 6\n\"replication.factor\" = 4\n",
            1,
        )
        .replacen(
            "name = \"dc1\"\nbrokers = 3\n",
            "name = \"dc1\"\nbrokers = 3\ncontrollers = 1\n",
            1,
        );
    assert_ne!(text, base);
    let sc = ktopo::scenario::parse_for_plan(&text, "test.toml").expect("valid scenario");
    let p = ktopo::plan::plan(&text, &sc, 1, &mut |_, _| {}).expect("plan runs");
    let generated: Vec<_> = p.candidates.iter().collect();
    assert!(generated.len() >= 10, "{}", generated.len());
    let mut parsed = 0;
    for c in &generated {
        assert_eq!(c.min_insync_replicas, 1, "{}", c.name);
        assert_eq!(c.replication_factor, 4, "{}", c.name);
        assert_eq!(c.controllers["dc1"], 1, "{}: {:?}", c.name, c.controllers);
        assert!(
            !c.name.contains("min2") && !c.name.contains("min3"),
            "{}",
            c.name
        );
        if c.why
            .iter()
            .any(|w| w.contains("the file states replication.factor"))
        {
            // Its placement cannot hold the stated RF: pruned, not a file.
            continue;
        }
        let cand = ktopo::scenario::parse_str(&c.scenario, "cand.toml").expect("candidate parses");
        assert_eq!(cand.broker.min_insync_replicas, 1, "{}", c.name);
        assert_eq!(
            cand.topic[0].min_insync_replicas, None,
            "{}: inherits the broker's",
            c.name
        );
        assert_eq!(cand.topic[0].replication_factor, Some(4), "{}", c.name);
        assert_eq!(cand.site[0].controllers, 1, "{}", c.name);
        parsed += 1;
    }
    // The 2 + 2 stretches, the hybrids and the async designs hold RF 4.
    assert!(parsed >= 8, "{parsed} candidates checked");
    let s3 = generated
        .iter()
        .find(|c| c.name.starts_with("stretched-3 "))
        .expect("a three-site stretch is considered");
    assert_eq!(s3.status, "pruned");
    assert!(
        s3.why
            .iter()
            .any(|w| w.contains("the file states replication.factor 4")),
        "{:?}",
        s3.why
    );
    // One hybrid per copier, Flink's two guarantees apart (min ISR stated:
    // no variants).
    assert_eq!(generated.iter().filter(|c| c.family == "hybrid").count(), 8);
}
