//! The Graph mapping as data: one row per setting, a small two-way codec each, import
//! and export side by side. Every setting added since the seed (spec section 7.1) is
//! here, with the seed's version entries; the seed's other settings are still mapped
//! by code in `mod.rs`.
//! [`super::is_mapped`] covers every property named here.

use super::{format_duration, parse_duration, GraphError, Reader};
use indexmap::IndexMap;
use serde_json::{json, Value as J};

/// How one setting is written in Graph.
pub(super) enum Codec {
    /// A boolean property: the setting's value when `true`, when `false`.
    Bool(&'static str, &'static str),
    /// A string enum: (Graph value, setting value) pairs; `null` is `null_as` (when
    /// given; otherwise `null` leaves the default).
    Enum {
        pairs: &'static [(&'static str, &'static str)],
        null_as: Option<&'static str>,
    },
    /// A string (a URL scheme); `null` leaves the default, `""` is written as `null`.
    Text,
    /// An array of strings (link patterns).
    Strings,
    /// An array of Graph enum values, each mapped by the pairs.
    EnumList(&'static [(&'static str, &'static str)]),
    /// An ISO 8601 duration, as whole minutes (`null` leaves the default, 0 is
    /// written as `null`).
    Minutes,
    /// Entries `{version, action}`, one property per action.
    Versions(&'static [(&'static str, &'static str)]),
}

/// A setting and its Graph property (for [`Codec::Versions`], the properties are the
/// codec's).
pub(super) struct Row {
    pub(super) setting: &'static str,
    pub(super) property: &'static str,
    pub(super) codec: Codec,
}

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

/// The seed's version entries, then section 7.1 in the spec's order.
pub(super) const ROWS: [Row; 19] = [
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
        codec: Codec::Minutes,
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

/// Every Graph property the rows map.
pub(super) fn properties() -> impl Iterator<Item = &'static str> {
    ROWS.iter().flat_map(|r| match &r.codec {
        Codec::Versions(props) => props.iter().map(|(p, _)| *p).collect::<Vec<_>>(),
        _ => vec![r.property],
    })
}

/// Reads every row's properties into `settings`.
pub(super) fn import(r: &Reader<'_>, settings: &mut IndexMap<String, J>) -> Result<(), GraphError> {
    for row in &ROWS {
        let present = |p: &str| r.map.contains_key(p);
        let value = match &row.codec {
            Codec::Bool(t, f) => r
                .bool(row.property)?
                .map(|b| json!(if b { *t } else { *f })),
            Codec::Enum { pairs, null_as } => match r.map.get(row.property) {
                None => None,
                Some(J::Null) => null_as.map(|v| json!(v)),
                Some(_) => {
                    let graph: Vec<&str> = pairs.iter().map(|(g, _)| *g).collect();
                    let g = r.choice(row.property, &graph)?;
                    g.and_then(|g| pairs.iter().find(|(x, _)| *x == g).map(|(_, s)| json!(s)))
                }
            },
            Codec::Text => r.string(row.property)?.map(|s| json!(s.trim())),
            Codec::Strings => match r.get(row.property) {
                None => None,
                Some(J::Array(items)) => {
                    let mut out = Vec::new();
                    for i in items {
                        match i.as_str() {
                            Some(s) => out.push(json!(s.trim())),
                            None => return Err(r.invalid(row.property, "an array of strings")),
                        }
                    }
                    Some(J::Array(out))
                }
                Some(_) => return Err(r.invalid(row.property, "an array of strings")),
            },
            Codec::EnumList(pairs) => match r.get(row.property) {
                None => None,
                Some(J::Array(items)) => {
                    let mut out = Vec::new();
                    for i in items {
                        let mapped = i.as_str().and_then(|s| {
                            pairs
                                .iter()
                                .find(|(g, _)| g.eq_ignore_ascii_case(s))
                                .map(|(_, v)| *v)
                        });
                        match mapped {
                            Some(v) if !out.contains(&json!(v)) => out.push(json!(v)),
                            Some(_) => {}
                            None => {
                                return Err(GraphError::Invalid {
                                    property: row.property.into(),
                                    expected: format!(
                                        "locations among {}",
                                        pairs
                                            .iter()
                                            .map(|(g, _)| *g)
                                            .collect::<Vec<_>>()
                                            .join(", ")
                                    ),
                                    found: crate::value::describe_json(i),
                                })
                            }
                        }
                    }
                    Some(J::Array(out))
                }
                Some(_) => return Err(r.invalid(row.property, "an array of locations")),
            },
            Codec::Minutes => match r.string(row.property)? {
                None => None,
                Some(s) => match parse_duration(s) {
                    Some(m) => Some(json!(m)),
                    None => {
                        return Err(r.invalid(
                            row.property,
                            "an ISO 8601 duration in whole minutes, like \"PT30M\"",
                        ))
                    }
                },
            },
            Codec::Versions(props) => {
                if !props.iter().any(|(p, _)| present(p)) {
                    None
                } else {
                    let mut entries = Vec::new();
                    for (p, action) in *props {
                        if let Some(v) = r.version(p)? {
                            entries.push(json!({"version": v, "action": action}));
                        }
                    }
                    Some(J::Array(entries))
                }
            }
        };
        if let Some(v) = value {
            settings.insert(row.setting.to_string(), v);
        }
    }
    Ok(())
}

/// Writes every row's properties from the setting values (`get` reads one as JSON).
pub(super) fn export(
    get: &dyn Fn(&str) -> Result<J, GraphError>,
    m: &mut serde_json::Map<String, J>,
) -> Result<(), GraphError> {
    for row in &ROWS {
        let v = get(row.setting)?;
        let text = v.as_str().unwrap_or_default();
        match &row.codec {
            Codec::Bool(t, _) => {
                m.insert(row.property.into(), json!(text == *t));
            }
            Codec::Enum { pairs, null_as } => {
                let g = pairs.iter().find(|(_, s)| *s == text).map(|(g, _)| *g);
                let out = match (g, null_as) {
                    (Some(g), _) => json!(g),
                    (None, Some(_)) => J::Null,
                    (None, None) => {
                        return Err(GraphError::Unexportable {
                            setting: row.setting.into(),
                            why: format!("`{text}` has no Graph value"),
                        })
                    }
                };
                m.insert(row.property.into(), out);
            }
            Codec::Text => {
                m.insert(
                    row.property.into(),
                    if text.is_empty() {
                        J::Null
                    } else {
                        json!(text)
                    },
                );
            }
            Codec::Strings => {
                m.insert(row.property.into(), v.clone());
            }
            Codec::EnumList(pairs) => {
                let items: Vec<J> = v
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(|i| {
                                let s = i.as_str()?;
                                pairs.iter().find(|(_, x)| *x == s).map(|(g, _)| json!(g))
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                m.insert(row.property.into(), J::Array(items));
            }
            Codec::Minutes => {
                // Zero is the default, written as the portal writes "not set".
                let minutes = v.as_i64().unwrap_or_default();
                m.insert(
                    row.property.into(),
                    if minutes == 0 {
                        J::Null
                    } else {
                        json!(format_duration(minutes))
                    },
                );
            }
            Codec::Versions(props) => {
                for (prop, action) in *props {
                    let mine: Vec<&J> = v
                        .as_array()
                        .map(|a| {
                            a.iter()
                                .filter(|e| e.get("action").and_then(J::as_str) == Some(action))
                                .collect()
                        })
                        .unwrap_or_default();
                    if mine.len() > 1 {
                        return Err(GraphError::Unexportable {
                            setting: row.setting.into(),
                            why: format!(
                                "Graph holds one `{action}` entry (`{prop}`), the policy has {}",
                                mine.len()
                            ),
                        });
                    }
                    m.insert(
                        (*prop).into(),
                        mine.first()
                            .and_then(|e| e.get("version"))
                            .cloned()
                            .unwrap_or(J::Null),
                    );
                }
            }
        }
    }
    Ok(())
}

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
                (Codec::Minutes, Type::Int { .. }) => true,
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
