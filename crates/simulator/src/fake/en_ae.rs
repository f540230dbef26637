//! English (United Arab Emirates): Property Finder's home market.
//!
//! Names are the mix a Dubai brokerage's CRM shows: Emirati and wider Arab
//! names in their usual Latin spelling next to South Asian, European and
//! other expatriate names. Phone numbers follow the UAE mobile plan (+971,
//! operator prefix 50/52/54/55/56/58, seven digits); places are real
//! communities and streets of Dubai, Abu Dhabi and Sharjah.

use super::Locale;

/// English (United Arab Emirates).
pub const EN_AE: Locale = Locale {
    tag: "en_AE",
    female_first_names: &[
        "Fatima",
        "Aisha",
        "Mariam",
        "Noura",
        "Hessa",
        "Shamma",
        "Latifa",
        "Mona",
        "Layla",
        "Reem",
        "Sara",
        "Huda",
        "Amal",
        "Yasmin",
        "Rania",
        "Dana",
        "Priya",
        "Anjali",
        "Deepa",
        "Kavya",
        "Meera",
        "Ayesha",
        "Sana",
        "Zainab",
        "Emily",
        "Sophie",
        "Charlotte",
        "Hannah",
        "Olivia",
        "Grace",
        "Maria",
        "Angela",
        "Joanna",
        "Elena",
        "Natalia",
        "Chloe",
    ],
    male_first_names: &[
        "Ahmed",
        "Mohammed",
        "Khalid",
        "Omar",
        "Saeed",
        "Rashid",
        "Hamdan",
        "Sultan",
        "Abdullah",
        "Yousef",
        "Ali",
        "Hassan",
        "Tariq",
        "Faisal",
        "Karim",
        "Walid",
        "Rahul",
        "Arjun",
        "Vikram",
        "Sanjay",
        "Imran",
        "Bilal",
        "Usman",
        "Farhan",
        "James",
        "Oliver",
        "Daniel",
        "Thomas",
        "William",
        "Lucas",
        "Mark",
        "John",
        "Paolo",
        "Dmitri",
        "Sebastian",
        "Ryan",
    ],
    // Multi-word family names ("Al Mansoori") keep their space; the mailbox
    // form turns it into a hyphen (see `transliterations`).
    last_names: &[
        "Al Mansoori",
        "Al Hashimi",
        "Al Falasi",
        "Al Muhairi",
        "Al Nuaimi",
        "Al Suwaidi",
        "Al Ketbi",
        "Al Marzooqi",
        "Al Shamsi",
        "Al Zaabi",
        "Al Mazrouei",
        "Al Hammadi",
        "Haddad",
        "Khoury",
        "Nasser",
        "Saleh",
        "Mansour",
        "Abbas",
        "Farouk",
        "Khan",
        "Sheikh",
        "Qureshi",
        "Malik",
        "Nair",
        "Menon",
        "Pillai",
        "Sharma",
        "Patel",
        "Iyer",
        "Kapoor",
        "Fernandes",
        "D'Souza",
        "Santos",
        "Reyes",
        "Carter",
        "Thompson",
        "Hughes",
        "Walker",
        "Bennett",
        "O'Brien",
        "Murphy",
        "Rossi",
        "Petrov",
        "Ivanova",
        "Schneider",
        "Dubois",
    ],
    street_names: &[
        "Sheikh Zayed Road",
        "Al Wasl Road",
        "Jumeirah Beach Road",
        "Al Khail Road",
        "Al Sufouh Road",
        "Marina Walk",
        "King Salman bin Abdulaziz Al Saud Street",
        "Sheikh Mohammed bin Rashid Boulevard",
        "Al Marasi Drive",
        "Al Asayel Street",
        "Hessa Street",
        "Umm Suqeim Street",
        "Al Thanya Street",
        "Financial Center Road",
        "Al Mustaqbal Street",
        "Corniche Road",
        "Hamdan Bin Mohammed Street",
        "Khalifa Bin Zayed The First Street",
        "Yas Leisure Drive",
        "Al Wahda Street",
        "King Faisal Street",
        "Al Taawun Street",
    ],
    street_number_suffixes: &["A", "B"],
    // Villa and building plot numbers rather than house numbers.
    street_number_max: 400,
    postal_cities: &[
        "Dubai",
        "Abu Dhabi",
        "Sharjah",
        "Ajman",
        "Ras Al Khaimah",
        "Al Ain",
    ],
    mobile_country_code: "+971",
    mobile_prefixes: &["50", "52", "54", "55", "56", "58"],
    mobile_subscriber_digits: 7,
    personal_email_domains: &[
        "gmail.com",
        "hotmail.com",
        "outlook.com",
        "yahoo.com",
        "icloud.com",
        "emirates.net.ae",
    ],
    // The reserved `.example` top-level domain: these brokerages must not exist.
    work_email_domains: &[
        "marinaheights-realty.example",
        "palmcrest-properties.example",
        "gulfkeys-realestate.example",
        "desertrose-homes.example",
    ],
    // Space and apostrophe inside family names become a hyphen, so the
    // mailbox keeps one character per letter (`al-mansoori`, `d-souza`).
    transliterations: &[(' ', "-"), ('\'', "-"), ('é', "e"), ('ü', "u")],
    lead_messages: &[
        "Hi, is this apartment still available? I would like to arrange a viewing this week.",
        "Hello, what is the service charge per sq ft & is chiller free?",
        "Interested in the 2BR in Dubai Marina. Can you share the floor plan and the number of cheques?",
        "Is the price negotiable? My budget is <2.1M AED for a cash purchase.",
        "Please call me after 6pm. Looking for a villa with a maid's room & private garden.",
        "Hi,\nWe are a family of four relocating from London in August. Is the unit furnished?",
        "Can I pay the rent in 4 cheques? Also, is \"pet friendly\" confirmed by the building?",
        "Looking to buy off-plan in JVC with a post-handover payment plan > 3 years. Any options?",
        "Is the Ejari registration included, and when is the earliest move-in date?",
        "I'd like to see the unit on Saturday morning if possible. WhatsApp is best.",
        "What is the expected ROI? Looking at short-term rental with a <90 day turnaround.",
        "Hello, is there covered parking & a gym in the building?",
    ],
};

/// A residential community and the emirate it is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Community {
    pub name: &'static str,
    pub city: &'static str,
}

/// Communities where UAE listings sit, as portals name them.
pub const UAE_COMMUNITIES: &[Community] = &[
    Community {
        name: "Dubai Marina",
        city: "Dubai",
    },
    Community {
        name: "Jumeirah Village Circle",
        city: "Dubai",
    },
    Community {
        name: "Downtown Dubai",
        city: "Dubai",
    },
    Community {
        name: "Business Bay",
        city: "Dubai",
    },
    Community {
        name: "Palm Jumeirah",
        city: "Dubai",
    },
    Community {
        name: "Jumeirah Lake Towers",
        city: "Dubai",
    },
    Community {
        name: "Arabian Ranches",
        city: "Dubai",
    },
    Community {
        name: "Dubai Hills Estate",
        city: "Dubai",
    },
    Community {
        name: "Al Barsha",
        city: "Dubai",
    },
    Community {
        name: "Mirdif",
        city: "Dubai",
    },
    Community {
        name: "Al Reem Island",
        city: "Abu Dhabi",
    },
    Community {
        name: "Saadiyat Island",
        city: "Abu Dhabi",
    },
    Community {
        name: "Yas Island",
        city: "Abu Dhabi",
    },
    Community {
        name: "Al Raha Beach",
        city: "Abu Dhabi",
    },
    Community {
        name: "Khalifa City",
        city: "Abu Dhabi",
    },
    Community {
        name: "Al Majaz",
        city: "Sharjah",
    },
    Community {
        name: "Al Khan",
        city: "Sharjah",
    },
    Community {
        name: "Aljada",
        city: "Sharjah",
    },
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fake::{ascii_mailbox_part, mobile_number, person, seeded_rng};
    use proptest::prelude::*;

    /// `+9715[024568]` then seven digits, without a regex dependency.
    fn is_uae_mobile(phone: &str) -> bool {
        let Some(rest) = phone.strip_prefix("+9715") else {
            return false;
        };
        let mut chars = rest.chars();
        matches!(chars.next(), Some('0' | '2' | '4' | '5' | '6' | '8'))
            && rest.len() == 8
            && chars.all(|c| c.is_ascii_digit())
    }

    #[test]
    fn family_names_with_spaces_and_apostrophes_have_mailbox_forms() {
        assert_eq!(ascii_mailbox_part(&EN_AE, "Al Mansoori"), "al-mansoori");
        assert_eq!(ascii_mailbox_part(&EN_AE, "D'Souza"), "d-souza");
        assert_eq!(ascii_mailbox_part(&EN_AE, "O'Brien"), "o-brien");
        assert_eq!(ascii_mailbox_part(&EN_AE, "Priya"), "priya");
    }

    #[test]
    fn some_lead_messages_need_escaping() {
        let html_sensitive = EN_AE
            .lead_messages
            .iter()
            .filter(|m| m.contains(['&', '<', '>']))
            .count();
        assert!(html_sensitive >= 3);
        assert!(EN_AE.lead_messages.iter().any(|m| m.contains('"')));
        assert!(EN_AE.lead_messages.iter().any(|m| m.contains('\n')));
    }

    #[test]
    fn communities_are_in_the_locale_cities() {
        assert!(!UAE_COMMUNITIES.is_empty());
        for community in UAE_COMMUNITIES {
            assert!(
                EN_AE.postal_cities.contains(&community.city),
                "{} is in {}",
                community.name,
                community.city
            );
        }
        for city in ["Dubai", "Abu Dhabi", "Sharjah"] {
            assert!(UAE_COMMUNITIES.iter().any(|c| c.city == city), "{city}");
        }
    }

    proptest! {
        #[test]
        fn mobile_numbers_match_the_uae_plan(seed in any::<u64>()) {
            let phone = mobile_number(&EN_AE, &mut seeded_rng(seed));
            prop_assert!(is_uae_mobile(&phone), "{}", phone);
        }

        #[test]
        fn people_are_well_formed(seed in any::<u64>()) {
            let someone = person(&EN_AE, &mut seeded_rng(seed));
            prop_assert!(is_uae_mobile(&someone.phone), "{}", someone.phone);
            prop_assert!(someone.email.is_ascii(), "{}", someone.email);
            prop_assert!(!someone.email.contains(' '), "{}", someone.email);
            let (local, domain) = someone.email.split_once('@').expect("an address has an @");
            prop_assert!(!local.is_empty() && !local.starts_with(['.', '-']));
            prop_assert!(EN_AE.personal_email_domains.contains(&domain));
        }
    }
}
