//! Java `.properties` text as `java.util.Properties.load` reads it: comment lines
//! start with `#` or `!`; a key ends at the first unescaped `=`, `:` or
//! whitespace; a line ending in an odd number of backslashes continues on the
//! next; `\t`, `\n`, `\r`, `\f`, `\uXXXX` and `\x` (any other character)
//! are escapes. Never fails: a malformed `\u` escape is kept as text and reported.

/// One `key=value` entry with the 1-based line its key starts on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub key: String,
    pub value: String,
    pub line: usize,
}

/// Entries in file order (a repeated key appears once per occurrence) and the
/// lines whose escapes could not be read.
pub fn parse(text: &str) -> (Vec<Entry>, Vec<(usize, String)>) {
    let mut out = Vec::new();
    let mut bad = Vec::new();
    let lines: Vec<&str> = text.split('\n').collect();
    let mut i = 0;
    while i < lines.len() {
        let start = i + 1;
        let first = lines[i].trim_start_matches([' ', '\t', '\x0c']);
        i += 1;
        let first = first.strip_suffix('\r').unwrap_or(first);
        if first.is_empty() || first.starts_with('#') || first.starts_with('!') {
            continue;
        }
        // Join continuation lines.
        let mut logical = String::new();
        let mut cur = first.to_string();
        loop {
            let trailing = cur.chars().rev().take_while(|&c| c == '\\').count();
            if trailing % 2 == 1 && i < lines.len() {
                cur.pop();
                logical.push_str(&cur);
                let next = lines[i].trim_start_matches([' ', '\t', '\x0c']);
                let next = next.strip_suffix('\r').unwrap_or(next);
                cur = next.to_string();
                i += 1;
            } else {
                if trailing % 2 == 1 {
                    cur.pop();
                }
                logical.push_str(&cur);
                break;
            }
        }
        let (key, value) = split_key(&logical);
        let (key, e1) = unescape(key);
        let (value, e2) = unescape(value);
        if let Some(e) = e1.or(e2) {
            bad.push((start, e));
        }
        out.push(Entry {
            key,
            value,
            line: start,
        });
    }
    (out, bad)
}

/// Raw key and raw value (escapes not yet resolved) of one logical line.
fn split_key(line: &str) -> (&str, &str) {
    let bytes = line.as_bytes();
    let mut k = 0;
    while k < bytes.len() {
        match bytes[k] {
            b'\\' => k += 2,
            b'=' | b':' | b' ' | b'\t' | 0x0c => break,
            _ => k += 1,
        }
    }
    let k = k.min(bytes.len());
    let key = &line[..k];
    let mut rest = line[k..].trim_start_matches([' ', '\t', '\x0c']);
    if let Some(r) = rest.strip_prefix('=').or_else(|| rest.strip_prefix(':')) {
        rest = r.trim_start_matches([' ', '\t', '\x0c']);
    }
    (key, rest)
}

fn unescape(s: &str) -> (String, Option<String>) {
    let mut out = String::with_capacity(s.len());
    let mut err = None;
    let mut it = s.chars().peekable();
    while let Some(c) = it.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match it.next() {
            None => {}
            Some('t') => out.push('\t'),
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('f') => out.push('\x0c'),
            Some('u') => {
                let hex: String = it.clone().take(4).collect();
                match (hex.len() == 4)
                    .then(|| u32::from_str_radix(&hex, 16).ok())
                    .flatten()
                    .and_then(char::from_u32)
                {
                    Some(ch) => {
                        for _ in 0..4 {
                            it.next();
                        }
                        out.push(ch);
                    }
                    None => {
                        err.get_or_insert_with(|| format!("malformed \\u escape `\\u{hex}`"));
                        out.push_str("\\u");
                    }
                }
            }
            Some(other) => out.push(other),
        }
    }
    (out, err)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separators_comments_continuations_escapes() {
        let text = "# c\n! c\n  a=1\nb : 2\nc 3\nd\\ e=x\\\n   y\nf=\\u0041\\t\ng=a=b\n\nempty\n";
        let (e, bad) = parse(text);
        let kv: Vec<(&str, &str, usize)> = e
            .iter()
            .map(|e| (e.key.as_str(), e.value.as_str(), e.line))
            .collect();
        assert_eq!(
            kv,
            vec![
                ("a", "1", 3),
                ("b", "2", 4),
                ("c", "3", 5),
                ("d e", "xy", 6),
                ("f", "A\t", 8),
                ("g", "a=b", 9),
                ("empty", "", 11),
            ]
        );
        assert!(bad.is_empty());
    }

    #[test]
    fn bad_unicode_escape_is_reported() {
        let (e, bad) = parse("k=\\uZZ\n");
        assert_eq!(e[0].value, "\\uZZ");
        assert_eq!(bad.len(), 1);
        assert_eq!(bad[0].0, 1);
    }
}
