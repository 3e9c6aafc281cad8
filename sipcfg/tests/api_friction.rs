//! The small frictions of issue 11: observers that cannot be dropped by accident, the spec's
//! `register_extension` on groups, plain literal defaults.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use sipcfg::backend::MemoryBackend;
use sipcfg::{
    extend, ConfigurationManager, NotificationCenter, NotificationFilter, NotificationKind, Sender,
    SettingsGroup, SettingsObject,
};

fn post(center: &NotificationCenter) {
    center.post_kind(
        Sender {
            type_name: "Test",
            id: "x".into(),
        },
        NotificationKind::SettingsObjectWasCreated,
    );
}

fn counter() -> (
    Arc<AtomicUsize>,
    impl Fn(&sipcfg::Notification) + Send + Sync + 'static,
) {
    let count = Arc::new(AtomicUsize::new(0));
    let sink = count.clone();
    (count, move |_: &sipcfg::Notification| {
        sink.fetch_add(1, Ordering::SeqCst);
    })
}

#[test]
fn an_observer_whose_id_is_ignored_keeps_observing_until_removed() {
    let center = NotificationCenter::default();
    let (count, callback) = counter();
    let _ = center.observe(NotificationFilter::new(), callback);
    post(&center);
    assert_eq!(count.load(Ordering::SeqCst), 1);

    let (second, callback) = counter();
    let id = center.observe(NotificationFilter::new(), callback);
    post(&center);
    assert!(center.remove_observer(id));
    assert!(!center.remove_observer(id));
    post(&center);
    assert_eq!(second.load(Ordering::SeqCst), 1);
    assert_eq!(count.load(Ordering::SeqCst), 3);
}

#[test]
fn a_scoped_observer_stops_when_its_guard_is_dropped() {
    let center = NotificationCenter::default();
    let (count, callback) = counter();
    {
        let _observer = center.observe_scoped(NotificationFilter::new(), callback);
        post(&center);
    }
    post(&center);
    assert_eq!(count.load(Ordering::SeqCst), 1);
}

#[derive(SettingsGroup)]
pub struct TLSSettings {
    #[setting(default = false)]
    pub verify_server: bool,
}

#[derive(SettingsObject)]
#[settings(id = "App")]
pub struct App {
    #[setting(default = 5060)]
    pub port: u16,
    #[group]
    pub tls: TLSSettings,
}

#[extend(TLSSettings)]
pub struct TLSExtension {
    #[setting(default = 3)]
    pub depth: u8,
}

#[test]
fn groups_register_extensions_as_the_spec_writes_it() {
    let manager = ConfigurationManager::new();
    manager.start(MemoryBackend::new()).expect("started");
    TLSSettings::register_extension::<TLSExtension>(&manager).expect("registered");
    let app = App::get(&manager).expect("app");
    assert_eq!(app.tls().ext::<TLSExtension>().depth(), 3);
    assert_eq!(app.port(), 5060);
}

#[derive(SettingsObject)]
#[settings(group = "Accounts")]
pub struct Login {
    #[setting(default = "", secret)]
    pub password: String,
    #[group]
    pub tls: TLSSettings,
}

#[test]
fn generated_accessors_give_typed_changes_and_mask_secrets() {
    let manager = ConfigurationManager::new();
    manager.start(MemoryBackend::new()).expect("started");
    let login = Login::get(&manager, "alice").expect("login");
    login.save().expect("saved");
    assert_eq!(login.tls().verify_server_modified(), None);
    login.tls().set_verify_server(true).expect("set");
    let change = login.tls().verify_server_modified().expect("changed");
    assert!(!change.old && change.new);
    login.set_password("hunter2").expect("set");
    let change = login.password_modified().expect("changed");
    assert_eq!(change.new, "hunter2");
    assert!(change.is_secret());
    assert!(!format!("{change:?}").contains("hunter2"));
    login.save().expect("saved");
    assert_eq!(login.tls().verify_server_modified(), None);
}
