use sipcfg::SettingsObject;

#[derive(SettingsObject)]
#[settings(group = "Global", id = "App")]
pub enum App {
    Small,
    Large,
}

fn main() {}
