//! Nominal durations as scenarios write them: `250ms`, `30s`, `5m`, `2h`,
//! `7d`, and compounds from the largest unit down (`1h 30m`, `1h30m`,
//! `6d 20h`), the same forms transcripts print.

use std::ops::Range;
use std::time::Duration;

/// The units a nominal duration may use, largest first.
const UNITS: [(&str, Duration); 5] = [
    ("d", Duration::from_secs(86_400)),
    ("h", Duration::from_secs(3_600)),
    ("m", Duration::from_secs(60)),
    ("s", Duration::from_secs(1)),
    ("ms", Duration::from_millis(1)),
];

/// What every duration error adds as help.
pub const DURATION_HELP: &str = "a duration is a whole number and a unit (ms, s, m, h, d), largest unit first: `250ms`, `30s`, `5m`, `2h`, `7d`, `1h 30m`";

/// Why a nominal duration did not parse. `at` is the byte range of the
/// offending part within the text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DurationError {
    #[error("a duration cannot be empty")]
    Empty,
    #[error("`{number}` needs a unit")]
    MissingUnit { number: String, at: Range<usize> },
    #[error("unknown duration unit `{unit}`")]
    UnknownUnit { unit: String, at: Range<usize> },
    #[error("durations take whole numbers: write `1h 30m`, not `1.5h`")]
    Fraction { at: Range<usize> },
    #[error("expected a number, found `{found}`")]
    ExpectedNumber { found: String, at: Range<usize> },
    #[error(
        "`{unit}` comes after a smaller or equal unit: write the largest unit first, each once"
    )]
    UnitOutOfOrder { unit: String, at: Range<usize> },
    #[error("the duration is too long")]
    TooLong { at: Range<usize> },
}

impl DurationError {
    /// The byte range of the offending part, if the error is about one part.
    pub fn at(&self) -> Option<Range<usize>> {
        match self {
            Self::Empty => None,
            Self::MissingUnit { at, .. }
            | Self::UnknownUnit { at, .. }
            | Self::Fraction { at }
            | Self::ExpectedNumber { at, .. }
            | Self::UnitOutOfOrder { at, .. }
            | Self::TooLong { at } => Some(at.clone()),
        }
    }
}

/// Parse a nominal duration (`90m`, `1h 30m`, `1h30m`, `250ms`). Spaces may
/// separate parts and a number from its unit.
pub fn parse_nominal_duration(text: &str) -> Result<Duration, DurationError> {
    let mut rest = Cursor { text, pos: 0 };
    rest.skip_spaces();
    if rest.at_end() {
        return Err(DurationError::Empty);
    }
    let mut total = Duration::ZERO;
    // Index into UNITS of the last unit used; later parts must use smaller ones.
    let mut previous_unit: Option<usize> = None;
    while !rest.at_end() {
        let number_at = rest.take_while(|c| c.is_ascii_digit());
        if number_at.is_empty() {
            let found_at = rest.take_while(|c| !c.is_whitespace());
            return Err(DurationError::ExpectedNumber {
                found: text[found_at.clone()].to_owned(),
                at: found_at,
            });
        }
        if rest.peek() == Some('.') || rest.peek() == Some(',') {
            let fraction_at = rest.take_while(|c| !c.is_whitespace());
            return Err(DurationError::Fraction {
                at: number_at.start..fraction_at.end,
            });
        }
        rest.skip_spaces();
        let unit_at = rest.take_while(|c| c.is_alphabetic());
        if unit_at.is_empty() {
            return Err(DurationError::MissingUnit {
                number: text[number_at.clone()].to_owned(),
                at: number_at,
            });
        }
        let unit = &text[unit_at.clone()];
        let Some(unit_index) = UNITS.iter().position(|(name, _)| *name == unit) else {
            return Err(DurationError::UnknownUnit {
                unit: unit.to_owned(),
                at: unit_at,
            });
        };
        if previous_unit.is_some_and(|previous| unit_index <= previous) {
            return Err(DurationError::UnitOutOfOrder {
                unit: unit.to_owned(),
                at: unit_at,
            });
        }
        previous_unit = Some(unit_index);
        let part_at = number_at.start..unit_at.end;
        let too_long = || DurationError::TooLong {
            at: part_at.clone(),
        };
        let count: u32 = text[number_at].parse().map_err(|_| too_long())?;
        let part = UNITS[unit_index]
            .1
            .checked_mul(count)
            .ok_or_else(too_long)?;
        total = total.checked_add(part).ok_or_else(too_long)?;
        rest.skip_spaces();
    }
    Ok(total)
}

/// A valid spelling of what `text` probably means, for "did you mean":
/// `5 minutes` → `5m`, `1 hour 30 mins` → `1h 30m`.
pub fn suggest_nominal_duration(text: &str) -> Option<String> {
    let mut rest = Cursor { text, pos: 0 };
    let mut parts = Vec::new();
    rest.skip_spaces();
    while !rest.at_end() {
        let number_at = rest.take_while(|c| c.is_ascii_digit());
        rest.skip_spaces();
        let word_at = rest.take_while(|c| c.is_alphabetic());
        rest.skip_spaces();
        if number_at.is_empty() || word_at.is_empty() {
            return None;
        }
        parts.push(format!(
            "{}{}",
            &text[number_at],
            unit_named(&text[word_at])?
        ));
    }
    let suggestion = parts.join(" ");
    parse_nominal_duration(&suggestion)
        .is_ok()
        .then_some(suggestion)
}

/// The unit a word for one means (`minutes`, `hrs`, `M`).
fn unit_named(word: &str) -> Option<&'static str> {
    Some(match word.to_lowercase().as_str() {
        "ms" | "msec" | "msecs" | "millis" | "millisecond" | "milliseconds" => "ms",
        "s" | "sec" | "secs" | "second" | "seconds" => "s",
        "m" | "min" | "mins" | "minute" | "minutes" => "m",
        "h" | "hr" | "hrs" | "hour" | "hours" => "h",
        "d" | "day" | "days" => "d",
        _ => return None,
    })
}

/// A read position in the duration text.
struct Cursor<'a> {
    text: &'a str,
    pos: usize,
}

impl Cursor<'_> {
    fn at_end(&self) -> bool {
        self.pos >= self.text.len()
    }

    fn peek(&self) -> Option<char> {
        self.text[self.pos..].chars().next()
    }

    /// Advance over the characters matching `keep`; returns their byte range.
    fn take_while(&mut self, keep: impl Fn(char) -> bool) -> Range<usize> {
        let start = self.pos;
        while let Some(c) = self.peek().filter(|c| keep(*c)) {
            self.pos += c.len_utf8();
        }
        start..self.pos
    }

    fn skip_spaces(&mut self) {
        self.take_while(char::is_whitespace);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hooksim_simulator::schedule::format_nominal;
    use proptest::prelude::*;

    fn minutes(n: u64) -> Duration {
        Duration::from_secs(60 * n)
    }

    #[test]
    fn accepts_single_units() {
        assert_eq!(
            parse_nominal_duration("250ms"),
            Ok(Duration::from_millis(250))
        );
        assert_eq!(parse_nominal_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_nominal_duration("5m"), Ok(minutes(5)));
        assert_eq!(parse_nominal_duration("90m"), Ok(minutes(90)));
        assert_eq!(parse_nominal_duration("2h"), Ok(minutes(120)));
        assert_eq!(parse_nominal_duration("7d"), Ok(minutes(7 * 24 * 60)));
        assert_eq!(parse_nominal_duration("0s"), Ok(Duration::ZERO));
    }

    #[test]
    fn accepts_compounds_with_or_without_spaces() {
        assert_eq!(parse_nominal_duration("1h 30m"), Ok(minutes(90)));
        assert_eq!(parse_nominal_duration("1h30m"), Ok(minutes(90)));
        assert_eq!(
            parse_nominal_duration(" 6d 20h "),
            Ok(minutes((6 * 24 + 20) * 60))
        );
        assert_eq!(
            parse_nominal_duration("1m 1s 5ms"),
            Ok(Duration::from_millis(61_005))
        );
        assert_eq!(parse_nominal_duration("5 m"), Ok(minutes(5)));
    }

    #[test]
    fn names_what_is_wrong() {
        assert_eq!(
            parse_nominal_duration("5 minutes"),
            Err(DurationError::UnknownUnit {
                unit: "minutes".into(),
                at: 2..9
            })
        );
        assert_eq!(
            parse_nominal_duration("10x"),
            Err(DurationError::UnknownUnit {
                unit: "x".into(),
                at: 2..3
            })
        );
        assert_eq!(
            parse_nominal_duration("90"),
            Err(DurationError::MissingUnit {
                number: "90".into(),
                at: 0..2
            })
        );
        assert_eq!(
            parse_nominal_duration("1.5h"),
            Err(DurationError::Fraction { at: 0..4 })
        );
        assert_eq!(parse_nominal_duration(""), Err(DurationError::Empty));
        assert_eq!(
            parse_nominal_duration("-5m"),
            Err(DurationError::ExpectedNumber {
                found: "-5m".into(),
                at: 0..3
            })
        );
        assert_eq!(
            parse_nominal_duration("30m 1h"),
            Err(DurationError::UnitOutOfOrder {
                unit: "h".into(),
                at: 5..6
            })
        );
        assert_eq!(
            parse_nominal_duration("1m 1m"),
            Err(DurationError::UnitOutOfOrder {
                unit: "m".into(),
                at: 4..5
            })
        );
        assert!(matches!(
            parse_nominal_duration("99999999999d"),
            Err(DurationError::TooLong { .. })
        ));
    }

    #[test]
    fn suggests_the_short_form_of_words() {
        assert_eq!(suggest_nominal_duration("5 minutes"), Some("5m".into()));
        assert_eq!(
            suggest_nominal_duration("1 hour 30 mins"),
            Some("1h 30m".into())
        );
        assert_eq!(suggest_nominal_duration("2H"), Some("2h".into()));
        assert_eq!(suggest_nominal_duration("10x"), None);
        assert_eq!(suggest_nominal_duration("1.5 hours"), None);
        assert_eq!(suggest_nominal_duration("30 minutes 1 hour"), None);
    }

    proptest! {
        #[test]
        fn reads_what_transcripts_print(ms in 0u64..(400 * 86_400_000)) {
            let nominal = Duration::from_millis(ms);
            prop_assert_eq!(parse_nominal_duration(&format_nominal(nominal)), Ok(nominal));
        }

        #[test]
        fn never_panics_and_points_inside_the_text(text in "\\PC{0,24}") {
            let _ = suggest_nominal_duration(&text);
            if let Some(at) = parse_nominal_duration(&text).err().and_then(|error| error.at()) {
                prop_assert!(at.start <= at.end && at.end <= text.len());
                prop_assert!(text.is_char_boundary(at.start) && text.is_char_boundary(at.end));
            }
        }
    }
}
