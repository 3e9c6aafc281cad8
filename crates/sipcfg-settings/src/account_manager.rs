//! [`AccountManager`]: every account in one place, and the default account.

use sipcfg::{ConfigurationError, ConfigurationManager, Object, RawObject, ValueError};

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

/// Loads every stored account and manages them: get, iterate, add, delete, and the default
/// account (stored in `SIPSimpleSettings.default_account`).
///
/// ```
/// use sipcfg::backend::MemoryBackend;
/// use sipcfg::ConfigurationManager;
/// use sipcfg_settings::AccountManager;
///
/// let manager = ConfigurationManager::new();
/// manager.start(MemoryBackend::new())?;
/// let accounts = AccountManager::load(&manager)?;
/// let alice = accounts.add("alice@example.com")?;
/// alice.auth().set_password("secret")?;
/// alice.save()?;
/// accounts.set_default_account(Some("alice@example.com"))?;
/// assert_eq!(accounts.default_account().map(|a| a.id()), Some("alice@example.com".into()));
/// # Ok::<(), sipcfg::ConfigurationError>(())
/// ```
#[derive(Debug, Clone)]
pub struct AccountManager {
    manager: ConfigurationManager,
}

impl AccountManager {
    /// Loads every stored account of `manager` (and the Bonjour account).
    pub fn load(manager: &ConfigurationManager) -> Result<Self, ConfigurationError> {
        let accounts = AccountManager {
            manager: manager.clone(),
        };
        BonjourAccount::get(manager)?;
        for id in accounts.account_ids()? {
            Account::get(manager, &id)?;
        }
        Ok(accounts)
    }

    /// The configuration manager the accounts live in.
    pub fn configuration(&self) -> &ConfigurationManager {
        &self.manager
    }

    /// The ids of the SIP accounts (not the Bonjour account), sorted.
    fn account_ids(&self) -> Result<Vec<String>, ConfigurationError> {
        let mut ids = Account::ids(&self.manager)?;
        ids.retain(|id| id != BONJOUR_ID);
        Ok(ids)
    }

    /// The account with this id, if it exists.
    pub fn get(&self, id: &str) -> Result<Option<AnyAccount>, ConfigurationError> {
        if id == BONJOUR_ID {
            return BonjourAccount::get(&self.manager).map(|a| Some(AnyAccount::Bonjour(a)));
        }
        Ok(Account::get_existing(&self.manager, id)?
            .filter(|account| !account.raw().is_deleted())
            .map(AnyAccount::Account))
    }

    /// Whether an account with this id exists.
    pub fn has(&self, id: &str) -> Result<bool, ConfigurationError> {
        Ok(self.get(id)?.is_some())
    }

    /// Every account, the SIP accounts sorted by id, then the Bonjour account.
    pub fn accounts(&self) -> Result<Vec<AnyAccount>, ConfigurationError> {
        let mut all = Vec::new();
        for id in self.account_ids()? {
            all.push(AnyAccount::Account(Account::get(&self.manager, &id)?));
        }
        all.push(AnyAccount::Bonjour(BonjourAccount::get(&self.manager)?));
        Ok(all)
    }

    /// Creates and saves a new account. The id must be a SIP address (`user@domain`) that no
    /// account holds yet.
    pub fn add(&self, id: &str) -> Result<Object<Account>, ConfigurationError> {
        let address = SIPAddress::new(id).map_err(|error| invalid_id(id, error))?;
        let id = address.as_str();
        if id == BONJOUR_ID || self.has(id)? {
            return Err(ConfigurationError::DuplicateId {
                type_name: "Account",
                id: id.to_owned(),
            });
        }
        let account = Account::get(&self.manager, id)?;
        account.save()?;
        Ok(account)
    }

    /// Deletes the account `id` (the Bonjour account cannot be deleted). If it was the default
    /// account, the default falls back to the first enabled account (see
    /// [`fallback_default`](Self::fallback_default)).
    pub fn delete(&self, id: &str) -> Result<(), ConfigurationError> {
        let Some(account) = self.get(id)? else {
            return Err(sipcfg::ObjectNotFoundError {
                key: vec!["Accounts".to_owned(), id.to_owned()],
            }
            .into());
        };
        let AnyAccount::Account(account) = account else {
            return Err(ConfigurationError::CannotDelete {
                type_name: "BonjourAccount",
            });
        };
        let settings = SIPSimpleSettings::get(&self.manager)?;
        let was_default = settings.default_account().as_deref() == Some(id);
        account.delete()?;
        if was_default {
            settings.set_default_account(self.fallback_default()?)?;
            settings.save()?;
        }
        Ok(())
    }

    /// The default account: the one named by `SIPSimpleSettings.default_account` if it exists,
    /// else the fallback.
    pub fn default_account(&self) -> Option<AnyAccount> {
        let settings = SIPSimpleSettings::get(&self.manager).ok()?;
        let named = settings
            .default_account()
            .and_then(|id| self.get(&id).ok().flatten());
        named.or_else(|| {
            let id = self.fallback_default().ok().flatten()?;
            self.get(&id).ok().flatten()
        })
    }

    /// Makes `id` the default account (None: no default) and saves. The account must exist.
    pub fn set_default_account(&self, id: Option<&str>) -> Result<(), ConfigurationError> {
        if let Some(id) = id {
            if !self.has(id)? {
                return Err(sipcfg::ObjectNotFoundError {
                    key: vec!["Accounts".to_owned(), id.to_owned()],
                }
                .into());
            }
        }
        let settings = SIPSimpleSettings::get(&self.manager)?;
        settings.set_default_account(id.map(str::to_owned))?;
        settings.save()
    }

    /// The account that becomes the default when the default is deleted: the first enabled SIP
    /// account by id, else the Bonjour account if enabled, else none.
    pub fn fallback_default(&self) -> Result<Option<String>, ConfigurationError> {
        Ok(self
            .accounts()?
            .into_iter()
            .find(AnyAccount::enabled)
            .map(|account| account.id()))
    }
}

fn invalid_id(id: &str, error: ValueError) -> ConfigurationError {
    ConfigurationError::Setting(sipcfg::SettingError::Invalid {
        path: format!("id {id:?}"),
        error,
    })
}
