use sipcfg::{extend, SettingsObject};

#[derive(SettingsObject)]
#[settings(group = "Global", id = "App")]
pub struct App {
    #[setting(default = 5060u16)]
    pub port: u16,
}

#[extend(App)]
pub struct AppExtension {
    #[setting(default = 5062u16, override_default)]
    pub tls_port: u16,
}

fn main() {}
