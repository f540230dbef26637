//! `hooksim snapshots accept|reject`.

use hooksim_harness::snapshot::{accept, pending_snapshots};

use super::fail;
use crate::args::SnapshotsCommand;
use crate::exit::Exit;

pub fn snapshots(action: SnapshotsCommand) -> Exit {
    let (dir, accepting) = match &action {
        SnapshotsCommand::Accept { dir } => (dir, true),
        SnapshotsCommand::Reject { dir } => (dir, false),
    };
    let pending = match pending_snapshots(dir) {
        Ok(pending) => pending,
        Err(e) => return fail(&e),
    };
    if pending.is_empty() {
        println!("no pending snapshots under {}", dir.display());
        return Exit::Pass;
    }
    for path in &pending {
        if accepting {
            match accept(path) {
                Ok(accepted) => println!("accepted {}", accepted.display()),
                Err(e) => return fail(&e),
            }
        } else if let Err(e) = std::fs::remove_file(path) {
            eprintln!("error: cannot remove {}: {e}", path.display());
            return Exit::Runtime;
        } else {
            println!("rejected {}", path.display());
        }
    }
    Exit::Pass
}
