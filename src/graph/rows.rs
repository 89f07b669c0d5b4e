//! The Graph mapping as data: one row per setting, in the order export writes them
//! (the seed's settings, then its version entries, then section 7.1 in the spec's
//! order). A row is a setting, its Graph property and the two-way codec between them;
//! the settings built from several properties have a named codec ([`super::named`]).

use super::codecs::{Codec, Row};
use super::named;

const DIALER: [(&str, &str); 4] = [
    ("allApps", "any_app"),
    ("managedApps", "policy_managed_apps"),
    ("customApp", "specific_app"),
    ("blocked", "none"),
];
const MESSAGING: [(&str, &str); 4] = [
    ("anyApp", "any_app"),
    ("anyManagedApp", "policy_managed_apps"),
    ("specificApps", "specific_app"),
    ("blocked", "none"),
];
const INGESTION: [(&str, &str); 4] = [
    ("oneDriveForBusiness", "onedrive_for_business"),
    ("sharePoint", "sharepoint"),
    ("camera", "camera"),
    ("photoLibrary", "photo_library"),
];
const BLOCKED_STATE: [(&str, &str); 2] = [("notBlocked", "allow"), ("blocked", "block")];
const MIN_OS: [(&str, &str); 3] = [
    ("minimumWarningOsVersion", "warn"),
    ("minimumRequiredOsVersion", "block"),
    ("minimumWipeOsVersion", "wipe"),
];
const MIN_APP: [(&str, &str); 3] = [
    ("minimumWarningAppVersion", "warn"),
    ("minimumRequiredAppVersion", "block"),
    ("minimumWipeAppVersion", "wipe"),
];
const MIN_SDK: [(&str, &str); 3] = [
    ("minimumWarningSdkVersion", "warn"),
    ("minimumRequiredSdkVersion", "block"),
    ("minimumWipeSdkVersion", "wipe"),
];
const MAX_OS: [(&str, &str); 3] = [
    ("maximumWarningOsVersion", "warn"),
    ("maximumRequiredOsVersion", "block"),
    ("maximumWipeOsVersion", "wipe"),
];

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
/// Storage locations (`allowedDataStorageLocations`).
pub(super) const STORAGE: [(&str, &str); 7] = [
    ("oneDriveForBusiness", "onedrive_for_business"),
    ("sharePoint", "sharepoint"),
    ("localStorage", "local_storage"),
    ("box", "box"),
    ("photoLibrary", "photo_library"),
    ("iManage", "imanage"),
    ("egnyte", "egnyte"),
];
/// Export writes the first Graph value of a setting value: `require` is
/// `whenDeviceLocked`.
const ENCRYPTION: [(&str, &str); 4] = [
    ("useDeviceSettings", "not_required"),
    ("whenDeviceLocked", "require"),
    ("afterDeviceRestart", "require"),
    ("whenDeviceLockedExceptOpenFiles", "require"),
];
const PIN_TYPE: [(&str, &str); 2] = [
    ("numeric", "numeric"),
    ("alphanumericAndSymbol", "passcode"),
];

/// Every mapped setting.
pub(super) const ROWS: [Row; 49] = [
    Row {
        setting: "data_transfer.backup_org_data",
        property: "dataBackupBlocked",
        codec: Codec::Bool("block", "allow"),
    },
    Row {
        setting: "data_transfer.save_copies",
        property: "saveAsBlocked",
        codec: Codec::Bool("block", "allow"),
    },
    Row {
        setting: "data_transfer.third_party_keyboards",
        property: "thirdPartyKeyboardsBlocked",
        codec: Codec::Bool("block", "allow"),
    },
    Row {
        setting: "functionality.sync_contacts",
        property: "contactSyncBlocked",
        codec: Codec::Bool("block", "allow"),
    },
    Row {
        setting: "functionality.printing",
        property: "printBlocked",
        codec: Codec::Bool("block", "allow"),
    },
    Row {
        setting: "access.pin",
        property: "pinRequired",
        codec: Codec::Bool("require", "not_required"),
    },
    Row {
        setting: "access.simple_pin",
        property: "simplePinBlocked",
        codec: Codec::Bool("block", "allow"),
    },
    Row {
        setting: "access.touch_id",
        property: "fingerprintBlocked",
        codec: Codec::Bool("block", "allow"),
    },
    Row {
        setting: "access.face_id",
        property: "faceIdBlocked",
        codec: Codec::Bool("block", "allow"),
    },
    Row {
        setting: "access.app_pin_when_device_pin_set",
        property: "disableAppPinIfDevicePinIsSet",
        codec: Codec::Bool("disable", "enable"),
    },
    Row {
        setting: "access.work_credentials",
        property: "organizationalCredentialsRequired",
        codec: Codec::Bool("require", "not_required"),
    },
    Row {
        setting: "data_transfer.send_org_data",
        property: "allowedOutboundDataTransferDestinations",
        codec: Codec::Named(&named::SEND_ORG_DATA),
    },
    Row {
        setting: "data_transfer.exempt_apps",
        property: "exemptedAppProtocols",
        codec: Codec::Named(&named::EXEMPT_APPS),
    },
    Row {
        setting: "data_transfer.receive_org_data",
        property: "allowedInboundDataTransferSources",
        codec: Codec::Named(&named::RECEIVE_ORG_DATA),
    },
    Row {
        setting: "data_transfer.save_copies_services",
        property: "allowedDataStorageLocations",
        codec: Codec::EnumList(&STORAGE),
    },
    Row {
        setting: "data_transfer.clipboard",
        property: "allowedOutboundClipboardSharingLevel",
        codec: Codec::Enum {
            pairs: &CLIPBOARD,
            null_as: None,
        },
    },
    Row {
        setting: "data_transfer.clipboard_char_limit",
        property: "allowedOutboundClipboardSharingExceptionLength",
        codec: Codec::Int { min: 0 },
    },
    Row {
        setting: "data_transfer.org_data_notifications",
        property: "notificationRestriction",
        codec: Codec::Enum {
            pairs: &NOTIFICATIONS,
            null_as: None,
        },
    },
    Row {
        setting: "encryption.encrypt_org_data",
        property: "appDataEncryptionType",
        codec: Codec::Enum {
            pairs: &ENCRYPTION,
            null_as: None,
        },
    },
    Row {
        setting: "functionality.web_content_transfer",
        property: "managedBrowserToOpenLinksRequired",
        codec: Codec::Named(&named::WEB_CONTENT),
    },
    Row {
        setting: "access.pin_type",
        property: "pinCharacterSet",
        codec: Codec::Enum {
            pairs: &PIN_TYPE,
            null_as: None,
        },
    },
    Row {
        setting: "access.min_pin_length",
        property: "minimumPinLength",
        codec: Codec::Int { min: 1 },
    },
    Row {
        setting: "access.biometric_override",
        property: "pinRequiredInsteadOfBiometricTimeout",
        codec: Codec::Named(&named::BIOMETRIC_OVERRIDE),
    },
    Row {
        setting: "access.pin_reset",
        property: "periodBeforePinReset",
        codec: Codec::Named(&named::PIN_RESET),
    },
    // `null` leaves the default; `PT0S` is a recheck at every launch.
    Row {
        setting: "access.recheck_after",
        property: "periodOnlineBeforeAccessCheck",
        codec: Codec::Minutes {
            zero_as_null: false,
        },
    },
    Row {
        setting: "conditional_launch.max_pin_attempts",
        property: "maximumPinRetries",
        codec: Codec::Named(&named::MAX_PIN_ATTEMPTS),
    },
    Row {
        setting: "conditional_launch.offline_grace_period",
        property: "periodOfflineBeforeAccessCheck",
        codec: Codec::Named(&named::OFFLINE_GRACE_PERIOD),
    },
    Row {
        setting: "conditional_launch.jailbroken",
        property: "deviceComplianceRequired",
        codec: Codec::Named(&named::JAILBROKEN),
    },
    Row {
        setting: "conditional_launch.device_models",
        property: "allowedIosDeviceModels",
        codec: Codec::Named(&named::DEVICE_MODELS),
    },
    Row {
        setting: "conditional_launch.max_threat_level",
        property: "maximumAllowedDeviceThreatLevel",
        codec: Codec::Named(&named::MAX_THREAT_LEVEL),
    },
    Row {
        setting: "conditional_launch.min_os_version",
        property: "minimumWarningOsVersion",
        codec: Codec::Versions(&MIN_OS),
    },
    Row {
        setting: "conditional_launch.min_app_version",
        property: "minimumWarningAppVersion",
        codec: Codec::Versions(&MIN_APP),
    },
    // Section 7.1 adds the warn entry (`minimumWarningSdkVersion`).
    Row {
        setting: "conditional_launch.min_sdk_version",
        property: "minimumWarningSdkVersion",
        codec: Codec::Versions(&MIN_SDK),
    },
    Row {
        setting: "conditional_launch.max_os_version",
        property: "maximumWarningOsVersion",
        codec: Codec::Versions(&MAX_OS),
    },
    Row {
        setting: "conditional_launch.disabled_account",
        property: "appActionIfUnableToAuthenticateUser",
        codec: Codec::Enum {
            pairs: &[("block", "block"), ("wipe", "wipe")],
            null_as: Some("not_configured"),
        },
    },
    Row {
        setting: "conditional_launch.non_working_time",
        property: "appActionIfAccountIsClockedOut",
        codec: Codec::Enum {
            pairs: &[("block", "block"), ("warn", "warn")],
            null_as: Some("not_configured"),
        },
    },
    Row {
        setting: "conditional_launch.non_working_time_grace_minutes",
        property: "gracePeriodToBlockAppsDuringOffClockHours",
        codec: Codec::Minutes { zero_as_null: true },
    },
    Row {
        setting: "conditional_launch.primary_mtd_service",
        property: "mobileThreatDefensePartnerPriority",
        codec: Codec::Enum {
            pairs: &[
                ("defenderOverThirdPartyPartner", "microsoft_defender"),
                ("thirdPartyPartnerOverDefender", "third_party"),
            ],
            null_as: Some("not_configured"),
        },
    },
    Row {
        setting: "data_transfer.dialer",
        property: "dialerRestrictionLevel",
        codec: Codec::Enum {
            pairs: &DIALER,
            null_as: None,
        },
    },
    Row {
        setting: "data_transfer.dialer_app_scheme",
        property: "customDialerAppProtocol",
        codec: Codec::Text,
    },
    Row {
        setting: "data_transfer.messaging",
        property: "protectedMessagingRedirectAppType",
        codec: Codec::Enum {
            pairs: &MESSAGING,
            null_as: None,
        },
    },
    Row {
        setting: "data_transfer.messaging_app_scheme",
        property: "messagingRedirectAppUrlScheme",
        codec: Codec::Text,
    },
    Row {
        setting: "data_transfer.exempt_universal_links",
        property: "exemptedUniversalLinks",
        codec: Codec::Strings,
    },
    Row {
        setting: "data_transfer.managed_universal_links",
        property: "managedUniversalLinks",
        codec: Codec::Strings,
    },
    Row {
        setting: "data_transfer.open_into_org_documents",
        property: "blockDataIngestionIntoOrganizationDocuments",
        codec: Codec::Bool("block", "allow"),
    },
    Row {
        setting: "data_transfer.open_from_services",
        property: "allowedDataIngestionLocations",
        codec: Codec::EnumList(&INGESTION),
    },
    Row {
        setting: "functionality.genmoji",
        property: "genmojiConfigurationState",
        codec: Codec::Enum {
            pairs: &BLOCKED_STATE,
            null_as: None,
        },
    },
    Row {
        setting: "functionality.screen_capture",
        property: "screenCaptureConfigurationState",
        codec: Codec::Enum {
            pairs: &BLOCKED_STATE,
            null_as: None,
        },
    },
    Row {
        setting: "functionality.writing_tools",
        property: "writingToolsConfigurationState",
        codec: Codec::Enum {
            pairs: &BLOCKED_STATE,
            null_as: None,
        },
    },
];

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]
    use super::*;
    use crate::value::Type;

    /// Every row names a setting of the bundled policy, of the type its codec reads
    /// and writes, and every enum value a codec maps to is one of the setting's.
    #[test]
    fn every_row_is_a_setting_of_the_expected_type() {
        let policy = crate::Policy::bundled().unwrap();
        let p = policy.program();
        for row in &ROWS {
            let Some(s) = p.settings.get(row.setting) else {
                panic!("row `{}`: no setting `{}`", row.property, row.setting);
            };
            let ty = s.ty.strip_optional();
            let variants = |t: &Type| match t {
                Type::Enum(e) => e.variants.clone(),
                _ => Vec::new(),
            };
            let ok = match (&row.codec, ty) {
                (Codec::Bool(a, b), Type::Enum(e)) => {
                    e.variants.iter().any(|x| x == a) && e.variants.iter().any(|x| x == b)
                }
                (Codec::Bool(..), Type::Bool) => true,
                (Codec::Enum { pairs, .. }, t @ Type::Enum(_)) => {
                    let v = variants(t);
                    pairs.iter().all(|(_, ours)| v.iter().any(|x| x == ours))
                }
                (Codec::Text, Type::Str { .. }) => true,
                (Codec::Strings, Type::List(t)) => matches!(**t, Type::Str { .. }),
                (Codec::EnumList(pairs), Type::List(t)) => {
                    let v = variants(t);
                    pairs.iter().all(|(_, ours)| v.iter().any(|x| x == ours))
                }
                (Codec::Minutes { .. } | Codec::Int { .. }, Type::Int { .. }) => true,
                (Codec::Named(n), _) => n.settings.iter().all(|s| p.settings.contains_key(*s)),
                (Codec::Versions(_), Type::List(t)) => matches!(**t, Type::Record(_)),
                _ => false,
            };
            assert!(
                ok,
                "row `{}`: setting `{}` has type {}",
                row.property, row.setting, s.ty
            );
        }
    }
}
