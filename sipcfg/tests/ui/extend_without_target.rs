use sipcfg::extend;

#[extend]
pub struct AppExtension {
    #[setting(default = true)]
    pub auto_answer: bool,
}

fn main() {}
