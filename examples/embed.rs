//! Embedding apprules: compile the bundled policy once with overrides, then evaluate
//! facts from many threads.
//!
//! Run it with `cargo run --example embed`.

use apprules::PolicyBuilder;
use serde::Serialize;

#[derive(Serialize)]
struct Device {
    os_version: String,
    model: String,
    jailbroken: bool,
    mdm_enrolled: bool,
    passcode_set: bool,
    company_portal: bool,
    biometrics: &'static str,
    open_in_managed_to_unmanaged: bool,
    browsers: Vec<&'static str>,
}

#[derive(Serialize)]
struct App {
    version: &'static str,
    sdk_version: &'static str,
    multi_identity: bool,
    notification_restriction_supported: bool,
}

#[derive(Serialize)]
struct Session {
    account: &'static str,
    minutes_inactive: u32,
    minutes_offline: u32,
    failed_pin_attempts: u32,
    days_since_pin_change: u32,
}

#[derive(Serialize)]
struct Facts {
    device: Device,
    app: App,
    session: Session,
}

fn main() -> Result<(), apprules::Error> {
    let policy = PolicyBuilder::new()
        .bundled()
        .settings_json(serde_json::json!({
            "conditional_launch.min_os_version": [{"version": "16.0", "action": "warn"}, {"version": "15.0", "action": "block"}]
        }))
        .build()?;
    std::thread::scope(|s| {
        for os in ["14.8", "15.7", "17.1"] {
            let policy = &policy;
            s.spawn(move || {
                let facts = Facts {
                    device: Device {
                        os_version: os.into(),
                        model: "iPhone14,2".into(),
                        jailbroken: false,
                        mdm_enrolled: true,
                        passcode_set: true,
                        company_portal: true,
                        biometrics: "face_id",
                        open_in_managed_to_unmanaged: false,
                        browsers: vec!["edge"],
                    },
                    app: App {
                        version: "4.2",
                        sdk_version: "19.0",
                        multi_identity: true,
                        notification_restriction_supported: true,
                    },
                    session: Session {
                        account: "org",
                        minutes_inactive: 0,
                        minutes_offline: 0,
                        failed_pin_attempts: 0,
                        days_since_pin_change: 0,
                    },
                };
                match policy.evaluate(&facts) {
                    Ok(d) => println!(
                        "iOS {os}: launch = {:?}",
                        d.get("launch").and_then(|l| l.outcome())
                    ),
                    Err(e) => eprintln!("iOS {os}: {e}"),
                }
            });
        }
    });
    Ok(())
}
