//! `wasmhook plugin compile` for the test servers: they run inside the test binary, so their
//! compiler child is this small binary (built with the tests) rather than `current_exe()`.

fn main() {
    std::process::exit(wasmhook::cli::compiler_main())
}
