//! Build script: give the binary an rpath to the libpython that pyo3 was configured with, so the
//! embedded interpreter finds its own stdlib and site-packages (see ../shared/TOOLCHAIN.md).
fn main() {
    pyo3_build_config::add_libpython_rpath_link_args();
    // The interpreter's prefix (lib_dir's parent), exported to the numeric worker as PYTHONHOME.
    if let Some(lib) = pyo3_build_config::get().lib_dir() {
        if let Some(home) = std::path::Path::new(lib).parent() {
            println!("cargo:rustc-env=VIBECHECK_PYTHON_HOME={}", home.display());
        }
    }
    println!("cargo:rerun-if-changed=build.rs");
}
