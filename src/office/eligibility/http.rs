//! A clearinghouse over HTTP: the 270 is POSTed as `application/EDI-X12`, the body of a
//! 200 answer is the 271.

use super::{Clearinghouse, ClearinghouseError, ExchangeFuture};
use std::time::Duration;

/// The largest 271 accepted (one subscriber's answer is a few KB).
pub const MAX_271: usize = 1 << 20;

/// Posts 270s to one URL with a timeout over the whole exchange.
#[derive(Debug, Clone)]
pub struct HttpClearinghouse {
    client: reqwest::Client,
    url: String,
    timeout: Duration,
}

impl HttpClearinghouse {
    pub fn new(url: impl Into<String>, timeout: Duration) -> Self {
        Self {
            client: reqwest::Client::builder()
                .connect_timeout(timeout)
                .build()
                .unwrap_or_default(),
            url: url.into(),
            timeout,
        }
    }

    async fn exchange_inner(&self, x270: String) -> Result<Vec<u8>, ClearinghouseError> {
        let unreachable = |e: reqwest::Error| {
            // reqwest's text names the URL and the kind of failure, never a body.
            ClearinghouseError::Unreachable(e.without_url().to_string())
        };
        let mut response = self
            .client
            .post(&self.url)
            .header(reqwest::header::CONTENT_TYPE, "application/EDI-X12")
            .body(x270)
            .send()
            .await
            .map_err(unreachable)?;
        if !response.status().is_success() {
            return Err(ClearinghouseError::Status(response.status().as_u16()));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(unreachable)? {
            if body.len() + chunk.len() > MAX_271 {
                return Err(ClearinghouseError::TooLarge { max: MAX_271 });
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }
}

impl Clearinghouse for HttpClearinghouse {
    fn exchange(&self, x270: String) -> ExchangeFuture<'_> {
        Box::pin(async move {
            tokio::time::timeout(self.timeout, self.exchange_inner(x270))
                .await
                .map_err(|_| ClearinghouseError::Timeout)?
        })
    }
}
