// A plain number literal takes the setting's type only for the primitive number types; for
// another type the message says to write an expression of that type.

use sipcfg::{SettingType, SettingsObject, TypeInfo, Value, ValueError};

#[derive(Debug, Clone, PartialEq)]
pub struct Port(u16);

impl SettingType for Port {
    fn from_stored(value: &Value) -> Result<Self, ValueError> {
        u16::from_stored(value).map(Port)
    }
    fn to_stored(&self) -> Value {
        self.0.to_stored()
    }
    fn type_info() -> TypeInfo {
        TypeInfo::new("Port")
    }
}

#[derive(SettingsObject)]
#[settings(group = "Global", id = "App")]
pub struct App {
    #[setting(default = 5060)]
    pub port: Port,
}

fn main() {}
