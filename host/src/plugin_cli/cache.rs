//! The command line's compiled-component cache: `plugin check`, `plugin run` and `plugin deploy`
//! compile a component once and load it from the cache afterwards (a Python or JavaScript
//! interpreter takes seconds to compile, milliseconds to load).
//!
//! It is the server's cache (`runtime::engine`, `runtime::cache_file`) in a per-user directory:
//! `--cache-dir`, else `$WASMHOOK_CLI_CACHE_DIR`, `$XDG_CACHE_HOME/wasmhook`,
//! `~/.cache/wasmhook`. Files are keyed by the component's SHA-256 and the engine's
//! compatibility hash, in a subdirectory per sandbox configuration (memory, concurrency), and
//! carry an HMAC tag under the user's key (`key`, 32 random bytes, created 0600 in the cache
//! directory): a file that does not verify, tampered or foreign, is never loaded; the component
//! is compiled again and the file replaced. The directory is kept under [`BUDGET_BYTES`] by
//! removing the least recently written files.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::Ordering;

use anyhow::Context;
use sha2::{Digest, Sha256};

use crate::runtime::{PluginEngine, PluginPre, RuntimeLimits, host_api::HostState};

/// The most the cache directory keeps of compiled files, in bytes.
pub const BUDGET_BYTES: u64 = 2 << 30;

/// Where the command line keeps compiled components.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct CacheArgs {
    /// Directory of the compiled-component cache (default: `$XDG_CACHE_HOME/wasmhook`, else
    /// `~/.cache/wasmhook`).
    #[arg(long, env = "WASMHOOK_CLI_CACHE_DIR", value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
    /// Compile afresh and keep nothing.
    #[arg(long)]
    pub no_cache: bool,
    /// Say on stderr whether the component was loaded from the cache or compiled.
    #[arg(long, short)]
    pub verbose: bool,
}

impl CacheArgs {
    /// The cache directory: the flag, else the user's cache directory; `None` with
    /// `--no-cache` or when the user has no home.
    pub fn dir(&self) -> Option<PathBuf> {
        if self.no_cache {
            return None;
        }
        if let Some(dir) = &self.cache_dir {
            return Some(dir.clone());
        }
        let from_env = |name| std::env::var_os(name).filter(|v| !v.is_empty());
        from_env("XDG_CACHE_HOME")
            .map(PathBuf::from)
            .or_else(|| from_env("HOME").map(|home| PathBuf::from(home).join(".cache")))
            .map(|base| base.join("wasmhook"))
    }
}

/// A plugin engine over the cache, and how the last component was made ready.
pub struct CliEngine {
    /// The engine.
    pub engine: Arc<PluginEngine>,
    /// Removed on drop: the private directory of a run without a cache.
    scratch: Option<PathBuf>,
    verbose: bool,
}

impl CliEngine {
    /// An engine with the server's sandbox `limits`, over the cache `args` name.
    pub fn new(limits: RuntimeLimits, args: &CacheArgs) -> anyhow::Result<Self> {
        let Some(base) = args.dir() else {
            // A private directory and key: nothing is reused, nothing foreign is loaded.
            let dir = std::env::temp_dir().join(format!("wasmhook-cli-{}", std::process::id()));
            let engine = PluginEngine::new(limits, dir.clone(), rand::random())
                .context("starting the plugin runtime")?;
            return Ok(Self {
                engine,
                scratch: Some(dir),
                verbose: args.verbose,
            });
        };
        create_private_dir(&base)?;
        let key = user_key(&base.join("key"))?;
        let dir = base.join(format!("compiled-{}", limits_tag(&limits)));
        let engine = PluginEngine::new(limits, dir, key).context("starting the plugin runtime")?;
        Ok(Self {
            engine,
            scratch: None,
            verbose: args.verbose,
        })
    }

    /// The component `bytes`, checked as an upload is and ready to run: loaded from the cache,
    /// or compiled into it.
    pub async fn prepare(&self, bytes: Vec<u8>) -> anyhow::Result<PluginPre<HostState>> {
        let sha256: [u8; 32] = Sha256::digest(&bytes).into();
        let pre = self
            .engine
            .prepare(sha256, || async move { Ok(bytes) })
            .await?;
        let path = self.engine.cache_path(&sha256);
        if self.engine.stats.loaded_from_disk.load(Ordering::Relaxed) > 0 {
            if self.verbose {
                eprintln!("wasmhook: loaded from cache: {}", path.display());
            }
        } else if self.scratch.is_none() {
            if self.verbose {
                eprintln!("wasmhook: compiled, cached in {}", path.display());
            }
            prune(self.engine.cache_dir(), BUDGET_BYTES);
        }
        Ok(pre)
    }
}

impl Drop for CliEngine {
    fn drop(&mut self) {
        if let Some(dir) = &self.scratch {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// Creates `dir` (and its parents), the directory itself readable by its user only.
fn create_private_dir(dir: &Path) -> anyhow::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder
        .create(dir)
        .with_context(|| format!("creating the cache directory {}", dir.display()))
}

/// The user's cache key: read from `path`, or created there (0600) with 32 random bytes.
fn user_key(path: &Path) -> anyhow::Result<[u8; 32]> {
    if let Ok(bytes) = std::fs::read(path)
        && let Ok(key) = <[u8; 32]>::try_from(bytes.as_slice())
    {
        return Ok(key);
    }
    let key: [u8; 32] = rand::random();
    // A fresh file under a temporary name, renamed into place: no other user can have
    // prepared it, and a reader never sees half a key.
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    let _ = std::fs::remove_file(&tmp);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let write = || -> std::io::Result<()> {
        let mut file = options.open(&tmp)?;
        file.write_all(&key)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    };
    write().with_context(|| format!("writing the cache key {}", path.display()))?;
    Ok(key)
}

/// Names the sandbox settings that shape compiled code (memory and pool sizes).
fn limits_tag(limits: &RuntimeLimits) -> String {
    let settings = format!(
        "{}:{}:{}",
        limits.memory_bytes,
        limits.max_concurrency,
        limits.keep_resident_per_slot()
    );
    hex::encode(&Sha256::digest(settings.as_bytes())[..8])
}

/// Removes the least recently written compiled files (and their tags) of `dir` until the
/// rest fit in `budget` bytes.
fn prune(dir: &Path, budget: u64) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut files: Vec<(std::time::SystemTime, u64, PathBuf)> = entries
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "cwasm"))
        .filter_map(|e| {
            let meta = e.metadata().ok()?;
            Some((meta.modified().ok()?, meta.len(), e.path()))
        })
        .collect();
    files.sort();
    let mut total: u64 = files.iter().map(|f| f.1).sum();
    for (_, len, path) in files {
        if total <= budget {
            break;
        }
        let mut tag = path.clone().into_os_string();
        tag.push(".tag");
        let _ = std::fs::remove_file(&path);
        let _ = std::fs::remove_file(tag);
        total -= len;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_is_made_once_readable_by_its_user_only() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("key");
        let key = user_key(&path).unwrap();
        assert_eq!(user_key(&path).unwrap(), key, "the same key next time");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        // A damaged key file is replaced (every cached file is then compiled again).
        std::fs::write(&path, b"short").unwrap();
        assert_ne!(user_key(&path).unwrap(), key);
    }

    #[test]
    fn pruning_removes_the_oldest_files_first() {
        let dir = tempfile::tempdir().unwrap();
        for (i, name) in ["a", "b", "c"].iter().enumerate() {
            let path = dir.path().join(format!("{name}.cwasm"));
            std::fs::write(&path, [0; 10]).unwrap();
            std::fs::write(dir.path().join(format!("{name}.cwasm.tag")), [0; 32]).unwrap();
            let at = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(i as u64);
            std::fs::File::options()
                .write(true)
                .open(&path)
                .unwrap()
                .set_modified(at)
                .unwrap();
        }
        prune(dir.path(), 20);
        let mut left: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(left, ["b.cwasm", "b.cwasm.tag", "c.cwasm", "c.cwasm.tag"]);
    }

    #[test]
    fn the_flag_names_the_cache_directory_and_no_cache_turns_it_off() {
        let args = CacheArgs {
            cache_dir: Some("/x".into()),
            ..CacheArgs::default()
        };
        assert_eq!(args.dir(), Some(PathBuf::from("/x")));
        let off = CacheArgs {
            no_cache: true,
            ..args
        };
        assert_eq!(off.dir(), None);
    }
}
