//! The named codecs: settings built from several Graph properties (or one property
//! read into several settings), each with its import and export side by side.

use super::import::Reader;
use super::{format_duration, GraphError, BUILTIN_EXEMPTIONS, DEFAULT_EXEMPTIONS};
use indexmap::IndexMap;
use serde_json::{json, Map, Value as J};

/// Setting values read from Graph, as the JSON object of `--settings`.
pub(super) type Settings = IndexMap<String, J>;
/// Reads one setting's value as JSON, for export.
pub(super) type Get<'a> = dyn Fn(&str) -> Result<J, GraphError> + 'a;

/// A codec between some settings and some Graph properties.
pub(super) struct Named {
    /// The settings it reads and writes (the codec test checks each is a bundled
    /// setting).
    #[cfg_attr(not(test), allow(dead_code))]
    pub(super) settings: &'static [&'static str],
    /// The Graph properties it reads and writes.
    pub(super) properties: &'static [&'static str],
    /// Graph → settings.
    pub(super) import: fn(&Reader<'_>, &mut Settings) -> Result<(), GraphError>,
    /// Settings → Graph.
    pub(super) export: fn(&Get<'_>, &mut Map<String, J>) -> Result<(), GraphError>,
}

fn set(out: &mut Settings, k: &str, v: J) {
    out.insert(k.to_string(), v);
}

fn put(m: &mut Map<String, J>, k: &str, v: J) {
    m.insert(k.to_string(), v);
}

fn text(get: &Get<'_>, name: &str) -> Result<String, GraphError> {
    Ok(get(name)?.as_str().unwrap_or_default().to_string())
}

fn int(get: &Get<'_>, name: &str) -> Result<i64, GraphError> {
    Ok(get(name)?.as_i64().unwrap_or_default())
}

/// Days as an ISO 8601 duration in minutes.
fn days(setting: &str, d: i64) -> Result<String, GraphError> {
    d.checked_mul(1440)
        .map(format_duration)
        .ok_or_else(|| GraphError::Unexportable {
            setting: setting.into(),
            why: "too many days for an ISO 8601 duration in minutes".into(),
        })
}

/// A duration that must be whole days, in days.
fn whole_days(r: &Reader<'_>, key: &str, minutes: i64) -> Result<i64, GraphError> {
    if minutes % 1440 != 0 {
        return Err(r.invalid(key, "a whole number of days, like \"P90D\""));
    }
    Ok(minutes / 1440)
}

/// An action property that Graph allows to be `block`, `wipe` or `warn` (checked
/// when read), where the setting takes only block (`block`: its name here) or `wipe`.
fn action(r: &Reader<'_>, key: &str) -> Result<Option<String>, GraphError> {
    r.choice(key, &["block", "wipe", "warn"])
}

/// The setting's action for a Graph action read by [`action`]: `warn` is an error.
fn block_or_wipe(
    r: &Reader<'_>,
    key: &str,
    action: Option<&str>,
    block: &'static str,
    expected: &str,
) -> Result<&'static str, GraphError> {
    match action {
        Some("wipe") => Ok("wipe"),
        Some("warn") => Err(r.invalid(key, expected)),
        _ => Ok(block),
    }
}

pub(super) const SEND_ORG_DATA: Named = Named {
    settings: &["data_transfer.send_org_data"],
    properties: &[
        "allowedOutboundDataTransferDestinations",
        "disableProtectionOfManagedOutboundOpenInData",
        "filterOpenInToOnlyManagedApps",
    ],
    import: |r, out| {
        let Some(dest) = r.choice(
            "allowedOutboundDataTransferDestinations",
            &["allApps", "managedApps", "none"],
        )?
        else {
            return Ok(());
        };
        let os_sharing = r
            .bool("disableProtectionOfManagedOutboundOpenInData")?
            .unwrap_or(false);
        let filtering = r.bool("filterOpenInToOnlyManagedApps")?.unwrap_or(false);
        let v = match dest.as_str() {
            "allApps" => "all_apps",
            "none" => "none",
            _ if os_sharing && filtering => {
                return Err(GraphError::Conflict {
                    properties: "`disableProtectionOfManagedOutboundOpenInData`, `filterOpenInToOnlyManagedApps`".into(),
                    why: "OS sharing and Open-in filtering cannot both be on".into(),
                })
            }
            _ if os_sharing => "policy_managed_apps_with_os_sharing",
            _ if filtering => "policy_managed_apps_with_open_in_filtering",
            _ => "policy_managed_apps",
        };
        set(out, "data_transfer.send_org_data", json!(v));
        Ok(())
    },
    export: |get, m| {
        let send = text(get, "data_transfer.send_org_data")?;
        let dest = match send.as_str() {
            "all_apps" => "allApps",
            "none" => "none",
            _ => "managedApps",
        };
        put(m, "allowedOutboundDataTransferDestinations", json!(dest));
        put(
            m,
            "disableProtectionOfManagedOutboundOpenInData",
            json!(send == "policy_managed_apps_with_os_sharing"),
        );
        put(
            m,
            "filterOpenInToOnlyManagedApps",
            json!(send == "policy_managed_apps_with_open_in_filtering"),
        );
        Ok(())
    },
};

pub(super) const EXEMPT_APPS: Named = Named {
    settings: &["data_transfer.exempt_apps"],
    properties: &["exemptedAppProtocols"],
    import: |r, out| {
        let Some(list) = r.get("exemptedAppProtocols") else {
            return Ok(());
        };
        let J::Array(items) = list else {
            return Err(r.invalid("exemptedAppProtocols", "an array of {name, value} objects"));
        };
        let mut schemes: Vec<String> = Vec::new();
        for item in items {
            let Some(value) = item.get("value").and_then(J::as_str) else {
                return Err(GraphError::Invalid {
                    property: "exemptedAppProtocols".into(),
                    expected: "objects with a string `value` of `;`-separated schemes".into(),
                    found: crate::value::describe_json(item),
                });
            };
            for s in value.split(';').map(str::trim).filter(|s| !s.is_empty()) {
                let s = s.to_ascii_lowercase();
                if !BUILTIN_EXEMPTIONS.contains(&s.as_str()) && !schemes.contains(&s) {
                    schemes.push(s);
                }
            }
        }
        set(out, "data_transfer.exempt_apps", json!(schemes));
        Ok(())
    },
    export: |get, m| {
        let mut protocols = vec![json!({"name": "Default", "value": DEFAULT_EXEMPTIONS})];
        if let J::Array(custom) = get("data_transfer.exempt_apps")? {
            for s in custom.iter().filter_map(J::as_str) {
                protocols.push(json!({"name": s, "value": format!("{s};")}));
            }
        }
        put(m, "exemptedAppProtocols", J::Array(protocols));
        Ok(())
    },
};

pub(super) const RECEIVE_ORG_DATA: Named = Named {
    settings: &["data_transfer.receive_org_data"],
    properties: &[
        "allowedInboundDataTransferSources",
        "protectInboundDataFromUnknownSources",
    ],
    import: |r, out| {
        let Some(src) = r.choice(
            "allowedInboundDataTransferSources",
            &["allApps", "managedApps", "none"],
        )?
        else {
            return Ok(());
        };
        let protect = r
            .bool("protectInboundDataFromUnknownSources")?
            .unwrap_or(false);
        let v = match src.as_str() {
            "allApps" if protect => "all_apps_with_incoming_org_data",
            "allApps" => "all_apps",
            "managedApps" => "policy_managed_apps",
            _ => "none",
        };
        set(out, "data_transfer.receive_org_data", json!(v));
        Ok(())
    },
    export: |get, m| {
        let receive = text(get, "data_transfer.receive_org_data")?;
        let src = match receive.as_str() {
            "policy_managed_apps" => "managedApps",
            "none" => "none",
            _ => "allApps",
        };
        put(m, "allowedInboundDataTransferSources", json!(src));
        put(
            m,
            "protectInboundDataFromUnknownSources",
            json!(receive == "all_apps_with_incoming_org_data"),
        );
        Ok(())
    },
};

pub(super) const WEB_CONTENT: Named = Named {
    settings: &[
        "functionality.web_content_transfer",
        "functionality.unmanaged_browser_protocol",
    ],
    properties: &[
        "managedBrowserToOpenLinksRequired",
        "managedBrowser",
        "customBrowserProtocol",
    ],
    import: |r, out| {
        let protocol = r
            .string("customBrowserProtocol")?
            .unwrap_or("")
            .trim()
            .to_string();
        if let Some(required) = r.bool("managedBrowserToOpenLinksRequired")? {
            let browser = r.choice("managedBrowser", &["notConfigured", "microsoftEdge"])?;
            let v = match (required, browser.as_deref(), protocol.is_empty()) {
                (false, _, _) => "not_configured",
                (true, Some("microsoftEdge"), _) => "microsoft_edge",
                (true, _, false) => "unmanaged_browser",
                (true, _, true) => "managed_browser",
            };
            set(out, "functionality.web_content_transfer", json!(v));
        }
        if r.map.contains_key("customBrowserProtocol") {
            set(
                out,
                "functionality.unmanaged_browser_protocol",
                json!(protocol),
            );
        }
        Ok(())
    },
    export: |get, m| {
        let wct = text(get, "functionality.web_content_transfer")?;
        put(
            m,
            "managedBrowserToOpenLinksRequired",
            json!(matches!(
                wct.as_str(),
                "managed_browser" | "microsoft_edge" | "unmanaged_browser"
            )),
        );
        put(
            m,
            "managedBrowser",
            json!(if wct == "microsoft_edge" {
                "microsoftEdge"
            } else {
                "notConfigured"
            }),
        );
        put(
            m,
            "customBrowserProtocol",
            json!(text(get, "functionality.unmanaged_browser_protocol")?),
        );
        Ok(())
    },
};

pub(super) const BIOMETRIC_OVERRIDE: Named = Named {
    settings: &[
        "access.biometric_override",
        "access.biometric_override_timeout",
    ],
    properties: &["pinRequiredInsteadOfBiometricTimeout"],
    import: |r, out| {
        if r.map.contains_key("pinRequiredInsteadOfBiometricTimeout") {
            match r.minutes("pinRequiredInsteadOfBiometricTimeout")? {
                Some(m) => {
                    set(out, "access.biometric_override", json!("require"));
                    set(out, "access.biometric_override_timeout", json!(m));
                }
                None => set(out, "access.biometric_override", json!("not_required")),
            }
        }
        Ok(())
    },
    export: |get, m| {
        let v = if text(get, "access.biometric_override")? == "require" {
            json!(format_duration(int(
                get,
                "access.biometric_override_timeout"
            )?))
        } else {
            J::Null
        };
        put(m, "pinRequiredInsteadOfBiometricTimeout", v);
        Ok(())
    },
};

pub(super) const PIN_RESET: Named = Named {
    settings: &["access.pin_reset", "access.pin_reset_days"],
    properties: &["periodBeforePinReset"],
    import: |r, out| {
        if r.map.contains_key("periodBeforePinReset") {
            match r.minutes("periodBeforePinReset")? {
                Some(m) => {
                    let d = whole_days(r, "periodBeforePinReset", m)?;
                    set(out, "access.pin_reset", json!("yes"));
                    set(out, "access.pin_reset_days", json!(d));
                }
                None => set(out, "access.pin_reset", json!("no")),
            }
        }
        Ok(())
    },
    export: |get, m| {
        let v = if text(get, "access.pin_reset")? == "yes" {
            days("access.pin_reset_days", int(get, "access.pin_reset_days")?)?
        } else {
            "PT0S".to_string()
        };
        put(m, "periodBeforePinReset", json!(v));
        Ok(())
    },
};

pub(super) const MAX_PIN_ATTEMPTS: Named = Named {
    settings: &["conditional_launch.max_pin_attempts"],
    properties: &["maximumPinRetries", "appActionIfMaximumPinRetriesExceeded"],
    import: |r, out| {
        if !r.map.contains_key("maximumPinRetries") {
            return Ok(());
        }
        let key = "appActionIfMaximumPinRetriesExceeded";
        let a = action(r, key)?;
        let entries = match r.int("maximumPinRetries", 0)? {
            None | Some(0) => Vec::new(),
            Some(n) => {
                let a = block_or_wipe(
                    r,
                    key,
                    a.as_deref(),
                    "reset_pin",
                    "block (reset PIN) or wipe",
                )?;
                vec![json!({"attempts": n, "action": a})]
            }
        };
        set(
            out,
            "conditional_launch.max_pin_attempts",
            J::Array(entries),
        );
        Ok(())
    },
    export: |get, m| {
        let attempts = get("conditional_launch.max_pin_attempts")?;
        let attempts = attempts.as_array().cloned().unwrap_or_default();
        if attempts.len() > 1 {
            return Err(GraphError::Unexportable {
                setting: "conditional_launch.max_pin_attempts".into(),
                why: "Graph holds one entry (`maximumPinRetries`)".into(),
            });
        }
        let (n, a) = match attempts.first() {
            Some(e) => (
                e.get("attempts").cloned().unwrap_or(J::Null),
                if e.get("action").and_then(J::as_str) == Some("wipe") {
                    "wipe"
                } else {
                    "block"
                },
            ),
            None => (json!(0), "block"),
        };
        put(m, "maximumPinRetries", n);
        put(m, "appActionIfMaximumPinRetriesExceeded", json!(a));
        Ok(())
    },
};

pub(super) const OFFLINE_GRACE_PERIOD: Named = Named {
    settings: &["conditional_launch.offline_grace_period"],
    properties: &[
        "periodOfflineBeforeAccessCheck",
        "periodOfflineBeforeWipeIsEnforced",
    ],
    import: |r, out| {
        if !r.map.contains_key("periodOfflineBeforeAccessCheck")
            && !r.map.contains_key("periodOfflineBeforeWipeIsEnforced")
        {
            return Ok(());
        }
        let mut entries = Vec::new();
        if let Some(m) = r.minutes("periodOfflineBeforeAccessCheck")? {
            entries.push(json!({"minutes": m, "action": "block"}));
        }
        if let Some(m) = r.minutes("periodOfflineBeforeWipeIsEnforced")? {
            let d = whole_days(r, "periodOfflineBeforeWipeIsEnforced", m)?;
            entries.push(json!({"days": d, "action": "wipe"}));
        }
        set(
            out,
            "conditional_launch.offline_grace_period",
            J::Array(entries),
        );
        Ok(())
    },
    export: |get, m| {
        let setting = "conditional_launch.offline_grace_period";
        let offline = get(setting)?;
        let offline = offline.as_array().cloned().unwrap_or_default();
        let mut block = None;
        let mut wipe = None;
        for e in &offline {
            if let Some(mins) = e.get("minutes").and_then(J::as_i64) {
                if block.replace(mins).is_some() {
                    return Err(GraphError::Unexportable {
                        setting: setting.into(),
                        why: "Graph holds one block entry (`periodOfflineBeforeAccessCheck`)"
                            .into(),
                    });
                }
            }
            if let Some(days) = e.get("days").and_then(J::as_i64) {
                if wipe.replace(days).is_some() {
                    return Err(GraphError::Unexportable {
                        setting: setting.into(),
                        why: "Graph holds one wipe entry (`periodOfflineBeforeWipeIsEnforced`)"
                            .into(),
                    });
                }
            }
        }
        put(
            m,
            "periodOfflineBeforeAccessCheck",
            json!(format_duration(block.unwrap_or(0))),
        );
        put(
            m,
            "periodOfflineBeforeWipeIsEnforced",
            json!(days(setting, wipe.unwrap_or(0))?),
        );
        Ok(())
    },
};

pub(super) const JAILBROKEN: Named = Named {
    settings: &["conditional_launch.jailbroken"],
    properties: &[
        "deviceComplianceRequired",
        "appActionIfDeviceComplianceRequired",
    ],
    import: |r, out| {
        let Some(required) = r.bool("deviceComplianceRequired")? else {
            return Ok(());
        };
        let key = "appActionIfDeviceComplianceRequired";
        let a = action(r, key)?;
        let v = if required {
            block_or_wipe(r, key, a.as_deref(), "block", "block or wipe")?
        } else {
            "not_configured"
        };
        set(out, "conditional_launch.jailbroken", json!(v));
        Ok(())
    },
    export: |get, m| {
        let jb = text(get, "conditional_launch.jailbroken")?;
        put(m, "deviceComplianceRequired", json!(jb != "not_configured"));
        put(
            m,
            "appActionIfDeviceComplianceRequired",
            json!(if jb == "wipe" { "wipe" } else { "block" }),
        );
        Ok(())
    },
};

pub(super) const DEVICE_MODELS: Named = Named {
    settings: &["conditional_launch.device_models"],
    properties: &[
        "allowedIosDeviceModels",
        "appActionIfIosDeviceModelNotAllowed",
    ],
    import: |r, out| {
        if !r.map.contains_key("allowedIosDeviceModels") {
            return Ok(());
        }
        let models = r.string("allowedIosDeviceModels")?;
        let v = match models.filter(|s| !s.trim().trim_matches(';').trim().is_empty()) {
            None => json!("not_configured"),
            Some(s) => {
                let models: Vec<String> = s
                    .split(';')
                    .map(str::trim)
                    .filter(|m| !m.is_empty())
                    .map(String::from)
                    .collect();
                let key = "appActionIfIosDeviceModelNotAllowed";
                let a = action(r, key)?;
                let a = block_or_wipe(r, key, a.as_deref(), "block", "block or wipe")?;
                json!({"models": models, "action": a})
            }
        };
        set(out, "conditional_launch.device_models", v);
        Ok(())
    },
    export: |get, m| {
        let (models, a) = match get("conditional_launch.device_models")? {
            J::Object(dm) => {
                let models: Vec<&str> = dm
                    .get("models")
                    .and_then(J::as_array)
                    .map(|a| a.iter().filter_map(J::as_str).collect())
                    .unwrap_or_default();
                (
                    json!(models.join(";")),
                    dm.get("action").cloned().unwrap_or(json!("block")),
                )
            }
            _ => (J::Null, json!("block")),
        };
        put(m, "allowedIosDeviceModels", models);
        put(m, "appActionIfIosDeviceModelNotAllowed", a);
        Ok(())
    },
};

pub(super) const MAX_THREAT_LEVEL: Named = Named {
    settings: &["conditional_launch.max_threat_level"],
    properties: &[
        "maximumAllowedDeviceThreatLevel",
        "mobileThreatDefenseRemediationAction",
    ],
    import: |r, out| {
        let Some(level) = r.choice(
            "maximumAllowedDeviceThreatLevel",
            &["notConfigured", "secured", "low", "medium", "high"],
        )?
        else {
            return Ok(());
        };
        let v = if level == "notConfigured" {
            json!("not_configured")
        } else {
            let key = "mobileThreatDefenseRemediationAction";
            let a = action(r, key)?;
            let a = block_or_wipe(r, key, a.as_deref(), "block", "block or wipe")?;
            json!({"level": level, "action": a})
        };
        set(out, "conditional_launch.max_threat_level", v);
        Ok(())
    },
    export: |get, m| {
        let (level, a) = match get("conditional_launch.max_threat_level")? {
            J::Object(t) => (
                t.get("level").cloned().unwrap_or(J::Null),
                t.get("action").cloned().unwrap_or(json!("block")),
            ),
            _ => (json!("notConfigured"), json!("block")),
        };
        put(m, "maximumAllowedDeviceThreatLevel", level);
        put(m, "mobileThreatDefenseRemediationAction", a);
        Ok(())
    },
};
