//! "Did you mean": the closest known name to a misspelled one.

/// The closest known key, if close enough to be what was meant.
pub(crate) fn suggest<'k>(name: &str, known: impl Iterator<Item = &'k str>) -> Option<&'k str> {
    let norm = |s: &str| -> String {
        s.chars()
            .map(|c| match c {
                '_' | '-' => '.',
                c => c.to_ascii_lowercase(),
            })
            .collect()
    };
    let n = norm(name);
    let mut best: Option<(f64, &str)> = None;
    for k in known {
        let score = strsim::jaro_winkler(name, k).max(strsim::jaro_winkler(&n, &norm(k)));
        if score >= 0.8 && best.is_none_or(|(b, _)| score > b) {
            best = Some((score, k));
        }
    }
    best.map(|(_, k)| k)
}
