//! "did you mean" for every name a scenario can mistype.

/// How alike (Jaro-Winkler, 0..=1) a typo and a name must be to suggest it.
/// 0.8 catches dropped, doubled and swapped letters without guessing wildly.
const SIMILAR_ENOUGH: f64 = 0.8;

/// The candidate `word` most likely meant, if any is close.
pub fn closest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let word = word.to_lowercase();
    candidates
        .iter()
        .map(|candidate| {
            (
                strsim::jaro_winkler(&word, &candidate.to_lowercase()),
                *candidate,
            )
        })
        .filter(|(score, _)| *score >= SIMILAR_ENOUGH)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, candidate)| candidate)
}

/// `did you mean `x`?` when a candidate is close, else the list of what is
/// allowed, introduced by `allowed` ("valid keys here").
pub fn did_you_mean(word: &str, candidates: &[&str], allowed: &str) -> String {
    match closest(word, candidates) {
        Some(candidate) => format!("did you mean `{candidate}`?"),
        None => format!("{allowed}: {}", backticked(candidates)),
    }
}

/// `` `a`, `b`, `c` ``
pub fn backticked(names: &[&str]) -> String {
    names
        .iter()
        .map(|name| format!("`{name}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXPECTATIONS: [&str; 4] = ["acknowledged", "status", "attempts", "gave_up"];

    #[test]
    fn suggests_close_names() {
        assert_eq!(closest("acknowleged", &EXPECTATIONS), Some("acknowledged"));
        assert_eq!(closest("atempts", &EXPECTATIONS), Some("attempts"));
        assert_eq!(closest("gaveup", &EXPECTATIONS), Some("gave_up"));
        assert_eq!(
            closest(
                "delivr",
                &["deliver", "redeliver", "forge", "rotate_keys", "wait"]
            ),
            Some("deliver")
        );
        assert_eq!(
            closest("CONTACT.CRATE", &["CONTACT.CREATE"]),
            Some("CONTACT.CREATE")
        );
        assert_eq!(
            closest("contact.create", &["CONTACT.CREATE"]),
            Some("CONTACT.CREATE")
        );
        assert_eq!(closest("hemet", &["hemnet"]), Some("hemnet"));
    }

    #[test]
    fn lists_the_names_when_nothing_is_close() {
        assert_eq!(closest("timeout", &EXPECTATIONS), None);
        assert_eq!(
            did_you_mean("timeout", &EXPECTATIONS, "valid keys here"),
            "valid keys here: `acknowledged`, `status`, `attempts`, `gave_up`"
        );
        assert_eq!(
            did_you_mean("stauts", &EXPECTATIONS, "valid keys here"),
            "did you mean `status`?"
        );
    }
}
