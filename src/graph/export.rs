//! Export: settings back to Graph JSON, the inverse of import.

use super::*;

/// Writes settings as Graph `iosManagedAppProtection` JSON: every mapped property,
/// no read-only ones.
pub fn export(program: &Program, values: &[Value]) -> Result<J, GraphError> {
    let get = |name: &str| -> Result<J, GraphError> {
        program
            .settings
            .get_index_of(name)
            .and_then(|i| values.get(i))
            .map(Value::to_json)
            .ok_or_else(|| GraphError::Unexportable {
                setting: name.into(),
                why: "the policy has no such setting (export needs the bundled policy)".into(),
            })
    };
    let text = |name: &str| -> Result<String, GraphError> {
        Ok(get(name)?.as_str().unwrap_or_default().to_string())
    };
    let int =
        |name: &str| -> Result<i64, GraphError> { Ok(get(name)?.as_i64().unwrap_or_default()) };
    let mut m = Map::new();
    m.insert(
        "@odata.type".into(),
        json!("#microsoft.graph.iosManagedAppProtection"),
    );
    for (prop, setting, if_true, _) in BOOLEANS {
        m.insert(prop.into(), json!(text(setting)? == if_true));
    }
    let send = text("data_transfer.send_org_data")?;
    let dest = match send.as_str() {
        "all_apps" => "allApps",
        "none" => "none",
        _ => "managedApps",
    };
    m.insert(
        "allowedOutboundDataTransferDestinations".into(),
        json!(dest),
    );
    m.insert(
        "disableProtectionOfManagedOutboundOpenInData".into(),
        json!(send == "policy_managed_apps_with_os_sharing"),
    );
    m.insert(
        "filterOpenInToOnlyManagedApps".into(),
        json!(send == "policy_managed_apps_with_open_in_filtering"),
    );
    let mut protocols = vec![json!({"name": "Default", "value": DEFAULT_EXEMPTIONS})];
    if let J::Array(custom) = get("data_transfer.exempt_apps")? {
        for s in custom.iter().filter_map(J::as_str) {
            protocols.push(json!({"name": s, "value": format!("{s};")}));
        }
    }
    m.insert("exemptedAppProtocols".into(), J::Array(protocols));
    let receive = text("data_transfer.receive_org_data")?;
    let src = match receive.as_str() {
        "policy_managed_apps" => "managedApps",
        "none" => "none",
        _ => "allApps",
    };
    m.insert("allowedInboundDataTransferSources".into(), json!(src));
    m.insert(
        "protectInboundDataFromUnknownSources".into(),
        json!(receive == "all_apps_with_incoming_org_data"),
    );
    let services: Vec<J> = match get("data_transfer.save_copies_services")? {
        J::Array(items) => items
            .iter()
            .filter_map(|i| i.as_str().and_then(|s| enum_back(s, &STORAGE)))
            .map(J::String)
            .collect(),
        _ => Vec::new(),
    };
    m.insert("allowedDataStorageLocations".into(), J::Array(services));
    m.insert(
        "allowedOutboundClipboardSharingLevel".into(),
        json!(enum_back(&text("data_transfer.clipboard")?, &CLIPBOARD)),
    );
    m.insert(
        "allowedOutboundClipboardSharingExceptionLength".into(),
        json!(int("data_transfer.clipboard_char_limit")?),
    );
    m.insert(
        "notificationRestriction".into(),
        json!(enum_back(
            &text("data_transfer.org_data_notifications")?,
            &NOTIFICATIONS
        )),
    );
    m.insert(
        "appDataEncryptionType".into(),
        json!(if text("encryption.encrypt_org_data")? == "require" {
            "whenDeviceLocked"
        } else {
            "useDeviceSettings"
        }),
    );
    let wct = text("functionality.web_content_transfer")?;
    m.insert(
        "managedBrowserToOpenLinksRequired".into(),
        json!(matches!(
            wct.as_str(),
            "managed_browser" | "microsoft_edge" | "unmanaged_browser"
        )),
    );
    m.insert(
        "managedBrowser".into(),
        json!(if wct == "microsoft_edge" {
            "microsoftEdge"
        } else {
            "notConfigured"
        }),
    );
    m.insert(
        "customBrowserProtocol".into(),
        json!(text("functionality.unmanaged_browser_protocol")?),
    );
    m.insert(
        "pinCharacterSet".into(),
        json!(if text("access.pin_type")? == "passcode" {
            "alphanumericAndSymbol"
        } else {
            "numeric"
        }),
    );
    m.insert(
        "minimumPinLength".into(),
        json!(int("access.min_pin_length")?),
    );
    m.insert(
        "pinRequiredInsteadOfBiometricTimeout".into(),
        if text("access.biometric_override")? == "require" {
            json!(format_duration(int("access.biometric_override_timeout")?))
        } else {
            J::Null
        },
    );
    m.insert(
        "periodBeforePinReset".into(),
        json!(if text("access.pin_reset")? == "yes" {
            format_duration(
                int("access.pin_reset_days")?
                    .checked_mul(1440)
                    .ok_or_else(|| GraphError::Unexportable {
                        setting: "access.pin_reset_days".into(),
                        why: "too many days for an ISO 8601 duration in minutes".into(),
                    })?,
            )
        } else {
            "PT0S".to_string()
        }),
    );
    m.insert(
        "periodOnlineBeforeAccessCheck".into(),
        json!(format_duration(int("access.recheck_after")?)),
    );
    let attempts = get("conditional_launch.max_pin_attempts")?;
    let attempts = attempts.as_array().cloned().unwrap_or_default();
    if attempts.len() > 1 {
        return Err(GraphError::Unexportable {
            setting: "conditional_launch.max_pin_attempts".into(),
            why: "Graph holds one entry (`maximumPinRetries`)".into(),
        });
    }
    match attempts.first() {
        Some(e) => {
            m.insert(
                "maximumPinRetries".into(),
                e.get("attempts").cloned().unwrap_or(J::Null),
            );
            let a = if e.get("action").and_then(J::as_str) == Some("wipe") {
                "wipe"
            } else {
                "block"
            };
            m.insert("appActionIfMaximumPinRetriesExceeded".into(), json!(a));
        }
        None => {
            m.insert("maximumPinRetries".into(), json!(0));
            m.insert(
                "appActionIfMaximumPinRetriesExceeded".into(),
                json!("block"),
            );
        }
    }
    let offline = get("conditional_launch.offline_grace_period")?;
    let offline = offline.as_array().cloned().unwrap_or_default();
    let mut block = None;
    let mut wipe = None;
    for e in &offline {
        if let Some(mins) = e.get("minutes").and_then(J::as_i64) {
            if block.replace(mins).is_some() {
                return Err(GraphError::Unexportable {
                    setting: "conditional_launch.offline_grace_period".into(),
                    why: "Graph holds one block entry (`periodOfflineBeforeAccessCheck`)".into(),
                });
            }
        }
        if let Some(days) = e.get("days").and_then(J::as_i64) {
            if wipe.replace(days).is_some() {
                return Err(GraphError::Unexportable {
                    setting: "conditional_launch.offline_grace_period".into(),
                    why: "Graph holds one wipe entry (`periodOfflineBeforeWipeIsEnforced`)".into(),
                });
            }
        }
    }
    m.insert(
        "periodOfflineBeforeAccessCheck".into(),
        json!(format_duration(block.unwrap_or(0))),
    );
    m.insert(
        "periodOfflineBeforeWipeIsEnforced".into(),
        json!(format_duration(
            wipe.unwrap_or(0)
                .checked_mul(1440)
                .ok_or_else(|| GraphError::Unexportable {
                    setting: "conditional_launch.offline_grace_period".into(),
                    why: "too many days for an ISO 8601 duration in minutes".into(),
                })?
        )),
    );
    let jb = text("conditional_launch.jailbroken")?;
    m.insert(
        "deviceComplianceRequired".into(),
        json!(jb != "not_configured"),
    );
    m.insert(
        "appActionIfDeviceComplianceRequired".into(),
        json!(if jb == "wipe" { "wipe" } else { "block" }),
    );
    match get("conditional_launch.device_models")? {
        J::Object(dm) => {
            let models: Vec<&str> = dm
                .get("models")
                .and_then(J::as_array)
                .map(|a| a.iter().filter_map(J::as_str).collect())
                .unwrap_or_default();
            m.insert("allowedIosDeviceModels".into(), json!(models.join(";")));
            m.insert(
                "appActionIfIosDeviceModelNotAllowed".into(),
                dm.get("action").cloned().unwrap_or(json!("block")),
            );
        }
        _ => {
            m.insert("allowedIosDeviceModels".into(), J::Null);
            m.insert("appActionIfIosDeviceModelNotAllowed".into(), json!("block"));
        }
    }
    match get("conditional_launch.max_threat_level")? {
        J::Object(t) => {
            m.insert(
                "maximumAllowedDeviceThreatLevel".into(),
                t.get("level").cloned().unwrap_or(J::Null),
            );
            m.insert(
                "mobileThreatDefenseRemediationAction".into(),
                t.get("action").cloned().unwrap_or(json!("block")),
            );
        }
        _ => {
            m.insert(
                "maximumAllowedDeviceThreatLevel".into(),
                json!("notConfigured"),
            );
            m.insert(
                "mobileThreatDefenseRemediationAction".into(),
                json!("block"),
            );
        }
    }
    codecs::export(&get, &mut m)?;
    Ok(J::Object(m))
}
