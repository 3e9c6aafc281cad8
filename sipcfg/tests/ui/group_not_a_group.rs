use sipcfg::SettingsObject;

pub struct Audio {
    pub sample_rate: u32,
}

#[derive(SettingsObject)]
#[settings(group = "Global", id = "App")]
pub struct App {
    #[group]
    pub audio: Audio,
}

fn main() {}
