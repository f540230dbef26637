//! `hooksim suites export DIR`: the built-in suites as files to customise.

use hooksim_harness::builtin;
use hooksim_simulator::providers::ProviderId;

use super::fail;
use crate::args::SuitesCommand;
use crate::exit::Exit;

pub fn suites(action: SuitesCommand) -> Exit {
    let SuitesCommand::Export {
        dir,
        provider,
        force,
    } = action;
    if let Some(id) = &provider
        && let Err(e) = ProviderId::parse(id)
    {
        let ids: Vec<&str> = ProviderId::ALL.iter().map(|p| p.as_str()).collect();
        errln!(
            "error: --provider {id}: {e}; {}",
            hooksim_harness::suggest::did_you_mean(id, &ids, "known providers")
        );
        return Exit::BadInput;
    }
    match builtin::export(&dir, provider.as_deref(), force) {
        Ok(written) => {
            let scenarios = written
                .iter()
                .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
                .count();
            outln!(
                "wrote {scenarios} scenarios to {} and their snapshots (hooksim's reference receiver) to {}",
                dir.join("scenarios").display(),
                dir.join("snapshots").display()
            );
            outln!(
                "run them with `hooksim run {}`",
                dir.join("scenarios").display()
            );
            Exit::Pass
        }
        Err(e) => fail(&e),
    }
}
