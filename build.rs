//! Compiles the Slint UI for the kiosk, with the translations under `lang/` bundled in.
//! Every build keeps element debug info: UI tests and the benchmark's simulated taps find
//! buttons by accessible label through it. It is a table of element names read only by
//! that introspection; drawing does not touch it.

fn main() {
    #[cfg(feature = "kiosk")]
    {
        // Read when the script runs, not when it was compiled: a build script copied
        // with a target directory from another checkout must read this checkout's files.
        let manifest = std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets it");
        let lang = std::path::Path::new(&manifest).join("lang");
        println!("cargo:rerun-if-changed={}", lang.display());
        // No per-component context: one translation per English string, whichever page
        // shows it (the .po file has no msgctxt).
        let config = slint_build::CompilerConfiguration::new()
            .with_debug_info(true)
            .with_bundled_translations(lang)
            .with_default_translation_context(slint_build::DefaultTranslationContext::None);
        slint_build::compile_with_config("ui/app.slint", config).expect("Slint UI compiles");
    }
}
