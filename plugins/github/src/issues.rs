//! `issues` and `issue_comment` (comments on issues and on pull requests).

use std::borrow::Cow;

use serde::Deserialize;
use wasmhook_sdk::{Result, json};

use crate::markup::{self, Context, code, link, repo};
use crate::model::{Changes, Label, Repository, User};
use crate::pull_request::{edited, people_line};
use crate::{Reply, unsupported_action};

#[derive(Deserialize)]
struct Issue<'a> {
    #[serde(default)]
    number: u64,
    #[serde(borrow, default)]
    title: Cow<'a, str>,
    #[serde(borrow, default)]
    html_url: Cow<'a, str>,
    #[serde(borrow, default)]
    user: User<'a>,
    #[serde(borrow, default)]
    body: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    state_reason: Option<Cow<'a, str>>,
    /// Present when the issue is a pull request (comments on pull requests).
    #[serde(default)]
    pull_request: Option<PullRequestLink>,
    #[serde(borrow, default)]
    assignees: Vec<User<'a>>,
}

/// An issue's `pull_request` object. Old payloads send it on every issue, with null URLs.
#[derive(Deserialize)]
struct PullRequestLink {
    #[serde(default)]
    html_url: Option<serde::de::IgnoredAny>,
}

impl Issue<'_> {
    fn link_to(&self, url: &str) -> String {
        link(
            &format!("#{} {}", self.number, markup::title(&self.title)),
            url,
        )
    }

    /// "issue" or "pull request", preceded by "author's " when `actor` is someone else.
    fn what(&self, actor: &User<'_>, context: &Context<'_>) -> String {
        let is_pull_request = self
            .pull_request
            .as_ref()
            .is_some_and(|link| link.html_url.is_some());
        let kind = if is_pull_request {
            "pull request"
        } else {
            "issue"
        };
        if self.user.login.is_empty() || self.user.login.eq_ignore_ascii_case(actor.login) {
            kind.to_owned()
        } else {
            format!("{}'s {kind}", context.person(&self.user))
        }
    }
}

#[derive(Deserialize)]
struct IssueEvent<'a> {
    #[serde(borrow)]
    action: Cow<'a, str>,
    #[serde(borrow)]
    issue: Issue<'a>,
    #[serde(borrow)]
    repository: Repository<'a>,
    #[serde(borrow, default)]
    sender: User<'a>,
    #[serde(borrow, default)]
    assignee: Option<User<'a>>,
    #[serde(borrow, default)]
    label: Option<Label<'a>>,
    #[serde(borrow, default)]
    changes: Option<Changes<'a>>,
}

/// Renders an `issues` event.
pub fn issues(payload: &str, context: &Context<'_>) -> Result<Reply> {
    let event: IssueEvent<'_> = json::from_str(payload)?;
    let issue = &event.issue;
    let who = context.person(&event.sender);
    let what = issue.what(&event.sender, context);
    let issue_link = issue.link_to(&issue.html_url);
    let in_repo = format!("in {}", repo(&event.repository));
    let content = match event.action.as_ref() {
        "opened" => {
            let mut out = format!("{who} opened {what} {issue_link} {in_repo}");
            people_line(&mut out, "Assignees", &issue.assignees, context);
            out.push_str(&markup::excerpt(issue.body.as_deref()));
            out
        }
        "closed" => {
            let reason = match issue.state_reason.as_deref() {
                Some("not_planned") => " as not planned",
                Some("completed") => " as completed",
                Some("duplicate") => " as a duplicate",
                _ => "",
            };
            format!("{who} closed {what} {issue_link} {in_repo}{reason}")
        }
        "reopened" => format!("{who} reopened {what} {issue_link} {in_repo}"),
        "assigned" => {
            let assignee = event
                .assignee
                .as_ref()
                .map_or_else(|| "someone".to_owned(), |user| context.person(user));
            format!("{who} assigned {assignee} to {what} {issue_link} {in_repo}")
        }
        "labeled" => {
            let label = event.label.as_ref().map_or("", |label| label.name.as_ref());
            format!(
                "{who} added label {} to {what} {issue_link} {in_repo}",
                code(label)
            )
        }
        "edited" => edited(&who, &what, &issue_link, &in_repo, event.changes.as_ref()),
        other => return Err(unsupported_action("issues", other)),
    };
    Ok(Reply::Post(content))
}

#[derive(Deserialize)]
struct CommentEvent<'a> {
    #[serde(borrow)]
    action: Cow<'a, str>,
    #[serde(borrow)]
    comment: Comment<'a>,
    #[serde(borrow)]
    issue: Issue<'a>,
    #[serde(borrow)]
    repository: Repository<'a>,
    #[serde(borrow, default)]
    sender: User<'a>,
}

#[derive(Deserialize)]
struct Comment<'a> {
    #[serde(borrow, default)]
    body: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    html_url: Cow<'a, str>,
    #[serde(borrow, default)]
    user: User<'a>,
}

/// Renders an `issue_comment` event.
pub fn comment(payload: &str, context: &Context<'_>) -> Result<Reply> {
    let event: CommentEvent<'_> = json::from_str(payload)?;
    let issue = &event.issue;
    let comment = &event.comment;
    let who = context.person(&event.sender);
    let in_repo = format!("in {}", repo(&event.repository));
    let url = if comment.html_url.is_empty() {
        &issue.html_url
    } else {
        &comment.html_url
    };
    let content = match event.action.as_ref() {
        "created" => format!(
            "💬 {who} commented on {} {} {in_repo}{}",
            issue.what(&event.sender, context),
            issue.link_to(url),
            markup::excerpt(comment.body.as_deref())
        ),
        "edited" => format!(
            "{who} edited a comment on {} {} {in_repo}{}",
            issue.what(&event.sender, context),
            issue.link_to(url),
            markup::excerpt(comment.body.as_deref())
        ),
        "deleted" => {
            let whose = if comment.user.login.is_empty()
                || comment.user.login.eq_ignore_ascii_case(event.sender.login)
            {
                "a comment".to_owned()
            } else {
                format!("{}'s comment", context.person(&comment.user))
            };
            format!(
                "{who} deleted {whose} on {} {} {in_repo}",
                issue.what(&event.sender, context),
                issue.link_to(&issue.html_url)
            )
        }
        other => return Err(unsupported_action("issue_comment", other)),
    };
    Ok(Reply::Post(content))
}
