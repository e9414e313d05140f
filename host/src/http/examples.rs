//! Example requests the built-in plugins ship for the playground: a typical payload of each
//! built-in with the headers its sender adds (the files are in `host/plugin-examples/`).

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};
use uuid::Uuid;

use super::extract::{ApiPath, AuthUser};
use super::openapi::schemas as doc;
use super::{ApiError, AppState};

/// One example: (built-in name, title, path suffix, headers, body).
type Example = (
    &'static str,
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
    &'static str,
);

const EXAMPLES: [Example; 3] = [
    (
        "github",
        "GitHub: push creating a branch",
        "/github",
        &[
            ("X-GitHub-Event", "push"),
            ("Content-Type", "application/json"),
        ],
        include_str!("../../plugin-examples/github-push.json"),
    ),
    (
        "jenkins",
        "Jenkins: a build finished with a failure",
        "",
        &[("Content-Type", "application/json")],
        include_str!("../../plugin-examples/jenkins-finished-failure.json"),
    ),
    (
        "prometheus",
        "Alertmanager: two alerts firing",
        "",
        &[("Content-Type", "application/json")],
        include_str!("../../plugin-examples/prometheus-firing.json"),
    ),
];

/// `GET /api/plugins/{id}/examples`: the example requests a built-in plugin ships (none for
/// uploaded plugins).
#[utoipa::path(
    get,
    path = "/api/plugins/{id}/examples",
    tag = "plugins",
    params(("id" = Uuid, Path, description = "The plugin id")),
    responses((status = 200, description = "the plugin's example requests (`examples`: `title`, `path`, `headers` as [name, value] pairs, `body`)", body = doc::Object), (status = 403, description = "forbidden: the caller's role does not allow this", body = doc::ErrorBody), (status = 404, description = "not_found: no such plugin", body = doc::ErrorBody))
)]
pub async fn get_examples(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<Value>, ApiError> {
    let plugin = super::plugins::visible_plugin(&state, id, user.id).await?;
    let examples: Vec<Value> = EXAMPLES
        .iter()
        .filter(|(name, ..)| {
            plugin.builtin && crate::builtins::builtin_id(name) == plugin.id
        })
        .map(|(_, title, path, headers, body)| {
            json!({ "title": title, "path": path, "headers": headers, "body": body })
        })
        .collect();
    Ok(Json(json!({ "examples": examples })))
}

#[cfg(test)]
mod tests {
    use super::EXAMPLES;

    #[test]
    fn every_example_is_json_for_a_builtin() {
        for (name, _, _, _, body) in EXAMPLES {
            assert!(
                crate::builtins::BUILTINS.iter().any(|(n, _)| *n == name),
                "{name}"
            );
            serde_json::from_str::<serde_json::Value>(body).expect(name);
        }
    }
}
