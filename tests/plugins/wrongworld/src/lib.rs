//! Test plugin: a well-formed component that targets another world (`test:other/other`,
//! exporting `run`), so it lacks the `transform` export the host requires at upload.

#[expect(unsafe_code, reason = "wit-bindgen's generated ABI glue and export")]
mod component {
    //! Bindings for `wit/world.wit` and the export of [`WrongWorld`].

    wit_bindgen::generate!({
        path: "wit",
        world: "other",
    });

    /// Implements the foreign world.
    pub struct WrongWorld;

    impl Guest for WrongWorld {
        fn run() -> String {
            "hello from the wrong world".to_owned()
        }
    }

    export!(WrongWorld);
}

pub use component::WrongWorld;
