//! Seeded fake data: names, phone numbers, emails, addresses and lead messages
//! that look like the country a provider serves.
//!
//! A locale is a table ([`Locale`]), not a code path: adding nb_NO or de_DE
//! means adding one more `const` table. Every generator is a pure function of
//! the table and a [`SeededRng`], so a scenario seed always yields the same
//! payload. (The `fake` crate has no Swedish locale, hence our own tables.)

use rand::Rng;
use rand::SeedableRng;
use rand::seq::IndexedRandom;
use uuid::Uuid;

pub mod calendar;
mod de_de;
mod en_ae;
mod en_us;
mod nb_no;
mod sv_se;

pub use calendar::UtcDateTime;
pub use de_de::{DE_DE, GERMAN_PLACES, GermanPlace, german_place, german_street};
pub use en_ae::{Community, EN_AE, UAE_COMMUNITIES};
pub use en_us::{
    EN_US, US_PLACES, UsPlace, national_format, us_phone_number, us_phone_number_in, us_place,
};
pub use nb_no::NB_NO;
pub use sv_se::SV_SE;

/// The one random source for fake data: ChaCha8 is fast and gives the same
/// stream for the same seed on every platform.
pub type SeededRng = rand_chacha::ChaCha8Rng;

/// A [`SeededRng`] started from `seed` (a scenario's `seed:`).
pub fn seeded_rng(seed: u64) -> SeededRng {
    SeededRng::seed_from_u64(seed)
}

/// Everything locale-specific the generators need. Every slice is non-empty.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Locale {
    /// `sv_SE`-style tag, for messages and docs.
    pub tag: &'static str,
    pub female_first_names: &'static [&'static str],
    pub male_first_names: &'static [&'static str],
    pub last_names: &'static [&'static str],
    pub street_names: &'static [&'static str],
    /// Letters that follow a house number (`7B`); most numbers have none.
    pub street_number_suffixes: &'static [&'static str],
    /// House numbers are drawn from `1..=street_number_max`.
    pub street_number_max: u16,
    pub postal_cities: &'static [&'static str],
    /// `+46`-style international prefix of mobile numbers.
    pub mobile_country_code: &'static str,
    /// Mobile operator prefixes after the country code (`70`, `73`, ...).
    pub mobile_prefixes: &'static [&'static str],
    /// Digits after the operator prefix.
    pub mobile_subscriber_digits: u32,
    /// Where private people keep their mailboxes.
    pub personal_email_domains: &'static [&'static str],
    /// Firm domains for professionals (brokers, agents); fictitious on purpose.
    pub work_email_domains: &'static [&'static str],
    /// How letters outside ASCII are written in an email address.
    pub transliterations: &'static [(char, &'static str)],
    /// Short free-text messages a lead writes on a contact form.
    pub lead_messages: &'static [&'static str],
}

/// Every locale hooksim can fake data for.
pub const LOCALES: &[&Locale] = &[&SV_SE, &EN_AE, &NB_NO, &EN_US, &DE_DE];

/// A made-up private person with consistent name, email and phone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub first_name: String,
    pub last_name: String,
    /// Derived from the name, ASCII only.
    pub email: String,
    /// International form, `+46701234567`.
    pub phone: String,
}

impl Person {
    /// `first last`, as a form or a CRM shows it.
    pub fn full_name(&self) -> String {
        format!("{} {}", self.first_name, self.last_name)
    }
}

/// A home address as a contact form asks for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreetAddress {
    pub street_name: String,
    /// `12`, `7B`, `104`.
    pub street_number: String,
    pub postal_city: String,
}

/// One entry of `table`, evenly. Locale and enum tables are never empty
/// (tested); an empty one gives "" rather than stop a delivery.
pub fn one_of(table: &'static [&'static str], rng: &mut SeededRng) -> &'static str {
    table.choose(rng).copied().unwrap_or_default()
}

/// A first name of either gender, about half of each.
pub fn first_name(locale: &Locale, rng: &mut SeededRng) -> &'static str {
    if rng.random_bool(0.5) {
        one_of(locale.female_first_names, rng)
    } else {
        one_of(locale.male_first_names, rng)
    }
}

pub fn last_name(locale: &Locale, rng: &mut SeededRng) -> &'static str {
    one_of(locale.last_names, rng)
}

/// A private person: name, an email made from the name, a mobile number.
pub fn person(locale: &Locale, rng: &mut SeededRng) -> Person {
    let first_name = first_name(locale, rng);
    let last_name = last_name(locale, rng);
    let domain = one_of(locale.personal_email_domains, rng);
    let email = email_address(locale, first_name, last_name, domain, rng);
    let phone = mobile_number(locale, rng);
    Person {
        first_name: first_name.to_owned(),
        last_name: last_name.to_owned(),
        email,
        phone,
    }
}

/// A mobile number in international form: country code, operator prefix,
/// subscriber digits (`+46701234567`).
pub fn mobile_number(locale: &Locale, rng: &mut SeededRng) -> String {
    let prefix = one_of(locale.mobile_prefixes, rng);
    let width = locale.mobile_subscriber_digits as usize;
    let subscriber = rng.random_range(0..10u64.saturating_pow(locale.mobile_subscriber_digits));
    format!("{}{prefix}{subscriber:0width$}", locale.mobile_country_code)
}

/// A broker's or agent's address at one of the locale's (fictitious) firms.
pub fn work_email_address(
    locale: &Locale,
    first_name: &str,
    last_name: &str,
    rng: &mut SeededRng,
) -> String {
    let domain = one_of(locale.work_email_domains, rng);
    email_address(locale, first_name, last_name, domain, rng)
}

/// An ASCII email address for `first_name last_name` at `domain`, in one of
/// the shapes people pick (`anna.oberg@`, `annaoberg@`, `a.oberg@`, `anna.oberg84@`).
pub fn email_address(
    locale: &Locale,
    first_name: &str,
    last_name: &str,
    domain: &str,
    rng: &mut SeededRng,
) -> String {
    let first = ascii_mailbox_part(locale, first_name);
    let last = ascii_mailbox_part(locale, last_name);
    let initial = first.chars().next().map(String::from).unwrap_or_default();
    let local_part = match rng.random_range(0..4u8) {
        0 => format!("{first}.{last}"),
        1 => format!("{first}{last}"),
        2 => format!("{initial}.{last}"),
        _ => format!("{first}.{last}{}", rng.random_range(50..100u8)),
    };
    format!("{local_part}@{domain}")
}

/// `text` lowercased and transliterated (`Öberg` -> `oberg`), keeping only
/// what is safe in the local part of an address: ASCII letters, digits, `-`.
pub fn ascii_mailbox_part(locale: &Locale, text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars().flat_map(char::to_lowercase) {
        if let Some((_, ascii)) = locale.transliterations.iter().find(|(from, _)| *from == ch) {
            out.push_str(ascii);
        } else if ch.is_ascii_alphanumeric() || ch == '-' {
            out.push(ch);
        }
    }
    out
}

/// A house number, sometimes with a letter (`12`, `7B`, `104`).
pub fn street_number(locale: &Locale, rng: &mut SeededRng) -> String {
    let number = rng.random_range(1..=locale.street_number_max.max(1));
    // One in five houses carries a letter, as entrances often do.
    let suffix = if rng.random_bool(0.2) {
        one_of(locale.street_number_suffixes, rng)
    } else {
        ""
    };
    format!("{number}{suffix}")
}

pub fn street_name(locale: &Locale, rng: &mut SeededRng) -> &'static str {
    one_of(locale.street_names, rng)
}

pub fn postal_city(locale: &Locale, rng: &mut SeededRng) -> &'static str {
    one_of(locale.postal_cities, rng)
}

pub fn street_address(locale: &Locale, rng: &mut SeededRng) -> StreetAddress {
    StreetAddress {
        street_name: street_name(locale, rng).to_owned(),
        street_number: street_number(locale, rng),
        postal_city: postal_city(locale, rng).to_owned(),
    }
}

/// A short message a lead types into a contact form. Some carry `&`, `<`,
/// `>`, quotes or a line break, so escaping is exercised without asking.
pub fn lead_message(locale: &Locale, rng: &mut SeededRng) -> &'static str {
    one_of(locale.lead_messages, rng)
}

/// A random (version 4, RFC 4122 variant) uuid drawn from `rng`, so ids are
/// reproducible for a seed.
pub fn uuid_v4<R: Rng + ?Sized>(rng: &mut R) -> Uuid {
    let mut bytes = [0u8; 16];
    rng.fill(&mut bytes);
    // The builder sets the version and variant bits over the random bytes.
    uuid::Builder::from_random_bytes(bytes).into_uuid()
}

/// Crockford's base 32, the alphabet of a ULID (no I, L, O or U).
pub const CROCKFORD_BASE32: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// The characters of a ULID.
pub const ULID_LEN: usize = 26;

/// A ULID minted at `at` (`01K0YB4HEKM08V901DVJ5ATVYF`): 128 bits, the
/// first 48 the instant in Unix milliseconds and the other 80 random, as 26
/// characters of [`CROCKFORD_BASE32`], most significant first (so the
/// first is at most `7`). ULIDs sort by the instant they were minted.
pub fn ulid(at: UtcDateTime, rng: &mut SeededRng) -> String {
    // An instant before 1970 or past 10889 has no 48-bit form: clamp it.
    let ms = u128::try_from(at.unix_ms()).unwrap_or(0).min((1 << 48) - 1);
    let random = rng.random::<u128>() & ((1 << 80) - 1);
    let bits = (ms << 80) | random;
    (0..ULID_LEN)
        .map(|i| {
            let shift = 5 * (ULID_LEN - 1 - i);
            // Masked to 5 bits, so the index is below 32.
            let digit = ((bits >> shift) & 0x1f) as usize;
            char::from(CROCKFORD_BASE32[digit])
        })
        .collect()
}

/// The Unix milliseconds a ULID was minted at, if `text` is one.
pub fn ulid_instant(text: &str) -> Option<UtcDateTime> {
    if text.len() != ULID_LEN || text.as_bytes()[0] > b'7' {
        return None;
    }
    let mut bits: u128 = 0;
    for byte in text.bytes() {
        let digit = CROCKFORD_BASE32.iter().position(|c| *c == byte)?;
        bits = (bits << 5) | digit as u128;
    }
    i64::try_from(bits >> 80)
        .ok()
        .map(UtcDateTime::from_unix_ms)
}

/// `len` characters of lowercase letters and digits, like a partner's own
/// object id (`k3v9a0x2m`).
pub fn lowercase_alphanumeric(rng: &mut SeededRng, len: usize) -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    (0..len)
        .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn is_swedish_mobile(phone: &str) -> bool {
        // ^\+467[02369]\d{7}$ without a regex dependency.
        let Some(rest) = phone.strip_prefix("+467") else {
            return false;
        };
        let mut chars = rest.chars();
        matches!(chars.next(), Some('0' | '2' | '3' | '6' | '9'))
            && rest.len() == 8
            && chars.all(|c| c.is_ascii_digit())
    }

    fn every_table(locale: &Locale) -> [&'static [&'static str]; 10] {
        [
            locale.female_first_names,
            locale.male_first_names,
            locale.last_names,
            locale.street_names,
            locale.street_number_suffixes,
            locale.postal_cities,
            locale.mobile_prefixes,
            locale.personal_email_domains,
            locale.work_email_domains,
            locale.lead_messages,
        ]
    }

    #[test]
    fn ulids_spell_their_instant_in_crockford_base32() {
        // The ULID specification's example, and Property Finder's.
        assert_eq!(
            ulid_instant("01ARYZ6S41TSV4RRFFQ69G5FAV").map(UtcDateTime::unix_ms),
            Some(1_469_918_176_385)
        );
        let documented = ulid_instant("01K0YB4HEKM08V901DVJ5ATVYF").expect("a ULID");
        assert!(documented.iso8601_seconds().starts_with("2025-07-"));
        for not_one in [
            "",
            "01K0YB4HEKM08V901DVJ5ATVY",
            "81K0YB4HEKM08V901DVJ5ATVYF",
        ] {
            assert_eq!(ulid_instant(not_one), None, "{not_one}");
        }
        assert_eq!(ulid_instant("01K0YB4HEKM08V901DVJ5ATVYI"), None, "no I");
    }

    proptest! {
        #[test]
        fn a_ulid_keeps_its_instant_and_differs_by_seed(unix_ms in 0i64..(1 << 48), seed in any::<u64>()) {
            let at = UtcDateTime::from_unix_ms(unix_ms);
            let id = ulid(at, &mut seeded_rng(seed));
            prop_assert_eq!(id.len(), ULID_LEN);
            prop_assert!(id.bytes().all(|b| CROCKFORD_BASE32.contains(&b)));
            prop_assert_eq!(ulid_instant(&id), Some(at));
            prop_assert_eq!(&id, &ulid(at, &mut seeded_rng(seed)));
            prop_assert_ne!(&id, &ulid(at, &mut seeded_rng(seed.wrapping_add(1))));
        }
    }

    #[test]
    fn locale_tables_are_never_empty() {
        for locale in LOCALES {
            for table in every_table(locale) {
                assert!(!table.is_empty(), "{} has an empty table", locale.tag);
            }
        }
    }

    #[test]
    fn every_name_has_an_ascii_mailbox_form() {
        for locale in LOCALES {
            let names = locale
                .female_first_names
                .iter()
                .chain(locale.male_first_names)
                .chain(locale.last_names);
            for name in names {
                let mailbox = ascii_mailbox_part(locale, name);
                // Nothing but case and transliteration may change: no letter
                // dropped (one may become two: Norwegian æ is written "ae").
                assert!(
                    mailbox.chars().count() >= name.chars().count(),
                    "{name} lost a letter: {mailbox}"
                );
            }
        }
    }

    #[test]
    fn transliterates_swedish_letters() {
        assert_eq!(ascii_mailbox_part(&SV_SE, "Åsa"), "asa");
        assert_eq!(ascii_mailbox_part(&SV_SE, "Öberg"), "oberg");
        assert_eq!(ascii_mailbox_part(&SV_SE, "Linnéa"), "linnea");
        assert_eq!(ascii_mailbox_part(&SV_SE, "Märta"), "marta");
        assert_eq!(ascii_mailbox_part(&SV_SE, "Ann-Sofie"), "ann-sofie");
    }

    #[test]
    fn some_lead_messages_need_html_escaping() {
        let needs_escaping = SV_SE
            .lead_messages
            .iter()
            .filter(|m| m.contains(['&', '<', '>']))
            .count();
        assert!(needs_escaping >= 3);
        assert!(SV_SE.lead_messages.iter().any(|m| m.contains('"')));
    }

    #[test]
    fn uuid_is_version_4() {
        let id = uuid_v4(&mut seeded_rng(1));
        let parsed = Uuid::parse_str(&id.to_string()).expect("a formatted uuid parses");
        assert_eq!(parsed.get_version_num(), 4);
        assert_eq!(parsed.get_variant(), uuid::Variant::RFC4122);
    }

    #[test]
    fn street_numbers_look_swedish() {
        let mut rng = seeded_rng(3);
        for _ in 0..500 {
            let number = street_number(&SV_SE, &mut rng);
            let digits = number.trim_end_matches(['A', 'B', 'C']);
            assert!(number.len() - digits.len() <= 1, "{number}");
            let value: u16 = digits.parse().expect("digits before the letter");
            assert!((1..=150).contains(&value), "{number}");
        }
    }

    proptest! {
        #[test]
        fn same_seed_same_data(seed in any::<u64>()) {
            let make = |seed| {
                let mut rng = seeded_rng(seed);
                (
                    person(&SV_SE, &mut rng),
                    street_address(&SV_SE, &mut rng),
                    lead_message(&SV_SE, &mut rng),
                    uuid_v4(&mut rng),
                    lowercase_alphanumeric(&mut rng, 9),
                )
            };
            prop_assert_eq!(make(seed), make(seed));
        }

        #[test]
        fn people_are_well_formed(seed in any::<u64>()) {
            let mut rng = seeded_rng(seed);
            let someone = person(&SV_SE, &mut rng);
            prop_assert!(is_swedish_mobile(&someone.phone), "{}", someone.phone);
            prop_assert!(someone.email.is_ascii(), "{}", someone.email);
            let (local, domain) = someone.email.split_once('@').expect("an address has an @");
            prop_assert!(!local.is_empty() && !local.starts_with('.'));
            prop_assert!(SV_SE.personal_email_domains.contains(&domain));
        }

        #[test]
        fn mobile_numbers_match_the_swedish_plan(seed in any::<u64>()) {
            let phone = mobile_number(&SV_SE, &mut seeded_rng(seed));
            prop_assert!(is_swedish_mobile(&phone), "{}", phone);
        }

        #[test]
        fn uuids_parse_as_v4(seed in any::<u64>()) {
            let id = uuid_v4(&mut seeded_rng(seed)).to_string();
            let parsed = Uuid::parse_str(&id).expect("a formatted uuid parses");
            prop_assert_eq!(parsed.get_version_num(), 4);
            prop_assert_eq!(parsed.get_variant(), uuid::Variant::RFC4122);
        }
    }
}
