//! `hooksim config`: the configuration a run would use, each value with
//! where it came from (flag, file:line:column, default), secrets redacted.

use std::path::Path;

use crate::args::RunArgs;
use crate::config::{Origin, Sourced, resolve, shown_setting};
use crate::exit::Exit;

pub fn config(explicit: Option<&Path>, args: &RunArgs) -> Exit {
    let resolved = match resolve(explicit, &args.select, Some(args)) {
        Ok(resolved) => resolved,
        Err(error) => {
            errln!("{:?}", miette::Report::new(error));
            return Exit::BadInput;
        }
    };
    match &resolved.file {
        Some(file) => outln!("config file: {}", file.display()),
        None => outln!(
            "config file: none (no {} here or above; `hooksim init` writes one)",
            crate::config::FILE_NAME
        ),
    }
    let line = |name: &str, value: &str, origin: &Origin| {
        outln!("{name:<14} = {value:<56} # {origin}");
    };
    if resolved.paths.is_empty() {
        line(
            "scenarios",
            &super::select::default_path().display().to_string(),
            &Origin::Default,
        );
    }
    for path in &resolved.paths {
        line("scenarios", &path.value.display().to_string(), &path.origin);
    }
    for filter in &resolved.filters {
        line("filter", &filter.value, &filter.origin);
    }
    if resolved.targets.is_empty() {
        line(
            "target",
            "(none: the built-in reference receiver)",
            &Origin::Default,
        );
    }
    for target in &resolved.targets {
        line("target", &target.value, &target.origin);
    }
    for setting in &resolved.settings {
        line("set", &shown_setting(&setting.value), &setting.origin);
    }
    line(
        "strict",
        &resolved.strict.value.to_string(),
        &resolved.strict.origin,
    );
    let jobs = resolved.jobs.clone().unwrap_or(Sourced {
        value: hooksim_harness::suite::default_jobs(),
        origin: Origin::Default,
    });
    line("jobs", &jobs.value.to_string(), &jobs.origin);
    match &resolved.snapshot_dir {
        Some(dir) => line(
            "snapshot_dir",
            &dir.value.display().to_string(),
            &dir.origin,
        ),
        None => line(
            "snapshot_dir",
            "(none: only hooksim's own runs are compared)",
            &Origin::Default,
        ),
    }
    line(
        "api_addr",
        &resolved.api_addr.value.to_string(),
        &resolved.api_addr.origin,
    );
    for file in &resolved.ca_certs {
        line("ca_cert", &file.value.display().to_string(), &file.origin);
    }
    line(
        "insecure",
        &resolved.insecure.value.to_string(),
        &resolved.insecure.origin,
    );
    for (name, report) in [
        ("junit", &resolved.junit),
        ("json", &resolved.json),
        ("html", &resolved.html),
    ] {
        if let Some(path) = report {
            line(name, &path.value.display().to_string(), &path.origin);
        }
    }
    Exit::Pass
}
