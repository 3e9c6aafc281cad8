//! `sip-settings --account COMMAND`: the accounts.

use serde_json::json;
use sipcfg::backend::MemoryBackend;
use sipcfg::{ConfigurationError, ConfigurationManager, RawObject, SettingError};

use super::escape::escape_control;
use super::exit::{CliError, Status};
use super::general::{bare_value, lookup};
use super::values::{self, Pair};
use super::{describe, json, Context, PROGRAM};
use crate::account_manager::account_id;
use crate::{Account, AccountManager, AnyAccount};

/// The account argument that selects every account.
const ALL: &str = "ALL";

/// Runs an account command.
pub(crate) fn run(context: &mut Context<'_>, accounts: &AccountManager) -> Result<(), CliError> {
    match context.args.command_name() {
        "list" => list(context, accounts),
        "add" => add(context, accounts),
        "delete" => delete(context, accounts),
        "show" => show(context, accounts),
        "get" => get(context, accounts),
        "set" => set(context, accounts),
        "describe" => describe_setting(context, accounts),
        "default" => make_default(context, accounts),
        other => Err(CliError::usage(format!("unknown command {other:?}"))),
    }
}

/// The accounts that `arg` selects: the one whose id is `arg` (the domain in any case), else
/// every account whose id contains it. An empty argument is a usage error (it would select
/// every account).
fn select(accounts: &AccountManager, arg: &str) -> Result<Vec<AnyAccount>, CliError> {
    if arg.is_empty() {
        return Err(CliError::usage(
            "the account argument is empty: name an account (user@domain, or part of it)",
        ));
    }
    if let Some(exact) = accounts.get(arg)? {
        return Ok(vec![exact]);
    }
    // `sip:alice` selects as `alice` does; other URI schemes are refused.
    let arg = account_id(arg).map_err(CliError::from)?;
    // Only the accounts selected are loaded.
    let mut selected = Vec::new();
    for id in accounts.ids()? {
        if id.contains(arg) {
            if let Some(account) = accounts.get(&id)? {
                selected.push(account);
            }
        }
    }
    Ok(selected)
}

/// The one account that `arg` selects; none or several is invalid input.
fn select_one(accounts: &AccountManager, arg: &str) -> Result<AnyAccount, CliError> {
    let mut selected = select(accounts, arg)?;
    match selected.len() {
        0 => Err(CliError::invalid(format!("Account {arg} does not exist"))),
        1 => Ok(selected.remove(0)),
        _ => {
            let mut ids: Vec<String> = selected.iter().map(AnyAccount::id).collect();
            ids.sort();
            Err(CliError::invalid(format!(
                "More than one account exists which matches {arg}: {}",
                ids.join(", ")
            )))
        }
    }
}

/// The default account, or invalid input when there is none.
fn default_account(accounts: &AccountManager) -> Result<AnyAccount, CliError> {
    accounts.default_account().ok_or_else(no_default_account)
}

fn no_default_account() -> CliError {
    CliError::invalid(format!(
        "there is no default account: name the account (user@domain), or choose the default \
         with {PROGRAM} --account default USER@DOMAIN"
    ))
}

/// Whether there is no account at all to show: no SIP account, and the Bonjour account (which
/// always exists) is not in use.
fn no_accounts_configured(accounts: &AccountManager) -> Result<bool, CliError> {
    Ok(accounts
        .summaries()?
        .iter()
        .all(|account| account.bonjour && !account.enabled))
}

fn list(context: &mut Context<'_>, accounts: &AccountManager) -> Result<(), CliError> {
    context.expect_args(0, 0, "sip-settings --account list")?;
    let default = accounts.default_account().map(|account| account.id());
    // Read from the stored entries: listing loads no account.
    let all = accounts.summaries()?;
    if context.args.json {
        let items: Vec<serde_json::Value> = all
            .iter()
            .map(|account| {
                json!({
                    "id": account.id,
                    "enabled": account.enabled,
                    "default": default.as_deref() == Some(account.id.as_str()),
                    "kind": if account.bonjour { "bonjour" } else { "sip" },
                })
            })
            .collect();
        context.out = json::to_text(&serde_json::Value::Array(items));
        return Ok(());
    }
    context.line("Accounts:");
    for account in all {
        let id = account.id;
        let state = if account.enabled {
            "enabled"
        } else {
            "disabled"
        };
        let marker = if default.as_deref() == Some(id.as_str()) {
            " - default_account"
        } else {
            ""
        };
        context.line(format!("  {} ({state}){marker}", escape_control(&id)));
    }
    Ok(())
}

fn add(context: &mut Context<'_>, accounts: &AccountManager) -> Result<(), CliError> {
    context.expect_args(2, 2, "sip-settings --account add USER@DOMAIN [PASSWORD|-]")?;
    let (id, password) = (&context.args.args[0], &context.args.args[1]);
    let default_before = accounts.default_account();
    let first_sip_account = !accounts.has_sip_accounts()?;
    // Created, configured and saved at once: never stored without its password.
    let added = accounts.add_with(id, |account| {
        account.auth().set_password(password.as_str())?;
        account.set_enabled(true)?;
        Ok::<(), ConfigurationError>(())
    });
    let added = match added {
        Ok(account) => account.id(),
        Err(ConfigurationError::DuplicateId { id, .. }) => {
            return Err(CliError::invalid(format!("Account {id} already exists")));
        }
        Err(ConfigurationError::Setting(SettingError::Invalid { error, .. })) => {
            return Err(CliError::invalid(format!(
                "invalid account id {id:?}: {error}"
            )));
        }
        Err(ConfigurationError::InvalidKey(message)) => return Err(CliError::invalid(message)),
        Err(error) => return Err(error.into()),
    };
    context.line(format!("Account {} added", escape_control(&added)));
    // The first SIP account takes over from the Bonjour account as the default: commands
    // without an account then change the account just added, as people expect.
    if first_sip_account && default_before.as_ref().is_some_and(AnyAccount::is_bonjour) {
        accounts.set_default_account(Some(&added))?;
    }
    default_changed(context, accounts, default_before.as_ref());
    Ok(())
}

/// After a command that may change the default account: says so if it did.
fn default_changed(
    context: &mut Context<'_>,
    accounts: &AccountManager,
    before: Option<&AnyAccount>,
) {
    let before = before.map(AnyAccount::id);
    let after = accounts.default_account().map(|account| account.id());
    if before == after {
        return;
    }
    match (after, before) {
        (Some(after), Some(before)) => context.line(format!(
            "Account {} is now default account (it was {})",
            escape_control(&after),
            escape_control(&before)
        )),
        (Some(after), None) => context.line(format!(
            "Account {} is now default account",
            escape_control(&after)
        )),
        (None, _) => context.line(format!(
            "There is no default account now: choose one with {PROGRAM} --account default USER@DOMAIN"
        )),
    }
}

/// `ids` for a message: all of them up to [`NAMED_AT_MOST`], else the first ones and how many
/// more.
fn named(ids: &[String]) -> String {
    let shown: Vec<String> = ids
        .iter()
        .take(NAMED_AT_MOST)
        .map(|id| escape_control(id).into_owned())
        .collect();
    let mut text = shown.join(", ");
    if ids.len() > NAMED_AT_MOST {
        text.push_str(&format!(" and {} more", ids.len() - NAMED_AT_MOST));
    }
    text
}

/// How many accounts a message names.
const NAMED_AT_MOST: usize = 5;

fn delete(context: &mut Context<'_>, accounts: &AccountManager) -> Result<(), CliError> {
    context.expect_args(1, 1, "sip-settings --account delete USER@DOMAIN|ALL")?;
    let arg = context.args.args[0].as_str();
    if arg == ALL {
        let ids: Vec<String> = accounts
            .accounts()?
            .iter()
            .filter(|account| !account.is_bonjour())
            .map(AnyAccount::id)
            .collect();
        let default_before = accounts.default_account();
        accounts.delete_many(&ids)?;
        context.line(if ids.is_empty() {
            "No SIP account to delete".to_owned()
        } else {
            format!("Accounts deleted ({}): {}", ids.len(), named(&ids))
        });
        default_changed(context, accounts, default_before.as_ref());
        return Ok(());
    }
    let account = select_one(accounts, arg)?;
    if account.is_bonjour() {
        return Err(CliError::invalid("Cannot delete bonjour account"));
    }
    let default_before = accounts.default_account();
    accounts.delete(&account.id())?;
    context.line(format!("Account {} deleted", escape_control(&account.id())));
    default_changed(context, accounts, default_before.as_ref());
    Ok(())
}

fn show(context: &mut Context<'_>, accounts: &AccountManager) -> Result<(), CliError> {
    context.expect_args(
        0,
        1,
        "sip-settings --account show [--changed] [USER@DOMAIN|ALL]",
    )?;
    let shown: Vec<AnyAccount> = match context.args.args.first().map(String::as_str) {
        None => match accounts.default_account() {
            Some(account) => vec![account],
            // As the reference says when there is nothing to show.
            None if no_accounts_configured(accounts)? => {
                if context.args.json {
                    context.out = json::to_text(&serde_json::Value::Array(Vec::new()));
                } else {
                    context.line("No accounts configured");
                }
                return Ok(());
            }
            // Accounts, but none is the default (all disabled): as get and set.
            None => return Err(no_default_account()),
        },
        Some(ALL) => accounts.accounts()?,
        Some(arg) => {
            let selected = select(accounts, arg)?;
            if selected.is_empty() {
                return Err(CliError::invalid(format!("No accounts which match {arg}")));
            }
            selected
        }
    };
    let show_passwords = context.args.show_passwords;
    if context.args.json {
        let items: Vec<serde_json::Value> = shown
            .iter()
            .map(|account| {
                json!({
                    "id": account.id(),
                    "settings": json::tree_json(&context.shown_tree(account.raw()), show_passwords),
                })
            })
            .collect();
        context.out = json::to_text(&serde_json::Value::Array(items));
        return Ok(());
    }
    for account in shown {
        context.line(format!("Account {}:", escape_control(&account.id())));
        let tree = context.shown_tree(account.raw());
        context.render(&tree, "account");
    }
    Ok(())
}

/// The account and key of `get`/`describe`: `[ACCOUNT] KEY`.
fn account_and_key<'c>(
    context: &'c Context<'_>,
    accounts: &AccountManager,
    usage: &str,
) -> Result<(Option<AnyAccount>, &'c str), CliError> {
    context.expect_args(1, 2, usage)?;
    let args = &context.args.args;
    if args.len() == 1 {
        return Ok((None, args[0].as_str()));
    }
    if args[0] == ALL {
        return Err(CliError::usage(format!(
            "{} takes a single account, not ALL: usage: {usage}",
            context.args.command_name()
        )));
    }
    Ok((Some(select_one(accounts, &args[0])?), args[1].as_str()))
}

fn get(context: &mut Context<'_>, accounts: &AccountManager) -> Result<(), CliError> {
    let (account, key) = account_and_key(
        context,
        accounts,
        "sip-settings --account get [USER@DOMAIN] KEY",
    )?;
    let implied = account.is_none();
    let account = match account {
        Some(account) => account,
        None => default_account(accounts)?,
    };
    let id = account.id();
    let setting = lookup(account.raw(), key)
        .map_err(|error| prefixed(&account_label(&account, implied), error))?;
    let show = context.args.show_passwords;
    let out = if context.args.json {
        json::to_text(&json::get_json(&setting, show, Some(&id)))
    } else {
        format!("{}\n", bare_value(&setting, show))
    };
    context.out = out;
    Ok(())
}

/// A new SIP account that is not stored anywhere, to describe settings when no account has
/// them.
fn template_account() -> Result<RawObject, CliError> {
    let manager = ConfigurationManager::new();
    manager.start(MemoryBackend::new())?;
    crate::sipclients::register(&manager)?;
    let account = Account::get(&manager, "user@example.com")?;
    Ok(account.raw().clone())
}

fn describe_setting(context: &mut Context<'_>, accounts: &AccountManager) -> Result<(), CliError> {
    let (account, key) = account_and_key(
        context,
        accounts,
        "sip-settings --account describe [USER@DOMAIN] KEY",
    )?;
    let show = context.args.show_passwords;
    // An account named, or the default account if it has the setting, or a new SIP account.
    let (setting, id) = match account.or_else(|| {
        accounts
            .default_account()
            .filter(|account| account.raw().setting(key).is_ok())
    }) {
        Some(account) => {
            let id = account.id();
            let setting = lookup(account.raw(), key).map_err(|error| prefixed(&id, error))?;
            (setting, Some(id))
        }
        None => (lookup(&template_account()?, key)?, None),
    };
    context.out = if context.args.json {
        json::to_text(&json::describe_json(&setting, show, id.as_deref()))
    } else {
        describe::describe(&setting, show, id.as_deref(), id.is_some())
    };
    Ok(())
}

fn set(context: &mut Context<'_>, accounts: &AccountManager) -> Result<(), CliError> {
    let usage = "sip-settings --account set [USER@DOMAIN|ALL] KEY=VALUE [KEY=VALUE ...]";
    let args = &context.args.args;
    let Some(first) = args.first() else {
        return Err(CliError::usage(format!(
            "set needs at least one KEY=VALUE argument: usage: {usage}"
        )));
    };
    // The first argument names the accounts unless it is a KEY=VALUE itself; an account id
    // may contain `=` (SIP user parts may), and one that exists is always the account.
    let implied = first.contains('=') && !accounts.has(first)?;
    let pairs = values::parse_pairs(if implied { &args[..] } else { &args[1..] })?;
    let targets = if implied {
        vec![default_account(accounts)?]
    } else if first == ALL {
        accounts.accounts()?
    } else {
        vec![select_one(accounts, first)?]
    };

    let notes_before = context.notes.len();
    let default_before = accounts.default_account();
    let mut changed: Vec<String> = Vec::new();
    let mut errors = Vec::new();
    if let [target] = targets.as_slice() {
        changed.push(account_label(target, implied));
        if let Err(refused) = values::apply_pairs(target.raw(), &pairs) {
            let label = account_label(target, implied);
            errors.extend(
                refused
                    .into_iter()
                    .map(|message| format!("{label}: {message}")),
            );
        }
    } else {
        // Several accounts (ALL): each gets the settings it has; a setting that no account
        // has is an error.
        let known = |account: &AnyAccount, pair: &Pair| {
            !matches!(
                account.raw().setting(&pair.key),
                Err(SettingError::Unknown { .. })
            )
        };
        for pair in &pairs {
            if !targets.iter().any(|account| known(account, pair)) {
                if let Some(Err(error)) = targets.first().map(|a| a.raw().setting(&pair.key)) {
                    if let Some(first) = targets.first() {
                        errors.push(values::explain(first.raw(), &error));
                    }
                }
            }
        }
        for account in &targets {
            let id = account.id();
            let (own, skipped): (Vec<Pair>, Vec<Pair>) =
                pairs.iter().cloned().partition(|pair| known(account, pair));
            for pair in skipped {
                if targets.iter().any(|other| known(other, &pair)) {
                    context.notes.push(format!(
                        "note: {id} has no setting {}: left as it is",
                        pair.key
                    ));
                }
            }
            if own.is_empty() {
                continue;
            }
            changed.push(id.clone());
            if let Err(refused) = values::apply_pairs(account.raw(), &own) {
                errors.extend(
                    refused
                        .into_iter()
                        .map(|message| format!("{id}: {message}")),
                );
            }
        }
    }
    if !errors.is_empty() {
        context.notes.truncate(notes_before);
        errors.push("nothing was changed".to_owned());
        return Err(CliError {
            status: Status::Invalid,
            messages: errors,
        });
    }
    // Into the document; the command writes the file once, at the end.
    for account in &targets {
        account.raw().save()?;
    }
    context.line(match changed.as_slice() {
        [one] if targets.len() == 1 => format!("Account {} updated", escape_control(one)),
        _ => format!("Accounts updated ({}): {}", changed.len(), named(&changed)),
    });
    default_changed(context, accounts, default_before.as_ref());
    Ok(())
}

fn make_default(context: &mut Context<'_>, accounts: &AccountManager) -> Result<(), CliError> {
    context.expect_args(1, 1, "sip-settings --account default USER@DOMAIN")?;
    let account = select_one(accounts, &context.args.args[0])?;
    let id = account.id();
    accounts.set_default_account(Some(&id))?;
    context.line(format!(
        "Account {} is now default account",
        escape_control(&id)
    ));
    Ok(())
}

/// How messages name `account`: its id, and whether it was chosen as the default account.
fn account_label(account: &AnyAccount, implied: bool) -> String {
    if implied {
        format!("{} (the default account)", account.id())
    } else {
        account.id()
    }
}

/// `error` with its messages prefixed by the account id.
fn prefixed(id: &str, mut error: CliError) -> CliError {
    for message in &mut error.messages {
        *message = format!("{id}: {message}");
    }
    error
}
