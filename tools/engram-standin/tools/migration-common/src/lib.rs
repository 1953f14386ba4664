//! The data layout migrations, embedded from the top-level `migrations/` directory
//! (which the image build context must therefore include).

/// One migration: its name and its description.
pub struct Migration {
    pub name: &'static str,
    pub description: &'static str,
}

/// All migrations, oldest first.
pub const MIGRATIONS: &[Migration] = &[Migration {
    name: "0001_space_layout",
    description: include_str!("../../../migrations/0001_space_layout.md"),
}];

/// The layout version written by this build: the number of migrations.
pub fn layout_version() -> usize {
    MIGRATIONS.len()
}
