//! What a run reads besides its arguments: passwords, typed at a prompt without echo when
//! standard input is a terminal, else read as one line of standard input (so that they never
//! appear in `ps`), and the confirmation of `delete ALL` on a terminal.
//!
//! Everything is read before the configuration file is locked, so that a person thinking
//! about a password never holds up other runs.

use std::collections::VecDeque;
use std::io::{BufRead, IsTerminal, Write};

use super::args::Args;
use super::exit::CliError;
use super::values::escape_word;
use super::PROGRAM;

/// Where a run reads what it asks for.
pub trait Input {
    /// Whether standard input is a terminal (prompts are then shown and passwords typed
    /// without echo).
    fn is_terminal(&self) -> bool;

    /// Shows `prompt` on the terminal and reads a line typed without echo.
    fn read_secret(&mut self, prompt: &str) -> std::io::Result<String>;

    /// Reads one line of standard input, without its line end; None at the end of the input.
    fn read_line(&mut self) -> std::io::Result<Option<String>>;

    /// Shows `question` on standard error and reads the answer (one line of standard input).
    fn ask(&mut self, question: &str) -> std::io::Result<Option<String>>;
}

/// The process's standard input and terminal.
#[derive(Debug, Default, Clone, Copy)]
pub struct Terminal;

impl Input for Terminal {
    fn is_terminal(&self) -> bool {
        std::io::stdin().is_terminal()
    }

    fn read_secret(&mut self, prompt: &str) -> std::io::Result<String> {
        rpassword::prompt_password(prompt)
    }

    fn read_line(&mut self) -> std::io::Result<Option<String>> {
        let mut line = String::new();
        if std::io::stdin().lock().read_line(&mut line)? == 0 {
            return Ok(None);
        }
        Ok(Some(without_line_end(line)))
    }

    fn ask(&mut self, question: &str) -> std::io::Result<Option<String>> {
        let mut stderr = std::io::stderr().lock();
        stderr.write_all(question.as_bytes())?;
        stderr.flush()?;
        self.read_line()
    }
}

/// Given lines, as standard input: not a terminal unless told so (then secrets and answers
/// come from the same lines). For programs that run the tool with input of their own, and for
/// tests.
#[derive(Debug, Default, Clone)]
pub struct Lines {
    lines: VecDeque<String>,
    terminal: bool,
}

impl Lines {
    /// Standard input holding `lines` (an empty list: no input at all).
    pub fn new<I: IntoIterator<Item = S>, S: Into<String>>(lines: I) -> Self {
        Lines {
            lines: lines.into_iter().map(Into::into).collect(),
            terminal: false,
        }
    }

    /// The same lines, typed at a terminal.
    pub fn on_terminal(mut self) -> Self {
        self.terminal = true;
        self
    }
}

impl Input for Lines {
    fn is_terminal(&self) -> bool {
        self.terminal
    }

    fn read_secret(&mut self, _prompt: &str) -> std::io::Result<String> {
        Ok(self.lines.pop_front().unwrap_or_default())
    }

    fn read_line(&mut self) -> std::io::Result<Option<String>> {
        Ok(self.lines.pop_front())
    }

    fn ask(&mut self, _question: &str) -> std::io::Result<Option<String>> {
        Ok(self.lines.pop_front())
    }
}

fn without_line_end(mut line: String) -> String {
    if line.ends_with('\n') {
        line.pop();
        if line.ends_with('\r') {
            line.pop();
        }
    }
    line
}

/// The command line with what it leaves to be read filled in: the password of `add` (missing,
/// `-`, or `--password-stdin`) and the value of a secret setting named without `=VALUE` in
/// `set` (`set alice auth.password`); and `delete ALL` confirmed on a terminal (unless
/// `--yes`). `secret_paths` are the settings whose values are read this way.
pub fn prepare(
    mut args: Args,
    input: &mut dyn Input,
    secret_paths: impl FnOnce() -> Vec<String>,
) -> Result<Args, CliError> {
    let command = args.command_name().to_owned();
    match command.as_str() {
        "add" if args.account => {
            let reads = match args.args.as_slice() {
                [_] => true,
                [_, password] if password == "-" => true,
                [_, _] if args.password_stdin => {
                    return Err(CliError::usage(
                        "give the password either as an argument or with --password-stdin, \
                         not both",
                    ))
                }
                _ => false,
            };
            if reads {
                let id = args.args[0].clone();
                let password = read_password(&args, input, &format!("Password for {id}"))?;
                args.args = vec![id, password];
            }
        }
        "set" => {
            let secrets = secret_paths();
            let wanted: Vec<usize> = args
                .args
                .iter()
                .enumerate()
                .filter(|(_, arg)| !arg.contains('=') && secrets.contains(arg))
                .map(|(index, _)| index)
                .collect();
            match wanted.as_slice() {
                [] if args.password_stdin => {
                    return Err(CliError::usage(format!(
                        "--password-stdin: name the password setting without a value, as in \
                         {PROGRAM} --account set alice@example.com auth.password"
                    )))
                }
                [] => {}
                [index] => {
                    let key = args.args[*index].clone();
                    let value = read_password(&args, input, &format!("New value of {key}"))?;
                    args.args[*index] = format!("{key}={}", escape_word(&value));
                }
                _ => {
                    return Err(CliError::usage(
                        "only one password can be read per command: give the others as \
                         KEY=VALUE",
                    ))
                }
            }
        }
        _ if args.password_stdin => {
            return Err(CliError::usage(
                "--password-stdin applies to add and set only",
            ))
        }
        "delete" if args.account && args.args == ["ALL"] && !args.yes && input.is_terminal() => {
            let answer = input
                .ask("Delete every SIP account (the Bonjour account stays)? [y/N] ")
                .map_err(|error| CliError::failure(format!("cannot read the answer: {error}")))?;
            let yes = answer.is_some_and(|answer| {
                matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes")
            });
            if !yes {
                return Err(CliError::invalid(
                    "not confirmed: nothing was deleted (--yes skips the question)",
                ));
            }
        }
        _ => {}
    }
    Ok(args)
}

/// A password: typed twice without echo on a terminal (`what` says for what), else one line
/// of standard input (always with `--password-stdin`).
fn read_password(args: &Args, input: &mut dyn Input, what: &str) -> Result<String, CliError> {
    let failed =
        |error: std::io::Error| CliError::failure(format!("cannot read the password: {error}"));
    if args.password_stdin || !input.is_terminal() {
        return input.read_line().map_err(failed)?.ok_or_else(|| {
            CliError::usage(
                "no password on standard input: give it on one line (echo ... | \
                 sip-settings ... -), or type it at a terminal",
            )
        });
    }
    let first = input.read_secret(&format!("{what}: ")).map_err(failed)?;
    let second = input.read_secret("Repeat the password: ").map_err(failed)?;
    if first != second {
        return Err(CliError::invalid(
            "the two passwords typed differ: nothing was changed",
        ));
    }
    Ok(first)
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;
    use crate::cli::exit::Status;

    fn args(argv: &[&str]) -> Args {
        Args::try_parse_from(std::iter::once("sip-settings").chain(argv.iter().copied()))
            .expect("a valid command line")
    }

    fn secrets() -> Vec<String> {
        vec!["auth.password".to_owned()]
    }

    #[test]
    fn a_missing_password_is_read_from_the_input() {
        let mut input = Lines::new(["pw", "next"]);
        let prepared = prepare(args(&["-a", "add", "a@x.com"]), &mut input, secrets).unwrap();
        assert_eq!(prepared.args, ["a@x.com", "pw"]);
        // A given password is kept, and nothing is read.
        let prepared = prepare(
            args(&["-a", "add", "a@x.com", "given"]),
            &mut input,
            secrets,
        )
        .unwrap();
        assert_eq!(prepared.args, ["a@x.com", "given"]);
        assert_eq!(input.read_line().unwrap().as_deref(), Some("next"));
    }

    #[test]
    fn a_terminal_asks_twice_and_refuses_different_answers() {
        let mut input = Lines::new(["same", "same"]).on_terminal();
        let prepared = prepare(args(&["-a", "add", "a@x.com", "-"]), &mut input, secrets).unwrap();
        assert_eq!(prepared.args, ["a@x.com", "same"]);
        let mut input = Lines::new(["one", "two"]).on_terminal();
        let error = prepare(args(&["-a", "add", "a@x.com"]), &mut input, secrets).unwrap_err();
        assert_eq!(error.status, Status::Invalid);
    }

    #[test]
    fn set_reads_the_named_secret_as_a_text() {
        let mut input = Lines::new(["None"]);
        let prepared = prepare(
            args(&["-a", "set", "a@x.com", "auth.password", "display_name=A"]),
            &mut input,
            secrets,
        )
        .unwrap();
        assert_eq!(
            prepared.args,
            ["a@x.com", "auth.password=\\None", "display_name=A"]
        );
        // Settings that are not secret are left alone (set refuses them later).
        let mut input = Lines::default();
        let prepared = prepare(
            args(&["-a", "set", "a@x.com", "enabled"]),
            &mut input,
            secrets,
        )
        .unwrap();
        assert_eq!(prepared.args, ["a@x.com", "enabled"]);
    }

    #[test]
    fn delete_all_asks_on_a_terminal_only() {
        let mut input = Lines::new(["n"]).on_terminal();
        let error = prepare(args(&["-a", "delete", "ALL"]), &mut input, secrets).unwrap_err();
        assert_eq!(error.status, Status::Invalid);
        let mut input = Lines::new(["Y"]).on_terminal();
        assert!(prepare(args(&["-a", "delete", "ALL"]), &mut input, secrets).is_ok());
        let mut input = Lines::default().on_terminal();
        assert!(prepare(args(&["-a", "delete", "ALL", "-y"]), &mut input, secrets).is_ok());
        let mut input = Lines::default();
        assert!(prepare(args(&["-a", "delete", "ALL"]), &mut input, secrets).is_ok());
    }
}
