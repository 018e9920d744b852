//! HTTP plumbing shared by the handlers: the JSON error type every failure becomes
//! (`{"error": "<code>", "message": "<what to do>"}`), bounded and timed body reading with gzip,
//! and the streaming NDJSON body of the export.
//!
//! It must not decide policy (which key, which project): handlers do.

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Body;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use bytes::{Bytes, BytesMut};
use http_body::Frame;
use http_body_util::BodyExt;

use crate::store::{ExportStream, StoreError};

/// A failed request: status, stable code, a sentence saying what to do, maybe `Retry-After`.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError { status, code, message: message.into(), retry_after: None }
    }

    pub fn retry(mut self, seconds: u64) -> ApiError {
        self.retry_after = Some(seconds);
        self
    }

    pub fn malformed(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "malformed", message)
    }

    pub fn storage(e: &StoreError) -> ApiError {
        tracing::warn!(error = %e, "storage is not writable");
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "storage_unavailable", "storage is not writable right now; retry after the delay in Retry-After")
            .retry(5)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({ "error": self.code, "message": self.message }).to_string();
        let mut r = (self.status, [(header::CONTENT_TYPE, "application/json")], body).into_response();
        if let Some(s) = self.retry_after {
            r.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(s));
        }
        r
    }
}

/// A JSON response from text already serialised.
pub fn json(status: StatusCode, body: String) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// Reads a request body of at most `limit` bytes within `timeout`, enforcing the limit while
/// reading (a declared `Content-Length` over it is refused before reading anything) and again
/// after gzip decompression. 413 over the limit, 408 too slow, 415 for an unknown encoding.
pub async fn read_body(headers: &HeaderMap, body: Body, limit: usize, timeout: Duration) -> Result<Bytes, ApiError> {
    let too_large = || {
        ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large", format!("the body is over {limit} bytes; send smaller batches"))
    };
    let gzip = match headers.get(header::CONTENT_ENCODING).map(|v| v.to_str().unwrap_or("?").trim().to_ascii_lowercase()) {
        None => false,
        Some(e) if e == "identity" || e.is_empty() => false,
        Some(e) if e == "gzip" || e == "x-gzip" => true,
        Some(e) => {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_encoding",
                format!("Content-Encoding {e:?} is not supported; send the body uncompressed or with gzip"),
            ))
        }
    };
    if let Some(len) = headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok()) {
        if len > limit as u64 {
            return Err(too_large());
        }
    }
    let deadline = tokio::time::Instant::now() + timeout;
    let mut body = body;
    let mut buf = BytesMut::new();
    loop {
        let frame = match tokio::time::timeout_at(deadline, body.frame()).await {
            Err(_) => {
                return Err(ApiError::new(
                    StatusCode::REQUEST_TIMEOUT,
                    "timeout",
                    format!("the body did not arrive within {} s; retry", timeout.as_secs_f64()),
                ))
            }
            Ok(None) => break,
            Ok(Some(Err(e))) => return Err(ApiError::malformed(format!("the body could not be read: {e}"))),
            Ok(Some(Ok(f))) => f,
        };
        if let Ok(data) = frame.into_data() {
            if buf.len() + data.len() > limit {
                return Err(too_large());
            }
            buf.extend_from_slice(&data);
        }
    }
    if !gzip {
        return Ok(buf.freeze());
    }
    gunzip(&buf, limit).map_err(|e| match e {
        GunzipError::TooLarge => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            format!("the body is over {limit} bytes once decompressed; send smaller batches"),
        ),
        GunzipError::Invalid(m) => ApiError::malformed(format!("the gzip body is corrupt: {m}")),
    })
}

#[derive(Debug, PartialEq)]
pub enum GunzipError {
    TooLarge,
    Invalid(String),
}

/// Decompresses gzip, stopping as soon as the output would pass `limit` (a zip bomb costs at
/// most `limit` bytes of memory).
pub fn gunzip(data: &[u8], limit: usize) -> Result<Bytes, GunzipError> {
    use std::io::Read;
    let mut out = Vec::new();
    let mut dec = flate2::read::MultiGzDecoder::new(data).take(limit as u64 + 1);
    dec.read_to_end(&mut out).map_err(|e| GunzipError::Invalid(e.to_string()))?;
    if out.len() > limit {
        return Err(GunzipError::TooLarge);
    }
    Ok(Bytes::from(out))
}

/// The export's body: NDJSON chunks from the store as they come. A storage error ends the
/// body abruptly (the chunked encoding is not terminated), so a client never mistakes a
/// partial export for a complete one.
pub struct NdjsonBody(pub ExportStream);

impl http_body::Body for NdjsonBody {
    type Data = Bytes;
    type Error = StoreError;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, StoreError>>> {
        match self.0.poll_recv(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Ready(Some(Ok(chunk))) => Poll::Ready(Some(Ok(Frame::data(Bytes::from(chunk))))),
            Poll::Ready(Some(Err(e))) => {
                tracing::error!(error = %e, "export failed mid-stream");
                Poll::Ready(Some(Err(e)))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gz(data: &[u8]) -> Vec<u8> {
        use std::io::Write;
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        let _ = e.write_all(data);
        e.finish().unwrap_or_default()
    }

    #[test]
    fn gunzip_bounds_output() {
        let small = gz(b"{\"events\":[]}");
        assert_eq!(gunzip(&small, 100).as_deref().ok(), Some(&b"{\"events\":[]}"[..]));
        let bomb = gz(&vec![b' '; 10 * 1024 * 1024]);
        assert!(bomb.len() < 64 * 1024);
        assert_eq!(gunzip(&bomb, 512 * 1024), Err(GunzipError::TooLarge));
        assert!(matches!(gunzip(b"not gzip", 100), Err(GunzipError::Invalid(_))));
    }
}
