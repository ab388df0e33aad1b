//! Secrets: the Fly API token's shape rules ([`fly_token`]) and the OS keyring that holds
//! it ([`vault`]). A token lives in memory only inside [`crate::sensitive::Sensitive`].

pub mod fly_token;
pub mod vault;

pub use fly_token::{FlyToken, TokenKind};
pub use vault::{SecretAccount, Vault};
