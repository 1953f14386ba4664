//! Reads `proto/engram.proto` and generates Rust constants for its package, service
//! and rpc names (Engram compiles the same directory with protoc; the stand-in only
//! needs the names, so the standard library is enough).

use std::env;
use std::fs;
use std::path::PathBuf;

fn main() {
    let manifest_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let proto_path = manifest_dir.join("../proto/engram.proto");
    println!("cargo:rerun-if-changed={}", proto_path.display());

    let source = fs::read_to_string(&proto_path).unwrap_or_else(|e| {
        panic!(
            "cannot read {}: {e} (the build context must include proto/)",
            proto_path.display()
        )
    });

    let mut package = None;
    let mut service = None;
    let mut methods = Vec::new();
    for line in source.lines().map(str::trim) {
        if let Some(rest) = line.strip_prefix("package ") {
            package = Some(rest.trim_end_matches(';').trim().to_string());
        } else if let Some(rest) = line.strip_prefix("service ") {
            service = Some(rest.trim_end_matches('{').trim().to_string());
        } else if let Some(rest) = line.strip_prefix("rpc ") {
            if let Some((name, _)) = rest.split_once('(') {
                methods.push(name.trim().to_string());
            }
        }
    }
    let package = package.expect("proto/engram.proto declares no package");
    let service = service.expect("proto/engram.proto declares no service");
    assert!(!methods.is_empty(), "proto/engram.proto declares no rpc");

    let method_list = methods
        .iter()
        .map(|m| format!("{m:?}"))
        .collect::<Vec<_>>()
        .join(", ");
    let generated = format!(
        "/// Protobuf package of the Engram service.\n\
         pub const PACKAGE: &str = {package:?};\n\
         /// Service name inside the package.\n\
         pub const SERVICE: &str = {service:?};\n\
         /// Fully qualified service name, as gRPC clients address it.\n\
         pub const FULL_SERVICE_NAME: &str = \"{package}.{service}\";\n\
         /// The service's rpc methods, in declaration order.\n\
         pub const METHODS: &[&str] = &[{method_list}];\n"
    );
    let out_path = PathBuf::from(env::var("OUT_DIR").expect("OUT_DIR")).join("engram_proto.rs");
    fs::write(&out_path, generated).expect("write generated engram_proto.rs");
}
