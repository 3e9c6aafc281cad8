//! Model-based property test: any sequence of assignments, resets, saves and reloads leaves the
//! object, the stored document and a fresh load of it agreeing with a simple model, so nothing
//! set and saved is ever lost and nothing reset survives.

mod common;

use std::collections::BTreeMap;

use common::*;
use proptest::prelude::*;
use sipcfg::backend::{Backend, FileBackend};
use sipcfg::ConfigurationManager;

#[derive(Debug, Clone)]
enum Op {
    SetUserAgent(String),
    ResetUserAgent,
    SetSampleRate(u32),
    ResetSampleRate,
    SetCaList(Option<String>),
    ResetCaList,
    Save,
    Reload,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        any::<String>().prop_map(Op::SetUserAgent),
        Just(Op::ResetUserAgent),
        any::<u32>().prop_map(Op::SetSampleRate),
        Just(Op::ResetSampleRate),
        proptest::option::of(any::<String>()).prop_map(Op::SetCaList),
        Just(Op::ResetCaList),
        Just(Op::Save),
        Just(Op::Reload),
    ]
}

/// The explicit values, by setting: `None` = the default.
#[derive(Debug, Clone, Default, PartialEq)]
struct Model {
    user_agent: Option<String>,
    sample_rate: Option<u32>,
    ca_list: Option<Option<String>>,
}

fn open(path: &std::path::Path) -> (ConfigurationManager, sipcfg::Object<SIPSimpleSettings>) {
    let manager = ConfigurationManager::new();
    manager.start(FileBackend::new(path)).unwrap();
    let settings = SIPSimpleSettings::get(&manager).unwrap();
    (manager, settings)
}

fn check(settings: &sipcfg::Object<SIPSimpleSettings>, model: &Model) {
    assert_eq!(
        settings.user_agent(),
        model
            .user_agent
            .clone()
            .unwrap_or_else(|| "sipsimple 0.1".into())
    );
    assert_eq!(
        settings.audio().sample_rate(),
        model.sample_rate.unwrap_or(44100)
    );
    assert_eq!(
        settings.tls().ca_list(),
        model.ca_list.clone().unwrap_or(None)
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn saved_values_survive_and_resets_do_not(ops in proptest::collection::vec(op(), 1..40)) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config");
        let (mut manager, mut settings) = open(&path);
        let mut current = Model::default();
        let mut saved = Model::default();
        for op in ops {
            match op {
                Op::SetUserAgent(v) => {
                    settings.set_user_agent(v.clone()).unwrap();
                    current.user_agent = Some(v);
                }
                Op::ResetUserAgent => {
                    settings.reset_user_agent();
                    current.user_agent = None;
                }
                Op::SetSampleRate(v) => {
                    settings.audio().set_sample_rate(v).unwrap();
                    current.sample_rate = Some(v);
                }
                Op::ResetSampleRate => {
                    settings.audio().reset_sample_rate();
                    current.sample_rate = None;
                }
                Op::SetCaList(v) => {
                    settings.tls().set_ca_list(v.clone()).unwrap();
                    current.ca_list = Some(v);
                }
                Op::ResetCaList => {
                    settings.tls().reset_ca_list();
                    current.ca_list = None;
                }
                Op::Save => {
                    settings.save().unwrap();
                    saved = current.clone();
                    prop_assert!(settings.get_modified().is_empty());
                }
                Op::Reload => {
                    drop(settings);
                    drop(manager);
                    (manager, settings) = open(&path);
                    current = saved.clone();
                }
            }
            check(&settings, &current);
        }
        // What is on disk is exactly the saved model.
        settings.save().unwrap();
        let stored = FileBackend::new(&path).load().unwrap();
        let explicit: BTreeMap<&str, bool> = [
            ("user_agent", current.user_agent.is_some()),
            ("audio", current.sample_rate.is_some()),
            ("tls", current.ca_list.is_some()),
        ]
        .into_iter()
        .collect();
        let object = stored.get_path(&["Global", "SIPSimple"]).and_then(|v| v.as_group());
        for (name, present) in explicit {
            prop_assert_eq!(object.is_some_and(|o| o.contains_key(name)), present, "{}", name);
        }
        let (_again, reloaded) = open(&path);
        check(&reloaded, &current);
    }
}
