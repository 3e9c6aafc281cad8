// Typed setters take typed values: text is parsed by `set_text`/`set_many`, never by a typed
// setter, so a string for a boolean or a number does not compile.

use sipcfg::SettingsObject;

#[derive(SettingsObject)]
#[settings(id = "App")]
pub struct App {
    #[setting(default = false)]
    pub verify_server: bool,
    #[setting(default = 5060u16)]
    pub udp_port: u16,
}

fn main() {
    let manager = sipcfg::ConfigurationManager::new();
    let app = App::get(&manager).unwrap();
    let _ = app.set_verify_server("yes");
    let _ = app.set_udp_port("5060");
}
