//! Norwegian Bokmål (Norway): Visma Flow's market.

use super::Locale;

/// Norwegian Bokmål (Norway).
pub const NB_NO: Locale = Locale {
    tag: "nb_NO",
    female_first_names: &[
        "Anne", "Inger", "Kari", "Marit", "Ingrid", "Liv", "Eva", "Berit", "Astrid", "Bjørg",
        "Hilde", "Solveig", "Randi", "Silje", "Ida", "Nora", "Emma", "Sara", "Ingeborg", "Thea",
        "Maja", "Ragnhild", "Tone", "Åse", "Sølvi", "Mette", "Kristin", "Hege", "Synnøve",
        "Frøydis", "Gøril", "Åshild", "Tove", "Hanne", "Linnéa", "Signe",
    ],
    male_first_names: &[
        "Jan", "Per", "Bjørn", "Ole", "Lars", "Kjell", "Knut", "Arne", "Svein", "Thomas", "Hans",
        "Geir", "Tor", "Morten", "Terje", "Odd", "Erik", "Jonas", "Magnus", "Henrik", "Sindre",
        "Eirik", "Øyvind", "Håkon", "Ståle", "Bård", "Sverre", "Øystein", "Pål", "Asbjørn",
        "Jørgen", "Kåre", "Tormod", "Ådne", "André", "Aksel",
    ],
    last_names: &[
        "Hansen",
        "Johansen",
        "Olsen",
        "Larsen",
        "Andersen",
        "Pedersen",
        "Nilsen",
        "Kristiansen",
        "Jensen",
        "Karlsen",
        "Johnsen",
        "Pettersen",
        "Eriksen",
        "Berg",
        "Haugen",
        "Hagen",
        "Johannessen",
        "Andreassen",
        "Jacobsen",
        "Dahl",
        "Jørgensen",
        "Halvorsen",
        "Henriksen",
        "Lund",
        "Sørensen",
        "Jakobsen",
        "Moen",
        "Gundersen",
        "Iversen",
        "Strand",
        "Solberg",
        "Svendsen",
        "Eide",
        "Knutsen",
        "Martinsen",
        "Paulsen",
        "Bakken",
        "Kristoffersen",
        "Mathisen",
        "Lie",
        "Amundsen",
        "Nguyen",
        "Rasmussen",
        "Ali",
        "Lunde",
        "Solheim",
        "Sæther",
        "Bråthen",
        "Løken",
        "Ødegård",
        "Næss",
        "Aas",
        "Sæbø",
        "Grønlund",
        "Østby",
        "Kvam",
    ],
    street_names: &[
        "Storgata",
        "Bygdøy allé",
        "Thereses gate",
        "Kirkeveien",
        "Karl Johans gate",
        "Markveien",
        "Thorvald Meyers gate",
        "Sannergata",
        "Trondheimsveien",
        "Ullevålsveien",
        "Hegdehaugsveien",
        "Frognerveien",
        "Gabels gate",
        "Sørkedalsveien",
        "Griffenfeldts gate",
        "Åsengata",
        "Kongens gate",
        "Dronningens gate",
        "Olav Tryggvasons gate",
        "Munkegata",
        "Bakklandet",
        "Strandgata",
        "Kong Oscars gate",
        "Nygårdsgaten",
        "Øvre Slottsgate",
        "Nedre Slottsgate",
        "Løkkeveien",
        "Pedersgata",
        "Bragernes torg",
        "Tollbugata",
        "Skippergata",
        "Torggata",
        "Grønland",
        "Tøyengata",
        "Fjellveien",
        "Bjørkeveien",
        "Granveien",
        "Skogveien",
        "Solbakken",
        "Sjøgata",
        "Havnegata",
    ],
    street_number_suffixes: &["A", "B", "C"],
    street_number_max: 120,
    postal_cities: &[
        "Oslo",
        "Bergen",
        "Trondheim",
        "Stavanger",
        "Tromsø",
        "Drammen",
        "Fredrikstad",
        "Kristiansand",
        "Sandnes",
        "Sarpsborg",
        "Skien",
        "Ålesund",
        "Sandefjord",
        "Haugesund",
        "Tønsberg",
        "Moss",
        "Porsgrunn",
        "Bodø",
        "Arendal",
        "Hamar",
        "Larvik",
        "Halden",
        "Lillehammer",
        "Molde",
        "Harstad",
        "Gjøvik",
        "Kongsberg",
        "Lillestrøm",
        "Sandvika",
        "Ski",
        "Jessheim",
        "Førde",
        "Røros",
    ],
    mobile_country_code: "+47",
    // Norwegian mobile numbers are eight digits starting with 4 or 9.
    mobile_prefixes: &["4", "9"],
    mobile_subscriber_digits: 7,
    personal_email_domains: &[
        "gmail.com",
        "hotmail.com",
        "online.no",
        "outlook.com",
        "live.no",
        "yahoo.no",
        "icloud.com",
        "altibox.no",
    ],
    // The reserved `.example` top-level domain: these firms must not exist.
    work_email_domains: &[
        "fjordmegling.example",
        "byeiendom.example",
        "nordlysmeglerne.example",
        "kystbolig.example",
    ],
    // How Norwegians spell their letters in an address: æ as "ae", ø and å
    // by their base letter.
    transliterations: &[
        ('æ', "ae"),
        ('ø', "o"),
        ('å', "a"),
        ('é', "e"),
        ('è', "e"),
        ('ü', "u"),
    ],
    lead_messages: &[
        "Hei! Jeg er interessert i leiligheten i Storgata. Er det mulig å avtale en privatvisning?",
        "Vi er to voksne & ett barn og ser etter en treroms med balkong. Kommer det flere visninger?",
        "Hei, hva er felleskostnadene? Annonsen sier <4 000 kr, men budsjettet sier noe annet.",
        "Hva tror dere boligen går for? Er budet allerede > 5,5 millioner?",
        "Kan dere sende meg \"salgsoppgaven\" og tilstandsrapporten? Takk på forhånd.",
        "Vi vurderer å selge eneboligen vår & kjøpe noe mindre. Kan dere ta en verdivurdering?",
        "Er det gjort rørfornying, eller står det fortsatt \"planlagt\" i vedlikeholdsplanen?",
        "Hei!\nJeg har finansieringsbevis og kan komme på visning allerede i morgen kl. 17–18.",
        "Følger det med parkeringsplass eller garasje? Vi har to biler.",
        "Jeg skal selge borettslagsleiligheten min i vår og vil gjerne ha råd om når det lønner seg.",
        "Er det lov med dyr i sameiet? Vi har en katt <3",
        "Ring meg gjerne etter kl. 16, eller send en e-post – det som passer best.",
    ],
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fake::{ascii_mailbox_part, mobile_number, person, seeded_rng, street_address};
    use proptest::prelude::*;

    /// `^\+47[49]\d{7}$` without a regex dependency.
    fn is_norwegian_mobile(phone: &str) -> bool {
        let Some(rest) = phone.strip_prefix("+47") else {
            return false;
        };
        rest.len() == 8 && rest.starts_with(['4', '9']) && rest.chars().all(|c| c.is_ascii_digit())
    }

    #[test]
    fn transliterates_norwegian_letters() {
        assert_eq!(ascii_mailbox_part(&NB_NO, "Sæther"), "saether");
        assert_eq!(ascii_mailbox_part(&NB_NO, "Bjørg"), "bjorg");
        assert_eq!(ascii_mailbox_part(&NB_NO, "Åse"), "ase");
        assert_eq!(ascii_mailbox_part(&NB_NO, "Ødegård"), "odegard");
        assert_eq!(ascii_mailbox_part(&NB_NO, "Linnéa"), "linnea");
    }

    #[test]
    fn names_and_places_use_norwegian_letters() {
        let every_text = NB_NO
            .female_first_names
            .iter()
            .chain(NB_NO.male_first_names)
            .chain(NB_NO.last_names)
            .chain(NB_NO.street_names)
            .chain(NB_NO.postal_cities);
        let letters: String = every_text.copied().collect();
        for letter in ['æ', 'ø', 'å', 'Ø', 'Å'] {
            assert!(letters.contains(letter), "no {letter}");
        }
        for place in ["Oslo", "Bergen", "Trondheim", "Stavanger", "Tromsø"] {
            assert!(NB_NO.postal_cities.contains(&place), "{place}");
        }
    }

    #[test]
    fn some_messages_need_escaping() {
        assert!(NB_NO.lead_messages.iter().any(|m| m.contains('&')));
        assert!(NB_NO.lead_messages.iter().any(|m| m.contains(['<', '>'])));
        assert!(NB_NO.lead_messages.iter().any(|m| m.contains('"')));
        assert!(NB_NO.lead_messages.iter().any(|m| m.contains('\n')));
    }

    proptest! {
        #[test]
        fn mobile_numbers_match_the_norwegian_plan(seed in any::<u64>()) {
            let phone = mobile_number(&NB_NO, &mut seeded_rng(seed));
            prop_assert!(is_norwegian_mobile(&phone), "{}", phone);
        }

        #[test]
        fn people_and_addresses_are_well_formed(seed in any::<u64>()) {
            let mut rng = seeded_rng(seed);
            let someone = person(&NB_NO, &mut rng);
            prop_assert!(is_norwegian_mobile(&someone.phone), "{}", someone.phone);
            prop_assert!(someone.email.is_ascii(), "{}", someone.email);
            let (local, domain) = someone.email.split_once('@').expect("an address has an @");
            prop_assert!(!local.is_empty() && !local.starts_with('.'));
            prop_assert!(NB_NO.personal_email_domains.contains(&domain));
            let home = street_address(&NB_NO, &mut rng);
            prop_assert!(NB_NO.street_names.contains(&home.street_name.as_str()));
            prop_assert!(NB_NO.postal_cities.contains(&home.postal_city.as_str()));
        }
    }
}
