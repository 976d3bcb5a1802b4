//! One value for "this connection must end", whoever decides it: the server stopping
//! (every connection, at once) or, once the connection is seated, its room letting it
//! go (too slow, the session deleted). Whatever the connection waits for (a frame, a
//! write) it waits for alongside [`Shutdown::recv`], and ends with the [`Farewell`] it
//! gives.

use super::farewell::Farewell;
use shared::wire::ByeReason;
use std::future::Future;
use std::pin::Pin;
use tokio::sync::{oneshot, watch};

pub struct Shutdown {
    /// Resolves once the server stops. Made once per connection, not per wait: every
    /// connection's waiting registers on the one shared watch, under its lock.
    stopping: Pin<Box<dyn Future<Output = ()> + Send>>,
    /// Told by the room if it drops this connection; none until seated.
    kicked: Option<oneshot::Receiver<ByeReason>>,
    /// Once known, why the connection ends: neither future above is polled again.
    ended: Option<Farewell>,
}

impl Shutdown {
    pub fn new(mut stopping: watch::Receiver<bool>) -> Self {
        Shutdown {
            stopping: Box::pin(async move {
                let _ = stopping.wait_for(|stop| *stop).await;
            }),
            kicked: None,
            ended: None,
        }
    }

    /// The connection is seated: from now on its room may end it too.
    pub fn heed(&mut self, kicked: oneshot::Receiver<ByeReason>) {
        self.kicked = Some(kicked);
    }

    /// Resolves once the connection must end, with what it is told. A room that lets
    /// go without a reason is gone.
    pub async fn recv(&mut self) -> Farewell {
        if let Some(ended) = &self.ended {
            return ended.clone();
        }
        let Shutdown {
            stopping, kicked, ..
        } = self;
        let kicked = async {
            match kicked.as_mut() {
                Some(kicked) => kicked.await.ok(),
                None => std::future::pending().await,
            }
        };
        let ended = tokio::select! {
            reason = kicked => Farewell::Bye(reason.unwrap_or(ByeReason::SessionDeleted)),
            () = stopping.as_mut() => Farewell::Bye(ByeReason::ShuttingDown),
        };
        self.ended = Some(ended.clone());
        ended
    }

    /// Run `work` unless the connection must end first. A client that stops reading
    /// blocks writes, so its room fills its queue and drops it: this is how a write
    /// stuck on such a client hears of it and lets go of the socket.
    pub async fn unless<F: Future>(&mut self, work: F) -> Result<F::Output, Farewell> {
        tokio::select! {
            done = work => Ok(done),
            ended = self.recv() => Err(ended),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_server_stopping_ends_the_connection_and_says_so_every_time() {
        let (stop, stopping) = watch::channel(false);
        let mut shutdown = Shutdown::new(stopping);
        stop.send(true).expect("a receiver");
        assert_eq!(
            shutdown.recv().await,
            Farewell::Bye(ByeReason::ShuttingDown)
        );
        // Asked again (the futures are done): the same answer, no panic.
        assert_eq!(
            shutdown.recv().await,
            Farewell::Bye(ByeReason::ShuttingDown)
        );
    }

    /// A seated connection's shutdown (the server running), and what its room holds to
    /// end it.
    fn seated() -> (Shutdown, oneshot::Sender<ByeReason>, watch::Sender<bool>) {
        let (stop, stopping) = watch::channel(false);
        let mut shutdown = Shutdown::new(stopping);
        let (kick, kicked) = oneshot::channel();
        shutdown.heed(kicked);
        (shutdown, kick, stop)
    }

    #[tokio::test]
    async fn once_seated_the_room_can_end_it_with_its_reason() {
        let (mut shutdown, kick, _stop) = seated();
        kick.send(ByeReason::SlowConsumer).expect("a receiver");
        let ended = shutdown.recv().await;
        assert_eq!(ended, Farewell::Bye(ByeReason::SlowConsumer));
    }

    #[tokio::test]
    async fn a_room_that_lets_go_without_a_reason_is_gone() {
        let (mut shutdown, kick, _stop) = seated();
        drop(kick);
        let ended = shutdown.recv().await;
        assert_eq!(ended, Farewell::Bye(ByeReason::SessionDeleted));
    }

    #[tokio::test]
    async fn work_finishes_unless_the_connection_ends_first() {
        let (stop, stopping) = watch::channel(false);
        let mut shutdown = Shutdown::new(stopping);
        assert_eq!(shutdown.unless(async { 7 }).await, Ok(7));
        stop.send(true).expect("a receiver");
        let never = std::future::pending::<()>();
        assert_eq!(
            shutdown.unless(never).await,
            Err(Farewell::Bye(ByeReason::ShuttingDown))
        );
    }
}
