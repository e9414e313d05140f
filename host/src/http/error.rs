//! `ApiError`: every error the HTTP layer returns, rendered as
//! `{"error":{"code","message","field"}}`. 5xx bodies are generic; the cause is logged.

use std::time::Duration;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::ingest::dialect::DialectError;
use crate::ingest::validate::FieldError;
use crate::store::StoreError;

/// An HTTP error response.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 404 with a fixed message: unknown, disabled and deleted look the same.
    #[error("{0}")]
    NotFound(&'static str),
    /// 401: missing or unknown credentials.
    #[error("{0}")]
    Unauthorized(String),
    /// 403: authenticated but not allowed.
    #[error("{0}")]
    Forbidden(String),
    /// 400 with an error code (`malformed_json`, `invalid_utf8`, `bad_request`).
    #[error("{message}")]
    BadRequest {
        /// Machine-readable code.
        code: &'static str,
        /// Human-readable message.
        message: String,
    },
    /// 415.
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// 413.
    #[error("request body is larger than the limit of {limit} bytes")]
    PayloadTooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// 422: a field broke a rule.
    #[error(transparent)]
    Validation(#[from] FieldError),
    /// 409: a unique value is taken, or the resource is in use.
    #[error("{message}")]
    Conflict {
        /// The field concerned.
        field: Option<String>,
        /// Human-readable message.
        message: String,
    },
    /// 429 with `Retry-After`.
    #[error("rate limit exceeded for this webhook")]
    RateLimited {
        /// How long until a request would be accepted.
        retry_after: Duration,
    },
    /// 503: the database is unreachable.
    #[error("service temporarily unavailable")]
    Unavailable(#[source] anyhow::Error),
    /// 500.
    #[error("internal server error")]
    Internal(#[source] anyhow::Error),
}

impl ApiError {
    /// The one 404 of the execute paths.
    pub const UNKNOWN_WEBHOOK: ApiError = ApiError::NotFound("unknown webhook");

    /// A 422 for `field`.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        ApiError::Validation(FieldError::new(field, message))
    }

    fn status_code_field(&self) -> (StatusCode, &'static str, Option<&str>) {
        match self {
            ApiError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found", None),
            ApiError::Unauthorized(_) => (StatusCode::UNAUTHORIZED, "unauthorized", None),
            ApiError::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden", None),
            ApiError::BadRequest { code, .. } => (StatusCode::BAD_REQUEST, code, None),
            ApiError::UnsupportedMediaType(_) => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                None,
            ),
            ApiError::PayloadTooLarge { .. } => {
                (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", None)
            }
            ApiError::Validation(f) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed",
                Some(f.field.as_str()),
            ),
            ApiError::Conflict { field, .. } => {
                (StatusCode::CONFLICT, "conflict", field.as_deref())
            }
            ApiError::RateLimited { .. } => (StatusCode::TOO_MANY_REQUESTS, "rate_limited", None),
            ApiError::Unavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, "unavailable", None),
            ApiError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal", None),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound => ApiError::NotFound("not found"),
            StoreError::LastOwner => ApiError::invalid(
                "role",
                "role would leave the community without an owner; make another member owner first",
            ),
            StoreError::Conflict { field } => ApiError::Conflict {
                field: Some(field.to_owned()),
                message: format!("{field} is already taken"),
            },
            // The database could not be reached (pool, I/O, TLS, protocol, PostgreSQL's
            // connection and shutdown SQLSTATEs): 503, and the node recovers by itself.
            unavailable if unavailable.is_unavailable() => {
                ApiError::Unavailable(unavailable.into())
            }
            other => ApiError::Internal(other.into()),
        }
    }
}

impl From<DialectError> for ApiError {
    fn from(err: DialectError) -> Self {
        match err {
            DialectError::InvalidUtf8 => ApiError::BadRequest {
                code: "invalid_utf8",
                message: err.to_string(),
            },
            DialectError::MalformedJson(_) => ApiError::BadRequest {
                code: "malformed_json",
                message: err.to_string(),
            },
            DialectError::Invalid(f) => ApiError::Validation(f),
        }
    }
}

/// The one error shape, `{"error":{"code","message","field"?}}`, for every response the
/// server builds, including those written below axum (the connection guard, the edge).
pub(crate) fn error_body(code: &str, message: &str, field: Option<&str>) -> Value {
    let mut body = json!({ "error": { "code": code, "message": message } });
    if let Some(field) = field {
        body["error"]["field"] = field.into();
    }
    body
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code, field) = self.status_code_field();
        let message = match &self {
            ApiError::Validation(f) => f.message.clone(),
            ApiError::Internal(e) | ApiError::Unavailable(e) => {
                tracing::error!(error = ?e, "request failed with {status}");
                self.to_string()
            }
            other => other.to_string(),
        };
        let body = error_body(code, &message, field);
        let mut response = (status, axum::Json(body)).into_response();
        if let ApiError::RateLimited { retry_after } = self {
            let secs = retry_after.as_secs_f64().ceil().max(1.0) as u64;
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use sqlx::error::{DatabaseError, ErrorKind};

    use super::*;

    /// A database error with a SQLSTATE, as PostgreSQL reports one.
    #[derive(Debug)]
    struct Sqlstate(&'static str);

    impl std::fmt::Display for Sqlstate {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "SQLSTATE {}", self.0)
        }
    }

    impl std::error::Error for Sqlstate {}

    impl DatabaseError for Sqlstate {
        fn message(&self) -> &str {
            "database error"
        }

        fn code(&self) -> Option<Cow<'_, str>> {
            Some(Cow::Borrowed(self.0))
        }

        fn as_error(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
            self
        }

        fn as_error_mut(&mut self) -> &mut (dyn std::error::Error + Send + Sync + 'static) {
            self
        }

        fn into_error(self: Box<Self>) -> Box<dyn std::error::Error + Send + Sync + 'static> {
            self
        }

        fn kind(&self) -> ErrorKind {
            ErrorKind::Other
        }
    }

    fn status(err: sqlx::Error) -> StatusCode {
        ApiError::from(StoreError::Database(err))
            .into_response()
            .status()
    }

    #[test]
    fn an_unreachable_database_answers_503() {
        let unreachable = [
            sqlx::Error::PoolTimedOut,
            sqlx::Error::PoolClosed,
            sqlx::Error::Io(std::io::ErrorKind::ConnectionReset.into()),
            sqlx::Error::Protocol("unexpected response from SSLRequest: 0x48".into()),
            sqlx::Error::Tls("server does not support TLS".into()),
            // Class 08, connection exception: 08000, 08003, 08006 (connection failure), ...
            sqlx::Error::Database(Box::new(Sqlstate("08000"))),
            sqlx::Error::Database(Box::new(Sqlstate("08006"))),
            sqlx::Error::Database(Box::new(Sqlstate("08P01"))),
            // Admin shutdown, crash shutdown, cannot connect now.
            sqlx::Error::Database(Box::new(Sqlstate("57P01"))),
            sqlx::Error::Database(Box::new(Sqlstate("57P02"))),
            sqlx::Error::Database(Box::new(Sqlstate("57P03"))),
        ];
        for err in unreachable {
            let shown = format!("{err:?}");
            assert_eq!(status(err), StatusCode::SERVICE_UNAVAILABLE, "{shown}");
        }
    }

    #[test]
    fn a_failing_query_answers_500() {
        let failing = [
            sqlx::Error::RowNotFound,
            sqlx::Error::ColumnNotFound("x".into()),
            // Undefined table, statement timeout (query_canceled), serialization failure.
            sqlx::Error::Database(Box::new(Sqlstate("42P01"))),
            sqlx::Error::Database(Box::new(Sqlstate("57014"))),
            sqlx::Error::Database(Box::new(Sqlstate("40001"))),
        ];
        for err in failing {
            let shown = format!("{err:?}");
            assert_eq!(status(err), StatusCode::INTERNAL_SERVER_ERROR, "{shown}");
        }
    }
}
