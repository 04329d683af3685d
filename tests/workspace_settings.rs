//! Settings files: a corrupt one gives the defaults and a warning, and is
//! kept aside, not overwritten.

use std::fs;

use sagedesk::workspace::{KernelsOnQuit, Settings, Theme};

#[test]
fn a_corrupt_settings_file_gives_defaults_and_is_kept_aside() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("settings.json");
    for (i, bad) in [
        &b"{\"theme\": \"dark\", \"cpus\": "[..],
        b"\x00\x00\x00",
        b"{\"theme\": \"purple\"}",
        b"[\"not\", \"settings\"]",
        b"{\"memoryBytes\": -5}",
    ]
    .into_iter()
    .enumerate()
    {
        fs::write(&path, bad).unwrap();
        let loaded = Settings::load(&path);
        assert_eq!(loaded.settings, Settings::default(), "case {i}");
        let warning = loaded.warning.expect("a warning");
        let kept = warning.kept_at.clone().expect("the file was kept aside");
        assert!(
            !path.exists(),
            "case {i}: the corrupt file is still in the way"
        );
        assert_eq!(
            fs::read(&kept).unwrap(),
            bad,
            "case {i}: the kept file differs"
        );
        let kept_name = kept.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            kept_name.starts_with("settings.json.corrupt-"),
            "{kept_name}"
        );
        let message = warning.to_string();
        assert!(message.contains("defaults are used"), "{message}");
        assert!(message.contains(&kept_name), "{message}");
    }
    // Five corrupt files in the same second: five files kept, none lost.
    let kept = fs::read_dir(dir.path()).unwrap().count();
    assert_eq!(kept, 5);
}

#[test]
fn settings_are_saved_and_loaded_back() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("settings.json");
    let loaded = Settings::load(&path);
    assert!(loaded.warning.is_none());
    assert_eq!(loaded.settings, Settings::default());

    let mut settings = Settings {
        theme: Theme::Dark,
        kernels_on_quit: KernelsOnQuit::LeaveRunning,
        memory_bytes: Some(4 << 30),
        cpus: Some(2.5),
        autosave_delay_ms: 500,
        image: Some("registry.example/sagedesk/sagemath:10.8".into()),
        ..Settings::default()
    };
    settings.note_recent_workspace(dir.path());
    settings.save(&path).unwrap();
    let loaded = Settings::load(&path);
    assert!(loaded.warning.is_none());
    assert_eq!(loaded.settings, settings);
    let machine = sagedesk::engine::Limits::for_machine(24 << 30);
    assert_eq!(settings.limits(&machine).memory_bytes, 4 << 30);
    assert_eq!(settings.limits(&machine).cpus, Some(2.5));
}
