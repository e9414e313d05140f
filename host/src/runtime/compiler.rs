//! Compiling in a child process: the compiler's working memory (hundreds of MB for a Python or
//! JavaScript interpreter) is returned to the system when the child exits, instead of staying
//! in the server's heap.
//!
//! The server runs `wasmhook plugin compile --out FILE` (its own binary, or `--plugin-compiler`)
//! and writes the cache key (32 bytes) and then the component to its stdin: the key never
//! appears in the child's arguments or environment. The child validates and compiles with the
//! server's engine configuration, writes the cache file and its tag (`cache_file`), and exits
//! 0; a component it refuses exits [`REJECTED`] with the reason on stderr. Any other end (a
//! crash, a kill) refuses the upload the same way, with the exit status in the message.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use bytes::Bytes;
use tokio::io::AsyncWriteExt;

use super::limits::RuntimeLimits;
use super::{RuntimeError, cache_file, engine, validate};

/// The exit code of a child that refused the component (the reason is its stderr).
pub const REJECTED: i32 = 3;

/// Arguments of the hidden `wasmhook plugin compile` (the server's compiler child).
#[derive(Debug, clap::Args)]
pub struct CompileArgs {
    /// Where to write the compiled component (its tag goes next to it).
    #[arg(long)]
    pub out: PathBuf,
    /// The server's `--plugin-memory-mib`.
    #[arg(long)]
    pub memory_mib: usize,
    /// The server's `--plugin-concurrency`.
    #[arg(long)]
    pub concurrency: u32,
    /// The server's `--plugin-slot-resident-mib`.
    #[arg(long)]
    pub slot_resident_mib: usize,
}

/// The child's side: reads key and component from stdin, compiles, writes the cache file.
/// Returns the process exit code.
pub fn child_main(args: &CompileArgs) -> i32 {
    let mut input = Vec::new();
    if let Err(e) = std::io::stdin().read_to_end(&mut input) {
        eprintln!("reading the component: {e}");
        return 1;
    }
    if input.len() < 32 {
        eprintln!("the input lacks the cache key");
        return 1;
    }
    let (key, bytes) = input.split_at(32);
    let key: [u8; 32] = key.try_into().expect("32 bytes");
    let limits = RuntimeLimits {
        memory_bytes: args.memory_mib << 20,
        max_concurrency: args.concurrency.max(1),
        slot_resident_bytes: args.slot_resident_mib << 20,
        ..RuntimeLimits::default()
    };
    let built = engine::engine_and_linker(&limits);
    let (engine, linker) = match built {
        Ok(pair) => pair,
        Err(e) => {
            eprintln!("starting the compiler: {e:#}");
            return 1;
        }
    };
    let component = match validate::component(&engine, &linker, bytes) {
        Ok(c) => c,
        Err(e) => {
            eprint!("{e}");
            return REJECTED;
        }
    };
    let written = component
        .serialize()
        .map_err(anyhow::Error::from)
        .and_then(|s| Ok(cache_file::write(&args.out, &key, &s)?));
    match written {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("writing {}: {e:#}", args.out.display());
            1
        }
    }
}

/// The server's side: compiles `bytes` in `exe` into the cache file `out`.
pub async fn in_child(
    exe: &Path,
    limits: &RuntimeLimits,
    key: &[u8; 32],
    out: &Path,
    bytes: Bytes,
) -> Result<(), RuntimeError> {
    let mut child = tokio::process::Command::new(exe)
        .args(["plugin", "compile", "--out"])
        .arg(out)
        .arg("--memory-mib")
        .arg((limits.memory_bytes >> 20).to_string())
        .arg("--concurrency")
        .arg(limits.max_concurrency.to_string())
        .arg("--slot-resident-mib")
        .arg((limits.slot_resident_bytes >> 20).to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| {
            RuntimeError::Internal(anyhow::anyhow!(
                "starting the plugin compiler {}: {e}",
                exe.display()
            ))
        })?;
    let mut stdin = child.stdin.take().expect("piped stdin");
    let key = *key;
    // A child that dies early closes its stdin: its exit status says why, not this write.
    // The component is written from the caller's buffer: no copy of it is made.
    let writer = tokio::spawn(async move {
        if stdin.write_all(&key).await.is_ok() {
            let _ = stdin.write_all(&bytes).await;
        }
    });
    let output = child
        .wait_with_output()
        .await
        .map_err(|e| RuntimeError::Internal(e.into()))?;
    let _ = writer.await;
    let stderr = String::from_utf8_lossy(&output.stderr).trim().to_owned();
    match output.status.code() {
        Some(0) => Ok(()),
        Some(REJECTED) => Err(RuntimeError::Rejected(stderr)),
        _ => Err(RuntimeError::Rejected(format!(
            "the component could not be compiled (the compiler process ended with {}){}",
            output.status,
            if stderr.is_empty() {
                String::new()
            } else {
                format!(": {stderr}")
            }
        ))),
    }
}
