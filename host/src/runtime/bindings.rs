//! Host bindings of the `wasmhook:plugin` worlds (the only `bindgen!`s in the host): the latest
//! version here, the previous one in [`v0_1_0`], and [`PluginPre`], a component made ready under
//! the version it implements.

pub mod v0_1_0;

use wasmtime::component::InstancePre;

#[expect(missing_docs, reason = "generated")]
mod generated {
    wasmtime::component::bindgen!({
        path: "../wit",
        world: "transformer",
        imports: { default: trappable },
        exports: { default: async },
    });
}

pub use generated::wasmhook::plugin::log::{Host as LogHost, Level};
pub use generated::wasmhook::plugin::types::{
    ConfigError, Host as TypesHost, Message, Outcome, PluginError, Request,
};
pub use generated::{Transformer, TransformerPre};

/// Adds the `wasmhook:plugin` imports (logging) to a linker. They serve components of every
/// 0.1.x version: wasmtime's linker resolves an import of `log@0.1.0` to the `log@0.1.1` defined
/// here, as semver-compatible names (see `wit/world.wit`).
pub fn add_to_linker<T: LogHost + TypesHost + Send + 'static>(
    linker: &mut wasmtime::component::Linker<T>,
) -> wasmtime::Result<()> {
    Transformer::add_to_linker::<T, wasmtime::component::HasSelf<T>>(linker, |state| state)
}

/// The WIT package and version this host implements (it also runs components of
/// [`v0_1_0::MIN_VERSION`]).
pub const WORLD: &str = "wasmhook:plugin/transformer@0.1.1";

/// The name of the optional export added in 0.1.1.
pub const VALIDATE_CONFIG: &str = "validate-config";

/// A component linked and ready to instantiate, by the contract version it implements: one that
/// exports `validate-config` is of the latest version, one without it of 0.1.0.
pub enum PluginPre<T: 'static> {
    /// The latest version: `transform` and `validate-config`.
    Latest(TransformerPre<T>),
    /// Version 0.1.0: `transform` only.
    V0_1_0(v0_1_0::TransformerPre<T>),
}

impl<T: 'static> Clone for PluginPre<T> {
    fn clone(&self) -> Self {
        match self {
            PluginPre::Latest(pre) => PluginPre::Latest(pre.clone()),
            PluginPre::V0_1_0(pre) => PluginPre::V0_1_0(pre.clone()),
        }
    }
}

impl<T: 'static> PluginPre<T> {
    /// Checks the component's exports against the version its exports say it implements.
    ///
    /// # Errors
    ///
    /// When an export is missing or has the wrong type.
    pub fn new(pre: InstancePre<T>) -> wasmtime::Result<Self> {
        let component = pre.component();
        let exports_validation = component
            .component_type()
            .exports(component.engine())
            .any(|(name, _)| name == VALIDATE_CONFIG);
        if exports_validation {
            TransformerPre::new(pre).map(PluginPre::Latest)
        } else {
            v0_1_0::TransformerPre::new(pre).map(PluginPre::V0_1_0)
        }
    }

    /// Whether the component checks configurations (exports `validate-config`).
    pub fn validates_config(&self) -> bool {
        matches!(self, PluginPre::Latest(_))
    }

    /// The world (with its version) the component implements.
    pub fn world(&self) -> String {
        match self {
            PluginPre::Latest(_) => WORLD.to_owned(),
            PluginPre::V0_1_0(_) => format!("wasmhook:plugin/transformer@{}", v0_1_0::MIN_VERSION),
        }
    }
}
