//! # sipcfg-settings
//!
//! The SIP SIMPLE settings, declared with [sipcfg]: the [datatypes] of the spec,
//! [`SIPSimpleSettings`] (global), [`Account`] (one per SIP address) and [`BonjourAccount`],
//! the [`AccountManager`], and the settings that the SIPClients applications add through
//! [extensions](sipclients). The `sip-settings` command-line tool is built on top.
//!
//! ```
//! use sipcfg::backend::MemoryBackend;
//! use sipcfg::ConfigurationManager;
//! use sipcfg_settings::{AccountManager, SIPSimpleSettings};
//!
//! let manager = ConfigurationManager::new();
//! manager.start(MemoryBackend::new())?;
//! sipcfg_settings::sipclients::register(&manager)?;
//!
//! let settings = SIPSimpleSettings::get(&manager)?;
//! settings.rtp().set_port_range((40000, 40100))?;
//! settings.save()?;
//!
//! let accounts = AccountManager::load(&manager)?;
//! let account = accounts.add("user@example.com")?;
//! account.set_display_name("Example User")?;
//! account.sip().set_outbound_proxy("sip.example.com")?;
//! account.save()?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod account;
pub mod account_manager;
/// The `sip-settings` command-line tool (its binary is a thin wrapper around [`cli::main`]).
pub mod cli;
pub mod datatypes;
pub mod general;
pub mod sipclients;

use std::path::Path;

use sipcfg::backend::FileBackend;
use sipcfg::{ConfigurationError, ConfigurationManager};

pub use account::{Account, BonjourAccount, BONJOUR_ID};
pub use account_manager::{AccountManager, AccountSummary, AnyAccount};
pub use general::SIPSimpleSettings;

/// The name of the configuration file inside a configuration directory.
pub const CONFIG_FILE_NAME: &str = "config";

/// A manager started on the file `config` of `config_directory`, with the SIPClients
/// extensions registered. A missing file is an empty configuration; nothing is written until a
/// save.
pub fn open(config_directory: &Path) -> Result<ConfigurationManager, ConfigurationError> {
    let manager = ConfigurationManager::new();
    manager.start(FileBackend::new(config_directory.join(CONFIG_FILE_NAME)))?;
    sipclients::register(&manager)?;
    Ok(manager)
}
