//! The clap definitions of the server's flags are the one source of every setting's default.
//! These helpers parse a settings struct from arguments alone, so tests, benches, tools and the
//! `Default` impls get exactly what `wasmhook serve` gets with no flags, and hold the value
//! parsers the definitions share. A leaf: every settings struct, wherever it lives, may use it.

use std::ffi::OsString;
use std::num::ParseIntError;
use std::time::Duration;

use clap::{Args, Command, FromArgMatches};

/// Parses `args` (flags only, without the program name) into `T`, ignoring the `WASMHOOK_*`
/// environment: what a server started with exactly these flags runs with.
pub fn parse<T, I>(args: I) -> Result<T, clap::Error>
where
    T: Args + FromArgMatches,
    I: IntoIterator,
    I::Item: Into<OsString>,
{
    let argv = std::iter::once(OsString::from("wasmhook")).chain(args.into_iter().map(Into::into));
    let mut matches = command::<T>().try_get_matches_from(argv)?;
    T::from_arg_matches_mut(&mut matches)
}

/// The command that parses `T`, with the environment variables of its flags removed.
fn command<T: Args>() -> Command {
    T::augment_args(Command::new("wasmhook")).mut_args(|arg| arg.env(None))
}

/// The settings of `T` when no flag is given: its documented defaults.
pub fn defaults<T: Args + FromArgMatches>() -> T {
    match parse(std::iter::empty::<OsString>()) {
        Ok(value) => value,
        Err(e) => panic!("the flags' defaults do not parse: {e}"),
    }
}

/// A whole number of milliseconds, as the `*-ms` flags take them.
pub fn millis(value: &str) -> Result<Duration, ParseIntError> {
    value.parse().map(Duration::from_millis)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, clap::Args)]
    struct Sample {
        /// A number.
        #[arg(long, env = "WASMHOOK_FLAGS_TEST_COUNT", default_value_t = 7)]
        count: u32,
        /// A wait.
        #[arg(long = "wait-ms", value_parser = millis, default_value = "250")]
        wait: Duration,
    }

    #[test]
    fn defaults_and_flags_parse_and_the_environment_is_ignored() {
        assert!(
            command::<Sample>()
                .get_arguments()
                .all(|a| a.get_env().is_none())
        );
        let d: Sample = defaults();
        assert_eq!((d.count, d.wait), (7, Duration::from_millis(250)));
        let s: Sample = parse(["--count", "3", "--wait-ms", "5"]).unwrap();
        assert_eq!((s.count, s.wait), (3, Duration::from_millis(5)));
        assert!(parse::<Sample, _>(["--wait-ms", "soon"]).is_err());
        assert!(parse::<Sample, _>(["--unknown"]).is_err());
    }
}
