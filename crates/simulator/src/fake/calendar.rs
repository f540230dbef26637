//! UTC calendar times for generated payloads: ISO 8601 strings
//! (`2018-04-18T11:12:56Z`, `2020-09-30T10:07:28.052Z`) and the digit runs
//! that timestamp-derived ids start with (`20180418111256`).
//!
//! Payloads need nothing but the proleptic Gregorian calendar in UTC, so this
//! is a few lines of day arithmetic rather than a date crate.

use rand::Rng;

use super::SeededRng;

const MS_PER_SECOND: i64 = 1_000;
const MS_PER_MINUTE: i64 = 60 * MS_PER_SECOND;
const MS_PER_HOUR: i64 = 60 * MS_PER_MINUTE;
const MS_PER_DAY: i64 = 24 * MS_PER_HOUR;

/// Days from 0000-03-01 to 1970-01-01: the algorithms below count from a
/// March 1st so that the leap day falls at the end of each counted year.
const DAYS_FROM_MARCH_ZERO_TO_EPOCH: i64 = 719_468;
/// Days in one 400-year Gregorian cycle.
const DAYS_PER_ERA: i64 = 146_097;

/// A point in time, to the millisecond, read in UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UtcDateTime {
    unix_ms: i64,
}

/// A [`UtcDateTime`] split into calendar fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CivilDateTime {
    pub year: i64,
    /// 1 to 12.
    pub month: u8,
    /// 1 to 31.
    pub day: u8,
    pub hour: u8,
    pub minute: u8,
    pub second: u8,
    pub millisecond: u16,
}

impl UtcDateTime {
    /// The time `unix_ms` milliseconds after 1970-01-01T00:00:00Z.
    pub const fn from_unix_ms(unix_ms: i64) -> Self {
        Self { unix_ms }
    }

    /// Midnight UTC at the start of `year-month-day`. `const` so providers can
    /// name the windows their timestamps fall in. A month or day out of range
    /// rolls over (month 13 is January of the next year), as day counting does.
    pub const fn from_date(year: i64, month: u8, day: u8) -> Self {
        Self {
            unix_ms: days_from_civil(year, month as i64, day as i64) * MS_PER_DAY,
        }
    }

    pub const fn unix_ms(self) -> i64 {
        self.unix_ms
    }

    /// `ms` milliseconds later (earlier when negative), saturating at the ends of time.
    pub const fn plus_ms(self, ms: i64) -> Self {
        Self {
            unix_ms: self.unix_ms.saturating_add(ms),
        }
    }

    pub const fn plus_seconds(self, seconds: i64) -> Self {
        self.plus_ms(seconds.saturating_mul(MS_PER_SECOND))
    }

    pub const fn plus_minutes(self, minutes: i64) -> Self {
        self.plus_ms(minutes.saturating_mul(MS_PER_MINUTE))
    }

    pub const fn plus_hours(self, hours: i64) -> Self {
        self.plus_ms(hours.saturating_mul(MS_PER_HOUR))
    }

    pub const fn plus_days(self, days: i64) -> Self {
        self.plus_ms(days.saturating_mul(MS_PER_DAY))
    }

    /// The calendar fields of this time in UTC.
    pub fn civil(self) -> CivilDateTime {
        let days = self.unix_ms.div_euclid(MS_PER_DAY);
        let ms_of_day = self.unix_ms.rem_euclid(MS_PER_DAY);
        let (year, month, day) = civil_from_days(days);
        // Each division below is bounded by the one before (a day has 24
        // hours, an hour 60 minutes...), so the narrowing casts cannot truncate.
        CivilDateTime {
            year,
            month,
            day,
            hour: (ms_of_day / MS_PER_HOUR) as u8,
            minute: (ms_of_day % MS_PER_HOUR / MS_PER_MINUTE) as u8,
            second: (ms_of_day % MS_PER_MINUTE / MS_PER_SECOND) as u8,
            millisecond: (ms_of_day % MS_PER_SECOND) as u16,
        }
    }

    /// `2018-04-18T11:12:56Z`: whole seconds, `Z` for UTC.
    pub fn iso8601_seconds(self) -> String {
        let c = self.civil();
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
            c.year, c.month, c.day, c.hour, c.minute, c.second
        )
    }

    /// `2020-09-30T10:07:28.052Z`: what JavaScript's `Date.toJSON` writes.
    pub fn iso8601_millis(self) -> String {
        let c = self.civil();
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
            c.year, c.month, c.day, c.hour, c.minute, c.second, c.millisecond
        )
    }

    /// `2024-06-01`: the calendar date alone.
    pub fn date(self) -> String {
        let c = self.civil();
        format!("{:04}-{:02}-{:02}", c.year, c.month, c.day)
    }

    /// `20180418111256`: year to second with no separators, the way
    /// timestamp-derived ids begin.
    pub fn compact_digits(self) -> String {
        let c = self.civil();
        format!(
            "{:04}{:02}{:02}{:02}{:02}{:02}",
            c.year, c.month, c.day, c.hour, c.minute, c.second
        )
    }
}

/// A time drawn evenly from `from` (inclusive) to `to` (exclusive); `from`
/// itself when the window is empty.
pub fn between(rng: &mut SeededRng, from: UtcDateTime, to: UtcDateTime) -> UtcDateTime {
    if to.unix_ms <= from.unix_ms {
        return from;
    }
    UtcDateTime::from_unix_ms(rng.random_range(from.unix_ms..to.unix_ms))
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
/// algorithm). Shared with providers whose dates are local rather than UTC.
pub(crate) const fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    // Normalise the month first so that out-of-range months roll over.
    let year = year + (month - 1).div_euclid(12);
    let month = (month - 1).rem_euclid(12) + 1;
    // Count years from March: January and February belong to the year before.
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_from_march = if month > 2 { month - 3 } else { month + 9 };
    let day_of_year = (153 * month_from_march + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * DAYS_PER_ERA + day_of_era - DAYS_FROM_MARCH_ZERO_TO_EPOCH
}

/// The proleptic Gregorian date `days` after 1970-01-01.
pub(crate) fn civil_from_days(days: i64) -> (i64, u8, u8) {
    let shifted = days + DAYS_FROM_MARCH_ZERO_TO_EPOCH;
    let era = shifted.div_euclid(DAYS_PER_ERA);
    let day_of_era = shifted - era * DAYS_PER_ERA;
    let year_of_era =
        (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    // month is 1..=12 and day 1..=31 by construction of the March-based year.
    (year, month as u8, day as u8)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fake::seeded_rng;
    use proptest::prelude::*;

    #[test]
    fn formats_known_instants() {
        let instant = UtcDateTime::from_unix_ms(1_712_918_356_462);
        assert_eq!(instant.iso8601_seconds(), "2024-04-12T10:39:16Z");
        assert_eq!(instant.iso8601_millis(), "2024-04-12T10:39:16.462Z");
        assert_eq!(instant.compact_digits(), "20240412103916");
        assert_eq!(instant.date(), "2024-04-12");
        assert_eq!(
            UtcDateTime::from_unix_ms(0).iso8601_millis(),
            "1970-01-01T00:00:00.000Z"
        );
        assert_eq!(
            UtcDateTime::from_unix_ms(-1).iso8601_millis(),
            "1969-12-31T23:59:59.999Z"
        );
    }

    #[test]
    fn builds_dates_including_leap_days() {
        assert_eq!(
            UtcDateTime::from_date(2024, 1, 1).unix_ms(),
            1_704_067_200_000
        );
        assert_eq!(
            UtcDateTime::from_date(2000, 2, 29).unix_ms(),
            951_782_400_000
        );
        assert_eq!(UtcDateTime::from_date(1970, 1, 1).unix_ms(), 0);
        assert_eq!(
            UtcDateTime::from_date(2023, 13, 1),
            UtcDateTime::from_date(2024, 1, 1)
        );
        assert_eq!(
            UtcDateTime::from_date(2024, 2, 28).plus_days(1).date(),
            "2024-02-29"
        );
        assert_eq!(
            UtcDateTime::from_date(2100, 2, 28).plus_days(1).date(),
            "2100-03-01"
        );
    }

    #[test]
    fn arithmetic_moves_by_whole_units() {
        let start = UtcDateTime::from_date(2024, 12, 31);
        assert_eq!(
            start
                .plus_hours(23)
                .plus_minutes(59)
                .plus_seconds(59)
                .iso8601_seconds(),
            "2024-12-31T23:59:59Z"
        );
        assert_eq!(start.plus_days(1).date(), "2025-01-01");
        assert_eq!(start.plus_days(-366).date(), "2023-12-31");
    }

    #[test]
    fn civil_dates_round_trip() {
        for days in -800_000..800_000i64 {
            let (year, month, day) = civil_from_days(days);
            assert_eq!(
                days_from_civil(year, i64::from(month), i64::from(day)),
                days
            );
        }
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(19_782), (2024, 2, 29));
    }

    #[test]
    fn between_stays_in_its_window() {
        let from = UtcDateTime::from_date(2024, 1, 1);
        let to = UtcDateTime::from_date(2024, 1, 2);
        let mut rng = seeded_rng(5);
        for _ in 0..1_000 {
            let t = between(&mut rng, from, to);
            assert!(from <= t && t < to, "{}", t.iso8601_millis());
        }
        assert_eq!(between(&mut rng, to, from), to);
    }

    proptest! {
        #[test]
        fn dates_round_trip(days in -1_000_000i64..1_000_000) {
            let instant = UtcDateTime::from_unix_ms(days * MS_PER_DAY);
            let c = instant.civil();
            prop_assert!((1..=12).contains(&c.month));
            prop_assert!((1..=31).contains(&c.day));
            prop_assert_eq!(UtcDateTime::from_date(c.year, c.month, c.day), instant);
        }

        #[test]
        fn the_next_day_is_one_day_later(days in -1_000_000i64..1_000_000) {
            let today = UtcDateTime::from_unix_ms(days * MS_PER_DAY).civil();
            let tomorrow = UtcDateTime::from_unix_ms((days + 1) * MS_PER_DAY).civil();
            let same_month = tomorrow.month == today.month && tomorrow.day == today.day + 1;
            let new_month = tomorrow.day == 1
                && (tomorrow.month == today.month % 12 + 1)
                && (28..=31).contains(&today.day);
            prop_assert!(same_month || new_month, "{:?} -> {:?}", today, tomorrow);
        }

        #[test]
        fn fields_agree_with_the_formats(ms in -10_000_000_000_000i64..10_000_000_000_000) {
            let instant = UtcDateTime::from_unix_ms(ms);
            let text = instant.iso8601_millis();
            prop_assert!(text.ends_with('Z'));
            prop_assert!(text.starts_with(&instant.date()));
            // The window spans years 1653 to 2286, all written with four digits.
            prop_assert_eq!(instant.compact_digits().len(), 14);
        }
    }
}
