//! Intune interop: Microsoft Graph `iosManagedAppProtection` JSON ↔ settings.
//!
//! [`import`] reads an export (as PowerShell, Graph Explorer or IntuneManagement write
//! it) into the bundled policy's settings; [`export`] writes settings back as Graph
//! JSON with every mapped property. The mapping is documented in `docs/graph.md`.
//! Metadata (`@odata.*`, ids, dates) is tolerated; properties apprules does not model
//! are kept as comments and reported as warnings; a value that cannot be read is an
//! error naming the property.

mod codecs;
mod named;
mod rows;

use crate::check::ir::Program;
use crate::value::{Type, Value};
use indexmap::IndexMap;
use serde_json::{json, Map, Value as J};
use thiserror::Error;

mod export;
mod import;
mod render;
pub use export::export;
pub use import::import;
use import::*;
pub use render::comment;
pub use render::header_of;
pub use render::literal;
use render::*;

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

/// Whether apprules maps a Graph property to a setting.
pub fn is_mapped(property: &str) -> bool {
    codecs::properties(&rows::ROWS).any(|p| p == property)
}

/// Every Graph property apprules maps, in mapping order.
pub fn mapped_properties() -> Vec<&'static str> {
    codecs::properties(&rows::ROWS).collect()
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

impl Reader<'_> {}

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

/// What a duration property must hold.
const DURATION: &str =
    "an ISO 8601 duration in whole minutes, like \"PT30M\", \"PT12H\" or \"P90D\"";

/// The `@odata.type` of an iOS app protection policy.
pub const IOS_TYPE: &str = "#microsoft.graph.iosManagedAppProtection";

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
