use sipcfg::extend;

pub struct Plain {
    pub value: u32,
}

#[extend(Plain)]
pub struct PlainExtension {
    #[setting(default = true)]
    pub enabled: bool,
}

fn main() {}
