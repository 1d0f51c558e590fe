//! Key paths as written in messages (`topic[0]."min.insync.replicas"`): building
//! them, parsing them, and locating one in the document.

use toml::Spanned;
use toml::de::{DeArray, DeTable, DeValue};

/// `key` written as a TOML key: bare when possible, else quoted.
pub(crate) fn quote_key(key: &str) -> String {
    let bare = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if bare {
        key.to_string()
    } else {
        let mut s = String::from("\"");
        for c in key.chars() {
            match c {
                '"' => s.push_str("\\\""),
                '\\' => s.push_str("\\\\"),
                c if c.is_control() => s.push_str(&c.escape_unicode().to_string()),
                c => s.push(c),
            }
        }
        s.push('"');
        s
    }
}

/// Dotted key path: `join("topic[0]", "min.insync.replicas")` is `topic[0]."min.insync.replicas"`.
pub(crate) fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        quote_key(key)
    } else {
        format!("{path}.{}", quote_key(key))
    }
}

pub(super) fn last_segment(kp: &str) -> &str {
    kp.rsplit('.').next().unwrap_or(kp)
}

/// True when `key` is `prefix` or lies inside it (`prefix.x`, `prefix[3]`).
pub(super) fn is_within(key: &str, prefix: &str) -> bool {
    match key.strip_prefix(prefix) {
        Some(rest) => rest.is_empty() || rest.starts_with('.') || rest.starts_with('['),
        None => false,
    }
}

pub(super) enum Seg {
    Key(String),
    Index(usize),
}

/// Parse a key path as written by `join` and `validate.rs`.
pub(super) fn parse_path(p: &str) -> Vec<Seg> {
    let mut out = Vec::new();
    let mut it = p.chars().peekable();
    while let Some(&c) = it.peek() {
        match c {
            '.' => {
                it.next();
            }
            '"' => {
                it.next();
                let mut k = String::new();
                while let Some(c) = it.next() {
                    match c {
                        '"' => break,
                        '\\' => {
                            if let Some(c) = it.next() {
                                k.push(c);
                            }
                        }
                        c => k.push(c),
                    }
                }
                out.push(Seg::Key(k));
            }
            '[' => {
                it.next();
                let mut n = String::new();
                for c in it.by_ref() {
                    if c == ']' {
                        break;
                    }
                    n.push(c);
                }
                out.push(Seg::Index(n.parse().unwrap_or(usize::MAX)));
            }
            _ => {
                let mut k = String::new();
                while let Some(&c) = it.peek() {
                    if c == '.' || c == '[' {
                        break;
                    }
                    k.push(c);
                    it.next();
                }
                out.push(Seg::Key(k));
            }
        }
    }
    out
}

/// Byte offset of the key at `path` in the document: the key itself when present,
/// else the closest enclosing table or element that is.
pub(crate) fn locate(doc: &Spanned<DeTable<'_>>, path: &str) -> usize {
    let mut offset = doc.span().start;
    let mut table: Option<&DeTable<'_>> = Some(doc.get_ref());
    let mut array: Option<&DeArray<'_>> = None;
    for seg in parse_path(path) {
        let next = match (seg, table, array) {
            (Seg::Key(k), Some(t), _) => t
                .get_key_value(k.as_str())
                .map(|(k, v)| (k.span().start, v)),
            (Seg::Index(i), _, Some(a)) => a.get(i).map(|e| (e.span().start, e)),
            _ => None,
        };
        let Some((at, v)) = next else { break };
        offset = at;
        table = None;
        array = None;
        match v.get_ref() {
            DeValue::Table(t) => table = Some(t),
            DeValue::Array(a) => array = Some(a),
            _ => {}
        }
    }
    offset
}
