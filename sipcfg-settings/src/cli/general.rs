//! `sip-settings --general COMMAND`: the SIP SIMPLE (general) settings.

use sipcfg::{ConfigurationError, RawObject};

use super::escape::escape_control;
use super::exit::{CliError, Status};
use super::values::{self, Assignment};
use super::{describe, json, tree, Context, PROGRAM};
use crate::{AccountManager, SIPSimpleSettings};

/// Runs a general command.
pub(crate) fn run(context: &mut Context<'_>, accounts: &AccountManager) -> Result<(), CliError> {
    let settings = SIPSimpleSettings::get(accounts.configuration())?;
    let raw = settings.raw();
    match context.args.command_name() {
        "show" => show(context, raw),
        "get" => get(context, raw),
        "set" => set(context, accounts, raw),
        "describe" => describe_setting(context, raw),
        other => Err(CliError::usage(format!("unknown command {other:?}"))),
    }
}

fn show(context: &mut Context<'_>, raw: &RawObject) -> Result<(), CliError> {
    context.expect_args(0, 0, "sip-settings --general show [--changed]")?;
    let tree = context.shown_tree(raw);
    if context.args.json {
        context.out = json::to_text(&json::tree_json(&tree, context.args.show_passwords));
        return Ok(());
    }
    context.line("SIP SIMPLE settings:");
    context.render(&tree, "SIP SIMPLE");
    Ok(())
}

/// The setting at `key`, or invalid input naming similar settings.
pub(crate) fn lookup(raw: &RawObject, key: &str) -> Result<sipcfg::SettingInfo, CliError> {
    raw.setting(key)
        .map_err(|error| CliError::invalid(values::explain(raw, &error)))
}

/// The bare value of `get`: the text form that `set` accepts (lists comma-separated, `None`
/// for nothing, the texts `None` and `DEFAULT` as `\None` and `\DEFAULT`), on one line:
/// control characters are escaped (such a value does not read back as itself; `--json` has it
/// exactly).
pub(crate) fn bare_value(setting: &sipcfg::SettingInfo, show_passwords: bool) -> String {
    if tree::masked(setting, show_passwords) {
        return sipcfg::SECRET_MASK.to_owned();
    }
    let stored = setting.value.to_stored();
    let text = sipcfg::display_stored(&stored);
    if stored.is_nothing() {
        return text;
    }
    escape_control(&values::escape_word(&text)).into_owned()
}

fn get(context: &mut Context<'_>, raw: &RawObject) -> Result<(), CliError> {
    context.expect_args(1, 1, "sip-settings --general get KEY")?;
    let setting = lookup(raw, &context.args.args[0])?;
    let show = context.args.show_passwords;
    if context.args.json {
        context.out = json::to_text(&json::get_json(&setting, show, None));
    } else {
        context.line(bare_value(&setting, show));
    }
    Ok(())
}

fn describe_setting(context: &mut Context<'_>, raw: &RawObject) -> Result<(), CliError> {
    context.expect_args(1, 1, "sip-settings --general describe KEY")?;
    let setting = lookup(raw, &context.args.args[0])?;
    let show = context.args.show_passwords;
    context.out = if context.args.json {
        json::to_text(&json::describe_json(&setting, show, None))
    } else {
        describe::describe(&setting, show, None, true)
    };
    Ok(())
}

fn set(
    context: &mut Context<'_>,
    accounts: &AccountManager,
    raw: &RawObject,
) -> Result<(), CliError> {
    let mut pairs = values::parse_pairs(&context.args.args)?;
    let mut errors = Vec::new();
    // default_account names an account: the same rule as `--account default` (an existing,
    // enabled account, or None), and the id stored as the account has it.
    for pair in pairs
        .iter_mut()
        .filter(|pair| pair.key == "default_account")
    {
        let wanted = match &pair.value {
            Assignment::Text(id) => Some(id.clone()),
            Assignment::Nothing => None,
            // The built-in default, the Bonjour account: it must be enabled too.
            Assignment::Default => Some(crate::BONJOUR_ID.to_owned()),
        };
        match accounts.check_default_account(wanted.as_deref()) {
            Ok(Some(id)) if matches!(pair.value, Assignment::Text(_)) => {
                pair.value = Assignment::Text(id);
            }
            Ok(_) => {}
            Err(ConfigurationError::ObjectNotFound(_)) => errors.push(format!(
                "invalid value for default_account: account {} does not exist",
                wanted.unwrap_or_default()
            )),
            Err(ConfigurationError::Setting(error)) => errors.push(format!(
                "{error}: enable it first ({PROGRAM} --account set {} enabled=true)",
                wanted.unwrap_or_default()
            )),
            Err(error) => return Err(error.into()),
        }
    }
    if let Err(refused) = values::apply_pairs(raw, &pairs) {
        errors.extend(refused);
    }
    if !errors.is_empty() {
        errors.push("nothing was changed".to_owned());
        return Err(CliError {
            status: Status::Invalid,
            messages: errors,
        });
    }
    raw.save()?;
    context.line("SIP SIMPLE general settings updated");
    Ok(())
}
