//! Build script: give the binary an rpath to the libpython that pyo3 was configured with, so the
//! embedded interpreter finds its own stdlib and site-packages (see ../shared/TOOLCHAIN.md).
fn main() {
    pyo3_build_config::add_libpython_rpath_link_args();
    println!("cargo:rerun-if-changed=build.rs");
}
