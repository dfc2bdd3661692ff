//! Running the `packlab` binary as a user runs it.

use std::process::{Command, Output};

/// Runs `packlab` with `args` and waits for it.
pub fn packlab(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_packlab"))
        .args(args)
        .output()
        .expect("packlab runs")
}

/// The standard output of a run that must succeed.
///
/// # Panics
///
/// If the run failed, with its standard error in the message.
pub fn success(output: &Output) -> String {
    assert!(
        output.status.success(),
        "packlab failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}
