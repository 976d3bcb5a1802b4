//! Running child processes: each command is echoed before it runs, and a failure names
//! the command, so a red CI log says what broke without re-running anything.

use std::env;
use std::ffi::OsStr;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{Context, Result, bail};

use crate::paths;

/// `cargo` with the workspace root as working directory. Uses the `CARGO` that started
/// the xtask, so nested builds use the same toolchain.
pub fn cargo() -> Command {
    let mut cmd = Command::new(env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    cmd.current_dir(paths::root());
    cmd
}

/// `cargo build` of the named binaries, each `(package, binary)`, optimised or not.
/// Every binary is named: `--bin` selects among all the packages' targets, so naming a
/// package without its binary would build nothing of it and leave a stale one to run.
pub fn build_binaries(binaries: &[(&str, &str)], release: bool) -> Command {
    let mut cmd = cargo();
    cmd.arg("build");
    if release {
        cmd.arg("--release");
    }
    for (package, binary) in binaries {
        cmd.args(["--package", package, "--bin", binary]);
    }
    cmd
}

/// Runs `cmd` to completion with inherited stdio; an unsuccessful exit is an error.
pub fn run(cmd: &mut Command) -> Result<()> {
    let shown = display(cmd);
    eprintln!("xtask: $ {shown}");
    let started = Instant::now();
    let status = cmd
        .status()
        .with_context(|| format!("could not start `{shown}`"))?;
    if !status.success() {
        bail!("`{shown}` failed ({status})");
    }
    eprintln!("xtask:   done in {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}

/// Runs `cmd` to completion with its output captured, for tools that are chatty when
/// they succeed: the command is echoed, and its output is shown (in the error) only if
/// it fails.
pub fn run_quiet(cmd: &mut Command) -> Result<()> {
    let shown = display(cmd);
    eprintln!("xtask: $ {shown}");
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("could not start `{shown}`"))?;
    if !out.status.success() {
        let mut said = String::from_utf8_lossy(&out.stdout).into_owned();
        said.push_str(&String::from_utf8_lossy(&out.stderr));
        bail!("`{shown}` failed ({}):\n{}", out.status, said.trim_end());
    }
    Ok(())
}

/// Runs `cmd` quietly and returns its stdout, or `None` if it could not run or failed.
pub fn output(cmd: &mut Command) -> Option<String> {
    let out = cmd.output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Whether `program` is found on `PATH` (or is an existing path).
pub fn on_path(program: &str) -> bool {
    if program.contains('/') {
        return Path::new(program).is_file();
    }
    env::var_os("PATH")
        .map(|path| env::split_paths(&path).any(|dir| dir.join(program).is_file()))
        .unwrap_or(false)
}

/// A shell-like rendering of a command, with the environment it sets.
fn display(cmd: &Command) -> String {
    let quote = |s: &OsStr| {
        let s = s.to_string_lossy();
        if s.is_empty() || s.contains(|c: char| c.is_whitespace() || c == '\'' || c == '"') {
            format!("'{}'", s.replace('\'', r"'\''"))
        } else {
            s.into_owned()
        }
    };
    let mut parts: Vec<String> = cmd
        .get_envs()
        .filter_map(|(key, value)| {
            value.map(|value| format!("{}={}", key.to_string_lossy(), quote(value)))
        })
        .collect();
    parts.push(quote(cmd.get_program()));
    parts.extend(cmd.get_args().map(quote));
    parts.join(" ")
}
