//! Connections: the accept loop, HTTP/1.1 with a header-read timeout that answers 408, a
//! bound on open connections, background tasks (project refresh, quarantine purge), and
//! graceful shutdown that lets in-flight requests finish within the grace period.
//!
//! It owns sockets and tasks and releases them in `Running::shutdown`; it must not know what
//! any endpoint does (that is `api`).

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::task::{ready, Context, Poll};
use std::time::{Duration, Instant};

use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Semaphore};
use tokio::task::JoinHandle;

use crate::api::{self, App};
use crate::config::Limits;
use crate::metrics::Metrics;
use crate::store::Store;

/// A started server. Dropping it without `shutdown` leaves its tasks running until the runtime
/// stops, so callers shut it down.
pub struct Running {
    pub addr: SocketAddr,
    pub app: Arc<App>,
    stop: watch::Sender<bool>,
    accept: JoinHandle<()>,
    background: Vec<JoinHandle<()>>,
}

/// Binds `listen`, loads projects and starts serving.
pub async fn start(listen: SocketAddr, store: Arc<dyn Store>, metrics: Arc<Metrics>, limits: Limits) -> Result<Running, String> {
    start_with(listen, store, metrics, limits, false).await
}

/// As [`start`]; `dev` turns on what only `serve --dev` has (`POST /v1/dev/seed`).
pub async fn start_with(listen: SocketAddr, store: Arc<dyn Store>, metrics: Arc<Metrics>, limits: Limits, dev: bool) -> Result<Running, String> {
    let mut app = App::new(store, metrics, limits.clone());
    app.dev = dev;
    let app = Arc::new(app);
    app.projects.refresh(app.store.as_ref()).await.map_err(|e| format!("cannot read projects: {e}"))?;
    let listener = TcpListener::bind(listen).await.map_err(|e| format!("cannot listen on {listen}: {e}"))?;
    let addr = listener.local_addr().map_err(|e| format!("cannot read the bound address: {e}"))?;
    let (stop, stop_rx) = watch::channel(false);

    let mut background = Vec::new();
    {
        let app = app.clone();
        let mut stop_rx = stop_rx.clone();
        let every = limits.project_refresh;
        background.push(tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = tokio::time::sleep(every) => {
                        if let Err(e) = app.projects.refresh(app.store.as_ref()).await {
                            tracing::warn!(error = %e, "re-reading projects failed");
                        }
                    }
                    _ = stop_rx.changed() => break,
                }
            }
        }));
    }
    {
        let app = app.clone();
        let mut stop_rx = stop_rx.clone();
        let keep_ms = i64::from(limits.quarantine_days) * 86_400_000;
        background.push(tokio::spawn(async move {
            loop {
                match app.store.purge_quarantine(crate::now_ms() - keep_ms).await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(deleted = n, "purged old quarantined events"),
                    Err(e) => tracing::warn!(error = %e, "purging the quarantine failed"),
                }
                tokio::select! {
                    _ = tokio::time::sleep(Duration::from_secs(3600)) => {}
                    _ = stop_rx.changed() => break,
                }
            }
        }));
    }
    let accept = tokio::spawn(accept_loop(listener, app.clone(), limits, stop_rx));
    Ok(Running { addr, app, stop, accept, background })
}

impl Running {
    /// Stops accepting, lets in-flight requests finish within the grace period, stops the
    /// background tasks. The store stays open (its owner closes it).
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        let _ = self.accept.await;
        for t in self.background {
            let _ = t.await;
        }
    }
}

async fn accept_loop(listener: TcpListener, app: Arc<App>, limits: Limits, mut stop: watch::Receiver<bool>) {
    let graceful = GracefulShutdown::new();
    let connections = Arc::new(Semaphore::new(limits.max_connections));
    let router = api::router(app.clone());
    loop {
        // Wait for room before accepting: beyond the limit, clients queue in the backlog.
        let permit = tokio::select! {
            p = connections.clone().acquire_owned() => match p { Ok(p) => p, Err(_) => break },
            _ = stop.changed() => break,
        };
        let (tcp, peer) = tokio::select! {
            r = listener.accept() => match r {
                Ok(x) => x,
                Err(e) => {
                    // EMFILE and friends: wait a little rather than spin.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = stop.changed() => break,
        };
        let _ = tcp.set_nodelay(true);
        let stream = Arc::new(tcp);
        let unanswered = Arc::new(AtomicU64::new(0));
        let io = TokioIo::new(ConnIo { stream: stream.clone(), unanswered: unanswered.clone() });
        let conn = http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(limits.header_timeout)
            .keep_alive(true)
            .serve_connection(io, TowerToHyperService::new(router.clone()));
        let conn = graceful.watch(conn);
        let app = app.clone();
        tokio::spawn(async move {
            let t0 = Instant::now();
            if let Err(e) = conn.await {
                // hyper closes a connection whose request head is late without a word; when
                // part of a request had arrived, say 408 so the client knows to retry.
                if e.is_timeout() && unanswered.load(Relaxed) > 0 {
                    write_408(&stream).await;
                    app.metrics.response("other", 408, t0.elapsed());
                } else {
                    tracing::debug!(error = %e, %peer, "connection ended with an error");
                }
            }
            drop(permit);
        });
    }
    drop(listener);
    tracing::info!("stopped accepting; draining in-flight requests");
    if tokio::time::timeout(limits.shutdown_grace, graceful.shutdown()).await.is_err() {
        tracing::warn!(grace_ms = limits.shutdown_grace.as_millis() as u64, "some requests did not finish within the grace period");
    }
}

async fn write_408(stream: &TcpStream) {
    let body = r#"{"error":"timeout","message":"the request head did not arrive in time; retry"}"#;
    let msg = format!(
        "HTTP/1.1 408 Request Timeout\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    let mut rest = msg.as_bytes();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(1);
    while !rest.is_empty() {
        if tokio::time::timeout_at(deadline, stream.writable()).await.is_err() {
            return;
        }
        match stream.try_write(rest) {
            Ok(n) => rest = rest.get(n..).unwrap_or_default(),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
            Err(_) => return,
        }
    }
    let _ = socket2::SockRef::from(stream).shutdown(std::net::Shutdown::Write);
}

/// The connection's socket, shared so that a 408 can still be written after hyper gives the
/// connection up. `unanswered` counts bytes read since the last byte written: non-zero at a
/// header timeout means a request was arriving, zero means the connection was merely idle.
struct ConnIo {
    stream: Arc<TcpStream>,
    unanswered: Arc<AtomicU64>,
}

impl AsyncRead for ConnIo {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        loop {
            ready!(self.stream.poll_read_ready(cx))?;
            match self.stream.try_read(buf.initialize_unfilled()) {
                Ok(n) => {
                    buf.advance(n);
                    self.unanswered.fetch_add(n as u64, Relaxed);
                    return Poll::Ready(Ok(()));
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
                Err(e) => return Poll::Ready(Err(e)),
            }
        }
    }
}

impl AsyncWrite for ConnIo {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        loop {
            ready!(self.stream.poll_write_ready(cx))?;
            match self.stream.try_write(buf) {
                Ok(n) => {
                    self.unanswered.store(0, Relaxed);
                    return Poll::Ready(Ok(n));
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
                Err(e) => return Poll::Ready(Err(e)),
            }
        }
    }

    fn poll_write_vectored(self: Pin<&mut Self>, cx: &mut Context<'_>, bufs: &[io::IoSlice<'_>]) -> Poll<io::Result<usize>> {
        loop {
            ready!(self.stream.poll_write_ready(cx))?;
            match self.stream.try_write_vectored(bufs) {
                Ok(n) => {
                    self.unanswered.store(0, Relaxed);
                    return Poll::Ready(Ok(n));
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
                Err(e) => return Poll::Ready(Err(e)),
            }
        }
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let r = socket2::SockRef::from(&*self.stream).shutdown(std::net::Shutdown::Write);
        // Already closed by the peer is not an error worth reporting.
        Poll::Ready(match r {
            Err(e) if e.kind() == io::ErrorKind::NotConnected => Ok(()),
            other => other,
        })
    }
}
