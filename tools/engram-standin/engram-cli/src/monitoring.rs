//! The `monitoring` feature: links the system hwloc library, as Engram does for its
//! NUMA-aware monitoring, so the binary needs libhwloc.so.15 at run time.

use std::os::raw::c_uint;

extern "C" {
    /// `unsigned hwloc_get_api_version(void)` from hwloc.h.
    fn hwloc_get_api_version() -> c_uint;
}

/// The hwloc API version of the loaded library, e.g. `2.9.0`.
pub fn hwloc_api_version() -> String {
    // SAFETY: a pure function without arguments in the linked libhwloc.
    let version = unsafe { hwloc_get_api_version() };
    format!(
        "{}.{}.{}",
        version >> 16,
        (version >> 8) & 0xff,
        version & 0xff
    )
}
