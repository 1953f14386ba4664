//! `engram-migrate`: lists the data layout migrations this build knows.

fn main() {
    for migration in migration_common::MIGRATIONS {
        println!("{}", migration.name);
    }
    println!("layout version: {}", migration_common::layout_version());
}
