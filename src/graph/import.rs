//! Import: one iOS app protection policy from Graph JSON into settings, every property
//! read strictly (an unknown value is an error naming the property).

use super::*;

pub(super) struct Reader<'a> {
    pub(super) map: &'a Map<String, J>,
}

/// Fails unless `map` is one iOS policy: a different `@odata.type`, a list response,
/// a facts document or an object with no policy property is named for what it is,
/// never read as a policy of defaults.
pub(super) fn policy_kind(map: &Map<String, J>) -> Result<(), GraphError> {
    let mapped = is_mapped;
    match map.get("@odata.type") {
        Some(J::String(t)) if t.eq_ignore_ascii_case(IOS_TYPE) => return Ok(()),
        Some(J::String(t)) => return Err(GraphError::NotAPolicy(format!("found a `{t}`"))),
        Some(other) => {
            return Err(GraphError::NotAPolicy(format!(
                "`@odata.type` is {}",
                crate::value::describe_json(other)
            )))
        }
        None => {}
    }
    if let Some(J::Array(items)) = map.get("value") {
        let names: Vec<String> = items
            .iter()
            .map(|p| match p.get("displayName") {
                Some(J::String(n)) => format!("`{}`", n.escape_debug()),
                _ => "(no displayName)".into(),
            })
            .collect();
        return Err(GraphError::NotAPolicy(format!(
            "found a Graph list response (`value`) holding {} polic{}{}; save one policy object of `value` and import that",
            items.len(),
            if items.len() == 1 { "y" } else { "ies" },
            if names.is_empty() { String::new() } else { format!(": {}", names.join(", ")) }
        )));
    }
    if map.keys().any(|k| mapped(k)) {
        return Ok(());
    }
    if ["device", "app", "session"]
        .iter()
        .any(|k| map.contains_key(*k))
    {
        return Err(GraphError::NotAPolicy(
            "found a facts document (`device`, `app`, `session`); use it with `--facts`".into(),
        ));
    }
    Err(GraphError::NotAPolicy(
        "no property of an iOS app protection policy found".into(),
    ))
}

/// Reads a Graph `iosManagedAppProtection` export.
pub fn import(doc: &J) -> Result<Imported, GraphError> {
    let J::Object(map) = doc else {
        return Err(GraphError::NotAnObject(crate::value::describe_json(doc)));
    };
    policy_kind(map)?;
    let r = Reader { map };
    let mut out = Imported {
        display_name: r.string("displayName").ok().flatten().map(String::from),
        description: r.string("description").ok().flatten().map(String::from),
        ..Imported::default()
    };
    let mut set = |k: &str, v: J| {
        out.settings.insert(k.to_string(), v);
    };
    for (prop, setting, if_true, if_false) in BOOLEANS {
        if let Some(b) = r.bool(prop)? {
            set(setting, json!(if b { if_true } else { if_false }));
        }
    }

    if let Some(dest) = r.choice(
        "allowedOutboundDataTransferDestinations",
        &["allApps", "managedApps", "none"],
    )? {
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
        set("data_transfer.send_org_data", json!(v));
    }
    if let Some(list) = r.get("exemptedAppProtocols") {
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
        set("data_transfer.exempt_apps", json!(schemes));
    }
    if let Some(src) = r.choice(
        "allowedInboundDataTransferSources",
        &["allApps", "managedApps", "none"],
    )? {
        let protect = r
            .bool("protectInboundDataFromUnknownSources")?
            .unwrap_or(false);
        let v = match src.as_str() {
            "allApps" if protect => "all_apps_with_incoming_org_data",
            "allApps" => "all_apps",
            "managedApps" => "policy_managed_apps",
            _ => "none",
        };
        set("data_transfer.receive_org_data", json!(v));
    }
    if let Some(list) = r.get("allowedDataStorageLocations") {
        let J::Array(items) = list else {
            return Err(r.invalid(
                "allowedDataStorageLocations",
                "an array of storage locations",
            ));
        };
        let mut services = Vec::new();
        for i in items {
            let mapped = i.as_str().and_then(|s| enum_map(s, &STORAGE));
            match mapped {
                Some(s) => services.push(json!(s)),
                None => {
                    return Err(GraphError::Invalid {
                        property: "allowedDataStorageLocations".into(),
                        expected: format!("locations among {}", STORAGE.map(|(g, _)| g).join(", ")),
                        found: crate::value::describe_json(i),
                    })
                }
            }
        }
        set("data_transfer.save_copies_services", J::Array(services));
    }
    if let Some(v) = r.choice(
        "allowedOutboundClipboardSharingLevel",
        &CLIPBOARD.map(|(g, _)| g),
    )? {
        set("data_transfer.clipboard", json!(enum_map(&v, &CLIPBOARD)));
    }
    if let Some(n) = r.int("allowedOutboundClipboardSharingExceptionLength", 0)? {
        set("data_transfer.clipboard_char_limit", json!(n));
    }
    if let Some(v) = r.choice("notificationRestriction", &NOTIFICATIONS.map(|(g, _)| g))? {
        set(
            "data_transfer.org_data_notifications",
            json!(enum_map(&v, &NOTIFICATIONS)),
        );
    }
    if let Some(v) = r.choice("appDataEncryptionType", &ENCRYPTION)? {
        set(
            "encryption.encrypt_org_data",
            json!(if v == "useDeviceSettings" {
                "not_required"
            } else {
                "require"
            }),
        );
    }
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
        set("functionality.web_content_transfer", json!(v));
    }
    if r.map.contains_key("customBrowserProtocol") {
        set("functionality.unmanaged_browser_protocol", json!(protocol));
    }
    if let Some(v) = r.choice("pinCharacterSet", &["numeric", "alphanumericAndSymbol"])? {
        set(
            "access.pin_type",
            json!(if v == "numeric" {
                "numeric"
            } else {
                "passcode"
            }),
        );
    }
    if let Some(n) = r.int("minimumPinLength", 1)? {
        set("access.min_pin_length", json!(n));
    }
    if r.map.contains_key("pinRequiredInsteadOfBiometricTimeout") {
        match r.minutes("pinRequiredInsteadOfBiometricTimeout")? {
            Some(m) => {
                set("access.biometric_override", json!("require"));
                set("access.biometric_override_timeout", json!(m));
            }
            None => set("access.biometric_override", json!("not_required")),
        }
    }
    if r.map.contains_key("periodBeforePinReset") {
        match r.minutes("periodBeforePinReset")? {
            Some(m) => {
                if m % 1440 != 0 {
                    return Err(r.invalid(
                        "periodBeforePinReset",
                        "a whole number of days, like \"P90D\"",
                    ));
                }
                set("access.pin_reset", json!("yes"));
                set("access.pin_reset_days", json!(m / 1440));
            }
            None => set("access.pin_reset", json!("no")),
        }
    }
    // `null` leaves the default; `PT0S` is a recheck at every launch.
    if r.get("periodOnlineBeforeAccessCheck").is_some() {
        set(
            "access.recheck_after",
            json!(r.minutes("periodOnlineBeforeAccessCheck")?.unwrap_or(0)),
        );
    }
    if r.map.contains_key("maximumPinRetries") {
        let action = r.choice(
            "appActionIfMaximumPinRetriesExceeded",
            &["block", "wipe", "warn"],
        )?;
        let entries = match r.int("maximumPinRetries", 0)? {
            None | Some(0) => Vec::new(),
            Some(n) => {
                let a = match action.as_deref() {
                    Some("wipe") => "wipe",
                    Some("warn") => {
                        return Err(r.invalid(
                            "appActionIfMaximumPinRetriesExceeded",
                            "block (reset PIN) or wipe",
                        ));
                    }
                    _ => "reset_pin",
                };
                vec![json!({"attempts": n, "action": a})]
            }
        };
        set("conditional_launch.max_pin_attempts", J::Array(entries));
    }
    if r.map.contains_key("periodOfflineBeforeAccessCheck")
        || r.map.contains_key("periodOfflineBeforeWipeIsEnforced")
    {
        let mut entries = Vec::new();
        if let Some(m) = r.minutes("periodOfflineBeforeAccessCheck")? {
            entries.push(json!({"minutes": m, "action": "block"}));
        }
        if let Some(m) = r.minutes("periodOfflineBeforeWipeIsEnforced")? {
            if m % 1440 != 0 {
                return Err(r.invalid(
                    "periodOfflineBeforeWipeIsEnforced",
                    "a whole number of days, like \"P90D\"",
                ));
            }
            entries.push(json!({"days": m / 1440, "action": "wipe"}));
        }
        set("conditional_launch.offline_grace_period", J::Array(entries));
    }
    if let Some(required) = r.bool("deviceComplianceRequired")? {
        let action = r.choice(
            "appActionIfDeviceComplianceRequired",
            &["block", "wipe", "warn"],
        )?;
        let v = match (required, action.as_deref()) {
            (false, _) => "not_configured",
            (true, Some("wipe")) => "wipe",
            (true, Some("warn")) => {
                return Err(r.invalid("appActionIfDeviceComplianceRequired", "block or wipe"))
            }
            (true, _) => "block",
        };
        set("conditional_launch.jailbroken", json!(v));
    }
    if r.map.contains_key("allowedIosDeviceModels") {
        let models = r.string("allowedIosDeviceModels")?;
        match models.filter(|s| !s.trim().trim_matches(';').trim().is_empty()) {
            None => set("conditional_launch.device_models", json!("not_configured")),
            Some(s) => {
                let models: Vec<String> = s
                    .split(';')
                    .map(str::trim)
                    .filter(|m| !m.is_empty())
                    .map(String::from)
                    .collect();
                let action = r.choice(
                    "appActionIfIosDeviceModelNotAllowed",
                    &["block", "wipe", "warn"],
                )?;
                let a = match action.as_deref() {
                    Some("wipe") => "wipe",
                    Some("warn") => {
                        return Err(
                            r.invalid("appActionIfIosDeviceModelNotAllowed", "block or wipe")
                        )
                    }
                    _ => "block",
                };
                set(
                    "conditional_launch.device_models",
                    json!({"models": models, "action": a}),
                );
            }
        }
    }
    if let Some(level) = r.choice(
        "maximumAllowedDeviceThreatLevel",
        &["notConfigured", "secured", "low", "medium", "high"],
    )? {
        if level == "notConfigured" {
            set(
                "conditional_launch.max_threat_level",
                json!("not_configured"),
            );
        } else {
            let action = r.choice(
                "mobileThreatDefenseRemediationAction",
                &["block", "wipe", "warn"],
            )?;
            let a = match action.as_deref() {
                Some("wipe") => "wipe",
                Some("warn") => {
                    return Err(r.invalid("mobileThreatDefenseRemediationAction", "block or wipe"))
                }
                _ => "block",
            };
            set(
                "conditional_launch.max_threat_level",
                json!({"level": level, "action": a}),
            );
        }
    }
    codecs::import(&r, &mut out.settings)?;
    for (k, v) in map {
        if is_mapped(k) || METADATA.contains(&k.as_str()) || k.contains("@odata") {
            continue;
        }
        out.unmodeled.push((k.clone(), v.clone()));
        if SILENT.contains(&k.as_str()) {
            continue;
        }
        let meaningful = !(v.is_null()
            || v == &json!(false)
            || v == &json!([])
            || v == &json!("")
            || v == &json!(0));
        if meaningful {
            out.warnings.push(format!(
                "property `{k}` is not modeled by apprules; kept as a comment"
            ));
        }
    }
    Ok(out)
}

impl Reader<'_> {
    pub(super) fn invalid(&self, key: &str, expected: &str) -> GraphError {
        GraphError::Invalid {
            property: key.into(),
            expected: expected.into(),
            found: self
                .map
                .get(key)
                .map(crate::value::describe_json)
                .unwrap_or_else(|| "nothing".into()),
        }
    }
    /// A present, non-null value.
    pub(super) fn get(&self, key: &str) -> Option<&J> {
        self.map.get(key).filter(|v| !v.is_null())
    }
    pub(super) fn bool(&self, key: &str) -> Result<Option<bool>, GraphError> {
        match self.get(key) {
            None => Ok(None),
            Some(J::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(self.invalid(key, "true or false")),
        }
    }
    pub(super) fn int(&self, key: &str, min: i64) -> Result<Option<i64>, GraphError> {
        match self.get(key) {
            None => Ok(None),
            Some(J::Number(n)) => match n.as_i64() {
                Some(i) if i >= min => Ok(Some(i)),
                _ => Err(self.invalid(key, &format!("an integer >= {min}"))),
            },
            Some(_) => Err(self.invalid(key, &format!("an integer >= {min}"))),
        }
    }
    pub(super) fn string(&self, key: &str) -> Result<Option<&str>, GraphError> {
        match self.get(key) {
            None => Ok(None),
            Some(J::String(s)) => Ok(Some(s)),
            Some(_) => Err(self.invalid(key, "a string")),
        }
    }
    pub(super) fn choice(&self, key: &str, allowed: &[&str]) -> Result<Option<String>, GraphError> {
        match self.string(key)? {
            None => Ok(None),
            Some(s) => match allowed.iter().find(|a| a.eq_ignore_ascii_case(s)) {
                Some(a) => Ok(Some(a.to_string())),
                None => Err(self.invalid(key, &format!("one of {}", allowed.join(", ")))),
            },
        }
    }
    pub(super) fn version(&self, key: &str) -> Result<Option<String>, GraphError> {
        match self.string(key)? {
            None => Ok(None),
            Some(s) if s.trim().is_empty() => Ok(None),
            Some(s) => match crate::value::Version::parse(s.trim()) {
                Some(_) => Ok(Some(s.trim().to_string())),
                None => Err(self.invalid(key, "a version like \"14.8\" or \"15.1.2.3\"")),
            },
        }
    }
    /// An ISO 8601 duration in whole minutes; `None` for null or zero ("off").
    pub(super) fn minutes(&self, key: &str) -> Result<Option<i64>, GraphError> {
        match self.string(key)? {
            None => Ok(None),
            Some(s) => match parse_duration(s) {
                Some(0) => Ok(None),
                Some(m) => Ok(Some(m)),
                None => Err(self.invalid(
                    key,
                    "an ISO 8601 duration in whole minutes, like \"PT30M\", \"PT12H\" or \"P90D\"",
                )),
            },
        }
    }
}
