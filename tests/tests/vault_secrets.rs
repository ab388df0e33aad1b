//! The profile's other keyring secrets (agent tokens, LLM key) in the real Secret Service:
//! each under its own account, separate from the Fly token, and gone when deleted.

use trademind::secrets::{SecretAccount, Vault};
use trademind::sensitive::Sensitive;
use trademind_tests::keyring::require_real_keyring;

#[tokio::test]
async fn agent_secrets_are_kept_per_account_and_deleted() {
    require_real_keyring();
    let service = format!("app.trademind.desktop.test-{}", std::process::id());
    let vault = Vault::open(service).expect("a persistent keyring backend");
    let accounts = [
        SecretAccount::AgentOwnerToken,
        SecretAccount::AgentViewerToken,
        SecretAccount::LlmApiKey,
    ];
    for account in accounts {
        assert!(vault.load_secret(account).await.unwrap().is_none());
    }
    for (i, account) in accounts.into_iter().enumerate() {
        let value = Sensitive::new(format!("secret-{i}-{}", std::process::id()));
        vault.store_secret(account, &value).await.unwrap();
    }
    for (i, account) in accounts.into_iter().enumerate() {
        let loaded = vault.load_secret(account).await.unwrap().expect("stored");
        assert_eq!(
            loaded.expose(),
            &format!("secret-{i}-{}", std::process::id())
        );
    }
    assert!(
        vault.load_fly_token().await.unwrap().is_none(),
        "the Fly token's entry is separate"
    );
    for account in accounts {
        assert!(vault.delete_secret(account).await.unwrap());
        assert!(!vault.delete_secret(account).await.unwrap(), "already gone");
        assert!(vault.load_secret(account).await.unwrap().is_none());
    }
}
