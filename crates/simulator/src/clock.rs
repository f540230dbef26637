//! Virtual time. Retry gaps and `wait` steps advance a nominal clock; real
//! waiting is the nominal duration divided by a scale, or nothing at all.
//! Request timeouts are not the clock's business: they stay real.

use std::time::Duration;

/// How much real time a nominal duration costs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TimeScale {
    /// Never wait in real time (the default: 7 days run in milliseconds).
    Instant,
    /// Wait `nominal / factor` in real time (a factor of 1.0 is real time).
    Compressed { factor: f64 },
}

/// A nominal clock for one scenario: offsets since the scenario began.
#[derive(Debug, Clone)]
pub struct Clock {
    now: Duration,
    scale: TimeScale,
}

impl Clock {
    pub fn new(scale: TimeScale) -> Self {
        Self {
            now: Duration::ZERO,
            scale,
        }
    }

    /// Nominal time since the clock started.
    pub fn now(&self) -> Duration {
        self.now
    }

    /// Move nominal time forward by `nominal`, waiting the scaled real time.
    pub async fn advance(&mut self, nominal: Duration) {
        self.now += nominal;
        if let Some(real) = self.real_wait(nominal) {
            tokio::time::sleep(real).await;
        }
    }

    fn real_wait(&self, nominal: Duration) -> Option<Duration> {
        match self.scale {
            TimeScale::Instant => None,
            TimeScale::Compressed { factor } if factor > 0.0 && !nominal.is_zero() => {
                Some(nominal.div_f64(factor))
            }
            TimeScale::Compressed { .. } => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn compressed_clock_waits_scaled_real_time() {
        let mut clock = Clock::new(TimeScale::Compressed { factor: 1000.0 });
        let started = tokio::time::Instant::now();
        clock.advance(Duration::from_secs(60)).await;
        assert_eq!(clock.now(), Duration::from_secs(60));
        assert_eq!(started.elapsed(), Duration::from_millis(60));
    }

    #[tokio::test(start_paused = true)]
    async fn instant_clock_records_without_waiting() {
        let mut clock = Clock::new(TimeScale::Instant);
        let started = tokio::time::Instant::now();
        clock.advance(Duration::from_secs(7 * 86_400)).await;
        assert_eq!(clock.now(), Duration::from_secs(7 * 86_400));
        assert_eq!(started.elapsed(), Duration::ZERO);
    }
}
