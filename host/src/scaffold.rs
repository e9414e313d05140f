//! `wasmhook plugin new`: scaffolds a transformer plugin project in Rust, Python or JavaScript
//! that builds, tests and passes `wasmhook plugin check` as generated.
//!
//! The templates are the files under `host/templates/plugin/`, embedded in the binary: one
//! directory per language, the fixture cases the three share (`fixtures/`) and the README
//! section on checking, running and uploading (`check-run-upload.md`). A project also gets a
//! copy of the WIT contract (`wit/`), so it builds outside this repository.
//!
//! Templates hold `{{key}}` placeholders, replaced in one pass (a value is never scanned
//! again): `name`, `crate` (the name in snake case), `module` (the Python module), `type` (the
//! plugin's type or class), `fixtures` (the fixture directory), `wasm` (the built component),
//! `sdk` (the checkout given with `--sdk`), the language's way to the SDK (`sdk_source`,
//! `sdk_requirement`, `pythonpath`, `build_env`, `sdk_spec`, `sdk_js`), and in READMEs
//! `sdk_setup` (the language's `sdk-path.md` or `sdk-registry.md`) and `check_run_upload`.

use std::path::{Path, PathBuf};

use anyhow::{Context, anyhow, bail, ensure};

/// The SDKs' version without `--sdk`: `wasmhook-sdk` on crates.io, PyPI and npm, versioned with
/// the WIT contract and this workspace (checked by `sdk_versions_follow_the_contract`).
const SDK_VERSION: &str = env!("CARGO_PKG_VERSION");

/// Names a plugin cannot have: Rust keywords and names Cargo reserves or would mistake.
const RESERVED: &str = "abstract alloc as async await become box break build const continue core \
    crate deps do dyn else enum examples extern false final fn for gen if impl in incremental let \
    loop macro match mod move mut override priv proc-macro pub ref return self static std struct \
    super test trait true try type typeof unsafe unsized use virtual where while yield";

/// The language of a new plugin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Lang {
    /// Rust, with the `wasmhook-sdk` crate.
    Rust,
    /// Python, with the `wasmhook_sdk` package and componentize-py.
    #[value(alias = "py")]
    Python,
    /// JavaScript, with the `wasmhook-sdk` npm package and componentize-js.
    #[value(alias = "javascript")]
    Js,
}

/// Arguments of `wasmhook plugin new`.
#[derive(Debug, clap::Args)]
pub struct NewArgs {
    /// The plugin's name: lower-case letters, digits and '-', starting with a letter
    /// (e.g. `disk-alerts`). The project is the directory PARENT/NAME.
    pub name: String,
    /// The plugin's language.
    #[arg(long, value_enum)]
    pub lang: Lang,
    /// The directory to create the project in.
    #[arg(long, value_name = "PARENT", default_value = ".")]
    pub dir: PathBuf,
    /// The root of a wasmhook checkout to take the SDK from (default: the SDK from the wasmhook
    /// Git repository, as an outside user gets it).
    #[arg(long, value_name = "PATH")]
    pub sdk: Option<PathBuf>,
}

/// A template: where it goes in the project (placeholders allowed) and its text.
type Template = (&'static str, &'static str);

macro_rules! template {
    ($dest:literal, $src:literal) => {
        ($dest, include_str!(concat!("../templates/plugin/", $src)))
    };
}

/// What differs between languages.
struct Language {
    files: &'static [Template],
    /// The README's set-up section, with `--sdk` and without (the published SDK).
    sdk_path: &'static str,
    sdk_registry: &'static str,
    /// Where the fixture cases go.
    fixtures: &'static str,
    /// The built component, and the commands that test and build it (placeholders allowed).
    wasm: &'static str,
    test: &'static str,
    build: &'static str,
}

const RUST: Language = Language {
    files: &[
        template!("Cargo.toml", "rust/Cargo.toml.tmpl"),
        template!(".gitignore", "rust/gitignore"),
        template!("README.md", "rust/README.md"),
        template!("src/lib.rs", "rust/src/lib.rs"),
        template!("tests/fixtures.rs", "rust/tests/fixtures.rs"),
    ],
    sdk_path: include_str!("../templates/plugin/rust/sdk-path.md"),
    sdk_registry: include_str!("../templates/plugin/rust/sdk-registry.md"),
    fixtures: "tests/fixtures",
    wasm: "target/wasm32-wasip2/release/{{crate}}.wasm",
    test: "cargo test",
    build: "cargo build --release --target wasm32-wasip2",
};

const PYTHON: Language = Language {
    files: &[
        template!("pyproject.toml", "python/pyproject.toml.tmpl"),
        template!(".gitignore", "python/gitignore"),
        template!("README.md", "python/README.md"),
        template!("{{module}}.py", "python/plugin.py"),
        template!("tests/test_plugin.py", "python/tests/test_plugin.py"),
        template!("tests/test_fixtures.py", "python/tests/test_fixtures.py"),
    ],
    sdk_path: include_str!("../templates/plugin/python/sdk-path.md"),
    sdk_registry: include_str!("../templates/plugin/python/sdk-registry.md"),
    fixtures: "tests/fixtures",
    wasm: "{{name}}.wasm",
    test: "python3 -m pytest",
    build: "{{build_env}}python3 -m wasmhook_sdk.build --wit wit --module {{module}}.py -o {{wasm}}",
};

const JS: Language = Language {
    files: &[
        template!("package.json", "js/package.json.tmpl"),
        template!(".gitignore", "js/gitignore"),
        template!("README.md", "js/README.md"),
        template!("src/index.js", "js/src/index.js"),
        template!("test/plugin.test.js", "js/test/plugin.test.js"),
        template!("test/fixtures.test.js", "js/test/fixtures.test.js"),
    ],
    sdk_path: include_str!("../templates/plugin/js/sdk-path.md"),
    sdk_registry: include_str!("../templates/plugin/js/sdk-registry.md"),
    fixtures: "test/fixtures",
    wasm: "{{name}}.wasm",
    test: "npm install && npm test",
    build: "npm run build",
};

/// The fixture cases of every language, copied as they are.
const FIXTURES: &[Template] = &[
    template!("alert/request.json", "fixtures/alert/request.json"),
    template!("alert/headers.txt", "fixtures/alert/headers.txt"),
    template!("alert/config.json", "fixtures/alert/config.json"),
    template!("alert/expected.json", "fixtures/alert/expected.json"),
    template!("text-only/request.json", "fixtures/text-only/request.json"),
    template!(
        "text-only/expected.json",
        "fixtures/text-only/expected.json"
    ),
    template!("ping/request.json", "fixtures/ping/request.json"),
    template!("ping/expected.json", "fixtures/ping/expected.json"),
    template!("empty-body/request.txt", "fixtures/empty-body/request.txt"),
    template!(
        "empty-body/expected.json",
        "fixtures/empty-body/expected.json"
    ),
    template!(
        "invalid-json/request.json",
        "fixtures/invalid-json/request.json"
    ),
    template!(
        "invalid-json/expected.json",
        "fixtures/invalid-json/expected.json"
    ),
    template!("bad-url/request.json", "fixtures/bad-url/request.json"),
    template!("bad-url/expected.json", "fixtures/bad-url/expected.json"),
];

/// The WIT contract, copied into `wit/`.
const WIT: &[Template] = &[
    ("types.wit", include_str!("../../wit/types.wit")),
    ("world.wit", include_str!("../../wit/world.wit")),
];

const CHECK_RUN_UPLOAD: &str = include_str!("../templates/plugin/check-run-upload.md");

impl Lang {
    fn language(self) -> &'static Language {
        match self {
            Lang::Rust => &RUST,
            Lang::Python => &PYTHON,
            Lang::Js => &JS,
        }
    }

    fn title(self) -> &'static str {
        match self {
            Lang::Rust => "Rust",
            Lang::Python => "Python",
            Lang::Js => "JavaScript",
        }
    }

    /// A file of the SDK in a wasmhook checkout, to recognize one.
    fn sdk_marker(self) -> &'static str {
        match self {
            Lang::Rust => "guest-sdk/Cargo.toml",
            Lang::Python => "guest-sdk/python/src/wasmhook_sdk/__init__.py",
            Lang::Js => "guest-sdk/js/package.json",
        }
    }
}

/// A generated project.
#[derive(Debug)]
pub struct Project {
    /// Its directory.
    pub dir: PathBuf,
    /// The command that runs its native tests, from that directory.
    pub test: String,
    /// The command that builds its component, from that directory.
    pub build: String,
    /// The component the build writes, relative to that directory.
    pub wasm: String,
}

/// `wasmhook plugin new`: creates the project and prints what to do next.
pub fn run(args: &NewArgs) -> anyhow::Result<()> {
    let project = create(args)?;
    println!(
        "created the {} plugin `{}` in {}",
        args.lang.title(),
        args.name,
        project.dir.display()
    );
    let dir = shell(&project.dir.to_string_lossy());
    println!("  test:  cd {dir} && {}", project.test);
    println!("  build: {}  (writes {})", project.build, project.wasm);
    println!("  check: wasmhook plugin check {}", project.wasm);
    println!("README.md there has the run and upload commands.");
    Ok(())
}

/// Creates the project `args.dir/args.name`; refuses a directory that exists and is not empty.
/// Nothing is written when the arguments are invalid.
pub fn create(args: &NewArgs) -> anyhow::Result<Project> {
    validate_name(&args.name)?;
    let language = args.lang.language();
    let vars = Vars::new(args.lang, &args.name, args.sdk.as_deref())?;
    let mut files = Vec::new();
    for (dest, text) in language.files {
        files.push((PathBuf::from(vars.render(dest)?), vars.render(text)?));
    }
    for (dest, text) in FIXTURES {
        files.push((Path::new(language.fixtures).join(dest), (*text).to_owned()));
    }
    for (dest, text) in WIT {
        files.push((Path::new("wit").join(dest), (*text).to_owned()));
    }
    // What `wasmhook plugin deploy` builds and uploads.
    let project = serde_json::json!({
        "name": args.name,
        "version": "0.1.0",
        "build": vars.render(language.build)?,
        "wasm": vars.get("wasm")?,
    });
    files.push((
        PathBuf::from(crate::deploy::PROJECT_FILE),
        serde_json::to_string_pretty(&project)? + "\n",
    ));

    let dir = args.dir.join(&args.name);
    if dir.exists() {
        ensure!(
            dir.is_dir(),
            "{} exists and is not a directory",
            dir.display()
        );
        let mut entries =
            std::fs::read_dir(&dir).with_context(|| format!("reading {}", dir.display()))?;
        ensure!(
            entries.next().is_none(),
            "{} already exists and is not empty: choose another name or --dir (nothing was written)",
            dir.display()
        );
    }
    for (dest, text) in &files {
        let path = dir.join(dest);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("creating {}", parent.display()))?;
        }
        std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(Project {
        dir,
        test: vars.render(language.test)?,
        build: vars.render(language.build)?,
        wasm: vars.get("wasm")?.to_owned(),
    })
}

/// Checks that `name` can name a plugin in every language: 1 to 64 lower-case letters, digits
/// and '-', starting with a letter, not ending with '-', and not a Rust keyword.
pub fn validate_name(name: &str) -> anyhow::Result<()> {
    let well_formed = (1..=64).contains(&name.len())
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && !name.ends_with('-')
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if !well_formed {
        bail!(
            "invalid plugin name {name:?}: use 1 to 64 lower-case letters, digits and '-', \
             starting with a letter and not ending with '-' (e.g. disk-alerts)"
        );
    }
    if RESERVED.split_whitespace().any(|word| word == name) {
        bail!("invalid plugin name {name:?}: it is reserved in Rust or Cargo; choose another");
    }
    Ok(())
}

/// The placeholder values of one project.
struct Vars(Vec<(&'static str, String)>);

impl Vars {
    fn new(lang: Lang, name: &str, sdk: Option<&Path>) -> anyhow::Result<Self> {
        let snake = name.replace('-', "_");
        let camel: String = name
            .split('-')
            .map(|part| {
                let mut chars = part.chars();
                chars.next().map_or_else(String::new, |first| {
                    first.to_ascii_uppercase().to_string() + chars.as_str()
                })
            })
            .collect();
        let language = lang.language();
        let mut vars = Self(vec![
            ("name", name.to_owned()),
            ("module", format!("{snake}_plugin")),
            ("type", format!("{camel}Plugin")),
            ("crate", snake),
            ("fixtures", language.fixtures.to_owned()),
        ]);
        let wasm = vars.render(language.wasm)?;
        vars.0.push(("wasm", wasm));

        let root = match sdk {
            Some(path) => Some(sdk_root(lang, path)?),
            None => None,
        };
        let root_text = root.as_deref().map(|r| r.to_string_lossy().into_owned());
        vars.0.push(("sdk", root_text.unwrap_or_default()));
        vars.0.push(("sdk_version", SDK_VERSION.to_owned()));
        let sdk_vars = match (lang, &root) {
            (Lang::Rust, Some(root)) => {
                let path = root.join("guest-sdk");
                vec![(
                    "sdk_source",
                    format!("path = {}", quote(&path.to_string_lossy())),
                )]
            }
            (Lang::Rust, None) => vec![("sdk_source", format!("version = {}", quote(SDK_VERSION)))],
            (Lang::Python, Some(root)) => {
                let package = root.join("guest-sdk/python");
                let url = url::Url::from_file_path(&package).map_err(|()| {
                    anyhow!("--sdk: cannot make a file URL of {}", package.display())
                })?;
                let src = package.join("src").to_string_lossy().into_owned();
                vec![
                    ("sdk_requirement", quote(&format!("wasmhook-sdk @ {url}"))),
                    ("pythonpath", format!("[\".\", {}]", quote(&src))),
                    ("build_env", format!("PYTHONPATH={} ", shell(&src))),
                ]
            }
            (Lang::Python, None) => vec![
                (
                    "sdk_requirement",
                    quote(&format!("wasmhook-sdk=={SDK_VERSION}")),
                ),
                ("pythonpath", "[\".\"]".to_owned()),
                ("build_env", String::new()),
            ],
            (Lang::Js, Some(root)) => {
                let js = root.join("guest-sdk/js").to_string_lossy().into_owned();
                vec![
                    ("sdk_spec", quote(&format!("file:{js}"))),
                    ("sdk_js", shell(&js)),
                ]
            }
            (Lang::Js, None) => vec![("sdk_spec", quote(SDK_VERSION)), ("sdk_js", String::new())],
        };
        vars.0.extend(sdk_vars);
        let setup = vars.render(if root.is_some() {
            language.sdk_path
        } else {
            language.sdk_registry
        })?;
        vars.0.push(("sdk_setup", setup.trim_end().to_owned()));
        let section = vars.render(CHECK_RUN_UPLOAD)?;
        vars.0
            .push(("check_run_upload", section.trim_end().to_owned()));
        Ok(vars)
    }

    fn get(&self, key: &str) -> anyhow::Result<&str> {
        self.0
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v.as_str())
            .ok_or_else(|| anyhow!("template bug: unknown placeholder {{{{{key}}}}}"))
    }

    /// `template` with every `{{key}}` replaced by its value.
    fn render(&self, template: &str) -> anyhow::Result<String> {
        let mut out = String::with_capacity(template.len() + 256);
        let mut rest = template;
        while let Some(start) = rest.find("{{") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let end = after
                .find("}}")
                .context("template bug: `{{` without `}}`")?;
            out.push_str(self.get(&after[..end])?);
            rest = &after[end + 2..];
        }
        out.push_str(rest);
        Ok(out)
    }
}

/// The canonical root of the wasmhook checkout `path`, checked to hold `lang`'s SDK.
fn sdk_root(lang: Lang, path: &Path) -> anyhow::Result<PathBuf> {
    let root = std::fs::canonicalize(path)
        .with_context(|| format!("--sdk {}: cannot find it", path.display()))?;
    let marker = lang.sdk_marker();
    ensure!(
        root.join(marker).is_file(),
        "--sdk {}: there is no {marker}; --sdk takes the root of a wasmhook checkout",
        path.display()
    );
    Ok(root)
}

/// `text` as a JSON string literal, which is also a TOML basic string.
fn quote(text: &str) -> String {
    serde_json::Value::String(text.to_owned()).to_string()
}

/// `text` as one shell word: as it is when that is safe, else single-quoted.
fn shell(text: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || "/._-+:=@%,".contains(c);
    if !text.is_empty() && text.chars().all(safe) {
        text.to_owned()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_lower_case_words_joined_by_dashes() {
        for good in ["a", "disk-alerts", "k8s-events2", &"x".repeat(64)] {
            assert!(validate_name(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "Disk",
            "1st",
            "-a",
            "a-",
            "a_b",
            "a b",
            "é",
            "fn",
            &"x".repeat(65),
        ] {
            assert!(validate_name(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn every_template_renders_in_every_language_with_and_without_an_sdk() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        for lang in [Lang::Rust, Lang::Python, Lang::Js] {
            for sdk in [None, Some(root.as_path())] {
                let vars = Vars::new(lang, "disk-alerts", sdk).unwrap();
                for (dest, text) in lang.language().files {
                    let out = vars.render(dest).unwrap() + &vars.render(text).unwrap();
                    assert!(!out.contains("{{"), "{lang:?} {dest}");
                }
            }
        }
    }

    #[test]
    fn names_become_identifiers() {
        let vars = Vars::new(Lang::Python, "k8s-pod-events", None).unwrap();
        assert_eq!(vars.get("type").unwrap(), "K8sPodEventsPlugin");
        assert_eq!(vars.get("module").unwrap(), "k8s_pod_events_plugin");
        assert_eq!(vars.get("crate").unwrap(), "k8s_pod_events");
    }

    #[test]
    fn paths_are_quoted_for_toml_json_and_the_shell() {
        assert_eq!(quote(r#"/a "b"\c"#), r#""/a \"b\"\\c""#);
        assert_eq!(shell("/src/wasmhook"), "/src/wasmhook");
        assert_eq!(shell("/My Files/it's"), r"'/My Files/it'\''s'");
    }
}
