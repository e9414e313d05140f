"""The build command line: module resolution, the componentize-py call, the entry module."""

import os
import subprocess
import sys

from wasmhook_sdk import build

SDK_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(build.__file__)))


def test_resolves_files_packages_and_module_names(tmp_path):
    (tmp_path / "plug.py").write_text("")
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    assert build.resolve_module(str(tmp_path / "plug.py")) == ("plug", str(tmp_path), "")
    assert build.resolve_module(str(tmp_path / "plug.py") + ":Mine") == ("plug", str(tmp_path), "Mine")
    assert build.resolve_module(str(tmp_path / "pkg") + "/") == ("pkg", str(tmp_path), "")
    assert build.resolve_module("some.module:PLUGIN") == ("some.module", "", "PLUGIN")


def test_command_puts_entry_sdk_plugin_and_extra_paths_on_the_python_path(tmp_path, monkeypatch):
    (tmp_path / "plug.py").write_text("")
    monkeypatch.chdir(tmp_path)
    argv = build.command("wit", "plug.py", "out/p.wasm", ["deps"], entry_dir="/e")
    assert argv[:3] == [sys.executable, "-c", "import componentize_py; componentize_py.script()"]
    assert argv[3:] == [
        "-q", "-d", str(tmp_path / "wit"), "-w", "transformer", "componentize", "wasmhook_entry",
        "-p", "/e", "-p", SDK_ROOT, "-p", str(tmp_path), "-p", str(tmp_path / "deps"),
        "-o", str(tmp_path / "out" / "p.wasm"),
    ]


def test_entry_module_compiles_and_names_the_plugin():
    source = build._ENTRY_SOURCE.format(module="sentry_plugin", name="Sentry")
    compile(source, "wasmhook_entry.py", "exec")
    assert "import sentry_plugin as plugin_module" in source
    assert "find_plugin(plugin_module, 'Sentry')" in source


def test_builds_with_an_empty_site_packages_and_reports_failures(tmp_path, monkeypatch):
    def fail(argv, check, env):
        entry_dir = argv[argv.index("-p") + 1]
        assert os.path.isfile(os.path.join(entry_dir, "wasmhook_entry.py"))
        assert os.listdir(os.path.join(env["VIRTUAL_ENV"], "lib", "python3", "site-packages")) == []
        raise subprocess.CalledProcessError(2, argv)

    monkeypatch.setattr(build.subprocess, "run", fail)
    output = tmp_path / "out" / "x.wasm"
    assert build.main(["--wit", "wit", "--module", "m", "-o", str(output)]) == 1
    assert output.parent.is_dir()


def test_runtime_modules_import_nothing_lazily():
    """Inside a component only modules imported at build time exist, so the modules a plugin
    runs on must import at module level (``build`` and ``testing`` only run natively)."""
    import ast

    package = os.path.join(SDK_ROOT, "wasmhook_sdk")
    for name in sorted(os.listdir(package)):
        if not name.endswith(".py") or name in ("build.py", "testing.py"):
            continue
        with open(os.path.join(package, name)) as file:
            tree = ast.parse(file.read())
        for function in ast.walk(tree):
            if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for node in ast.walk(function):
                    assert not isinstance(node, (ast.Import, ast.ImportFrom)), (name, node.lineno)
