//! Ctrl-C for a whole run: once asked, no scenario starts, and a running
//! one stops at once (the delivery in flight is dropped), keeping the
//! steps it finished. The command line sends it; the suite and the runner
//! watch it.

use tokio::sync::watch;

/// Tells a run to stop.
#[derive(Debug)]
pub struct StopRun(watch::Sender<bool>);

/// Whether the run was told to stop, and a way to wait for it.
#[derive(Debug, Clone)]
pub struct Interrupt(watch::Receiver<bool>);

impl StopRun {
    /// A pair: the side that asks, and the side runs watch.
    pub fn new() -> (Self, Interrupt) {
        let (sender, receiver) = watch::channel(false);
        (Self(sender), Interrupt(receiver))
    }

    pub fn stop(&self) {
        self.0.send_replace(true);
    }
}

impl Interrupt {
    pub fn is_set(&self) -> bool {
        *self.0.borrow()
    }

    /// Returns once the run is told to stop (never, when the asking side
    /// is gone without asking).
    pub async fn wait(&mut self) {
        if self.0.wait_for(|stop| *stop).await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn waiting_ends_when_the_run_is_told_to_stop() {
        let (stop, interrupt) = StopRun::new();
        assert!(!interrupt.is_set());
        let mut waiting = interrupt.clone();
        let waited = tokio::spawn(async move { waiting.wait().await });
        stop.stop();
        tokio::time::timeout(std::time::Duration::from_secs(5), waited)
            .await
            .expect("woken")
            .expect("the task ends");
        assert!(interrupt.is_set());
    }
}
