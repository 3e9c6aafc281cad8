use sipcfg::{SettingsGroup, ValueError};

fn ports_differ(port: &u16, sibling: &u16) -> Result<(), ValueError> {
    if port == sibling {
        return Err(ValueError::new("the ports must differ"));
    }
    Ok(())
}

#[derive(SettingsGroup)]
pub struct Ports {
    #[setting(default = 5060u16, check(sibling = transport, with = ports_differ))]
    pub tcp_port: u16,
    #[setting(default = "tcp")]
    pub transport: String,
}

fn main() {}
