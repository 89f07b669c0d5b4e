//! Intune interop: Microsoft Graph `iosManagedAppProtection` JSON ↔ settings.
//!
//! [`import`] reads an export (as PowerShell, Graph Explorer or IntuneManagement write
//! it) into the bundled policy's settings; [`export`] writes settings back as Graph
//! JSON with every mapped property. The mapping is documented in `docs/graph.md`.
//! Metadata (`@odata.*`, ids, dates) is tolerated; properties apprules does not model
//! are kept as comments and reported as warnings; a value that cannot be read is an
//! error naming the property.

mod codecs;

use crate::check::ir::Program;
use crate::value::{Type, Value};
use indexmap::IndexMap;
use serde_json::{json, Map, Value as J};
use thiserror::Error;

/// A Graph property that cannot be read.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum GraphError {
    /// The document is not a JSON object.
    #[error("a Graph policy must be a JSON object, found {0}")]
    NotAnObject(String),
    /// The JSON is not one iOS app protection policy.
    #[error("not an iOS app protection policy (`#microsoft.graph.iosManagedAppProtection`): {0}")]
    NotAPolicy(String),
    /// A property has a value apprules cannot read.
    #[error("property `{property}`: expected {expected}, found {found}")]
    Invalid {
        /// The Graph property.
        property: String,
        /// What was expected.
        expected: String,
        /// What was found.
        found: String,
    },
    /// Properties contradict each other.
    #[error("properties {properties}: {why}")]
    Conflict {
        /// The properties involved.
        properties: String,
        /// Why.
        why: String,
    },
    /// A setting value cannot be written as Graph JSON.
    #[error("setting `{setting}`: {why}")]
    Unexportable {
        /// The setting.
        setting: String,
        /// Why.
        why: String,
    },
}

/// The built-in exemptions as the portal writes them in `exemptedAppProtocols`.
pub const DEFAULT_EXEMPTIONS: &str =
    "skype;app-settings;calshow;itms;itmss;itms-apps;itms-appss;itms-services;";
/// The schemes exempt whatever the policy says (spec section 4).
pub const BUILTIN_EXEMPTIONS: [&str; 10] = [
    "tel",
    "telprompt",
    "skype",
    "app-settings",
    "itms",
    "itmss",
    "itms-apps",
    "itms-appss",
    "itms-services",
    "calshow",
];

/// Graph properties apprules maps to settings by hand-written code (the others are
/// the rows of `codecs`; [`mapped_properties`] lists them all).
pub const MAPPED: [&str; 38] = [
    "dataBackupBlocked",
    "allowedOutboundDataTransferDestinations",
    "disableProtectionOfManagedOutboundOpenInData",
    "filterOpenInToOnlyManagedApps",
    "exemptedAppProtocols",
    "allowedInboundDataTransferSources",
    "protectInboundDataFromUnknownSources",
    "saveAsBlocked",
    "allowedDataStorageLocations",
    "allowedOutboundClipboardSharingLevel",
    "allowedOutboundClipboardSharingExceptionLength",
    "notificationRestriction",
    "thirdPartyKeyboardsBlocked",
    "appDataEncryptionType",
    "contactSyncBlocked",
    "printBlocked",
    "managedBrowserToOpenLinksRequired",
    "managedBrowser",
    "customBrowserProtocol",
    "pinRequired",
    "pinCharacterSet",
    "simplePinBlocked",
    "minimumPinLength",
    "fingerprintBlocked",
    "faceIdBlocked",
    "pinRequiredInsteadOfBiometricTimeout",
    "periodBeforePinReset",
    "disableAppPinIfDevicePinIsSet",
    "organizationalCredentialsRequired",
    "periodOnlineBeforeAccessCheck",
    "maximumPinRetries",
    "appActionIfMaximumPinRetriesExceeded",
    "periodOfflineBeforeAccessCheck",
    "periodOfflineBeforeWipeIsEnforced",
    "deviceComplianceRequired",
    "appActionIfDeviceComplianceRequired",
    "allowedIosDeviceModels",
    "appActionIfIosDeviceModelNotAllowed",
];

/// Boolean Graph properties that map one-to-one onto a two-valued setting:
/// (property, setting, value when `true`, value when `false`).
const BOOLEANS: [(&str, &str, &str, &str); 11] = [
    (
        "dataBackupBlocked",
        "data_transfer.backup_org_data",
        "block",
        "allow",
    ),
    (
        "saveAsBlocked",
        "data_transfer.save_copies",
        "block",
        "allow",
    ),
    (
        "thirdPartyKeyboardsBlocked",
        "data_transfer.third_party_keyboards",
        "block",
        "allow",
    ),
    (
        "contactSyncBlocked",
        "functionality.sync_contacts",
        "block",
        "allow",
    ),
    ("printBlocked", "functionality.printing", "block", "allow"),
    ("pinRequired", "access.pin", "require", "not_required"),
    ("simplePinBlocked", "access.simple_pin", "block", "allow"),
    ("fingerprintBlocked", "access.touch_id", "block", "allow"),
    ("faceIdBlocked", "access.face_id", "block", "allow"),
    (
        "disableAppPinIfDevicePinIsSet",
        "access.app_pin_when_device_pin_set",
        "disable",
        "enable",
    ),
    (
        "organizationalCredentialsRequired",
        "access.work_credentials",
        "require",
        "not_required",
    ),
];

/// Threat-level properties (mapped too; kept apart to keep [`MAPPED`] readable).
pub const MAPPED_THREAT: [&str; 2] = [
    "maximumAllowedDeviceThreatLevel",
    "mobileThreatDefenseRemediationAction",
];

/// Whether apprules maps a Graph property to a setting.
pub fn is_mapped(property: &str) -> bool {
    MAPPED.contains(&property)
        || MAPPED_THREAT.contains(&property)
        || codecs::properties().any(|p| p == property)
}

/// Every Graph property apprules maps, in mapping order.
pub fn mapped_properties() -> Vec<&'static str> {
    MAPPED
        .iter()
        .chain(MAPPED_THREAT.iter())
        .copied()
        .chain(codecs::properties())
        .collect()
}

/// Targeting properties and properties that mean nothing on iOS (spec section 7.6):
/// kept as comments without a warning.
const SILENT: [&str; 43] = [
    "targetedAppManagementLevels",
    "appGroupType",
    "previousPinBlockCount",
    "minimumRequiredPatchVersion",
    "minimumWarningPatchVersion",
    "minimumWipePatchVersion",
    "allowedAndroidDeviceManufacturers",
    "appActionIfAndroidDeviceManufacturerNotAllowed",
    "allowedAndroidDeviceModels",
    "appActionIfAndroidDeviceModelNotAllowed",
    "requiredAndroidSafetyNetDeviceAttestationType",
    "appActionIfAndroidSafetyNetDeviceAttestationFailed",
    "requiredAndroidSafetyNetAppsVerificationType",
    "appActionIfAndroidSafetyNetAppsVerificationFailed",
    "requiredAndroidSafetyNetEvaluationType",
    "screenCaptureBlocked",
    "disableAppEncryptionIfDeviceEncryptionIsEnabled",
    "encryptAppData",
    "keyboardsRestricted",
    "approvedKeyboards",
    "exemptedAppPackages",
    "biometricAuthenticationBlocked",
    "fingerprintAndBiometricEnabled",
    "requireClass3Biometrics",
    "requirePinAfterBiometricChange",
    "deviceLockRequired",
    "connectToVpnOnLaunch",
    "customBrowserPackageId",
    "customBrowserDisplayName",
    "customDialerAppPackageId",
    "customDialerAppDisplayName",
    "messagingRedirectAppPackageId",
    "messagingRedirectAppDisplayName",
    "minimumRequiredCompanyPortalVersion",
    "minimumWarningCompanyPortalVersion",
    "minimumWipeCompanyPortalVersion",
    "blockAfterCompanyPortalUpdateDeferralInDays",
    "warnAfterCompanyPortalUpdateDeferralInDays",
    "wipeAfterCompanyPortalUpdateDeferralInDays",
    "appActionIfDevicePasscodeComplexityLessThanLow",
    "appActionIfDevicePasscodeComplexityLessThanMedium",
    "appActionIfDevicePasscodeComplexityLessThanHigh",
    "appActionIfSamsungKnoxAttestationRequired",
];

/// Metadata: tolerated, never reported.
const METADATA: [&str; 12] = [
    "id",
    "displayName",
    "description",
    "createdDateTime",
    "lastModifiedDateTime",
    "roleScopeTagIds",
    "version",
    "isAssigned",
    "deployedAppCount",
    "apps",
    "assignments",
    "deploymentSummary",
];

/// An imported Graph policy.
#[derive(Clone, Debug, Default)]
pub struct Imported {
    /// `displayName`.
    pub display_name: Option<String>,
    /// `description`.
    pub description: Option<String>,
    /// Setting values, as the JSON object of `--settings`.
    pub settings: IndexMap<String, J>,
    /// Properties apprules does not model, with their values.
    pub unmodeled: Vec<(String, J)>,
    /// Warnings (one per unmodeled property with a value).
    pub warnings: Vec<String>,
}

impl Imported {
    /// The settings as a JSON object (for `--settings`).
    pub fn settings_json(&self) -> J {
        J::Object(
            self.settings
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        )
    }

    /// A rule file that uses the bundled policy with these settings: every value
    /// written as its setting's type says (enum values bare, strings and versions
    /// quoted and escaped), every text from the export in a comment of its own line
    /// with its line breaks and control characters escaped. A value the setting's
    /// type does not accept is an error, as `eval --graph` would report it.
    pub fn to_rules(&self, program: &Program) -> Result<String, GraphError> {
        let mut s = String::new();
        comment(
            &mut s,
            &format!(
                "Imported from Intune (Graph iosManagedAppProtection): {}",
                self.display_name.as_deref().unwrap_or("(no displayName)")
            ),
        );
        if let Some(d) = &self.description {
            for line in wrap(d, 86) {
                comment(&mut s, &line);
            }
        }
        s.push_str("\nuse intune\n\n");
        for (k, v) in &self.settings {
            let def = program
                .settings
                .get(k)
                .ok_or_else(|| GraphError::Unexportable {
                    setting: k.clone(),
                    why: "the bundled policy has no such setting".into(),
                })?;
            let lit = literal(v, &def.ty).map_err(|e| GraphError::Invalid {
                property: format!("(setting `{k}`)"),
                expected: e.expected,
                found: e.found,
            })?;
            s.push_str(&format!("set {k} = {lit}\n"));
        }
        if !self.unmodeled.is_empty() {
            s.push_str("\n# Properties apprules does not model, kept as they were exported:\n");
            for (k, v) in &self.unmodeled {
                comment(
                    &mut s,
                    &format!("  {k}: {}", serde_json::to_string(v).unwrap_or_default()),
                );
            }
        }
        Ok(s)
    }
}

/// The display name and description that [`Imported::to_rules`] wrote as a rule
/// file's first comments, read back (escapes undone), for `export graph`.
pub fn header_of(text: &str) -> (Option<String>, Option<String>) {
    const HEAD: &str = "# Imported from Intune (Graph iosManagedAppProtection): ";
    let mut lines = text.lines();
    let Some(name) = lines.next().and_then(|l| l.strip_prefix(HEAD)) else {
        return (None, None);
    };
    let name = if name == "(no displayName)" {
        String::new()
    } else {
        unescape(name)
    };
    let desc: Vec<String> = lines
        .take_while(|l| l.starts_with("# "))
        .map(|l| unescape(l.trim_start_matches("# ")))
        .collect();
    let desc = (!desc.is_empty()).then(|| desc.join(" "));
    (Some(name), desc)
}

/// Undoes [`comment`]'s `\u{..}` escapes.
fn unescape(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find("\\u{") {
        out.push_str(rest.get(..i).unwrap_or_default());
        let after = rest.get(i + 3..).unwrap_or_default();
        match after.find('}').and_then(|j| {
            let c = u32::from_str_radix(after.get(..j)?, 16)
                .ok()
                .and_then(char::from_u32)?;
            Some((c, j))
        }) {
            Some((c, j)) => {
                out.push(c);
                rest = after.get(j + 1..).unwrap_or_default();
            }
            None => {
                out.push_str("\\u{");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Appends `text` as one comment line: every character that could end the line or
/// hide text (control characters, Unicode line and paragraph separators, bidi
/// controls) written as an escape, so nothing from an export can start a declaration.
pub fn comment(out: &mut String, text: &str) {
    out.push_str("# ");
    for c in text.chars() {
        // A backslash too, so that reading the escapes back is exact.
        let unsafe_char = c.is_control()
            || c == '\\'
            || matches!(
                c,
                '\u{2028}' | '\u{2029}' | '\u{85}' | '\u{200e}' | '\u{200f}'
            )
            || ('\u{202a}'..='\u{202e}').contains(&c)
            || ('\u{2066}'..='\u{2069}').contains(&c);
        if unsafe_char {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    out.push('\n');
}

fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut cur = String::new();
    for w in text.split_whitespace() {
        if !cur.is_empty() && cur.len() + w.len() + 1 > width {
            lines.push(std::mem::take(&mut cur));
        }
        if !cur.is_empty() {
            cur.push(' ');
        }
        cur.push_str(w);
    }
    if !cur.is_empty() {
        lines.push(cur);
    }
    lines
}

/// A JSON setting value as a rule-file literal of type `t`, after checking that the
/// type accepts it (the same check `--settings` makes).
pub fn literal(v: &J, t: &Type) -> Result<String, crate::value::DecodeError> {
    crate::value::decode(v, t, "$")?;
    Ok(render(v, t))
}

/// Writes a value [`literal`] has checked.
fn render(v: &J, t: &Type) -> String {
    use crate::syntax::print::string;
    match (t, v) {
        (Type::Optional(_), J::Null) => "not_configured".into(),
        (Type::Optional(_), J::String(s)) if s == "not_configured" => "not_configured".into(),
        (Type::Optional(inner), _) => render(v, inner),
        // An enum value is one of the declared names, so a bare name.
        (Type::Enum(_), J::String(s)) => s.clone(),
        (_, J::String(s)) => string(s),
        (Type::List(inner), J::Array(items)) => format!(
            "[{}]",
            items
                .iter()
                .map(|i| render(i, inner))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        (Type::Record(fields), J::Object(m)) => format!(
            "{{{}}}",
            fields
                .iter()
                .filter_map(|(name, ft)| m
                    .get(name)
                    .map(|fv| format!("{name}: {}", render(fv, ft))))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        (_, other) => other.to_string(),
    }
}

struct Reader<'a> {
    map: &'a Map<String, J>,
}

impl Reader<'_> {
    fn invalid(&self, key: &str, expected: &str) -> GraphError {
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
    fn get(&self, key: &str) -> Option<&J> {
        self.map.get(key).filter(|v| !v.is_null())
    }

    fn bool(&self, key: &str) -> Result<Option<bool>, GraphError> {
        match self.get(key) {
            None => Ok(None),
            Some(J::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(self.invalid(key, "true or false")),
        }
    }

    fn int(&self, key: &str, min: i64) -> Result<Option<i64>, GraphError> {
        match self.get(key) {
            None => Ok(None),
            Some(J::Number(n)) => match n.as_i64() {
                Some(i) if i >= min => Ok(Some(i)),
                _ => Err(self.invalid(key, &format!("an integer >= {min}"))),
            },
            Some(_) => Err(self.invalid(key, &format!("an integer >= {min}"))),
        }
    }

    fn string(&self, key: &str) -> Result<Option<&str>, GraphError> {
        match self.get(key) {
            None => Ok(None),
            Some(J::String(s)) => Ok(Some(s)),
            Some(_) => Err(self.invalid(key, "a string")),
        }
    }

    fn choice(&self, key: &str, allowed: &[&str]) -> Result<Option<String>, GraphError> {
        match self.string(key)? {
            None => Ok(None),
            Some(s) => match allowed.iter().find(|a| a.eq_ignore_ascii_case(s)) {
                Some(a) => Ok(Some(a.to_string())),
                None => Err(self.invalid(key, &format!("one of {}", allowed.join(", ")))),
            },
        }
    }

    fn version(&self, key: &str) -> Result<Option<String>, GraphError> {
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
    fn minutes(&self, key: &str) -> Result<Option<i64>, GraphError> {
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

/// Parses `P[nD][T[nH][nM][nS]]` (and `PnW`) into whole minutes.
pub fn parse_duration(s: &str) -> Option<i64> {
    let rest = s.strip_prefix('P')?;
    if rest.is_empty() {
        return None;
    }
    let (date, time) = match rest.split_once('T') {
        Some((d, t)) => {
            if t.is_empty() {
                return None;
            }
            (d, t)
        }
        None => (rest, ""),
    };
    let mut seconds: i64 = 0;
    let mut parse = |part: &str, units: &[(char, i64)]| -> Option<()> {
        let mut num = String::new();
        let mut last = 0usize;
        for c in part.chars() {
            if c.is_ascii_digit() {
                num.push(c);
                continue;
            }
            let idx = units.iter().position(|(u, _)| *u == c)?;
            if idx < last || num.is_empty() {
                return None;
            }
            last = idx + 1;
            let n: i64 = num.parse().ok()?;
            seconds = seconds.checked_add(n.checked_mul(units[idx].1)?)?;
            num.clear();
        }
        if num.is_empty() {
            Some(())
        } else {
            None
        }
    };
    parse(date, &[('W', 604_800), ('D', 86_400)])?;
    parse(time, &[('H', 3600), ('M', 60), ('S', 1)])?;
    if seconds % 60 != 0 {
        return None;
    }
    Some(seconds / 60)
}

/// Minutes as the shortest ISO 8601 duration (`P90D`, `PT12H`, `PT30M`, `PT0S`).
pub fn format_duration(minutes: i64) -> String {
    if minutes == 0 {
        "PT0S".into()
    } else if minutes % 1440 == 0 {
        format!("P{}D", minutes / 1440)
    } else if minutes % 60 == 0 {
        format!("PT{}H", minutes / 60)
    } else {
        format!("PT{minutes}M")
    }
}

fn enum_map(v: &str, pairs: &[(&str, &str)]) -> Option<String> {
    pairs
        .iter()
        .find(|(g, _)| g.eq_ignore_ascii_case(v))
        .map(|(_, s)| s.to_string())
}

fn enum_back(v: &str, pairs: &[(&str, &str)]) -> Option<String> {
    pairs
        .iter()
        .find(|(_, s)| *s == v)
        .map(|(g, _)| g.to_string())
}

const CLIPBOARD: [(&str, &str); 4] = [
    ("allApps", "any_app"),
    ("managedAppsWithPasteIn", "policy_managed_with_paste_in"),
    ("managedApps", "policy_managed_apps"),
    ("blocked", "blocked"),
];
const NOTIFICATIONS: [(&str, &str); 3] = [
    ("allow", "allow"),
    ("blockOrganizationalData", "block_org_data"),
    ("block", "blocked"),
];
const STORAGE: [(&str, &str); 7] = [
    ("oneDriveForBusiness", "onedrive_for_business"),
    ("sharePoint", "sharepoint"),
    ("localStorage", "local_storage"),
    ("box", "box"),
    ("photoLibrary", "photo_library"),
    ("iManage", "imanage"),
    ("egnyte", "egnyte"),
];
const ENCRYPTION: [&str; 4] = [
    "useDeviceSettings",
    "afterDeviceRestart",
    "whenDeviceLockedExceptOpenFiles",
    "whenDeviceLocked",
];

/// The `@odata.type` of an iOS app protection policy.
pub const IOS_TYPE: &str = "#microsoft.graph.iosManagedAppProtection";

/// Fails unless `map` is one iOS policy: a different `@odata.type`, a list response,
/// a facts document or an object with no policy property is named for what it is,
/// never read as a policy of defaults.
fn policy_kind(map: &Map<String, J>) -> Result<(), GraphError> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("PT12H"), Some(720));
        assert_eq!(parse_duration("P90D"), Some(129_600));
        assert_eq!(parse_duration("PT0S"), Some(0));
        assert_eq!(parse_duration("PT30M"), Some(30));
        assert_eq!(parse_duration("P1DT2H"), Some(1560));
        assert_eq!(parse_duration("PT90S"), None);
        assert_eq!(parse_duration("12H"), None);
        assert_eq!(parse_duration("P"), None);
        assert_eq!(format_duration(720), "PT12H");
        assert_eq!(format_duration(129_600), "P90D");
        assert_eq!(format_duration(30), "PT30M");
    }
}
