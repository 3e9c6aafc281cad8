// Plain number literals take the setting's number type, as serde and clap accept them; a
// nillable setting's default is its inner value.

use sipcfg::SettingsObject;

#[derive(SettingsObject)]
#[settings(group = "Global", id = "App")]
pub struct App {
    #[setting(default = 5060)]
    pub port: u16,
    #[setting(default = -3)]
    pub offset: i64,
    #[setting(default = 255)]
    pub small: u8,
    #[setting(default = 5061)]
    pub alternate_port: Option<u16>,
    #[setting(default = "Alice")]
    pub display_name: Option<String>,
}

fn main() {
    let manager = sipcfg::ConfigurationManager::new();
    manager.start(sipcfg::backend::MemoryBackend::new()).unwrap();
    let app = App::get(&manager).unwrap();
    assert_eq!(app.port(), 5060u16);
    assert_eq!(app.offset(), -3i64);
    assert_eq!(app.small(), 255u8);
    assert_eq!(app.alternate_port(), Some(5061));
    assert_eq!(app.display_name().as_deref(), Some("Alice"));
}
