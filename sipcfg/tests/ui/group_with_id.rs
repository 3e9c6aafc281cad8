use sipcfg::SettingsGroup;

#[derive(SettingsGroup)]
#[settings(id = "Audio")]
pub struct Audio {
    #[setting(default = 44100u32)]
    pub sample_rate: u32,
}

fn main() {}
