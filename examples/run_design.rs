fn main() {
    let args: Vec<String> = std::env::args().collect();
    let sc = ktopo::scenario::load(std::path::Path::new(&args[1])).expect("valid");
    let t0 = std::time::Instant::now();
    for d in 0..sc.design.len().max(1) {
        let o = if sc.design.is_empty() {
            ktopo::kafka::simulate(&sc)
        } else {
            ktopo::kafka::simulate_design(&sc, d)
        }
        .expect("run");
        let mut v = serde_json::to_value(&o).unwrap();
        v["timeline"] = serde_json::Value::Null;
        println!("{}", serde_json::to_string_pretty(&v).unwrap());
    }
    eprintln!("wall {:?}", t0.elapsed());
}
