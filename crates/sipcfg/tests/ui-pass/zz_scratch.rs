use sipcfg::SettingsObject;

#[derive(SettingsObject)]
#[settings(group = "Global", id = "App")]
pub struct App {
    #[setting(default = 44100)]
    pub sample_rate: u32,
    #[setting(default = -3)]
    pub offset: i64,
}

fn main() {
    let manager = sipcfg::ConfigurationManager::new();
    manager.start(sipcfg::backend::MemoryBackend::new()).unwrap();
    let app = App::get(&manager).unwrap();
    assert_eq!(app.sample_rate(), 44100);
    assert_eq!(app.offset(), -3);
}
