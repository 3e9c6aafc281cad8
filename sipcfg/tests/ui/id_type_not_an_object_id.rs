use sipcfg::SettingsObject;

#[derive(Debug, Clone)]
pub struct Handle(u32);

#[derive(SettingsObject)]
#[settings(group = "Things", id_type = Handle)]
pub struct Thing {
    #[setting(default = 1)]
    pub level: u8,
}

fn main() {}
