//! English (United States): the US MLS market Spark / Flexmls serves.
//!
//! Beyond the [`Locale`] table: [`UsPlace`]s keep city, state, ZIP and area
//! code together, and [`us_phone_number`] writes numbers the way US forms
//! show them, `(NPA) NXX-XXXX`.

use rand::Rng;
use rand::seq::IndexedRandom;

use super::{Locale, SeededRng, mobile_number};

/// English (United States).
pub const EN_US: Locale = Locale {
    tag: "en_US",
    female_first_names: &[
        "Mary",
        "Patricia",
        "Jennifer",
        "Linda",
        "Elizabeth",
        "Barbara",
        "Susan",
        "Jessica",
        "Sarah",
        "Karen",
        "Nancy",
        "Lisa",
        "Ashley",
        "Emily",
        "Michelle",
        "Amanda",
        "Melissa",
        "Stephanie",
        "Rebecca",
        "Laura",
        "Olivia",
        "Emma",
        "Ava",
        "Sophia",
        "Isabella",
        "Madison",
        "Brittany",
        "Kayla",
        "María",
        "Zoë",
    ],
    male_first_names: &[
        "James",
        "Robert",
        "John",
        "Michael",
        "David",
        "William",
        "Richard",
        "Joseph",
        "Thomas",
        "Christopher",
        "Charles",
        "Daniel",
        "Matthew",
        "Anthony",
        "Mark",
        "Steven",
        "Andrew",
        "Joshua",
        "Kevin",
        "Brian",
        "Tyler",
        "Ethan",
        "Noah",
        "Liam",
        "Mason",
        "Logan",
        "Jacob",
        "Dakota",
        "José",
        "Andrés",
    ],
    last_names: &[
        "Smith",
        "Johnson",
        "Williams",
        "Brown",
        "Jones",
        "Garcia",
        "Miller",
        "Davis",
        "Rodriguez",
        "Martinez",
        "Hernandez",
        "Lopez",
        "Gonzalez",
        "Wilson",
        "Anderson",
        "Thomas",
        "Taylor",
        "Moore",
        "Jackson",
        "Martin",
        "Lee",
        "Thompson",
        "White",
        "Harris",
        "Clark",
        "Lewis",
        "Robinson",
        "Walker",
        "Nguyen",
        "Olson",
        "Larson",
        "Halvorson",
        "Olsen",
        "McAllister",
        "Ibáñez",
        "Peña",
    ],
    street_names: &[
        "Main Street",
        "Oak Avenue",
        "Maple Drive",
        "Cedar Lane",
        "Pine Street",
        "Elm Street",
        "Washington Avenue",
        "Lake Shore Drive",
        "Park Place",
        "Sunset Boulevard",
        "Highland Avenue",
        "Ridge Road",
        "Meadow Lane",
        "Willow Court",
        "Hillcrest Drive",
        "River Road",
        "Church Street",
        "Prairie View Drive",
        "Broadway",
        "1st Avenue North",
        "University Drive",
        "Country Club Road",
        "Magnolia Way",
        "Aspen Trail",
    ],
    street_number_suffixes: &["A", "B", "1/2"],
    street_number_max: 9_800,
    postal_cities: &[
        "Austin",
        "Dallas",
        "Houston",
        "Denver",
        "Phoenix",
        "Scottsdale",
        "Seattle",
        "Portland",
        "Chicago",
        "Minneapolis",
        "Fargo",
        "Bismarck",
        "Sioux Falls",
        "Omaha",
        "Kansas City",
        "St. Louis",
        "Nashville",
        "Atlanta",
        "Charlotte",
        "Raleigh",
        "Orlando",
        "Tampa",
        "Miami",
        "Boston",
        "Columbus",
        "Indianapolis",
        "Salt Lake City",
        "Boise",
        "Las Vegas",
        "San Diego",
        "Sacramento",
        "Albuquerque",
    ],
    mobile_country_code: "+1",
    // Area code plus exchange (NPA-NXX): exchanges start with 2-9, are never
    // N11, and avoid 555, so every number dials like a real one.
    mobile_prefixes: &[
        "512284", "512709", "214356", "713480", "303829", "602315", "480442", "206618", "503729",
        "312846", "612387", "701235", "701446", "605271", "402916", "816437", "314602", "615478",
        "404385", "704962", "919803", "407266", "813354", "305527", "617354", "614893", "317748",
        "801931", "208577", "702743", "619294", "916341", "505872",
    ],
    mobile_subscriber_digits: 4,
    personal_email_domains: &[
        "gmail.com",
        "yahoo.com",
        "outlook.com",
        "hotmail.com",
        "icloud.com",
        "aol.com",
        "comcast.net",
    ],
    // The reserved `.example` top-level domain: these brokerages must not exist.
    work_email_domains: &[
        "prairierealty.example",
        "lakesidehomes.example",
        "summitbrokers.example",
        "redriverproperties.example",
    ],
    transliterations: &[
        ('á', "a"),
        ('é', "e"),
        ('í', "i"),
        ('ó', "o"),
        ('ú', "u"),
        ('ñ', "n"),
        ('ë', "e"),
    ],
    lead_messages: &[
        "Hi, I'm interested in the home on Oak Avenue. Is it still available & can we tour this weekend?",
        "We're pre-approved up to $450k. Would the sellers consider an offer < list price?",
        "Does the HOA fee cover water and trash? The listing just says \"HOA: $250/mo\".",
        "Looking for a 3BR/2BA with a fenced yard for our dog <3",
        "Could you send the seller's disclosure and the last inspection report?",
        "Hello,\nIs there an open house on Sunday? We could come by between 1 and 3 pm.",
        "What are the property taxes like on this one? Thanks!",
        "We need to sell our current home first - could you put together a CMA for us?",
        "Is the basement finished, and is there a sump pump?",
        "How many offers are in so far? Is it already > asking?",
        "Relocating from Minneapolis in June; can we do a video walkthrough?",
        "Is the listing agent open to a 45-day close? Our lender is quoting 30-45 days.",
    ],
};

/// A US city with its state, one of its ZIP codes and its area code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UsPlace {
    pub city: &'static str,
    /// USPS two-letter abbreviation.
    pub state: &'static str,
    /// Five digits, leading zero kept (`02108`).
    pub zip: &'static str,
    /// The NPA of the city's main area code.
    pub area_code: &'static str,
}

const fn place(
    city: &'static str,
    state: &'static str,
    zip: &'static str,
    area_code: &'static str,
) -> UsPlace {
    UsPlace {
        city,
        state,
        zip,
        area_code,
    }
}

/// Real city, state, ZIP and area code combinations.
pub const US_PLACES: &[UsPlace] = &[
    place("Austin", "TX", "78701", "512"),
    place("Dallas", "TX", "75201", "214"),
    place("Houston", "TX", "77002", "713"),
    place("Denver", "CO", "80202", "303"),
    place("Phoenix", "AZ", "85004", "602"),
    place("Scottsdale", "AZ", "85251", "480"),
    place("Seattle", "WA", "98101", "206"),
    place("Portland", "OR", "97205", "503"),
    place("Chicago", "IL", "60601", "312"),
    place("Minneapolis", "MN", "55401", "612"),
    place("Fargo", "ND", "58102", "701"),
    place("Bismarck", "ND", "58501", "701"),
    place("Sioux Falls", "SD", "57104", "605"),
    place("Omaha", "NE", "68102", "402"),
    place("Kansas City", "MO", "64105", "816"),
    place("St. Louis", "MO", "63101", "314"),
    place("Nashville", "TN", "37203", "615"),
    place("Atlanta", "GA", "30303", "404"),
    place("Charlotte", "NC", "28202", "704"),
    place("Raleigh", "NC", "27601", "919"),
    place("Orlando", "FL", "32801", "407"),
    place("Tampa", "FL", "33602", "813"),
    place("Miami", "FL", "33131", "305"),
    place("Boston", "MA", "02108", "617"),
    place("Columbus", "OH", "43215", "614"),
    place("Indianapolis", "IN", "46204", "317"),
    place("Salt Lake City", "UT", "84111", "801"),
    place("Boise", "ID", "83702", "208"),
    place("Las Vegas", "NV", "89101", "702"),
    place("San Diego", "CA", "92101", "619"),
    place("Sacramento", "CA", "95814", "916"),
    place("Albuquerque", "NM", "87102", "505"),
];

/// The first entry stands in if the table were ever empty (a test keeps it not).
const FALLBACK_PLACE: UsPlace = place("Austin", "TX", "78701", "512");

/// One US place, evenly.
pub fn us_place(rng: &mut SeededRng) -> UsPlace {
    US_PLACES.choose(rng).copied().unwrap_or(FALLBACK_PLACE)
}

/// A US number as forms and MLS records write it: `(512) 284-0193`.
pub fn us_phone_number(rng: &mut SeededRng) -> String {
    let international = mobile_number(&EN_US, rng);
    national_format(&international).unwrap_or(international)
}

/// A number in `(NPA) NXX-XXXX` form for a place's own area code, with an
/// exchange drawn by the numbering plan's rules (2-9 first, never N11, not 555).
pub fn us_phone_number_in(place: &UsPlace, rng: &mut SeededRng) -> String {
    let exchange = loop {
        let candidate: u16 = rng.random_range(200..=999);
        if candidate % 100 != 11 && candidate != 555 {
            break candidate;
        }
    };
    let line: u16 = rng.random_range(0..=9_999);
    format!("({}) {exchange}-{line:04}", place.area_code)
}

/// `+15122840193` as `(512) 284-0193`; `None` for anything but a +1 number
/// with ten digits.
pub fn national_format(international: &str) -> Option<String> {
    let digits = international.strip_prefix("+1")?;
    if digits.len() != 10 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(format!(
        "({}) {}-{}",
        &digits[..3],
        &digits[3..6],
        &digits[6..]
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fake::{ascii_mailbox_part, person, seeded_rng};
    use proptest::prelude::*;

    /// `(NPA) NXX-XXXX` with the numbering plan's rules for NPA and NXX.
    fn is_north_american(phone: &str) -> bool {
        let bytes = phone.as_bytes();
        if bytes.len() != 14
            || bytes[0] != b'('
            || bytes[4] != b')'
            || bytes[5] != b' '
            || bytes[9] != b'-'
        {
            return false;
        }
        let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
        let (npa, rest) = digits.split_at(3);
        let exchange = &rest[..3];
        digits.len() == 10
            && matches!(npa.as_bytes()[0], b'2'..=b'9')
            && matches!(exchange.as_bytes()[0], b'2'..=b'9')
            && &exchange[1..] != "11"
            && exchange != "555"
    }

    #[test]
    fn prefixes_are_valid_area_code_and_exchange_pairs() {
        for prefix in EN_US.mobile_prefixes {
            let formatted = format!("({}) {}-0000", &prefix[..3], &prefix[3..]);
            assert!(is_north_american(&formatted), "{prefix}");
            assert!(
                US_PLACES.iter().any(|p| prefix.starts_with(p.area_code)),
                "{prefix} has no place"
            );
        }
    }

    #[test]
    fn places_are_consistent() {
        assert_eq!(US_PLACES[0], FALLBACK_PLACE);
        for place in US_PLACES {
            assert_eq!(place.zip.len(), 5, "{place:?}");
            assert_eq!(place.state.len(), 2, "{place:?}");
            assert_eq!(place.area_code.len(), 3, "{place:?}");
            assert!(EN_US.postal_cities.contains(&place.city), "{place:?}");
        }
    }

    #[test]
    fn formats_national_numbers() {
        assert_eq!(
            national_format("+15122840193").as_deref(),
            Some("(512) 284-0193")
        );
        assert_eq!(national_format("+4915112345678"), None);
        assert_eq!(national_format("+1512284019"), None);
    }

    #[test]
    fn transliterates_spanish_names() {
        assert_eq!(ascii_mailbox_part(&EN_US, "Ibáñez"), "ibanez");
        assert_eq!(ascii_mailbox_part(&EN_US, "José"), "jose");
    }

    proptest! {
        #[test]
        fn phone_numbers_follow_the_numbering_plan(seed in any::<u64>()) {
            let mut rng = seeded_rng(seed);
            let phone = us_phone_number(&mut rng);
            prop_assert!(is_north_american(&phone), "{}", phone);
            let place = us_place(&mut rng);
            let local = us_phone_number_in(&place, &mut rng);
            prop_assert!(is_north_american(&local), "{}", local);
            let area = format!("({})", place.area_code);
            prop_assert!(local.starts_with(&area), "{}", local);
        }

        #[test]
        fn people_have_us_mailboxes_and_numbers(seed in any::<u64>()) {
            let someone = person(&EN_US, &mut seeded_rng(seed));
            prop_assert!(someone.email.is_ascii(), "{}", someone.email);
            prop_assert!(someone.phone.starts_with("+1") && someone.phone.len() == 12, "{}", someone.phone);
        }
    }
}
