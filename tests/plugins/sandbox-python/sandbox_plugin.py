"""Test plugin: what a plugin author's mistakes look like. The body's ``case`` picks one:
``open`` reads a file (plugins have no filesystem), ``raise`` looks up a missing key (an
uncaught KeyError, reported with this file's name and line), ``fetch`` opens a URL with urllib
(plugins have no network)."""

import urllib.request

from wasmhook_sdk import Message, Outcome, Plugin, Request


class SandboxPlugin(Plugin):
    """Fails the way the body asks."""

    def transform(self, request: Request) -> Outcome:
        case = request.json().get("case")
        if case == "open":
            with open("settings.toml", encoding="utf-8") as settings:
                return Outcome.message(Message(settings.read()))
        if case == "raise":
            return Outcome.message(Message({}["missing"]))
        if case == "fetch":
            with urllib.request.urlopen("http://status.example.com/", timeout=2) as page:
                return Outcome.message(Message(page.read().decode()))
        return Outcome.skip(f"no case {case}")


PLUGIN = SandboxPlugin()
