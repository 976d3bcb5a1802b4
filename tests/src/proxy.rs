//! A TCP proxy between a browser and the server, to cut a page's network on demand.
//!
//! Tests point a browser at the proxy's address. [`Proxy::cut`] drops every connection
//! going through it and refuses new ones, as a dropped Wi-Fi would; [`Proxy::silence`]
//! stops carrying bytes but keeps every socket open, as a network that vanished without
//! a word would (a laptop's Wi-Fi gone behind a router, a server's machine losing power):
//! no close ever reaches either side. [`Proxy::restore`] lets new connections through
//! again. The page itself is untouched: what it does about it is what is being tested.

use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// What the proxy does with the bytes it is given.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Network {
    /// Carries them.
    Up,
    /// Closes every connection and refuses new ones.
    Cut,
    /// Carries nothing, closes nothing: connections hang, new ones are accepted and hang.
    Silent,
}

pub struct Proxy {
    addr: SocketAddr,
    network: Arc<watch::Sender<Network>>,
    task: tokio::task::JoinHandle<()>,
}

impl Proxy {
    /// Forward `127.0.0.1:<some port>` to `upstream`.
    pub async fn start(upstream: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let addr = listener.local_addr().expect("proxy address");
        let (network, _) = watch::channel(Network::Up);
        let network = Arc::new(network);
        let state = network.clone();
        let task = tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let mut changes = state.subscribe();
                let network = *changes.borrow_and_update();
                match network {
                    Network::Cut => continue,
                    Network::Silent => {
                        // Hold the socket, say nothing, until the network comes back.
                        tokio::spawn(async move {
                            let _ = changes.wait_for(|n| *n != Network::Silent).await;
                            drop(inbound);
                        });
                        continue;
                    }
                    Network::Up => {}
                }
                tokio::spawn(async move {
                    let Ok(mut outbound) = TcpStream::connect(upstream).await else {
                        return;
                    };
                    let _ = inbound.set_nodelay(true);
                    let _ = outbound.set_nodelay(true);
                    let went_down = tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => None,
                        down = changes.wait_for(|n| *n != Network::Up) => down.ok().map(|n| *n),
                    };
                    if went_down == Some(Network::Silent) {
                        // Keep both ends open and carry nothing more; a connection that
                        // went silent stays dead even once the network is back.
                        let _ = changes.wait_for(|n| *n != Network::Silent).await;
                    }
                });
            }
        });
        Proxy {
            addr,
            network,
            task,
        }
    }

    pub fn http_url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    /// Drop every connection and refuse new ones.
    pub fn cut(&self) {
        self.network.send_replace(Network::Cut);
    }

    /// Carry nothing more, without closing anything.
    pub fn silence(&self) {
        self.network.send_replace(Network::Silent);
    }

    /// Let new connections through again.
    pub fn restore(&self) {
        self.network.send_replace(Network::Up);
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}
