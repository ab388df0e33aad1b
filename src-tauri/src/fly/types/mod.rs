//! Serde types of the Machines API, field for field as in the reference doc (§2).
//!
//! Rules for every type here: unknown fields are tolerated, and on the types a client sends
//! back (machine config and its parts) they are *kept* in an `extra` map, because an update
//! must carry the whole config (doc §2.2) and dropping a field Fly added would silently
//! remove it from the machine. Enumerations of strings (states, CPU kinds, restart policies)
//! have an `Unknown(String)` fallback so a new value never breaks decoding. A JSON `null` for
//! a list or map reads as empty.

use serde::{Deserialize, Deserializer};

/// Reads `null` as the type's default (an empty list or map).
pub(crate) fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// A string enumeration with an `Unknown(String)` fallback, (de)serialized as the string.
macro_rules! string_enum {
    (
        $(#[$meta:meta])*
        $name:ident { $($(#[$vmeta:meta])* $variant:ident => $text:literal),+ $(,)? }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(from = "String", into = "String")]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
            /// A value this client does not know (yet); kept verbatim.
            Unknown(String),
        }

        impl $name {
            /// The wire form.
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $text,)+
                    Self::Unknown(text) => text,
                }
            }
        }

        impl From<String> for $name {
            fn from(text: String) -> Self {
                match text.as_str() {
                    $($text => Self::$variant,)+
                    _ => Self::Unknown(text),
                }
            }
        }

        impl From<&str> for $name {
            fn from(text: &str) -> Self {
                Self::from(text.to_owned())
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> Self {
                value.as_str().to_owned()
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

mod config;
mod machine;
mod resources;

pub use config::{
    Autostop, CheckHeader, Concurrency, CpuKind, FlyDuration, Guest, InitConfig, MachineCheck,
    MachineConfig, MachineFile, MachineService, Mount, RestartMode, RestartPolicy, ServicePort,
    StopConfig,
};
pub use machine::{
    CheckStatus, CreateMachineRequest, ExitEvent, ImageRef, Machine, MachineEvent, MachineState,
    StartResponse, UpdateMachineRequest, WaitResponse, WaitTarget,
};
pub use resources::{
    App, AppSecret, CreateAppRequest, CreateVolumeRequest, ExtendVolumeResponse, Lease, LeaseNonce,
    Organization, Region, RegionList, SecretsVersion, TokenInfo, Volume,
};

#[cfg(test)]
mod tests;
