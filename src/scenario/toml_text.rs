//! TOML text in the scenario's own syntax: literals, one-line comments, and the
//! settings of a config struct that differ from its defaults. Shared by the
//! code that writes scenarios (`import`'s emitter and its MirrorMaker 2
//! designs) and `export` (which names non-default settings).

/// A TOML literal for a string.
pub fn tstr(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// A TOML literal for a float (always with a decimal point or exponent).
pub fn tf64(x: f64) -> String {
    toml::Value::Float(x).to_string()
}

fn tjson(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => tstr(s),
        serde_json::Value::Number(n) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => i.to_string(),
            (_, Some(u)) => u.to_string(),
            _ => tf64(n.as_f64().unwrap_or(0.0)),
        },
        serde_json::Value::Bool(b) => b.to_string(),
        _ => "\"\"".into(),
    }
}

/// One line of comment text: no line breaks.
pub fn one_line(s: &str) -> String {
    s.replace(['\n', '\r'], " ")
}

/// Keys of `value` that differ from `default` (both serialize to JSON objects), in schema order.
pub fn non_default<T: serde::Serialize>(value: &T, default: &T) -> Vec<(String, String)> {
    let (Ok(serde_json::Value::Object(v)), Ok(serde_json::Value::Object(d))) =
        (serde_json::to_value(value), serde_json::to_value(default))
    else {
        return Vec::new();
    };
    v.iter()
        .filter(|(k, x)| d.get(*k) != Some(x) && !x.is_null())
        .map(|(k, x)| (k.clone(), tjson(x)))
        .collect()
}
