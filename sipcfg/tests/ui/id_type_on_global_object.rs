use sipcfg::SettingsObject;

#[derive(SettingsObject)]
#[settings(group = "Global", id = "App", id_type = u32)]
pub struct App {
    #[setting(default = 1)]
    pub level: u8,
}

fn main() {}
