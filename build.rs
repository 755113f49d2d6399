//! Compiles the Slint UI for the kiosk. Debug builds keep element debug info so UI tests
//! can find elements by their accessible labels.

fn main() {
    #[cfg(feature = "kiosk")]
    {
        let debug = std::env::var("PROFILE")
            .map(|p| p != "release")
            .unwrap_or(true);
        let config = slint_build::CompilerConfiguration::new().with_debug_info(debug);
        slint_build::compile_with_config("ui/app.slint", config).expect("Slint UI compiles");
    }
}
