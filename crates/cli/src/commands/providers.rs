//! `hooksim providers [show ID]`: the catalogue and each provider's policy
//! and headers, every fact marked documented (with its source) or assumed,
//! and what the fuzzer may vary in each event.

use hooksim_simulator::contract::asyncapi::header_provenance;
use hooksim_simulator::fuzz::{FuzzSurface, Variation};
use hooksim_simulator::policy::Fact;
use hooksim_simulator::providers::{AttemptStamp, Provider, ProviderId};
use hooksim_simulator::schedule::format_nominal;

use crate::args::ProvidersCommand;
use crate::exit::Exit;

pub fn providers(command: Option<ProvidersCommand>) -> Exit {
    match command {
        None => {
            for id in ProviderId::ALL {
                let p = id.provider();
                outln!(
                    "{:<22} {:>3} events  {}",
                    id.as_str(),
                    p.events().len(),
                    p.title()
                );
            }
            Exit::Pass
        }
        Some(ProvidersCommand::Export(args)) => super::contract::export(args),
        Some(ProvidersCommand::Show { id }) => match ProviderId::parse(&id) {
            Ok(id) => {
                out!("{}", describe(id));
                Exit::Pass
            }
            Err(e) => {
                let known: Vec<&str> = ProviderId::ALL.iter().map(|p| p.as_str()).collect();
                errln!("error: {e} (known: {})", known.join(", "));
                Exit::BadInput
            }
        },
    }
}

fn describe(id: ProviderId) -> String {
    let p = id.provider();
    let policy = p.policy();
    let mut out = format!(
        "{}: {}\ndocumentation: {}\n\ndelivery policy:\n",
        id,
        p.title(),
        p.documentation()
    );
    let fact = |name: &str, shown: String, provenance: &hooksim_simulator::policy::Provenance| {
        format!("  {name:<17} {shown}\n  {:<17} ({provenance})\n", "")
    };
    out += &fact(
        "connect timeout",
        format_nominal(policy.connect_timeout.value),
        &policy.connect_timeout.provenance,
    );
    out += &fact(
        "response timeout",
        format_nominal(policy.response_timeout.value),
        &policy.response_timeout.provenance,
    );
    out += &fact(
        "success",
        policy.success.value.to_string(),
        &policy.success.provenance,
    );
    out += &fact(
        "redirects",
        redirect_rule(&policy.redirects_fail),
        &policy.redirects_fail.provenance,
    );
    let schedule = &policy.schedule.value;
    let offsets = schedule.offsets_shown();
    out += &fact(
        "schedule",
        format!(
            "{} attempts over {}: {}",
            schedule.attempts(),
            format_nominal(schedule.span()),
            offsets.join(", ")
        ),
        &policy.schedule.provenance,
    );
    out += "\nheaders (each documented or assumed):\n";
    let example = AttemptStamp {
        unix_ms: 0,
        request_id: String::new(),
    };
    let provenance = |name: &str| {
        header_provenance(p, name).map_or_else(
            || "provenance unknown".to_owned(),
            |provenance| provenance.to_string(),
        )
    };
    for header in p.headers(&example) {
        out += &format!(
            "  {}: {}\n    ({})\n",
            header.name,
            header.shown(),
            provenance(header.name)
        );
    }
    match p.signature() {
        Some(scheme) => {
            out += &format!(
                "  {}: lowercase hex HMAC-SHA256 of the raw body\n    ({})\n    while keys rotate `old{}new`\n    ({})\n",
                scheme.header,
                provenance(scheme.header),
                scheme.rotation_separator,
                scheme.rotation
            );
        }
        None => out += "  (deliveries are not signed)\n",
    }
    out += "\nsettings:\n";
    for s in p.settings() {
        let default = s
            .default
            .map(|d| format!(" [default: {d}]"))
            .unwrap_or_default();
        out += &format!("  {:<17} {}{default}\n", s.name, s.summary);
    }
    out += &format!("\nevents ({}):\n", p.events().len());
    for e in p.events() {
        out += &format!(
            "  {:<30} {} ({})\n",
            e.name,
            e.summary,
            e.provenance.label()
        );
    }
    out += &fuzz_surfaces(p);
    out
}

/// What `fuzz` steps may vary, per event; events that vary alike share a
/// block, so a provider whose events share one shape reads as one.
fn fuzz_surfaces(p: &'static dyn Provider) -> String {
    let mut groups: Vec<(Vec<&str>, Vec<Variation>)> = Vec::new();
    for event in p.events() {
        let variations = FuzzSurface::new(p, event.name)
            .map(|surface| surface.variations())
            .unwrap_or_default();
        match groups.iter_mut().find(|(_, shared)| *shared == variations) {
            Some((events, _)) => events.push(event.name),
            None => groups.push((vec![event.name], variations)),
        }
    }
    let mut out =
        "\nfuzz (what a `fuzz` step may vary; every value stays of its documented type):\n"
            .to_owned();
    let every = p.events().len();
    for (events, variations) in groups {
        if events.len() == every && every > 1 {
            out += &format!("  every event ({every}):\n");
        } else {
            out += &format!("  {}:\n", events.join(", "));
        }
        if variations.is_empty() {
            out += "    nothing\n";
        }
        for variation in variations {
            let paths: Vec<&str> = variation
                .paths
                .iter()
                .map(|path| if path.is_empty() { "(the body)" } else { path })
                .collect();
            out += &format!("    {}: {}\n", variation.kind, paths.join(", "));
        }
    }
    out
}

fn redirect_rule(fact: &Fact<bool>) -> String {
    if fact.value {
        "not followed: a 3xx is a failed attempt".to_owned()
    } else {
        "followed".to_owned()
    }
}
