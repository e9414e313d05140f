//! Build-script support shared by the host (which embeds the built-in plugins) and the test
//! artifacts crate (which builds every plugin for tests): finds plugin crates, compiles them
//! for `wasm32-wasip2` with one inner cargo invocation, and checks the results are components.
//!
//! All callers build into one directory, `<workspace>/target/wasm-plugins`, so a component is
//! compiled once however many build scripts need it; concurrent inner builds wait on cargo's
//! lock of that directory, never on the outer build's. Python and JavaScript plugins are built
//! by their SDK's tool ([`build_scripted`]), once [`toolchain::missing`] finds that tool
//! installed; [`listing`] writes the test artifacts crate's constants and `foreach_plugin!`.

use std::env;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail, ensure};

pub mod listing;
mod scripted;
pub mod toolchain;

pub use scripted::{Language, ScriptedPlugin, build_scripted, discover_scripted};

/// The compilation target of plugins.
pub const TARGET: &str = "wasm32-wasip2";

/// A plugin crate of the workspace.
#[derive(Debug, Clone)]
pub struct Plugin {
    /// Directory name, such as `noop`.
    pub name: String,
    /// Cargo package name, such as `wasmhook-plugin-noop`.
    pub package: String,
}

/// The workspace root, from a crate's `CARGO_MANIFEST_DIR` and its depth below the root.
pub fn workspace_root(depth: usize) -> Result<PathBuf> {
    let mut dir = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").context("CARGO_MANIFEST_DIR")?);
    for _ in 0..depth {
        dir = dir
            .parent()
            .context("crate is less deep below the workspace root than said")?
            .to_path_buf();
    }
    Ok(dir)
}

/// Tells cargo to rerun the build script when plugin sources, the SDK or the WIT change.
pub fn rerun_if_changed(root: &Path, inputs: &[&str]) {
    for input in inputs
        .iter()
        .chain(&["guest-sdk", "wit", "Cargo.toml", "Cargo.lock"])
    {
        println!("cargo:rerun-if-changed={}", root.join(input).display());
    }
}

/// The plugin crates: each subdirectory of one of `dirs` (relative to `root`) with a `Cargo.toml`.
pub fn discover(root: &Path, dirs: &[&str]) -> Result<Vec<Plugin>> {
    let mut plugins = Vec::new();
    for dir in dirs {
        let dir = root.join(dir);
        let entries =
            std::fs::read_dir(&dir).with_context(|| format!("reading {}", dir.display()))?;
        for entry in entries {
            let path = entry?.path();
            let manifest = path.join("Cargo.toml");
            if !manifest.is_file() {
                continue;
            }
            let name = path
                .file_name()
                .and_then(|name| name.to_str())
                .with_context(|| format!("plugin directory name of {}", path.display()))?
                .to_owned();
            let text = std::fs::read_to_string(&manifest)
                .with_context(|| format!("reading {}", manifest.display()))?;
            let package = package_name(&text)
                .with_context(|| format!("no [package] name in {}", manifest.display()))?;
            if plugins.iter().any(|p: &Plugin| p.name == name) {
                bail!("two plugin directories are called {name:?}: the constants would clash");
            }
            plugins.push(Plugin { name, package });
        }
    }
    plugins.sort_by(|a, b| a.name.cmp(&b.name));
    ensure!(!plugins.is_empty(), "no plugin crates found");
    Ok(plugins)
}

/// The `name` of the `[package]` table: a line scan is enough for our own manifests.
fn package_name(manifest: &str) -> Option<String> {
    let mut in_package = false;
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            in_package = line == "[package]";
        } else if in_package
            && let Some(value) = line.strip_prefix("name").map(str::trim_start)
            && let Some(value) = value.strip_prefix('=')
        {
            return Some(value.trim().trim_matches('"').to_owned());
        }
    }
    None
}

/// Builds `plugins` in release mode into the shared directory and returns each one's
/// component path, checked to be a component.
pub fn build_components(root: &Path, plugins: &[Plugin]) -> Result<Vec<PathBuf>> {
    if plugins.is_empty() {
        return Ok(Vec::new());
    }
    let target_dir = root.join("target").join("wasm-plugins");
    build(root, &target_dir, plugins)?;
    let release_dir = target_dir.join(TARGET).join("release");
    plugins
        .iter()
        .map(|plugin| {
            let wasm = release_dir.join(format!("{}.wasm", plugin.package.replace('-', "_")));
            ensure!(
                wasm.is_file(),
                "the build did not produce {}",
                wasm.display()
            );
            check_component(&wasm)?;
            Ok(wasm)
        })
        .collect()
}

/// Runs one `cargo build --release --target wasm32-wasip2 -p …` for all plugins.
fn build(root: &Path, target_dir: &Path, plugins: &[Plugin]) -> Result<()> {
    let cargo = env::var_os("CARGO").unwrap_or_else(|| OsString::from("cargo"));
    let mut command = Command::new(cargo);
    command
        .current_dir(root)
        .arg("build")
        .arg("--release")
        .arg("--target")
        .arg(TARGET)
        .arg("--manifest-path")
        .arg(root.join("Cargo.toml"));
    for plugin in plugins {
        command.arg("-p").arg(&plugin.package);
    }
    // Our own target directory: the outer build holds the lock on its own.
    command.env("CARGO_TARGET_DIR", target_dir);
    // The outer build's flags are for the host target (and `cargo clippy`'s wrapper for its
    // crates): only `-D warnings` carries over.
    let deny_warnings = env::var("CARGO_ENCODED_RUSTFLAGS").is_ok_and(|flags| {
        let flags: Vec<&str> = flags.split('\x1f').collect();
        flags
            .iter()
            .any(|f| matches!(*f, "-Dwarnings" | "--deny=warnings"))
            || flags
                .windows(2)
                .any(|w| matches!(w[0], "-D" | "--deny") && w[1] == "warnings")
    });
    for var in [
        "CARGO_ENCODED_RUSTFLAGS",
        "RUSTFLAGS",
        "RUSTC_WORKSPACE_WRAPPER",
        "CARGO_BUILD_RUSTFLAGS",
    ] {
        command.env_remove(var);
    }
    if deny_warnings {
        command.env("CARGO_ENCODED_RUSTFLAGS", "-Dwarnings");
    }
    // The workspace's release profile keeps line tables for the host; plugins for tests are
    // smaller (~70 KB instead of ~3 MB) and quicker to compile without debug info.
    command.env("CARGO_PROFILE_RELEASE_DEBUG", "false");

    let output = command
        .output()
        .with_context(|| format!("running {command:?}"))?;
    if !output.status.success() {
        // Cargo shows a failed build script's stderr: put the inner build's output there.
        eprintln!("{}", String::from_utf8_lossy(&output.stderr));
        eprintln!("{}", String::from_utf8_lossy(&output.stdout));
        bail!(
            "building the plugins failed ({}): {command:?}",
            output.status
        );
    }
    Ok(())
}

/// Fails unless `wasm` starts with the header of a component (not a core module).
fn check_component(wasm: &Path) -> Result<()> {
    use std::io::Read as _;

    let mut header = [0u8; 8];
    std::fs::File::open(wasm)
        .and_then(|mut file| file.read_exact(&mut header))
        .with_context(|| format!("reading {}", wasm.display()))?;
    // `\0asm`, version 0x0d, layer 1 (component).
    ensure!(
        header == *b"\0asm\x0d\x00\x01\x00",
        "{} is not a WebAssembly component (header {header:02x?})",
        wasm.display()
    );
    Ok(())
}
