//! Every built-in scenario, and every documented fact of every provider,
//! cites where it is documented as the provider's public page and a section
//! heading on it (`page § Section`), never a file the repository does not
//! hold. A reader can follow each citation to the page and the heading.

use std::path::{Path, PathBuf};

use hooksim_harness::scenario::parse_scenario;
use hooksim_harness::suite::find_scenario_files;
use hooksim_simulator::policy::Provenance;
use hooksim_simulator::providers::ProviderId;

/// The pages the built-in suites and the provider profiles cite, each with
/// the headings on it that may be cited (names only: the pages' text stays
/// with the providers). Flow's page has no public copy and is cited by title.
const PAGES: &[(&str, &[&str])] = &[
    (
        "https://integration.testhemnet.se/webhook/documentation",
        &[
            "Get started",
            "The Webhook",
            "Headers",
            "Payload",
            "Receiving & processing webhooks",
            "Validating incoming requests",
            "Process events asynchronously",
            "Idempotency",
            "Retries",
            "Stability guarantee",
            "Types of events",
            "The Contact object",
        ],
    ),
    (
        "https://www.sparkplatform.com/docs/api_services/developers/newsfeed_webhooks",
        &[
            "Supported Roles",
            "Available Services",
            "All News Feed Webhooks",
            "Individual News Feed Webhook",
            "Requests to Webhooks",
            "Developers: News Feed Webhooks Description",
        ],
    ),
    (
        "https://www.sparkplatform.com/docs/api_services/newsfeed/meta",
        &["Events"],
    ),
    (
        "Visma Real Estate Flow Core API, Subscribing to WebHooks",
        &[
            "Supported event types",
            "AppropriationDateChanged",
            "CaseStatusChanged",
            "CaseSold",
            "PublicationChanged",
            "OppdragCreated",
            "InteressentCreated",
            "InteressentChanged",
            "InteressentDeleted",
            "AktivitetCreated",
            "AktivitetChanged",
            "AktivitetDeleted",
            "SettlementStatusChanged",
            "SellerInsuranceChanged",
            "MarketingPackageChanged",
            "ChecklistItemChecked",
            "EmployeeChanged",
            "OfficeChanged",
            "DynamicSaleTextChanged",
            "HyperlinkChanged",
            "ActivityParticipantCreated",
            "ActivityParticipantDeleted",
        ],
    ),
    (
        "https://github.com/Visma-Real-Estate-Solutions/Core.Api.Demo",
        &["Program.cs"],
    ),
    (
        "https://expert.propertyfinder.ae/documentation/hook",
        &[
            "Create hook",
            "Delete hook",
            "Listen to hook events from client system",
        ],
    ),
    (
        "https://expert.propertyfinder.ae/documentation/introduction/",
        &["Security and Authentication"],
    ),
    (
        "https://api-docs.propertyfinder.net/enterprise-api/index.html",
        &[
            "Authentication",
            "Authorization — Enterprise API Keys, Webhook Event-Based Permissions",
            "Authorization — Enterprise API Keys, Unauthorised Scope Access",
            "Rate Limiting",
            "Errors, Formats",
            "Leads, Fetch Leads",
            "Webhooks, Overview",
            "Webhooks, Subscription Multiplicity",
            "Webhooks, Delivery Behavior",
            "Webhooks, Security — HMAC Signature",
            "Webhooks, List Events",
            "Webhooks, Subscribe to Event",
            "Webhooks, Delete Event Subscription",
            "Webhooks, Events",
        ],
    ),
    (
        "https://api-docs.everreal.co/webhooks",
        &[
            "Webhooks",
            "List Webhooks",
            "Register a new Webhook",
            "Delete a Webhook",
            "Event Types",
        ],
    ),
    (
        "https://api-docs.everreal.co/webhooks/candidates-events/listing_candidate_applied",
        &["LISTING_CANDIDATE_APPLIED"],
    ),
    (
        "https://api-docs.everreal.co/webhooks/candidates-events/candidate_parsed",
        &["CANDIDATE_PARSED"],
    ),
    (
        "https://api-docs.everreal.co/webhooks/listing-scheduling-events/listing_candidate_schedule_invited_viewing",
        &["LISTING_CANDIDATE_SCHEDULE_INVITED_VIEWING"],
    ),
    (
        "https://api-docs.everreal.co/webhooks/listing-contracting-events/listing_contract_flow_started",
        &["LISTING_CONTRACT_FLOW_STARTED"],
    ),
    (
        "https://api-docs.everreal.co/webhooks/listing-contracting-events/listing_contract_flow_signed",
        &["LISTING_CONTRACT_FLOW_SIGNED"],
    ),
];

/// `Ok` when `citation` is `page § Section` or `page § Section (a pointer
/// within it)` for a page and heading of [`PAGES`]; else why not.
fn check_citation(citation: &str) -> Result<(), String> {
    let (page, rest) = citation
        .split_once(" § ")
        .ok_or_else(|| format!("`{citation}` is not `page § Section`"))?;
    let section = rest.split_once(" (").map_or(rest, |(section, _)| section);
    let (_, sections) = PAGES
        .iter()
        .find(|(known, _)| *known == page)
        .ok_or_else(|| format!("`{page}` is not a page the suites cite"))?;
    if sections.contains(&section) {
        Ok(())
    } else {
        Err(format!("`{page}` has no section `{section}`"))
    }
}

/// `source` cut at each `; ` outside parentheses: citations, then notes.
fn parts(source: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0usize, 0);
    for (at, c) in source.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            ';' if depth == 0 && source[at..].starts_with("; ") => {
                parts.push(&source[start..at]);
                start = at + 2;
            }
            _ => {}
        }
    }
    parts.push(&source[start..]);
    parts
}

/// `Ok` when a scenario's `source` starts with a citation, cites only
/// known pages and sections, and its notes (what is assumed) cite nothing.
fn check_source(source: &str) -> Result<(), String> {
    if source.contains("seeds/") {
        return Err("cites a seed file, which is not in the repository".to_owned());
    }
    let parts = parts(source);
    for (at, part) in parts.iter().enumerate() {
        if part.contains(" § ") || at == 0 {
            check_citation(part)?;
        } else if part.contains("://") {
            return Err(format!("`{part}` is a page without a section"));
        }
    }
    Ok(())
}

fn built_in_scenarios() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios");
    find_scenario_files(&[root]).expect("the built-in scenarios are there")
}

#[test]
fn every_built_in_scenario_cites_a_public_page_and_section() {
    let files = built_in_scenarios();
    let mut providers = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).expect("readable");
        let scenario = parse_scenario(file, &text).expect("a built-in scenario parses");
        if let Err(why) = check_source(&scenario.source) {
            panic!("{}: source `{}`: {why}", file.display(), scenario.source);
        }
        providers.push(scenario.provider);
    }
    for id in ProviderId::ALL {
        assert!(providers.contains(&id), "no built-in scenario for {id}");
    }
}

#[test]
fn every_documented_provider_fact_cites_a_known_section() {
    for id in ProviderId::ALL {
        let provider = id.provider();
        let policy = provider.policy();
        let events = provider.events().iter().map(|e| e.provenance);
        let facts = [
            policy.connect_timeout.provenance,
            policy.response_timeout.provenance,
            policy.success.provenance,
            policy.schedule.provenance,
            policy.redirects_fail.provenance,
        ];
        let headers = provider.header_facts().iter().map(|h| h.provenance);
        for provenance in facts.into_iter().chain(events).chain(headers) {
            if let Provenance::Documented { source } = provenance
                && let Err(why) = check_citation(&source.to_string())
            {
                panic!("{id}: {why}");
            }
        }
        let page = provider.documentation();
        assert!(
            PAGES.iter().any(|(known, _)| *known == page),
            "{id}: `{page}` is not a page the suites cite"
        );
    }
}

#[test]
fn the_check_refuses_what_is_not_a_citation() {
    let hemnet = "https://integration.testhemnet.se/webhook/documentation";
    assert_eq!(
        check_source(&format!("{hemnet} § Retries; gaps assumed")),
        Ok(())
    );
    assert_eq!(
        check_source(&format!("{hemnet} § Headers (X-Signature; rotation)")),
        Ok(())
    );
    for wrong in [
        "seeds/004_597c1aeaa0ae0942.txt (Retries)".to_owned(),
        format!("{hemnet} (Retries)"),
        format!("{hemnet} § Retry"),
        "https://example.com/webhooks § Retries".to_owned(),
        format!("{hemnet} § Retries; https://example.com/other"),
        "api-docs.propertyfinder.net, Enterprise API, Webhooks (X-Signature)".to_owned(),
    ] {
        assert!(check_source(&wrong).is_err(), "{wrong}");
    }
}
