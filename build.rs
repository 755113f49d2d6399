//! Compiles the Slint UI for the kiosk. Every build keeps element debug info: UI tests and
//! the benchmark's simulated taps find buttons by accessible label through it. It is a
//! table of element names read only by that introspection; drawing does not touch it.

fn main() {
    #[cfg(feature = "kiosk")]
    {
        let config = slint_build::CompilerConfiguration::new().with_debug_info(true);
        slint_build::compile_with_config("ui/app.slint", config).expect("Slint UI compiles");
    }
}
