//! Retry schedules as pure data: the nominal gap before each retry.

use std::time::Duration;

const MINUTE_SECS: u64 = 60;
const HOUR_SECS: u64 = 60 * MINUTE_SECS;

/// The gaps of [`Schedule::standard_webhooks`], as docs.svix.com/retries lists them.
const STANDARD_WEBHOOKS_GAPS: [Duration; 7] = [
    Duration::from_secs(5),
    Duration::from_secs(5 * MINUTE_SECS),
    Duration::from_secs(30 * MINUTE_SECS),
    Duration::from_secs(2 * HOUR_SECS),
    Duration::from_secs(5 * HOUR_SECS),
    Duration::from_secs(10 * HOUR_SECS),
    Duration::from_secs(10 * HOUR_SECS),
];

/// When a provider tries again. Attempt 1 is at offset zero; attempt `n + 1`
/// follows attempt `n` after `gaps[n - 1]` of nominal time. A schedule with no
/// gaps sends once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    gaps: Vec<Duration>,
}

impl Schedule {
    /// One attempt, no retries.
    pub fn once() -> Self {
        Self { gaps: Vec::new() }
    }

    /// An explicit list of gaps between attempts.
    pub fn from_gaps(gaps: impl Into<Vec<Duration>>) -> Self {
        Self { gaps: gaps.into() }
    }

    /// The schedule Svix publishes (docs.svix.com/retries) and senders built
    /// on Standard Webhooks follow: an immediate attempt, then one 5 s, 5 m,
    /// 30 m, 2 h, 5 h, 10 h and 10 h after each failure (about 27.6 h in all).
    /// Providers that retry without documenting when borrow it, as the most
    /// widely published webhook schedule.
    pub fn standard_webhooks() -> Self {
        Self::from_gaps(STANDARD_WEBHOOKS_GAPS)
    }

    /// Gaps start at `first` and double, each capped at `cap`; attempts stop
    /// where the next one would fall later than `horizon` after the first.
    pub fn exponential(first: Duration, cap: Duration, horizon: Duration) -> Self {
        let mut gaps = Vec::new();
        let mut gap = first.min(cap);
        let mut offset = Duration::ZERO;
        while !gap.is_zero() && offset + gap <= horizon {
            offset += gap;
            gaps.push(gap);
            gap = gap.saturating_mul(2).min(cap);
        }
        Self { gaps }
    }

    /// The same schedule cut after `attempts` attempts (at least one).
    pub fn truncated(&self, attempts: u32) -> Self {
        let keep = (attempts.max(1) as usize - 1).min(self.gaps.len());
        Self {
            gaps: self.gaps[..keep].to_vec(),
        }
    }

    /// The gaps between consecutive attempts.
    pub fn gaps(&self) -> &[Duration] {
        &self.gaps
    }

    /// How many attempts the schedule allows in all.
    pub fn attempts(&self) -> usize {
        self.gaps.len() + 1
    }

    /// The nominal offset of every attempt from the first one.
    pub fn offsets(&self) -> Vec<Duration> {
        let mut at = Duration::ZERO;
        let mut offsets = vec![at];
        for gap in &self.gaps {
            at += *gap;
            offsets.push(at);
        }
        offsets
    }

    /// Nominal time from the first attempt to the last.
    /// Each attempt's offset from the first, as shown: `+0s`, `+1m`, `+3m`...
    pub fn offsets_shown(&self) -> Vec<String> {
        self.offsets()
            .into_iter()
            .map(|o| format!("+{}", format_nominal(o)))
            .collect()
    }

    pub fn span(&self) -> Duration {
        self.gaps.iter().sum()
    }
}

/// `1d 2h 3m 4s`-style rendering of a nominal duration; sub-second parts in ms.
pub fn format_nominal(d: Duration) -> String {
    if d.is_zero() {
        return "0s".to_owned();
    }
    let total_ms = d.as_millis();
    if total_ms < 1000 {
        return format!("{total_ms}ms");
    }
    let mut secs = d.as_secs();
    let mut parts = Vec::new();
    for (unit, size) in [("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)] {
        if secs >= size {
            parts.push(format!("{}{unit}", secs / size));
            secs %= size;
        }
    }
    let ms = d.subsec_millis();
    if ms > 0 {
        parts.push(format!("{ms}ms"));
    }
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const MINUTE: Duration = Duration::from_secs(60);
    const DAY: Duration = Duration::from_secs(86_400);

    #[test]
    fn exponential_doubles_then_caps() {
        let s = Schedule::exponential(MINUTE, DAY, 7 * DAY);
        assert_eq!(s.gaps()[..4], [MINUTE, 2 * MINUTE, 4 * MINUTE, 8 * MINUTE]);
        assert_eq!(*s.gaps().last().expect("schedule has gaps"), DAY);
        assert!(s.span() <= 7 * DAY);
    }

    #[test]
    fn standard_webhooks_is_the_published_schedule() {
        let offsets: Vec<u64> = Schedule::standard_webhooks()
            .offsets()
            .iter()
            .map(Duration::as_secs)
            .collect();
        // Immediately, +5 s, +5 m, +30 m, +2 h, +5 h, +10 h, +10 h.
        assert_eq!(offsets, [0, 5, 305, 2_105, 9_305, 27_305, 63_305, 99_305]);
    }

    #[test]
    fn truncation_keeps_the_first_attempts() {
        let s = Schedule::exponential(MINUTE, DAY, 7 * DAY);
        assert_eq!(s.truncated(1), Schedule::once());
        assert_eq!(
            s.truncated(3).offsets(),
            [Duration::ZERO, MINUTE, 3 * MINUTE]
        );
        assert_eq!(s.truncated(1000), s);
    }

    #[test]
    fn formats_nominal_durations() {
        assert_eq!(format_nominal(Duration::ZERO), "0s");
        assert_eq!(format_nominal(Duration::from_millis(250)), "250ms");
        assert_eq!(format_nominal(MINUTE * 61), "1h 1m");
        assert_eq!(format_nominal(DAY * 6 + MINUTE * 607), "6d 10h 7m");
    }

    proptest! {
        #[test]
        fn exponential_is_monotonic_and_within_horizon(
            first_s in 1u64..3_600,
            cap_h in 1u64..48,
            horizon_d in 1u64..14,
        ) {
            let horizon = DAY * horizon_d as u32;
            let s = Schedule::exponential(Duration::from_secs(first_s), Duration::from_secs(cap_h * 3600), horizon);
            let offsets = s.offsets();
            prop_assert!(offsets.windows(2).all(|w| w[0] < w[1]));
            prop_assert!(s.span() <= horizon);
            prop_assert!(s.gaps().windows(2).all(|w| w[0] <= w[1]));
        }
    }
}
