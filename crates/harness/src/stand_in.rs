//! Stand-in targets: `target: stand-in:...` names a receiver hooksim plays
//! itself instead of the receiver under test.

use std::time::Duration;

use hooksim_simulator::stand_in::Behaviour;

use crate::duration::parse_nominal_duration;

/// A scenario `target` starting with this names a receiver hooksim plays
/// itself instead of the receiver under test: `stand-in:refuse-connections`,
/// `stand-in:status/301`, `stand-in:slow/6s` (200 after six seconds).
pub const STAND_IN_PREFIX: &str = "stand-in:";

/// A stand-in lives in compressed real time: hooksim plays both sides, so
/// its delays and the provider's timeouts toward it are this many times
/// shorter (`slow/6s` answers after 1.5 s; Spark's 5 s timeout fires at
/// 1.25 s) and every race between them ends as it would at full length.
/// Transcripts show the nominal times. A real receiver always gets the real
/// timeouts. Not more: at 10, Spark's compressed 500 ms was too little for
/// a stand-in's instant answer on a loaded 2-core CI machine.
pub const STAND_IN_SPEEDUP: u32 = 4;

/// The behaviour a stand-in really has: its delay [`STAND_IN_SPEEDUP`] times shorter.
pub fn compressed(behaviour: Behaviour) -> Behaviour {
    match behaviour {
        Behaviour::Answer { status, after } => Behaviour::Answer {
            status,
            after: after / STAND_IN_SPEEDUP,
        },
        refuse @ Behaviour::RefuseConnections => refuse,
    }
}

/// Read the part of a stand-in target after the prefix.
pub fn parse_stand_in(spec: &str) -> Result<Behaviour, String> {
    let unknown = || {
        format!("unknown stand-in `{spec}`: use refuse-connections, status/CODE or slow/DURATION")
    };
    match spec.split_once('/') {
        None if spec == "refuse-connections" => Ok(Behaviour::RefuseConnections),
        Some(("status", code)) => match code.parse::<u16>() {
            Ok(status) if (100..=599).contains(&status) => Ok(Behaviour::Answer {
                status,
                after: Duration::ZERO,
            }),
            _ => Err(format!(
                "stand-in `{spec}`: `{code}` is not an HTTP status (100 to 599)"
            )),
        },
        Some(("slow", after)) => parse_nominal_duration(after)
            .map(|after| Behaviour::Answer { status: 200, after })
            .map_err(|e| format!("stand-in `{spec}`: {e}")),
        _ => Err(unknown()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_stand_in() {
        assert_eq!(
            parse_stand_in("refuse-connections"),
            Ok(Behaviour::RefuseConnections)
        );
        assert_eq!(
            parse_stand_in("status/301"),
            Ok(Behaviour::Answer {
                status: 301,
                after: Duration::ZERO
            })
        );
        assert_eq!(
            parse_stand_in("slow/6s"),
            Ok(Behaviour::Answer {
                status: 200,
                after: Duration::from_secs(6)
            })
        );
        assert!(parse_stand_in("status/999").is_err());
        assert!(parse_stand_in("slow/six").is_err());
        assert!(parse_stand_in("teapot").is_err());
    }
}
