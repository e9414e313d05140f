//! Plugins written in Python or JavaScript: found by their project file, built with the
//! language's guest-SDK build tool (componentize-py or componentize-js underneath).
//!
//! - JavaScript: a directory with `package.json` and `src/index.js`, built by
//!   `node guest-sdk/js/bin/build.mjs` (needs `npm ci --prefix guest-sdk/js`).
//! - Python: a directory with `pyproject.toml` and `build.py`, built by
//!   `python3 build.py --wit WIT -o OUT` (needs `pip install componentize-py==0.25.1`).
//!
//! These builds take tens of seconds, so each output carries a stamp: the SHA-256 of every
//! input file (the plugin, its SDK, the WIT). An unchanged plugin is not built again.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};
use sha2::{Digest, Sha256};

/// The language of a scripted plugin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    /// Python, through componentize-py.
    Python,
    /// JavaScript, through componentize-js.
    JavaScript,
}

/// A Python or JavaScript plugin directory.
#[derive(Debug, Clone)]
pub struct ScriptedPlugin {
    /// Directory name, such as `sentry`.
    pub name: String,
    /// The plugin directory.
    pub dir: PathBuf,
    /// Its language.
    pub language: Language,
}

/// Directories never hashed: dependencies and build output.
const SKIP: &[&str] = &[
    "node_modules",
    "__pycache__",
    "target",
    ".pytest_cache",
    "dist",
];

/// The scripted plugins in the subdirectories of `dirs` (relative to `root`), sorted by name.
pub fn discover_scripted(root: &Path, dirs: &[&str]) -> Result<Vec<ScriptedPlugin>> {
    let mut plugins = Vec::new();
    for dir in dirs {
        let dir = root.join(dir);
        for entry in
            std::fs::read_dir(&dir).with_context(|| format!("reading {}", dir.display()))?
        {
            let path = entry?.path();
            let language =
                if path.join("package.json").is_file() && path.join("src/index.js").is_file() {
                    Language::JavaScript
                } else if path.join("pyproject.toml").is_file() && path.join("build.py").is_file() {
                    Language::Python
                } else {
                    continue;
                };
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .with_context(|| format!("plugin directory name of {}", path.display()))?
                .to_owned();
            plugins.push(ScriptedPlugin {
                name,
                dir: path,
                language,
            });
        }
    }
    plugins.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(plugins)
}

/// Builds `plugin` into `<root>/target/wasm-plugins/scripted/<name>.wasm` unless the output's
/// stamp says its inputs are unchanged; returns the component path.
pub fn build_scripted(root: &Path, plugin: &ScriptedPlugin) -> Result<PathBuf> {
    let out_dir = root.join("target").join("wasm-plugins").join("scripted");
    std::fs::create_dir_all(&out_dir).with_context(|| format!("creating {}", out_dir.display()))?;
    let wasm = out_dir.join(format!("{}.wasm", plugin.name));
    let stamp_path = out_dir.join(format!("{}.stamp", plugin.name));
    let sdk = match plugin.language {
        Language::Python => root.join("guest-sdk/python/src"),
        Language::JavaScript => root.join("guest-sdk/js"),
    };
    let stamp = hash_inputs(&[&plugin.dir, &sdk, &root.join("wit")])?;
    if wasm.is_file() && std::fs::read_to_string(&stamp_path).is_ok_and(|s| s == stamp) {
        return Ok(wasm);
    }
    if let Some(problem) = crate::toolchain::missing(root, plugin.language) {
        bail!("building the plugin {}: {problem}", plugin.name);
    }
    let wit = root.join("wit");
    let mut command = match plugin.language {
        Language::JavaScript => {
            let script = root.join("guest-sdk/js/bin/build.mjs");
            let mut c = Command::new("node");
            c.arg(script)
                .arg("--entry")
                .arg(plugin.dir.join("src/index.js"));
            c
        }
        Language::Python => {
            let python = std::env::var_os("WASMHOOK_PYTHON").unwrap_or_else(|| "python3".into());
            let mut c = Command::new(python);
            c.arg(plugin.dir.join("build.py"));
            c
        }
    };
    command
        .arg("--wit")
        .arg(&wit)
        .arg("-o")
        .arg(&wasm)
        .current_dir(&plugin.dir);
    let output = command.output().with_context(|| {
        format!(
            "running {command:?}: is {} installed? (see README: `pip install componentize-py==0.25.1`, `npm ci --prefix guest-sdk/js`)",
            match plugin.language {
                Language::Python => "python3",
                Language::JavaScript => "node",
            }
        )
    })?;
    if !output.status.success() {
        eprintln!("{}", String::from_utf8_lossy(&output.stderr));
        eprintln!("{}", String::from_utf8_lossy(&output.stdout));
        bail!(
            "building the plugin {} failed ({}): {command:?}",
            plugin.name,
            output.status
        );
    }
    super::check_component(&wasm)?;
    std::fs::write(&stamp_path, stamp)
        .with_context(|| format!("writing {}", stamp_path.display()))?;
    Ok(wasm)
}

/// SHA-256 over the paths (relative to their directory in `dirs`, so a moved or copied
/// checkout keeps its stamps) and contents of every file under `dirs`.
fn hash_inputs(dirs: &[&Path]) -> Result<String> {
    let mut hasher = Sha256::new();
    for (i, dir) in dirs.iter().enumerate() {
        let mut files = Vec::new();
        collect(dir, &mut files)?;
        files.sort();
        for file in files {
            let relative = file.strip_prefix(dir).unwrap_or(&file);
            hasher.update(format!("{i}:{}", relative.to_string_lossy()).as_bytes());
            hasher.update([0]);
            hasher.update(
                std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?,
            );
            hasher.update([0]);
        }
    }
    Ok(format!("{:x}", hasher.finalize()))
}

fn collect(dir: &Path, files: &mut Vec<PathBuf>) -> Result<()> {
    for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let entry = entry?;
        let path = entry.path();
        let name = entry.file_name();
        if entry.file_type()?.is_dir() {
            if !SKIP.iter().any(|s| name == *s) {
                collect(&path, files)?;
            }
        } else if !name.to_string_lossy().ends_with(".pyc") {
            files.push(path);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh directory under the system's temporary directory.
    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "wasmhook-plugin-build-{}-{name}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("plugin/src")).unwrap();
        std::fs::write(
            dir.join("plugin/src/index.js"),
            "export function transform() {}",
        )
        .unwrap();
        std::fs::write(dir.join("plugin/package.json"), "{}").unwrap();
        dir
    }

    #[test]
    fn stamps_depend_on_relative_paths_and_contents_not_on_where_the_checkout_is() {
        let a = scratch("a");
        let b = scratch("b");
        let stamp = |dir: &Path| hash_inputs(&[&dir.join("plugin")]).unwrap();
        assert_eq!(stamp(&a), stamp(&b), "a copied checkout keeps its stamps");
        std::fs::write(b.join("plugin/package.json"), "{ }").unwrap();
        assert_ne!(stamp(&a), stamp(&b), "a changed file changes the stamp");
        std::fs::write(b.join("plugin/package.json"), "{}").unwrap();
        std::fs::rename(b.join("plugin/src/index.js"), b.join("plugin/src/main.js")).unwrap();
        assert_ne!(stamp(&a), stamp(&b), "a renamed file changes the stamp");
        for dir in [a, b] {
            std::fs::remove_dir_all(dir).unwrap();
        }
    }
}
