//! One keep-alive HTTP/1.1 connection per worker, on hyper's low-level client. Loopback only.

use anyhow::{bail, Context, Result};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper::header::{HeaderValue, CONTENT_TYPE, COOKIE, HOST, SET_COOKIE};
use hyper::{Method, Request, Uri};
use hyper_util::rt::TokioIo;
use std::net::SocketAddr;
use tokio::net::TcpStream;

/// The server under test: a loopback address and the `Host` header to send.
#[derive(Debug, Clone)]
pub struct Target {
    pub addr: SocketAddr,
    pub host: String,
}

impl Target {
    /// Parse `http://127.0.0.1:8080` and refuse anything that does not resolve to loopback.
    pub async fn resolve(base: &str) -> Result<Target> {
        let uri: Uri = base
            .parse()
            .with_context(|| format!("{base:?} is not a URL"))?;
        if uri.scheme_str() != Some("http") {
            bail!("only plain http:// on loopback is supported, not {base:?}");
        }
        let authority = uri
            .authority()
            .with_context(|| format!("{base:?} has no host"))?;
        let port = authority.port_u16().unwrap_or(80);
        let host = authority
            .host()
            .trim_start_matches('[')
            .trim_end_matches(']');
        let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host, port))
            .await
            .with_context(|| format!("resolving {host}"))?
            .collect();
        if addrs.is_empty() || addrs.iter().any(|a| !a.ip().is_loopback()) {
            bail!("{host} is not a loopback address; this tool only targets this machine");
        }
        let addr = addrs
            .first()
            .copied()
            .context("no address for the target")?;
        Ok(Target {
            addr,
            host: authority.as_str().to_string(),
        })
    }
}

pub type Sender = SendRequest<Full<Bytes>>;

/// A connection that reconnects lazily after an error.
pub struct Conn {
    target: Target,
    sender: Option<Sender>,
}

/// What came back: the status, and for sign-ins the response headers and body.
pub struct Reply {
    pub status: u16,
    pub set_cookie: Vec<String>,
    pub body: Bytes,
}

impl Conn {
    pub fn new(target: Target) -> Conn {
        Conn {
            target,
            sender: None,
        }
    }

    async fn connect(&self) -> Result<Sender> {
        let stream = TcpStream::connect(self.target.addr)
            .await
            .with_context(|| format!("connecting to {}", self.target.addr))?;
        stream.set_nodelay(true)?;
        let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
        tokio::spawn(async move {
            // Ends when the sender is dropped or the server closes the connection.
            let _ = conn.await;
        });
        Ok(sender)
    }

    /// Forget the connection (after an error or a timeout, its state is unknown).
    pub fn reset(&mut self) {
        self.sender = None;
    }

    /// Send one request and read the whole response body. On error the connection is reset.
    pub async fn send(
        &mut self,
        method: Method,
        path: &str,
        cookie: Option<&str>,
        json: Option<Bytes>,
    ) -> Result<Reply> {
        let result = self.send_inner(method, path, cookie, json).await;
        if result.is_err() {
            self.reset();
        }
        result
    }

    async fn send_inner(
        &mut self,
        method: Method,
        path: &str,
        cookie: Option<&str>,
        json: Option<Bytes>,
    ) -> Result<Reply> {
        let mut sender = match self.sender.take() {
            Some(s) if !s.is_closed() => s,
            _ => self.connect().await?,
        };
        sender.ready().await?;
        let mut req = Request::builder()
            .method(method)
            .uri(path)
            .header(HOST, &self.target.host);
        if let Some(c) = cookie {
            req = req.header(COOKIE, c);
        }
        let body = match json {
            Some(b) => {
                req = req.header(CONTENT_TYPE, HeaderValue::from_static("application/json"));
                Full::new(b)
            }
            None => Full::new(Bytes::new()),
        };
        let resp = sender.send_request(req.body(body)?).await?;
        let status = resp.status().as_u16();
        let set_cookie = resp
            .headers()
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .map(str::to_string)
            .collect();
        let body = resp.into_body().collect().await?.to_bytes();
        self.sender = Some(sender);
        Ok(Reply {
            status,
            set_cookie,
            body,
        })
    }
}

/// `name=value` for the named cookie out of `Set-Cookie` headers, ready for a `Cookie` header.
pub fn cookie_pair(set_cookie: &[String], name: &str) -> Option<String> {
    set_cookie.iter().find_map(|h| {
        let pair = h.split(';').next()?.trim();
        let (n, v) = pair.split_once('=')?;
        (n.trim() == name && !v.is_empty()).then(|| pair.to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_session_cookie() {
        let headers = vec![
            "other=1; Path=/".to_string(),
            "village_session=abc.def; Path=/; HttpOnly; SameSite=Lax; Max-Age=43200".to_string(),
        ];
        assert_eq!(
            cookie_pair(&headers, "village_session").as_deref(),
            Some("village_session=abc.def")
        );
        assert_eq!(cookie_pair(&headers, "missing"), None);
        assert_eq!(
            cookie_pair(
                &["village_session=; Max-Age=0".to_string()],
                "village_session"
            ),
            None
        );
    }

    #[tokio::test]
    async fn refuses_non_loopback_targets() {
        assert!(Target::resolve("http://127.0.0.1:9").await.is_ok());
        assert!(Target::resolve("http://[::1]:9").await.is_ok());
        assert!(Target::resolve("https://127.0.0.1:9").await.is_err());
        assert!(Target::resolve("http://192.0.2.1:80").await.is_err());
        assert!(Target::resolve("not a url").await.is_err());
    }
}
