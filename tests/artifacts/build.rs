//! Builds every plugin under `plugins/` and `tests/plugins/` (Rust crates, and Python and
//! JavaScript plugins through their SDKs) as a wasm32-wasip2 component and writes `gen.rs`:
//! one constant per component path, `ALL`, and `foreach_plugin!`.
//!
//! A Python or JavaScript plugin whose toolchain (Node.js and componentize-js, Python and
//! componentize-py) is missing gets a placeholder path naming the missing tool, with a cargo
//! warning, so `cargo test -p wasmhook --lib` and every test that does not run that plugin work
//! without it. Under CI (`CI` set, and not `false` or `0`) a missing toolchain fails the build
//! instead. A plugin that fails to build although its toolchain is there always fails it.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use wasmhook_plugin_build::listing::{self, Artifact};
use wasmhook_plugin_build::{self as plugin_build, Language, toolchain};

/// The directories, relative to the workspace root, whose subdirectories are plugin crates.
const PLUGIN_DIRS: &[&str] = &["plugins", "tests/plugins"];

fn main() -> Result<()> {
    let root = plugin_build::workspace_root(2)?;
    plugin_build::rerun_if_changed(&root, PLUGIN_DIRS);
    println!("cargo:rerun-if-env-changed=CI");
    println!("cargo:rerun-if-env-changed=WASMHOOK_PYTHON");
    let required = std::env::var("CI").is_ok_and(|v| !matches!(v.as_str(), "" | "0" | "false"));
    let plugins = plugin_build::discover(&root, PLUGIN_DIRS)?;
    let paths = plugin_build::build_components(&root, &plugins)?;
    let mut artifacts: Vec<Artifact> = plugins
        .into_iter()
        .zip(paths)
        .map(|(p, path)| Artifact {
            name: p.name,
            what: format!("package `{}`", p.package),
            built: Ok(path),
        })
        .collect();
    // Each language's toolchain is probed once.
    let mut missing: Vec<(Language, Option<String>)> = Vec::new();
    for scripted in plugin_build::discover_scripted(&root, PLUGIN_DIRS)? {
        let language = scripted.language;
        let problem = match missing.iter().find(|(l, _)| *l == language) {
            Some((_, problem)) => problem.clone(),
            None => {
                let problem = toolchain::missing(&root, language);
                missing.push((language, problem.clone()));
                problem
            }
        };
        let built = match problem {
            None => Ok(plugin_build::build_scripted(&root, &scripted)?),
            Some(problem) if required => {
                bail!(
                    "cannot build the {} plugin: {problem} (CI is set, so every plugin must build)",
                    scripted.name
                )
            }
            Some(problem) => {
                println!(
                    "cargo:warning=the {} plugin is not built, tests that run it will fail: {problem}; once installed, `touch tests/artifacts/build.rs` to build it",
                    scripted.name
                );
                // The fix may be a PATH change.
                println!("cargo:rerun-if-env-changed=PATH");
                Err(problem)
            }
        };
        let what = match language {
            Language::Python => "Python, built by its SDK",
            Language::JavaScript => "JavaScript, built by its SDK",
        };
        artifacts.push(Artifact {
            name: scripted.name,
            what: what.into(),
            built,
        });
    }
    artifacts.sort_by(|a, b| a.name.cmp(&b.name));
    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").context("OUT_DIR")?);
    std::fs::write(out_dir.join("gen.rs"), listing::source(&artifacts)?)
        .context("writing gen.rs")?;
    Ok(())
}
