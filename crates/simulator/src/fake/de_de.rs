//! German (Germany): EverReal's market (rentals).
//!
//! Beyond the [`Locale`] table, German addresses come as [`GermanPlace`]s so
//! that postcode, city and coordinates always belong together.

use super::{Locale, SeededRng, one_of};
use rand::seq::IndexedRandom;

/// German (Germany).
pub const DE_DE: Locale = Locale {
    tag: "de_DE",
    female_first_names: &[
        "Anna",
        "Lena",
        "Lea",
        "Hannah",
        "Mia",
        "Emma",
        "Sophie",
        "Marie",
        "Laura",
        "Julia",
        "Katharina",
        "Sabine",
        "Ursula",
        "Renate",
        "Gisela",
        "Monika",
        "Petra",
        "Susanne",
        "Andrea",
        "Claudia",
        "Anja",
        "Nicole",
        "Stefanie",
        "Franziska",
        "Charlotte",
        "Clara",
        "Bärbel",
        "Jördis",
        "Anne-Kathrin",
        "Jülide",
        "Ayşe",
        "Zoë",
    ],
    male_first_names: &[
        "Jürgen",
        "Günter",
        "Jörg",
        "Björn",
        "Sören",
        "Uwe",
        "Klaus",
        "Stefan",
        "Thomas",
        "Michael",
        "Andreas",
        "Matthias",
        "Lukas",
        "Jonas",
        "Leon",
        "Felix",
        "Maximilian",
        "Paul",
        "Ben",
        "Elias",
        "Finn",
        "Tobias",
        "Florian",
        "Sebastian",
        "Timo",
        "Ralf",
        "Holger",
        "Wolfgang",
        "Dieter",
        "Hans-Peter",
        "Ömer",
        "Mehmet",
    ],
    last_names: &[
        "Müller",
        "Schmidt",
        "Schneider",
        "Fischer",
        "Weber",
        "Meyer",
        "Wagner",
        "Becker",
        "Schulz",
        "Hoffmann",
        "Schäfer",
        "Koch",
        "Bauer",
        "Richter",
        "Klein",
        "Wolf",
        "Schröder",
        "Neumann",
        "Schwarz",
        "Zimmermann",
        "Braun",
        "Krüger",
        "Hartmann",
        "Lange",
        "Werner",
        "Krause",
        "Lehmann",
        "Köhler",
        "König",
        "Möller",
        "Weiß",
        "Groß",
        "Strauß",
        "Meißner",
        "Jäger",
        "Böhm",
        "Krämer",
        "Kühn",
        "Günther",
        "Sommer",
        "Vogel",
        "Friedrich",
        "Schulte-Döinghaus",
        "Yılmaz",
        "Öztürk",
        "Kaya",
        "Nowak",
        "Kowalski",
    ],
    street_names: &[
        "Hauptstraße",
        "Berliner Allee",
        "Am Kirchplatz",
        "Schillerstraße",
        "Goethestraße",
        "Bahnhofstraße",
        "Gartenstraße",
        "Lindenstraße",
        "Bergstraße",
        "Kirchstraße",
        "Waldstraße",
        "Schulstraße",
        "Mühlenweg",
        "Am Markt",
        "Friedrichstraße",
        "Kastanienallee",
        "Mozartstraße",
        "Beethovenstraße",
        "Rosenweg",
        "Birkenweg",
        "Im Winkel",
        "An der Alster",
        "Königsallee",
        "Sonnenallee",
        "Weißenseer Weg",
        "Große Bleichen",
        "Kölner Straße",
        "Leipziger Straße",
        "Prinzregentenstraße",
        "Zur Mühle",
    ],
    street_number_suffixes: &["a", "b", "c"],
    street_number_max: 120,
    postal_cities: &[
        "Berlin",
        "Hamburg",
        "München",
        "Köln",
        "Frankfurt am Main",
        "Leipzig",
        "Stuttgart",
        "Düsseldorf",
        "Dresden",
        "Hannover",
        "Nürnberg",
        "Bremen",
        "Essen",
        "Dortmund",
        "Münster",
        "Freiburg im Breisgau",
        "Mainz",
        "Augsburg",
        "Würzburg",
        "Göttingen",
        "Lübeck",
        "Potsdam",
    ],
    mobile_country_code: "+49",
    // German mobile networks: 015x, 016x and 017x (the leading 0 drops after +49).
    mobile_prefixes: &[
        "151", "152", "155", "157", "159", "160", "162", "163", "170", "171", "172", "173", "174",
        "175", "176", "177", "178", "179",
    ],
    mobile_subscriber_digits: 7,
    personal_email_domains: &[
        "web.de",
        "gmx.de",
        "gmx.net",
        "t-online.de",
        "gmail.com",
        "outlook.de",
        "posteo.de",
        "freenet.de",
    ],
    // The reserved `.example` top-level domain: these firms must not exist.
    work_email_domains: &[
        "hausverwaltung-nord.example",
        "stadtwohnen.example",
        "rheinland-immobilien.example",
        "isar-wohnbau.example",
    ],
    // German addresses spell umlauts out (`mueller@`), ß as `ss`; Turkish
    // letters of common surnames lose their marks.
    transliterations: &[
        ('ä', "ae"),
        ('ö', "oe"),
        ('ü', "ue"),
        ('ß', "ss"),
        ('é', "e"),
        ('ë', "e"),
        ('ı', "i"),
        ('ş', "s"),
        ('ğ', "g"),
        ('ç', "c"),
    ],
    lead_messages: &[
        "Guten Tag, ich interessiere mich für die Wohnung in der Hauptstraße. Wäre ein Besichtigungstermin möglich?",
        "Wir sind ein Paar (beide berufstätig) & suchen ab dem 1. Juni eine 3-Zimmer-Wohnung.",
        "Ist die Warmmiete wirklich < 1.200 €? In der Anzeige steht \"zzgl. Heizkosten\".",
        "Sind Haustiere erlaubt? Wir haben eine kleine Katze <3",
        "Hallo,\nGehaltsnachweise und SCHUFA-Auskunft kann ich sofort schicken.",
        "Gibt es einen Stellplatz oder eine Tiefgarage? Vielen Dank im Voraus!",
        "Ist die Einbauküche in der Miete enthalten oder muss sie abgelöst werden?",
        "Mein Nettoeinkommen liegt > 3.500 € – wann könnte ich die Wohnung besichtigen?",
        "Könnten Sie mir den Energieausweis schicken? Viele Grüße, Jürgen Weiß",
        "Wir sind eine Familie mit zwei Kindern und suchen etwas Ruhiges – passt das?",
        "Ich ziehe beruflich nach München & bräuchte die Wohnung spätestens zum 01.09.",
        "Ist eine Untervermietung einzelner Zimmer (WG-geeignet) grundsätzlich möglich?",
    ],
};

/// A German postcode area: the postcode, its city and the area's centre.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GermanPlace {
    /// Five digits, leading zero kept (`04109`).
    pub postcode: &'static str,
    pub city: &'static str,
    pub latitude: f64,
    pub longitude: f64,
}

const fn place(
    postcode: &'static str,
    city: &'static str,
    latitude: f64,
    longitude: f64,
) -> GermanPlace {
    GermanPlace {
        postcode,
        city,
        latitude,
        longitude,
    }
}

/// Real postcodes with the city they belong to and a point inside them.
pub const GERMAN_PLACES: &[GermanPlace] = &[
    place("10115", "Berlin", 52.5323, 13.3846),
    place("10247", "Berlin", 52.5160, 13.4608),
    place("10437", "Berlin", 52.5414, 13.4143),
    place("12043", "Berlin", 52.4811, 13.4352),
    place("20095", "Hamburg", 53.5511, 9.9937),
    place("22767", "Hamburg", 53.5500, 9.9350),
    place("22083", "Hamburg", 53.5820, 10.0300),
    place("80331", "München", 48.1372, 11.5756),
    place("81667", "München", 48.1310, 11.5950),
    place("80799", "München", 48.1530, 11.5760),
    place("50667", "Köln", 50.9375, 6.9603),
    place("50823", "Köln", 50.9490, 6.9170),
    place("60311", "Frankfurt am Main", 50.1109, 8.6821),
    place("60316", "Frankfurt am Main", 50.1250, 8.6950),
    place("04109", "Leipzig", 51.3397, 12.3731),
    place("04275", "Leipzig", 51.3230, 12.3740),
    place("70173", "Stuttgart", 48.7758, 9.1829),
    place("40210", "Düsseldorf", 51.2200, 6.7900),
    place("01067", "Dresden", 51.0504, 13.7373),
    place("30159", "Hannover", 52.3759, 9.7320),
    place("90402", "Nürnberg", 49.4521, 11.0767),
    place("28195", "Bremen", 53.0793, 8.8017),
    place("45127", "Essen", 51.4556, 7.0116),
    place("44135", "Dortmund", 51.5136, 7.4653),
    place("48143", "Münster", 51.9607, 7.6261),
    place("79098", "Freiburg im Breisgau", 47.9990, 7.8421),
    place("55116", "Mainz", 49.9929, 8.2473),
    place("86150", "Augsburg", 48.3705, 10.8978),
    place("97070", "Würzburg", 49.7913, 9.9534),
    place("37073", "Göttingen", 51.5413, 9.9158),
    place("23552", "Lübeck", 53.8655, 10.6866),
    place("14467", "Potsdam", 52.3906, 13.0645),
];

/// The first entry stands in if the table were ever empty (a test keeps it not).
const FALLBACK_PLACE: GermanPlace = place("10115", "Berlin", 52.5323, 13.3846);

/// One German postcode area, evenly.
pub fn german_place(rng: &mut SeededRng) -> GermanPlace {
    GERMAN_PLACES.choose(rng).copied().unwrap_or(FALLBACK_PLACE)
}

/// A German street name from [`DE_DE`].
pub fn german_street(rng: &mut SeededRng) -> &'static str {
    one_of(DE_DE.street_names, rng)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fake::{ascii_mailbox_part, mobile_number, person, seeded_rng};

    #[test]
    fn places_have_five_digit_postcodes_inside_germany() {
        assert!(!GERMAN_PLACES.is_empty());
        for place in GERMAN_PLACES {
            assert_eq!(place.postcode.len(), 5, "{place:?}");
            assert!(
                place.postcode.chars().all(|c| c.is_ascii_digit()),
                "{place:?}"
            );
            // Germany's bounding box, roughly.
            assert!((47.2..=55.1).contains(&place.latitude), "{place:?}");
            assert!((5.8..=15.1).contains(&place.longitude), "{place:?}");
            assert!(DE_DE.postal_cities.contains(&place.city), "{place:?}");
        }
        assert_eq!(GERMAN_PLACES[0], FALLBACK_PLACE);
    }

    #[test]
    fn names_carry_umlauts_and_sharp_s() {
        let names: Vec<&str> = DE_DE
            .female_first_names
            .iter()
            .chain(DE_DE.male_first_names)
            .chain(DE_DE.last_names)
            .copied()
            .collect();
        for letter in ['ä', 'ö', 'ü', 'ß', 'Ö'] {
            assert!(
                names.iter().any(|n| n.contains(letter)),
                "no name with {letter}"
            );
        }
    }

    #[test]
    fn transliterates_the_german_way() {
        assert_eq!(ascii_mailbox_part(&DE_DE, "Müller"), "mueller");
        assert_eq!(ascii_mailbox_part(&DE_DE, "Weiß"), "weiss");
        assert_eq!(ascii_mailbox_part(&DE_DE, "Öztürk"), "oeztuerk");
        assert_eq!(ascii_mailbox_part(&DE_DE, "Yılmaz"), "yilmaz");
        assert_eq!(
            ascii_mailbox_part(&DE_DE, "Schulte-Döinghaus"),
            "schulte-doeinghaus"
        );
    }

    #[test]
    fn mobiles_are_german_15x_16x_17x() {
        let mut rng = seeded_rng(9);
        for _ in 0..500 {
            let phone = mobile_number(&DE_DE, &mut rng);
            let rest = phone.strip_prefix("+491").expect("+49 1xx");
            assert!(
                matches!(rest.chars().next(), Some('5' | '6' | '7')),
                "{phone}"
            );
            assert_eq!(rest.len(), 9, "{phone}");
            assert!(rest.chars().all(|c| c.is_ascii_digit()), "{phone}");
        }
    }

    #[test]
    fn people_have_german_mailboxes() {
        let mut rng = seeded_rng(4);
        for _ in 0..300 {
            let someone = person(&DE_DE, &mut rng);
            assert!(someone.email.is_ascii(), "{}", someone.email);
            let domain = someone
                .email
                .split_once('@')
                .map(|(_, d)| d)
                .unwrap_or_default();
            assert!(
                DE_DE.personal_email_domains.contains(&domain),
                "{}",
                someone.email
            );
        }
    }
}
