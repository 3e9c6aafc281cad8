//! [`AccountManager`]: every account in one place, and the default account.

use std::collections::BTreeSet;
use std::ops::ControlFlow;
use std::sync::Arc;

use sipcfg::{
    ConfigurationError, ConfigurationManager, NotificationFilter, NotificationKind,
    NotificationName, Object, ObserverGuard, RawObject, SettingError, SettingsObject, Value,
    ValueError,
};

use crate::account::{Account, BonjourAccount, BONJOUR_ID};
use crate::datatypes::SIPAddress;
use crate::general::SIPSimpleSettings;

/// An account of either kind.
#[derive(Clone, Debug)]
pub enum AnyAccount {
    /// A SIP account at a provider.
    Account(Object<Account>),
    /// The Bonjour (peer-to-peer) account.
    Bonjour(Object<BonjourAccount>),
}

impl AnyAccount {
    /// The account's id (its SIP address).
    pub fn id(&self) -> String {
        self.raw().id()
    }

    /// Whether the account is enabled.
    pub fn enabled(&self) -> bool {
        match self {
            AnyAccount::Account(account) => account.enabled(),
            AnyAccount::Bonjour(account) => account.enabled(),
        }
    }

    /// The type-erased object, for dotted-path access and metadata.
    pub fn raw(&self) -> &RawObject {
        match self {
            AnyAccount::Account(account) => account.raw(),
            AnyAccount::Bonjour(account) => account.raw(),
        }
    }

    /// Whether this is the Bonjour account.
    pub fn is_bonjour(&self) -> bool {
        matches!(self, AnyAccount::Bonjour(_))
    }
}

/// What [`AccountManager::summaries`] tells of an account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountSummary {
    /// The account's id (its SIP address).
    pub id: String,
    /// Whether the account is enabled.
    pub enabled: bool,
    /// Whether this is the Bonjour account.
    pub bonjour: bool,
}

/// Manages the accounts: get, iterate, add, delete, and the default account (stored in
/// `SIPSimpleSettings.default_account`). [`load`](Self::load) loads every stored account at
/// once (an application); [`open`](Self::open) checks them all and loads each when something
/// asks for it (a command-line tool that reads or changes a few of many).
///
/// Account ids are SIP addresses: two ids whose domains differ only in case (`alice@Example.COM`,
/// `alice@example.com`) name the same account, the user part is case-sensitive (as in SIP), and
/// `bonjour@local`, in any case, is the Bonjour account.
///
/// Entries of the `Accounts` group that are not SIP accounts (a name that is not a SIP address,
/// or a plain setting instead of a group) are not loaded: they are listed by
/// [`ignored_entries`](Self::ignored_entries) and kept in storage untouched.
///
/// ```
/// use sipcfg::backend::MemoryBackend;
/// use sipcfg::ConfigurationManager;
/// use sipcfg_settings::AccountManager;
///
/// let manager = ConfigurationManager::new();
/// manager.start(MemoryBackend::new())?;
/// let accounts = AccountManager::load(&manager)?;
/// // Created, configured and saved once.
/// accounts.add_with("alice@example.com", |alice| {
///     alice.auth().set_password("secret")?;
///     alice.set_enabled(true)?;
///     Ok::<(), sipcfg::ConfigurationError>(())
/// })?;
/// accounts.set_default_account(Some("alice@Example.COM"))?;
/// assert_eq!(accounts.default_account().map(|a| a.id()), Some("alice@example.com".into()));
/// # Ok::<(), sipcfg::ConfigurationError>(())
/// ```
#[derive(Debug, Clone)]
pub struct AccountManager {
    manager: ConfigurationManager,
    /// Keeps the default account following the accounts' `enabled` flags while any clone of
    /// this manager lives.
    _enabled_rule: Option<Arc<ObserverGuard>>,
}

/// The group the accounts are stored in.
const ACCOUNTS: Option<&str> = <Account as SettingsObject>::GROUP;

impl AccountManager {
    /// Loads every stored account of `manager` (and the Bonjour account). Entries of `Accounts`
    /// that are not SIP accounts are skipped (see [`ignored_entries`](Self::ignored_entries)).
    ///
    /// While it lives, the default account follows the accounts' `enabled` flags, as in the
    /// reference: an account that is saved enabled becomes the default when there is none, and
    /// when the default account is saved disabled the first enabled account takes over.
    pub fn load(manager: &ConfigurationManager) -> Result<Self, ConfigurationError> {
        let accounts = Self::with_rule(manager)?;
        // In one pass (a million accounts load in time proportional to their number).
        Object::<Account>::get_or_create_many(manager, &accounts.account_ids()?)?;
        Ok(accounts)
    }

    /// Opens the accounts of `manager` without loading the SIP accounts: each is loaded when
    /// something asks for it ([`get`](Self::get), [`accounts`](Self::accounts), the default
    /// account), so that a command that reads or changes a few of 100,000 accounts does not
    /// keep an object for each. Everything else is as after [`load`](Self::load): every stored
    /// account is checked now, and what loading it would report (`ManagerLoadFailed` for a
    /// stored value that does not convert) is posted now, in the same order
    /// ([`Object::check_stored`]); an account loaded later reports it again. The Bonjour
    /// account and the account named as the default are loaded, so the default account follows
    /// the `enabled` flags as after `load` when the default is disabled here or by another
    /// program (seen at [`reload`](ConfigurationManager::reload) or a merging save).
    ///
    /// Two differences, both because the other SIP accounts are not live: they are announced
    /// (`SettingsObjectWasActivated`) only when something loads them, and a change another
    /// program makes to one of them reaches no live object. So when there is no default and
    /// another program enables an account, the default stays none until
    /// [`repair_default_account`](Self::repair_default_account) is called.
    pub fn open(manager: &ConfigurationManager) -> Result<Self, ConfigurationError> {
        let accounts = Self::with_rule(manager)?;
        Object::<Account>::check_stored(manager, &accounts.account_ids()?, |_| {
            ControlFlow::Continue(())
        })?;
        // A stored default that names no account (or not an id) is simply not loaded: what
        // the default then is, is `default_account`'s answer, as after `load`.
        let _ = accounts.named_default();
        Ok(accounts)
    }

    /// A manager of the accounts of `manager` with the `enabled` rule, and the Bonjour account
    /// loaded.
    fn with_rule(manager: &ConfigurationManager) -> Result<Self, ConfigurationError> {
        let weak = manager.downgrade();
        let guard = manager.notifications().observe_scoped(
            NotificationFilter::new().name(NotificationName::SettingsObjectDidChange),
            move |notification| {
                let NotificationKind::SettingsObjectDidChange { modified } = &notification.kind
                else {
                    return;
                };
                let sender = &notification.sender;
                let is_account = matches!(sender.type_name, "Account" | "BonjourAccount");
                if !is_account || !modified.contains_key("enabled") {
                    return;
                }
                if let Some(manager) = weak.upgrade() {
                    // Failures to save surface as ManagerSaveFailed notifications.
                    let _ = follow_enabled_flag(&manager, &sender.id);
                }
            },
        );
        let accounts = AccountManager {
            manager: manager.clone(),
            _enabled_rule: Some(Arc::new(guard)),
        };
        BonjourAccount::get(manager)?;
        Ok(accounts)
    }

    /// The configuration manager the accounts live in.
    pub fn configuration(&self) -> &ConfigurationManager {
        &self.manager
    }

    /// The names of the stored entries of `Accounts` that are not SIP accounts, sorted: a name
    /// that is not a SIP address (`user@domain`, as stored), a Bonjour id in another case, or
    /// an entry that is not a group of settings. They are never loaded, changed or deleted.
    pub fn ignored_entries(&self) -> Result<Vec<String>, ConfigurationError> {
        Ok(self.stored_odd_entries()?.into_iter().collect())
    }

    fn stored_odd_entries(&self) -> Result<BTreeSet<String>, ConfigurationError> {
        self.stored_names_where(|name, value| {
            name != BONJOUR_ID && (!is_account_id(name) || !matches!(value, Value::Group(_)))
        })
    }

    /// The stored names of `Accounts` whose entry passes `keep`.
    fn stored_names_where(
        &self,
        keep: impl Fn(&str, &Value) -> bool,
    ) -> Result<BTreeSet<String>, ConfigurationError> {
        let Some(group) = ACCOUNTS else {
            return Ok(BTreeSet::new());
        };
        self.manager.with_data(|data| {
            data.group(group)
                .map(|accounts| {
                    accounts
                        .iter()
                        .filter(|(name, value)| keep(name.as_str(), value))
                        .map(|(name, _)| name.to_string())
                        .collect()
                })
                .unwrap_or_default()
        })
    }

    /// The ids of the SIP accounts (not the Bonjour account), sorted.
    fn account_ids(&self) -> Result<Vec<sipcfg::Name>, ConfigurationError> {
        // `id_texts` lists only ids of `Account` as stored (SIP addresses in their own
        // normal form): of the odd entries, only the Bonjour id and names that hold something
        // else than a group can be among them. (Checking every id as a SIP address once more
        // cost a parse per account, twice at start-up.)
        let not_groups = self.stored_non_groups()?;
        let mut ids = Object::<Account>::id_texts(&self.manager)?;
        ids.retain(|id| !is_bonjour_id(id) && !not_groups.contains(id.as_str()));
        debug_assert!(ids.iter().all(|id| is_account_id(id)));
        Ok(ids)
    }

    /// The stored names of `Accounts` whose value is not a group.
    fn stored_non_groups(&self) -> Result<BTreeSet<String>, ConfigurationError> {
        self.stored_names_where(|_, value| !matches!(value, Value::Group(_)))
    }

    /// The SIP account stored or live under exactly this id, if it is one.
    fn exact(&self, id: &str) -> Result<Option<Object<Account>>, ConfigurationError> {
        if !is_account_id(id) {
            return Ok(None);
        }
        match self.manager.get(ACCOUNTS, id) {
            Ok(Value::Group(_)) | Err(ConfigurationError::ObjectNotFound(_)) => {}
            // Something else is stored under this name: not an account, never loaded.
            Ok(_) => return Ok(None),
            Err(error) => return Err(error),
        }
        Ok(Account::get_existing(&self.manager, id)?.filter(|account| !account.raw().is_deleted()))
    }

    /// The account with this id, if it exists: the Bonjour account for `bonjour@local` in any
    /// case, else the SIP account whose id is `id`, else the one whose id differs from `id`
    /// only in the case of the domain. `id` may be written as a SIP URI, `sip:user@domain` or
    /// `sips:user@domain` ([`account_id`]); an id with another scheme names no account.
    pub fn get(&self, id: &str) -> Result<Option<AnyAccount>, ConfigurationError> {
        if let Some(account) = self.get_as_stored(id)? {
            return Ok(Some(account));
        }
        match account_id(id) {
            Ok(bare) if bare != id => self.get_as_stored(bare),
            _ => Ok(None),
        }
    }

    /// [`get`](Self::get) without dropping a URI scheme.
    fn get_as_stored(&self, id: &str) -> Result<Option<AnyAccount>, ConfigurationError> {
        if is_bonjour_id(id) {
            return BonjourAccount::get(&self.manager).map(|a| Some(AnyAccount::Bonjour(a)));
        }
        if let Some(account) = self.exact(id)? {
            return Ok(Some(AnyAccount::Account(account)));
        }
        if !id.contains('@') {
            return Ok(None);
        }
        for candidate in self.account_ids()? {
            if same_account(&candidate, id) {
                return Ok(self.exact(&candidate)?.map(AnyAccount::Account));
            }
        }
        Ok(None)
    }

    /// Whether an account with this id exists (see [`get`](Self::get)).
    pub fn has(&self, id: &str) -> Result<bool, ConfigurationError> {
        Ok(self.get(id)?.is_some())
    }

    /// Every account, the SIP accounts sorted by id, then the Bonjour account.
    pub fn accounts(&self) -> Result<Vec<AnyAccount>, ConfigurationError> {
        let mut all: Vec<AnyAccount> =
            Object::<Account>::get_or_create_many(&self.manager, &self.account_ids()?)?
                .into_iter()
                .map(AnyAccount::Account)
                .collect();
        all.push(AnyAccount::Bonjour(BonjourAccount::get(&self.manager)?));
        Ok(all)
    }

    /// Every account's id, kind and `enabled` flag, in the order of
    /// [`accounts`](Self::accounts) (the SIP accounts sorted by id, then the Bonjour account),
    /// without loading the accounts that are not loaded: their stored entries are read as
    /// loading would read them ([`Object::read_stored`]; a stored `enabled` that does not
    /// convert is its default), a loaded account's flag is its current one.
    pub fn summaries(&self) -> Result<Vec<AccountSummary>, ConfigurationError> {
        let ids = self.account_ids()?;
        let mut all = Vec::with_capacity(ids.len() + 1);
        Object::<Account>::read_stored(&self.manager, &ids, &["enabled"], |account| {
            all.push(AccountSummary {
                id: account.id().to_owned(),
                enabled: account.get::<bool>("enabled").unwrap_or_default(),
                bonjour: false,
            });
            ControlFlow::Continue(())
        })?;
        let bonjour = BonjourAccount::get(&self.manager)?;
        all.push(AccountSummary {
            id: bonjour.id(),
            enabled: bonjour.enabled(),
            bonjour: true,
        });
        Ok(all)
    }

    /// Every account's id, in the order of [`accounts`](Self::accounts) (the SIP accounts
    /// sorted by id, then `bonjour@local`), without loading any. The names are shared with
    /// the document (no text is copied).
    pub fn ids(&self) -> Result<Vec<sipcfg::Name>, ConfigurationError> {
        let mut ids = self.account_ids()?;
        ids.push(BONJOUR_ID.into());
        Ok(ids)
    }

    /// Whether any SIP account exists (stored or saved).
    pub fn has_sip_accounts(&self) -> Result<bool, ConfigurationError> {
        Ok(!self.account_ids()?.is_empty())
    }

    /// Creates and saves a new account. The id must be a SIP address (`user@domain`) that no
    /// account holds yet. Same as [`add_with`](Self::add_with) with nothing to configure.
    pub fn add(&self, id: &str) -> Result<Object<Account>, ConfigurationError> {
        self.add_with(id, |_| Ok(()))
    }

    /// Creates a new account, lets `configure` set it up, then saves it: one save, so that the
    /// account is stored complete or not at all. The id must be a SIP address (`user@domain`,
    /// a leading `sip:` or `sips:` is dropped, other URI schemes are refused: see
    /// [`account_id`]) that no account holds yet, in any case of its domain, and
    /// not `bonjour@local` in any case; an entry of `Accounts` that is not an account
    /// ([`ignored_entries`](Self::ignored_entries)) keeps its name.
    ///
    /// If `configure` or the save fails, the account is deleted again (it is neither among the
    /// accounts nor in the document) and the error is returned.
    ///
    /// An enabled new account becomes the default account when there is none (as in the
    /// reference).
    ///
    /// The closure returns [`ConfigurationError`], the error of every setter, so that both
    /// `|account| account.set_enabled(true)` and a body of several `set_...(..)?` ending in
    /// `Ok(())` compile without annotations.
    pub fn add_with<F>(&self, id: &str, configure: F) -> Result<Object<Account>, ConfigurationError>
    where
        F: FnOnce(&Object<Account>) -> Result<(), ConfigurationError>,
    {
        let bare = account_id(id)?;
        let address = SIPAddress::new(bare).map_err(|error| invalid_id(id, error))?;
        let id = address.as_str();
        if is_bonjour_id(id) {
            return Err(duplicate(BONJOUR_ID));
        }
        if let Some(existing) = self.get(id)? {
            return Err(duplicate(&existing.id()));
        }
        match self.manager.get(ACCOUNTS, id) {
            Err(ConfigurationError::ObjectNotFound(_)) => {}
            Err(error) => return Err(error),
            Ok(_) => {
                return Err(ConfigurationError::InvalidKey(format!(
                    "the Accounts entry {id:?} is not a SIP account and is kept as it is: \
                     rename or remove it in the configuration file first"
                )))
            }
        }
        let account = Account::get(&self.manager, id)?;
        if let Err(error) = configure(&account) {
            // Never saved: forget it without writing anything.
            let _ = account.discard();
            return Err(error);
        }
        if let Err(error) = account.save() {
            // Forget the account: out of the registry and of the document, without writing.
            let _ = account.discard();
            return Err(error);
        }
        // As in the reference: an enabled new account becomes the default when there is none.
        if account.enabled() && self.default_account().is_none() {
            self.set_default_account(Some(&account.id()))?;
        }
        Ok(account)
    }

    /// Deletes the account `id` (the Bonjour account cannot be deleted). If it was the default
    /// account, the default falls back to the first enabled account (see
    /// [`fallback_default`](Self::fallback_default)); a stored default that names a missing
    /// account is repaired too ([`repair_default_account`](Self::repair_default_account)).
    pub fn delete(&self, id: &str) -> Result<(), ConfigurationError> {
        let account = self.deletable(id)?;
        self.delete_accounts(vec![account])
    }

    /// Deletes every account of `ids`, as [`delete`](Self::delete) does, and chooses the new
    /// default account once, at the end. Every id is checked first: if one does not exist or is
    /// the Bonjour account, nothing is deleted.
    ///
    /// Each deletion saves (until the runtime can store several changes with one write); run
    /// it on a backend that holds saves back to write once, as `sip-settings` does.
    pub fn delete_many<S: AsRef<str>>(&self, ids: &[S]) -> Result<(), ConfigurationError> {
        let accounts = ids
            .iter()
            .map(|id| self.deletable(id.as_ref()))
            .collect::<Result<Vec<_>, _>>()?;
        self.delete_accounts(accounts)
    }

    /// The SIP account `id`, or why it cannot be deleted.
    fn deletable(&self, id: &str) -> Result<Object<Account>, ConfigurationError> {
        match self.get(id)? {
            Some(AnyAccount::Account(account)) => Ok(account),
            Some(AnyAccount::Bonjour(_)) => Err(ConfigurationError::CannotDelete {
                type_name: "BonjourAccount",
            }),
            None => Err(not_found(id)),
        }
    }

    fn delete_accounts(&self, accounts: Vec<Object<Account>>) -> Result<(), ConfigurationError> {
        let settings = SIPSimpleSettings::get(&self.manager)?;
        self.repair_default_account()?;
        let default = settings.default_account();
        let mut was_default = false;
        for account in accounts {
            let id = account.id();
            was_default |= default.as_deref() == Some(id.as_str());
            account.delete()?;
        }
        if was_default {
            settings.set_default_account(self.fallback_default()?)?;
        }
        // Nothing to write if the default was neither deleted nor repaired.
        settings.save()
    }

    /// The default account. One rule, which every command of `sip-settings` follows:
    ///
    /// - `SIPSimpleSettings.default_account` is None: there is no default account;
    /// - it names an enabled account: that account;
    /// - it names an account that does not exist or is disabled (the file was edited by hand,
    ///   or the setting was changed without [`set_default_account`](Self::set_default_account)):
    ///   the [fallback](Self::fallback_default), the first enabled account, if any.
    pub fn default_account(&self) -> Option<AnyAccount> {
        let settings = SIPSimpleSettings::get(&self.manager).ok()?;
        let stored = settings.default_account()?;
        match self.get(&stored).ok().flatten() {
            Some(account) if account.enabled() => Some(account),
            _ => {
                let id = self.fallback_default().ok().flatten()?;
                self.get(&id).ok().flatten()
            }
        }
    }

    /// The id that [`set_default_account`](Self::set_default_account) would store for `id`, or
    /// why `id` cannot be the default account: it must name an existing, enabled account (a
    /// leading `sip:` or `sips:` is dropped, see [`account_id`]); None (no default account) is
    /// always accepted. Every path that sets the default account (this manager and
    /// `sip-settings`, `--account default` and `--general set default_account=...` alike)
    /// checks this rule.
    pub fn check_default_account(
        &self,
        id: Option<&str>,
    ) -> Result<Option<String>, ConfigurationError> {
        let Some(id) = id else {
            return Ok(None);
        };
        let account = self.get(id)?.ok_or_else(|| not_found(id))?;
        if !account.enabled() {
            return Err(not_enabled(&account.id()));
        }
        Ok(Some(account.id()))
    }

    /// Makes `id` the default account (None: no default) and saves. The account must exist and
    /// be enabled ([`check_default_account`](Self::check_default_account); as in the
    /// reference: `account ... is not enabled`); its id is stored as the account has it
    /// (`alice@Example.COM` and `sip:alice@example.com` name `alice@example.com`).
    /// This also replaces a stored default that names a missing account.
    pub fn set_default_account(&self, id: Option<&str>) -> Result<(), ConfigurationError> {
        let id = self.check_default_account(id)?;
        let settings = SIPSimpleSettings::get(&self.manager)?;
        settings.set_default_account(id)?;
        settings.save()
    }

    /// Makes the stored `SIPSimpleSettings.default_account` agree with
    /// [`default_account`](Self::default_account): a default that names a missing or disabled
    /// account (the account was removed from the file by hand, say) is replaced by the
    /// [fallback](Self::fallback_default), and one that names an account in another case of
    /// its domain by the account's id. Changes the settings object in memory only and returns
    /// whether it changed anything: the next save of `SIPSimpleSettings` stores it.
    /// [`delete`](Self::delete) and [`set_default_account`](Self::set_default_account) repair
    /// the default whenever they save; `sip-settings` repairs it in every command that writes
    /// the file.
    pub fn repair_default_account(&self) -> Result<bool, ConfigurationError> {
        let settings = SIPSimpleSettings::get(&self.manager)?;
        let Some(stored) = settings.default_account() else {
            return Ok(false);
        };
        let repaired = match self.get(&stored)? {
            Some(account) if account.enabled() && account.id() == stored => return Ok(false),
            Some(account) if account.enabled() => Some(account.id()),
            Some(_) | None => self.fallback_default()?,
        };
        settings.set_default_account(repaired)?;
        Ok(true)
    }

    /// The account named by the stored `SIPSimpleSettings.default_account`, if it exists (the
    /// reference's `default_account`, which may be none).
    pub fn named_default(&self) -> Result<Option<AnyAccount>, ConfigurationError> {
        let settings = SIPSimpleSettings::get(&self.manager)?;
        match settings.default_account() {
            Some(id) => self.get(&id),
            None => Ok(None),
        }
    }

    /// The account that becomes the default when the default is deleted: the first enabled SIP
    /// account by id, else the Bonjour account if enabled, else none.
    pub fn fallback_default(&self) -> Result<Option<String>, ConfigurationError> {
        // Read as `accounts` would give them (loaded accounts as they are, the others as
        // stored), without loading any: the first enabled account is often the first one.
        let mut first = None;
        let ids = self.account_ids()?;
        Object::<Account>::read_stored(&self.manager, &ids, &["enabled"], |account| {
            if account.get::<bool>("enabled").unwrap_or_default() {
                first = Some(account.id().to_owned());
                return ControlFlow::Break(());
            }
            ControlFlow::Continue(())
        })?;
        if first.is_some() {
            return Ok(first);
        }
        let bonjour = BonjourAccount::get(&self.manager)?;
        Ok(bonjour.enabled().then(|| bonjour.id()))
    }
}

/// The account id that `text` names, as people write it: surrounding white space and a leading
/// `sip:` or `sips:` URI scheme (in any case) are dropped, so that `sip:alice@example.com`,
/// `SIPS:alice@example.com` and `alice@example.com` name the same account. Any other scheme
/// (`tel:`, `mailto:`; a word of letters, digits, `+`, `-` and `.` that starts with a letter and
/// ends with `:` before the `@`) is refused with an error that says so: an account id is a SIP
/// address. The rest is not checked here (see [`SIPAddress`]).
///
/// ```
/// use sipcfg_settings::account_manager::account_id;
///
/// assert_eq!(account_id("sip:alice@example.com")?, "alice@example.com");
/// assert_eq!(account_id(" SIPS:alice@example.com")?, "alice@example.com");
/// assert_eq!(account_id("alice@example.com")?, "alice@example.com");
/// assert!(account_id("tel:+15551234@example.com").is_err());
/// # Ok::<(), sipcfg::ConfigurationError>(())
/// ```
pub fn account_id(text: &str) -> Result<&str, ConfigurationError> {
    strip_sip_scheme(text).map_err(|error| invalid_id(text, error))
}

/// [`account_id`] with the reason as a [`ValueError`].
pub(crate) fn strip_sip_scheme(text: &str) -> Result<&str, ValueError> {
    let trimmed = text.trim();
    let Some((scheme, rest)) = trimmed.split_once(':') else {
        return Ok(trimmed);
    };
    // A colon after the `@` belongs to the domain part (a port): no scheme.
    if scheme.contains('@') {
        return Ok(trimmed);
    }
    let is_scheme = scheme
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    if !is_scheme {
        return Ok(trimmed);
    }
    if scheme.eq_ignore_ascii_case("sip") || scheme.eq_ignore_ascii_case("sips") {
        return Ok(rest.trim_start());
    }
    Err(ValueError::new(format!(
        "the URI scheme \"{scheme}:\" is not accepted: an account id is a SIP address, \
         written user@domain, sip:user@domain or sips:user@domain"
    )))
}

/// Whether `id` is the Bonjour account's id, in any case.
fn is_bonjour_id(id: &str) -> bool {
    id.eq_ignore_ascii_case(BONJOUR_ID)
}

/// Whether `id` can be a SIP account's id: an id of [`Account`] (its id type [`SIPAddress`])
/// exactly as stored (no `sip:`, no surrounding white space), and not the Bonjour id in any
/// case.
fn is_account_id(id: &str) -> bool {
    !is_bonjour_id(id)
        && <SIPAddress as sipcfg::ObjectId>::parse_id(id)
            .is_ok_and(|address| address.as_str() == id)
}

/// Whether two SIP addresses name the same account: the same user part, and domains that
/// differ at most in case.
fn same_account(a: &str, b: &str) -> bool {
    match (a.rsplit_once('@'), b.rsplit_once('@')) {
        (Some((user_a, domain_a)), Some((user_b, domain_b))) => {
            user_a == user_b && domain_a.eq_ignore_ascii_case(domain_b)
        }
        _ => a == b,
    }
}

fn duplicate(id: &str) -> ConfigurationError {
    ConfigurationError::DuplicateId {
        type_name: "Account",
        id: id.to_owned(),
    }
}

fn not_found(id: &str) -> ConfigurationError {
    sipcfg::ObjectNotFoundError {
        key: vec!["Accounts".to_owned(), id.to_owned()],
    }
    .into()
}

fn not_enabled(id: &str) -> ConfigurationError {
    ConfigurationError::Setting(SettingError::Invalid {
        path: "default_account".to_owned(),
        error: ValueError::new(format!("account {id} is not enabled")),
    })
}

/// The reference's rule, after account `id` was saved with a changed `enabled`: enabled and no
/// default account -> it becomes the default; disabled and the default -> the first enabled
/// account (or none) takes over.
fn follow_enabled_flag(manager: &ConfigurationManager, id: &str) -> Result<(), ConfigurationError> {
    // A handle without a rule of its own: the observer calling this is the rule.
    let accounts = AccountManager {
        manager: manager.clone(),
        _enabled_rule: None,
    };
    let Some(account) = accounts.get(id)? else {
        return Ok(());
    };
    let default = accounts.named_default()?;
    if account.enabled() && accounts.default_account().is_none() {
        accounts.set_default_account(Some(&account.id()))
    } else if !account.enabled() && default.is_some_and(|d| d.id() == account.id()) {
        let fallback = accounts.fallback_default()?;
        accounts.set_default_account(fallback.as_deref())
    } else {
        Ok(())
    }
}

fn invalid_id(id: &str, error: ValueError) -> ConfigurationError {
    ConfigurationError::Setting(sipcfg::SettingError::Invalid {
        path: format!("id {id:?}"),
        error,
    })
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;

    use sipcfg::backend::{Backend, MemoryBackend};
    use sipcfg::{BackendError, Data};

    use super::*;

    /// A memory backend whose saves fail while `fail` is set.
    #[derive(Clone, Default)]
    struct Flaky {
        memory: MemoryBackend,
        fail: Arc<AtomicBool>,
    }

    impl Backend for Flaky {
        fn load(&self) -> Result<Data, BackendError> {
            self.memory.load()
        }

        fn save(&self, data: &Data) -> Result<(), BackendError> {
            if self.fail.load(Ordering::SeqCst) {
                return Err(BackendError::Other("the disk is full".into()));
            }
            self.memory.save(data)
        }
    }

    fn started(json: &str) -> (AccountManager, Flaky) {
        let data: Data = serde_json::from_str(json).expect("a JSON document");
        let backend = Flaky {
            memory: MemoryBackend::with_data(data),
            fail: Arc::default(),
        };
        let manager = ConfigurationManager::new();
        manager.start(backend.clone()).expect("start");
        (AccountManager::load(&manager).expect("load"), backend)
    }

    fn ids(accounts: &AccountManager) -> Vec<String> {
        accounts
            .accounts()
            .expect("accounts")
            .iter()
            .map(AnyAccount::id)
            .collect()
    }

    fn stored(backend: &Flaky, path: &[&str]) -> Option<Value> {
        backend.memory.data().get_path(path).cloned()
    }

    #[test]
    fn add_with_configures_the_account_and_saves_once() {
        let (accounts, backend) = started("{}");
        let account = accounts
            .add_with("alice@example.com", |account| {
                account.auth().set_password("secret")?;
                account.set_enabled(true)?;
                Ok::<(), ConfigurationError>(())
            })
            .expect("added");
        assert_eq!(backend.memory.save_count(), 1);
        assert!(!account.raw().is_new());
        assert_eq!(
            stored(
                &backend,
                &["Accounts", "alice@example.com", "auth", "password"]
            ),
            Some(Value::from("secret"))
        );
        assert_eq!(
            stored(&backend, &["Accounts", "alice@example.com", "enabled"]),
            Some(Value::from("true"))
        );
        // add: the same, with nothing to configure.
        accounts.add("bob@example.com").expect("added");
        assert_eq!(backend.memory.save_count(), 2);
        assert!(stored(&backend, &["Accounts", "bob@example.com"]).is_some());
    }

    #[test]
    fn an_account_whose_configuration_fails_is_forgotten() {
        let (accounts, backend) = started("{}");
        let result = accounts.add_with("alice@example.com", |account| {
            account.auth().set_password("first")?;
            Err(ConfigurationError::InvalidKey("refused".into()))
        });
        assert!(matches!(result, Err(ConfigurationError::InvalidKey(_))));
        assert!(!accounts.has("alice@example.com").unwrap());
        assert_eq!(ids(&accounts), ["bonjour@local"]);
        assert!(stored(&backend, &["Accounts", "alice@example.com"]).is_none());
        // A new try starts afresh.
        let account = accounts
            .add_with("alice@example.com", |account| {
                account.set_enabled(true)?;
                Ok::<(), ConfigurationError>(())
            })
            .expect("added");
        assert_eq!(account.auth().password(), "");
        assert!(account.enabled());
    }

    #[test]
    fn an_account_whose_save_fails_is_forgotten() {
        let (accounts, backend) = started("{}");
        backend.fail.store(true, Ordering::SeqCst);
        let result = accounts.add_with("alice@example.com", |account| {
            account.auth().set_password("secret")?;
            Ok::<(), ConfigurationError>(())
        });
        assert!(matches!(result, Err(ConfigurationError::Backend(_))));
        assert!(!accounts.has("alice@example.com").unwrap());
        assert!(accounts.add("bob@example.com").is_err());
        assert!(!accounts.has("bob@example.com").unwrap());
        assert_eq!(ids(&accounts), ["bonjour@local"]);
        assert!(accounts
            .configuration()
            .get(Some("Accounts"), "alice@example.com")
            .is_err());

        // Once the disk is back, the same ids can be added: they were not left behind.
        backend.fail.store(false, Ordering::SeqCst);
        accounts
            .add_with("alice@example.com", |account| {
                account.auth().set_password("secret")?;
                Ok::<(), ConfigurationError>(())
            })
            .expect("added");
        accounts.add("bob@example.com").expect("added");
        assert_eq!(
            ids(&accounts),
            ["alice@example.com", "bob@example.com", "bonjour@local"]
        );
        assert_eq!(
            stored(
                &backend,
                &["Accounts", "alice@example.com", "auth", "password"]
            ),
            Some(Value::from("secret"))
        );
    }

    #[test]
    fn domains_differing_in_case_name_the_same_account() {
        let (accounts, _) = started("{}");
        accounts.add("alice@Example.COM").expect("added");
        for id in [
            "alice@example.com",
            "alice@EXAMPLE.com",
            "sip:alice@example.COM",
        ] {
            match accounts.add(id) {
                Err(ConfigurationError::DuplicateId { id, .. }) => {
                    assert_eq!(id, "alice@Example.COM")
                }
                other => panic!("{id}: {other:?}"),
            }
        }
        let found = accounts.get("alice@example.com").unwrap().expect("found");
        assert_eq!(found.id(), "alice@Example.COM");
        assert!(!accounts.has("ALICE@example.com").unwrap());
        // The user part is case-sensitive, as in SIP.
        accounts.add("Alice@example.com").expect("another user");
        assert_eq!(
            ids(&accounts),
            ["Alice@example.com", "alice@Example.COM", "bonjour@local"]
        );
        // The default account is stored as the account's id.
        if let Some(AnyAccount::Account(alice)) = accounts.get("alice@example.com").unwrap() {
            alice.set_enabled(true).unwrap();
            alice.save().unwrap();
        }
        accounts
            .set_default_account(Some("alice@example.com"))
            .unwrap();
        let settings = SIPSimpleSettings::get(accounts.configuration()).unwrap();
        assert_eq!(
            settings.default_account().as_deref(),
            Some("alice@Example.COM")
        );
        accounts.delete("alice@EXAMPLE.com").expect("deleted");
        assert!(!accounts.has("alice@Example.COM").unwrap());
        // The other account is disabled: the default falls back to the Bonjour account.
        assert_eq!(settings.default_account().as_deref(), Some(BONJOUR_ID));
    }

    #[test]
    fn bonjour_at_local_is_reserved_in_any_case() {
        let (accounts, _) = started("{}");
        for id in [
            "bonjour@local",
            "BONJOUR@LOCAL",
            "Bonjour@Local",
            "bonjour@LOCAL",
        ] {
            match accounts.add(id) {
                Err(ConfigurationError::DuplicateId { id, .. }) => assert_eq!(id, BONJOUR_ID),
                other => panic!("{id}: {other:?}"),
            }
            assert!(accounts.get(id).unwrap().expect("bonjour").is_bonjour());
        }
        assert_eq!(ids(&accounts), ["bonjour@local"]);
    }

    #[test]
    fn entries_that_are_not_sip_accounts_are_skipped_and_kept() {
        let (accounts, backend) = started(
            r#"{"Accounts": {
                "not-an-address": {"enabled": "true"},
                "weird@x.com": "oops",
                "Bonjour@Local": {"enabled": "true"},
                "sip:carol@example.com": {},
                "a@example.com": {"enabled": "true"}
            }}"#,
        );
        assert_eq!(ids(&accounts), ["a@example.com", "bonjour@local"]);
        assert_eq!(
            accounts.ignored_entries().unwrap(),
            [
                "Bonjour@Local",
                "not-an-address",
                "sip:carol@example.com",
                "weird@x.com"
            ]
        );
        assert!(accounts.get("weird@x.com").unwrap().is_none());
        assert!(accounts.get("not-an-address").unwrap().is_none());
        assert!(accounts.delete("weird@x.com").is_err());
        assert!(matches!(
            accounts.add("weird@x.com"),
            Err(ConfigurationError::InvalidKey(_))
        ));
        // sip:carol@example.com is not carol@example.com's name: carol can be added.
        accounts.add("carol@example.com").expect("added");
        accounts
            .delete_many(&["a@example.com", "carol@example.com"])
            .expect("deleted");
        assert_eq!(ids(&accounts), ["bonjour@local"]);
        let data = backend.memory.data();
        assert_eq!(
            data.get_path(&["Accounts", "weird@x.com"]),
            Some(&Value::from("oops"))
        );
        assert_eq!(
            data.get_path(&["Accounts", "not-an-address", "enabled"]),
            Some(&Value::from("true"))
        );
        assert!(data.get_path(&["Accounts", "Bonjour@Local"]).is_some());
        assert!(data
            .get_path(&["Accounts", "sip:carol@example.com"])
            .is_some());
        assert!(data.get_path(&["Accounts", "a@example.com"]).is_none());
    }

    #[test]
    fn a_default_naming_a_missing_account_is_repaired_when_saving() {
        let (accounts, backend) = started(
            r#"{"SIPSimpleSettings": {"default_account": "gone@example.com"},
                "Accounts": {"a@example.com": {}, "b@example.com": {"enabled": "true"},
                             "c@example.com": {"enabled": "true"}}}"#,
        );
        let settings = SIPSimpleSettings::get(accounts.configuration()).unwrap();
        // The fallback is the default; the stored value stays until something is saved.
        assert_eq!(accounts.default_account().unwrap().id(), "b@example.com");
        assert_eq!(
            settings.default_account().as_deref(),
            Some("gone@example.com")
        );
        // Deleting another account saves the repaired default.
        accounts.delete("a@example.com").unwrap();
        assert_eq!(
            stored(&backend, &["SIPSimpleSettings", "default_account"]),
            Some(Value::from("b@example.com"))
        );
        assert!(!accounts.repair_default_account().unwrap());

        // In memory only, until a save.
        let (accounts, backend) = started(
            r#"{"SIPSimpleSettings": {"default_account": "B@EXAMPLE.COM"},
                "Accounts": {"B@example.com": {"enabled": "true"}}}"#,
        );
        assert!(accounts.repair_default_account().unwrap());
        assert_eq!(backend.memory.save_count(), 0);
        let settings = SIPSimpleSettings::get(accounts.configuration()).unwrap();
        assert_eq!(settings.default_account().as_deref(), Some("B@example.com"));
        assert!(!accounts.repair_default_account().unwrap());
    }

    #[test]
    fn a_default_naming_a_disabled_account_is_the_fallback_and_none_is_no_default() {
        let (accounts, _) = started(
            r#"{"SIPSimpleSettings": {"default_account": "b@example.com"},
                "Accounts": {"a@example.com": {"enabled": "true"},
                             "b@example.com": {"enabled": "false"}}}"#,
        );
        assert_eq!(accounts.default_account().unwrap().id(), "a@example.com");
        assert!(accounts.repair_default_account().unwrap());
        let settings = SIPSimpleSettings::get(accounts.configuration()).unwrap();
        assert_eq!(settings.default_account().as_deref(), Some("a@example.com"));
        // The rule of every setter: enabled accounts only; None is no default.
        assert!(matches!(
            accounts.check_default_account(Some("b@example.com")),
            Err(ConfigurationError::Setting(_))
        ));
        assert!(matches!(
            accounts.set_default_account(Some("nobody@example.com")),
            Err(ConfigurationError::ObjectNotFound(_))
        ));
        accounts.set_default_account(None).unwrap();
        assert!(accounts.default_account().is_none());
        // A new enabled account becomes the default when there is none.
        accounts
            .add_with("c@example.com", |c| {
                c.set_enabled(true)?;
                Ok::<(), ConfigurationError>(())
            })
            .unwrap();
        assert_eq!(accounts.default_account().unwrap().id(), "c@example.com");
    }

    /// Another program disables the default account; this manager reloads. With `open` as
    /// with `load`, the rule moves the default to the first enabled account and stores it.
    #[test]
    fn opened_or_loaded_the_default_follows_another_program_disabling_it() {
        let stored = |open: bool| {
            let data: Data = serde_json::from_str(
                r#"{"SIPSimpleSettings": {"default_account": "a@x.com"},
                    "Accounts": {"a@x.com": {"enabled": "true"},
                                 "b@x.com": {"enabled": "true"}}}"#,
            )
            .expect("a JSON document");
            let backend = MemoryBackend::with_data(data);
            let here = ConfigurationManager::new();
            here.start(backend.clone()).unwrap();
            let accounts = if open {
                AccountManager::open(&here).unwrap()
            } else {
                AccountManager::load(&here).unwrap()
            };
            let other = ConfigurationManager::new();
            other.start(backend.clone()).unwrap();
            let a = Account::get_existing(&other, "a@x.com").unwrap().unwrap();
            a.set_enabled(false).unwrap();
            a.save().unwrap();
            here.reload().unwrap();
            let settings = SIPSimpleSettings::get(accounts.configuration()).unwrap();
            (
                settings.default_account(),
                backend
                    .data()
                    .get_path(&["SIPSimpleSettings", "default_account"])
                    .and_then(Value::as_str)
                    .map(str::to_owned),
            )
        };
        let moved = (Some("b@x.com".to_owned()), Some("b@x.com".to_owned()));
        assert_eq!(stored(false), moved);
        assert_eq!(stored(true), moved);
    }

    #[test]
    fn sip_and_sips_uris_name_accounts_and_other_schemes_are_refused() {
        let (accounts, _) = started("{}");
        assert_eq!(
            accounts.add("sips:erin@example.com").unwrap().id(),
            "erin@example.com"
        );
        for id in [
            "sip:erin@example.com",
            "SIPS:erin@Example.com",
            " sip:erin@example.com",
        ] {
            assert_eq!(
                accounts.get(id).unwrap().expect(id).id(),
                "erin@example.com"
            );
        }
        assert!(matches!(
            accounts.add("sip:erin@example.com"),
            Err(ConfigurationError::DuplicateId { .. })
        ));
        assert!(accounts.add("tel:frank@example.com").is_err());
        assert!(accounts.get("tel:erin@example.com").unwrap().is_none());
        // A colon after the @ is not a scheme.
        assert_eq!(account_id("a@host:5060").unwrap(), "a@host:5060");
        assert_eq!(account_id("1x:a@host").unwrap(), "1x:a@host");
        accounts.delete("sips:erin@example.com").unwrap();
        assert_eq!(ids(&accounts), ["bonjour@local"]);
    }

    #[test]
    fn delete_many_checks_every_id_first_and_chooses_the_default_once() {
        let (accounts, _) = started(
            r#"{"SIPSimpleSettings": {"default_account": "b@example.com"},
                "Accounts": {"a@example.com": {"enabled": "true"},
                             "b@example.com": {"enabled": "true"},
                             "c@example.com": {"enabled": "true"}}}"#,
        );
        assert!(accounts
            .delete_many(&["a@example.com", "nobody@example.com"])
            .is_err());
        assert!(accounts
            .delete_many(&["a@example.com", "bonjour@local"])
            .is_err());
        assert!(accounts.has("a@example.com").unwrap());
        accounts
            .delete_many(&["a@example.com", "b@example.com"])
            .unwrap();
        assert_eq!(ids(&accounts), ["c@example.com", "bonjour@local"]);
        let settings = SIPSimpleSettings::get(accounts.configuration()).unwrap();
        assert_eq!(settings.default_account().as_deref(), Some("c@example.com"));
    }
}
