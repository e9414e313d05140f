//! `push`, `create` and `delete`: commits, branches and tags.

use std::borrow::Cow;

use serde::Deserialize;
use wasmhook_sdk::{Result, json};

use crate::Reply;
use crate::markup::{self, Context, code, code_link, link, plural, repo, short_sha, text};
use crate::model::{Repository, User};

#[derive(Deserialize)]
struct Push<'a> {
    #[serde(rename = "ref", borrow)]
    git_ref: Cow<'a, str>,
    #[serde(default)]
    after: &'a str,
    #[serde(default)]
    created: bool,
    #[serde(default)]
    deleted: bool,
    #[serde(default)]
    forced: bool,
    #[serde(borrow, default)]
    compare: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    commits: Vec<Commit<'a>>,
    #[serde(borrow, default)]
    head_commit: Option<Commit<'a>>,
    #[serde(borrow)]
    repository: Repository<'a>,
    #[serde(borrow, default)]
    sender: User<'a>,
    #[serde(borrow, default)]
    pusher: Pusher<'a>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Pusher<'a> {
    #[serde(borrow)]
    name: Cow<'a, str>,
}

#[derive(Deserialize)]
struct Commit<'a> {
    #[serde(default)]
    id: &'a str,
    #[serde(borrow, default)]
    message: Cow<'a, str>,
    #[serde(borrow, default)]
    url: Cow<'a, str>,
    #[serde(borrow, default)]
    author: Author<'a>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Author<'a> {
    #[serde(borrow)]
    name: Cow<'a, str>,
    #[serde(borrow)]
    username: Option<Cow<'a, str>>,
}

/// A ref split into its kind and short name.
enum Ref<'r> {
    Branch(&'r str),
    Tag(&'r str),
    Other(&'r str),
}

impl<'r> Ref<'r> {
    fn parse(git_ref: &'r str) -> Self {
        if let Some(name) = git_ref.strip_prefix("refs/heads/") {
            Self::Branch(name)
        } else if let Some(name) = git_ref.strip_prefix("refs/tags/") {
            Self::Tag(name)
        } else {
            Self::Other(git_ref)
        }
    }
}

/// Renders a `push`.
pub fn push(payload: &str, context: &Context<'_>) -> Result<Reply> {
    let push: Push<'_> = json::from_str(payload)?;
    let git_ref = Ref::parse(&push.git_ref);
    if let Ref::Branch(branch) = git_ref
        && let Some(reason) = context.branch_skip_reason(branch)
    {
        return Ok(Reply::Skip(reason));
    }
    let who = if push.sender.login.is_empty() {
        if push.pusher.name.trim().is_empty() {
            "someone".to_owned()
        } else {
            text(&push.pusher.name)
        }
    } else {
        context.person(&push.sender)
    };
    let repo_link = repo(&push.repository);
    let (kind, name) = match git_ref {
        Ref::Branch(name) => ("branch", name),
        Ref::Tag(name) => ("tag", name),
        Ref::Other(name) => ("ref", name),
    };
    let name_link = code_link(
        name,
        &markup::repo_page(&push.repository, &format!("/tree/{name}")),
    );
    let compare = match push.compare.as_deref() {
        Some(url) if !url.is_empty() => format!(" ({})", link("compare", url)),
        _ => String::new(),
    };
    let count = push.commits.len();

    let mut content = if push.deleted {
        format!("{who} deleted {kind} {} in {repo_link}", code(name))
    } else if kind == "tag" {
        let verb = match (push.created, push.forced) {
            (true, _) => "pushed new tag",
            (false, true) => "force-pushed tag",
            (false, false) => "moved tag",
        };
        let target = push.head_commit.as_ref().map_or(push.after, |c| c.id);
        let target = if target.is_empty() {
            String::new()
        } else {
            format!(
                " at {}",
                code_link(
                    short_sha(target),
                    &markup::repo_page(&push.repository, &format!("/commit/{target}"))
                )
            )
        };
        format!("{who} {verb} {name_link}{target} in {repo_link}")
    } else if push.created {
        let with = if count == 0 {
            String::new()
        } else {
            format!(" with {}", plural(count, "commit"))
        };
        format!("{who} created {kind} {name_link} in {repo_link}{with}{compare}")
    } else if push.forced {
        let what = if count == 0 {
            String::new()
        } else {
            format!(" {} to", plural(count, "commit"))
        };
        format!("{who} force-pushed{what} {kind} {name_link} in {repo_link}{compare}")
    } else if count == 0 {
        let head = short_sha(push.after);
        format!(
            "{who} pushed to {kind} {name_link} in {repo_link}, now at {}{compare}",
            code(head)
        )
    } else {
        format!(
            "{who} pushed {} to {name_link} in {repo_link}{compare}",
            plural(count, "commit")
        )
    };

    if !push.deleted && kind != "tag" {
        let items = push.commits.iter().map(commit_line);
        markup::push_list(&mut content, items, "commits", 0);
    }
    Ok(Reply::Post(content))
}

/// `- [`abc1234`](url) First line — Author`.
fn commit_line(commit: &Commit<'_>) -> String {
    let sha = short_sha(commit.id);
    let sha = if commit.url.is_empty() {
        code(sha)
    } else {
        code_link(sha, &commit.url)
    };
    let title = markup::title(markup::first_line(&commit.message));
    let author = match (&commit.author.name, &commit.author.username) {
        (name, _) if !name.is_empty() => text(name),
        (_, Some(username)) => text(username),
        _ => String::new(),
    };
    if author.is_empty() {
        format!("- {sha} {}", text(&title))
    } else {
        format!("- {sha} {} — {author}", text(&title))
    }
}

#[derive(Deserialize)]
struct CreateOrDelete<'a> {
    #[serde(rename = "ref", borrow)]
    git_ref: Cow<'a, str>,
    #[serde(borrow)]
    ref_type: Cow<'a, str>,
    #[serde(borrow)]
    repository: Repository<'a>,
    #[serde(borrow, default)]
    sender: User<'a>,
}

/// Renders a `create` (branch or tag).
pub fn create(payload: &str, context: &Context<'_>) -> Result<Reply> {
    let event: CreateOrDelete<'_> = json::from_str(payload)?;
    if let Some(reason) = branch_filter(&event, context) {
        return Ok(Reply::Skip(reason));
    }
    let url = markup::repo_page(&event.repository, &format!("/tree/{}", event.git_ref));
    Ok(Reply::Post(format!(
        "{} created {} {} in {}",
        context.person(&event.sender),
        text(&event.ref_type),
        code_link(&event.git_ref, &url),
        repo(&event.repository)
    )))
}

/// Renders a `delete` (branch or tag).
pub fn delete(payload: &str, context: &Context<'_>) -> Result<Reply> {
    let event: CreateOrDelete<'_> = json::from_str(payload)?;
    if let Some(reason) = branch_filter(&event, context) {
        return Ok(Reply::Skip(reason));
    }
    Ok(Reply::Post(format!(
        "{} deleted {} {} in {}",
        context.person(&event.sender),
        text(&event.ref_type),
        code(&event.git_ref),
        repo(&event.repository)
    )))
}

fn branch_filter(event: &CreateOrDelete<'_>, context: &Context<'_>) -> Option<String> {
    if event.ref_type == "branch" {
        context.branch_skip_reason(&event.git_ref)
    } else {
        None
    }
}
