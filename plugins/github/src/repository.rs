//! Repository-level events: `release`, `star`, `watch` and `fork`.

use std::borrow::Cow;

use serde::Deserialize;
use wasmhook_sdk::{Result, json};

use crate::markup::{self, Context, link, plural, repo};
use crate::model::{Repository, User};
use crate::{Reply, unsupported_action};

#[derive(Deserialize)]
struct ReleaseEvent<'a> {
    #[serde(borrow)]
    action: Cow<'a, str>,
    #[serde(borrow)]
    release: Release<'a>,
    #[serde(borrow)]
    repository: Repository<'a>,
    #[serde(borrow, default)]
    sender: User<'a>,
}

#[derive(Deserialize)]
struct Release<'a> {
    #[serde(borrow, default)]
    tag_name: Cow<'a, str>,
    #[serde(borrow, default)]
    name: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    html_url: Cow<'a, str>,
    #[serde(default)]
    draft: bool,
    #[serde(default)]
    prerelease: bool,
    #[serde(borrow, default)]
    body: Option<Cow<'a, str>>,
}

/// Renders a `release` event.
///
/// GitHub sends several actions for one release: `created` and `published` (plus
/// `released`) for a release, `created`, `published` and `prereleased` for a pre-release.
/// Each release is posted once: `published` for releases, `prereleased` for pre-releases,
/// and `created` for drafts (which are not published yet).
pub fn release(payload: &str, context: &Context<'_>) -> Result<Reply> {
    let event: ReleaseEvent<'_> = json::from_str(payload)?;
    let release = &event.release;
    let action = event.action.as_ref();
    let (emoji, verb) = match (action, release.draft, release.prerelease) {
        ("published", _, false) => ("🚀", "published release"),
        ("prereleased", _, _) => ("🧪", "published pre-release"),
        ("created", true, _) => ("📝", "drafted release"),
        ("published", _, true) => {
            return Err(wasmhook_sdk::Error::unsupported_event(
                "GitHub event \"release\" with action \"published\" for a pre-release is not rendered: the \"prereleased\" action reports it",
            ));
        }
        ("created", false, _) => {
            return Err(wasmhook_sdk::Error::unsupported_event(
                "GitHub event \"release\" with action \"created\" is only rendered for drafts: the \"published\" or \"prereleased\" action reports this release",
            ));
        }
        _ => return Err(unsupported_action("release", action)),
    };
    let mut label = release.tag_name.to_string();
    if let Some(name) = release.name.as_deref()
        && !name.trim().is_empty()
        && name.trim() != label
    {
        label = format!("{label} {}", markup::title(name));
    }
    let mut content = format!(
        "{emoji} {} {verb} {} of {}",
        context.person(&event.sender),
        link(&label, &release.html_url),
        repo(&event.repository)
    );
    content.push_str(&markup::excerpt(release.body.as_deref()));
    Ok(Reply::Post(content))
}

#[derive(Deserialize)]
struct StarEvent<'a> {
    #[serde(borrow)]
    action: Cow<'a, str>,
    #[serde(borrow)]
    repository: Repository<'a>,
    #[serde(borrow, default)]
    sender: User<'a>,
}

/// Renders `star` (action `created`) and `watch` (action `started`), which GitHub both sends
/// when someone stars a repository.
pub fn star(event_name: &str, payload: &str, context: &Context<'_>) -> Result<Reply> {
    let event: StarEvent<'_> = json::from_str(payload)?;
    let action = event.action.as_ref();
    if !matches!(
        (event_name, action),
        ("star", "created") | ("watch", "started")
    ) {
        return Err(unsupported_action(event_name, action));
    }
    let count = match event.repository.stargazers_count {
        Some(count) => format!(
            " ({})",
            plural(usize::try_from(count).unwrap_or(usize::MAX), "star")
        ),
        None => String::new(),
    };
    Ok(Reply::Post(format!(
        "⭐ {} starred {}{count}",
        context.person(&event.sender),
        repo(&event.repository)
    )))
}

#[derive(Deserialize)]
struct ForkEvent<'a> {
    #[serde(borrow)]
    forkee: Repository<'a>,
    #[serde(borrow)]
    repository: Repository<'a>,
    #[serde(borrow, default)]
    sender: User<'a>,
}

/// Renders a `fork` event.
pub fn fork(payload: &str, context: &Context<'_>) -> Result<Reply> {
    let event: ForkEvent<'_> = json::from_str(payload)?;
    Ok(Reply::Post(format!(
        "🍴 {} forked {} to {}",
        context.person(&event.sender),
        repo(&event.repository),
        repo(&event.forkee)
    )))
}
