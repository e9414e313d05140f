//! Message Markdown to safe HTML, rendered once on the server: webhook content is
//! attacker-controlled, so browsers only ever insert what this module returns.
//!
//! `pulldown-cmark` parses CommonMark (with strikethrough and tables); raw HTML in the source
//! is turned into text, images into links, and mentions into `<span class="mention">`. The
//! result then goes through `ammonia`, an allow-list sanitizer: only http(s) and mailto URLs
//! survive, links get `rel="noopener noreferrer nofollow"`, and nothing outside the allow-list
//! (scripts, event handlers, styles, iframes, forms) can reach the page.

use std::collections::HashSet;
use std::sync::LazyLock;

use pulldown_cmark::{CowStr, Event, Options, Parser, Tag, TagEnd, TextMergeStream};

use crate::mentions::{self, Mention};
use crate::model::MentionedUser;

/// The sanitizer, configured once.
static CLEANER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let tags: HashSet<&str> = [
        "a",
        "blockquote",
        "br",
        "code",
        "del",
        "em",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "li",
        "ol",
        "p",
        "pre",
        "span",
        "strong",
        "table",
        "tbody",
        "td",
        "th",
        "thead",
        "tr",
        "ul",
    ]
    .into();
    let mut builder = ammonia::Builder::default();
    builder
        .tags(tags)
        .tag_attributes(
            [
                ("a", ["href"].into()),
                ("span", ["data-username", "data-email"].into()),
                ("ol", ["start"].into()),
            ]
            .into(),
        )
        .allowed_classes([("span", ["mention"].into())].into())
        .generic_attributes(HashSet::new())
        .url_schemes(["http", "https", "mailto"].into())
        .url_relative(ammonia::UrlRelative::Deny)
        .link_rel(Some("noopener noreferrer nofollow"));
    builder
});

/// Renders message content to sanitized HTML. `mentions` are the users the message notified:
/// `@username` is highlighted when it names one of them, `<@email>`/`@email` always (the
/// address is in the text anyway); each highlight carries `data-username` or `data-email` so a
/// client can emphasise the viewer's own mentions.
pub fn render(content: &str, mentions: &[MentionedUser]) -> String {
    let options = Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TABLES;
    let mut events: Vec<Event<'_>> = Vec::new();
    let mut in_code = false;
    for event in TextMergeStream::new(Parser::new_ext(content, options)) {
        match event {
            // Raw HTML is never rendered: it is shown as the text it is.
            Event::Html(html) | Event::InlineHtml(html) => events.push(Event::Text(html)),
            Event::Start(Tag::Image {
                link_type,
                dest_url,
                title,
                id,
            }) => events.push(Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            })),
            Event::End(TagEnd::Image) => events.push(Event::End(TagEnd::Link)),
            Event::Start(Tag::CodeBlock(kind)) => {
                in_code = true;
                events.push(Event::Start(Tag::CodeBlock(kind)));
            }
            Event::End(TagEnd::CodeBlock) => {
                in_code = false;
                events.push(Event::End(TagEnd::CodeBlock));
            }
            Event::Text(text) if !in_code => highlight_mentions(text, mentions, &mut events),
            other => events.push(other),
        }
    }
    let mut html = String::with_capacity(content.len() * 2);
    pulldown_cmark::html::push_html(&mut html, events.into_iter());
    CLEANER.clean(&html).to_string()
}

/// Splits a text node around mentions, wrapping each in a highlight span.
fn highlight_mentions<'a>(text: CowStr<'a>, mentions: &[MentionedUser], out: &mut Vec<Event<'a>>) {
    let spans = mentions::spans(&text);
    if spans.is_empty() {
        out.push(Event::Text(text));
        return;
    }
    let mut last = 0;
    for (range, mention) in spans {
        let attribute = match &mention {
            Mention::Username(name) if mentions.iter().any(|m| &m.username == name) => {
                format!("data-username=\"{}\"", escape(name))
            }
            Mention::Email(email) => format!("data-email=\"{}\"", escape(email)),
            Mention::Username(_) => continue,
        };
        if range.start > last {
            out.push(Event::Text(text[last..range.start].to_owned().into()));
        }
        out.push(Event::InlineHtml(
            format!("<span class=\"mention\" {attribute}>").into(),
        ));
        out.push(Event::Text(text[range.clone()].to_owned().into()));
        out.push(Event::InlineHtml("</span>".into()));
        last = range.end;
    }
    if last < text.len() {
        out.push(Event::Text(text[last..].to_owned().into()));
    }
}

/// Escapes an attribute value (usernames and emails are already restricted, but the
/// sanitizer must never be the only defence).
fn escape(value: &str) -> String {
    ammonia::clean_text(value)
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::*;

    fn user(username: &str) -> MentionedUser {
        MentionedUser {
            user_id: Uuid::now_v7(),
            username: username.into(),
            display_name: username.into(),
        }
    }

    #[test]
    fn renders_markdown() {
        assert_eq!(
            render("**Build** _passed_ `ok`", &[]),
            "<p><strong>Build</strong> <em>passed</em> <code>ok</code></p>\n"
        );
    }

    #[test]
    fn raw_html_is_text() {
        let html = render(
            "<script>alert(1)</script> and <img src=x onerror=alert(2)>",
            &[],
        );
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("<img"), "{html}");
        assert!(
            html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{html}"
        );
        assert!(
            html.contains("&lt;img src=x onerror=alert(2)&gt;"),
            "{html}"
        );
        let block = render("<div onclick=\"x()\">hi</div>", &[]);
        assert!(
            block.contains("&lt;div onclick=") && !block.contains("<div"),
            "{block}"
        );
    }

    #[test]
    fn links_are_restricted_to_safe_schemes_and_marked() {
        let html = render(
            "[ok](https://example.com) [bad](javascript:alert(1)) [data](data:text/html,x) [rel](/admin) <javascript:alert(3)> [mail](mailto:a@b.c)",
            &[],
        );
        assert!(
            html.contains(
                "<a href=\"https://example.com\" rel=\"noopener noreferrer nofollow\">ok</a>"
            ),
            "{html}"
        );
        assert!(
            !html.to_ascii_lowercase().contains("javascript:alert(1)\""),
            "{html}"
        );
        assert!(!html.contains("href=\"javascript"), "{html}");
        assert!(!html.contains("href=\"data:"), "{html}");
        assert!(!html.contains("href=\"/admin\""), "{html}");
        assert!(html.contains("href=\"mailto:a@b.c\""), "{html}");
    }

    #[test]
    fn images_become_links() {
        let html = render("![logo](https://example.com/a.png)", &[]);
        assert!(!html.contains("<img"), "{html}");
        assert!(
            html.contains("<a href=\"https://example.com/a.png\" rel=\"noopener noreferrer nofollow\">logo</a>"),
            "{html}"
        );
    }

    #[test]
    fn entities_stay_text() {
        let html = render("&lt;b&gt;bold&lt;/b&gt; &amp; 1 < 2", &[]);
        assert!(!html.contains("<b>"), "{html}");
        assert!(
            html.contains("&lt;b&gt;bold&lt;/b&gt; &amp; 1 &lt; 2"),
            "{html}"
        );
    }

    #[test]
    fn mentions_are_highlighted_only_when_resolved() {
        let html = render(
            "hi @alice and @nobody, cc <@Bob@Example.com> @everyone `@alice`",
            &[user("alice")],
        );
        assert!(
            html.contains("<span class=\"mention\" data-username=\"alice\">@alice</span>"),
            "{html}"
        );
        assert!(!html.contains("data-username=\"nobody\""), "{html}");
        assert!(
            html.contains(
                "<span class=\"mention\" data-email=\"bob@example.com\">&lt;@Bob@Example.com&gt;</span>"
            ),
            "{html}"
        );
        assert!(html.contains("<code>@alice</code>"), "{html}");
    }

    #[test]
    fn content_cannot_forge_mention_markup_or_styles() {
        let html = render(
            "<span class=\"mention\" style=\"x\">fake</span> <a href=\"https://x\" onclick=\"y\">z</a>",
            &[],
        );
        assert!(!html.contains("<span"), "{html}");
        assert!(!html.contains("<a "), "{html}");
    }
}
