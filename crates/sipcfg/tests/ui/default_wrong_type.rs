use sipcfg::SettingsObject;

#[derive(SettingsObject)]
#[settings(group = "Global", id = "App")]
pub struct App {
    #[setting(default = "5060")]
    pub port: u16,
    #[setting(default = 42)]
    pub display_name: Option<String>,
    /// An unsuffixed number is an `i32`, which does not convert into a `u32`.
    #[setting(default = 44100)]
    pub sample_rate: u32,
}

fn main() {}
