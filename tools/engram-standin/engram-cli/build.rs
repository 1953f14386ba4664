//! Links libhwloc when the `monitoring` feature is on, like Engram's monitoring
//! support: the binary then needs libhwloc.so.15 at run time.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=ENGRAM_TARGET_CPU");
    if std::env::var_os("CARGO_FEATURE_MONITORING").is_some() {
        println!("cargo:rustc-link-lib=hwloc");
    }
}
