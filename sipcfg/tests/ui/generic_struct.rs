use sipcfg::SettingsGroup;

#[derive(SettingsGroup)]
pub struct Holder<T> {
    pub value: Option<T>,
}

fn main() {}
