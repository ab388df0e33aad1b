//! The desktop's live link (`trademind::link`) against the REAL agent in process and the fake
//! Binance: greeting and roles, signals stored once across an agent restart, the durable
//! outbox (offline, lost ack, refused command, app restart), a wrong token, and secrets kept
//! out of logs.

mod link_support;

use std::time::Duration;

use link_support::*;
use screener::agent::journal::Journal;
use screener::market::Interval;
use screener::protocol::Role;
use trademind::error::{ApiError, ErrorCode};
use trademind::link::{LinkState, OwnerCommand};
use trademind::store::outbox::CommandState;
use trademind::store::Store;

async fn outbox_empty(store: &Store) -> bool {
    store.outbox().await.unwrap().is_empty()
}

async fn stored_last_seq(store: &Store) -> u64 {
    store
        .agent_cursor()
        .await
        .unwrap()
        .map_or(0, |c| c.last_seq)
}

#[tokio::test]
async fn signals_arrive_once_and_in_order_across_an_agent_restart() {
    let fake = market();
    let agent_dir = tempfile::tempdir().unwrap();
    let app_dir = tempfile::tempdir().unwrap();
    let agent = start_agent(&fake, agent_dir.path(), "127.0.0.1:0").await;
    let addr = agent.addr.to_string();
    let store = open_store(app_dir.path()).await;
    let link = start_link(&store, &agent.base_url(), OWNER).await;
    let states = record_states(&link);

    let live = wait_state(&link, "live", LinkState::is_live).await;
    assert!(
        matches!(
            live,
            LinkState::Live {
                role: Role::Owner,
                ..
            }
        ),
        "{live:?}"
    );
    assert!(
        matches!(
            states.lock().unwrap()[0],
            LinkState::Connecting | LinkState::Live { .. }
        ),
        "starts connecting"
    );
    link.deploy_trader(always("every-close", 1)).await.unwrap();
    wait_until("deploy acked", || outbox_empty(&store)).await;

    fake.advance(Interval::M1, 2);
    wait_until("4 signals stored", || async {
        stored_last_seq(&store).await >= 4
    })
    .await;

    // Kill the agent: the link reconnects with backoff while it is gone.
    agent.shutdown().await;
    let down = wait_state(
        &link,
        "reconnecting",
        |s| matches!(s, LinkState::Reconnecting { attempt, .. } if *attempt >= 2),
    )
    .await;
    let LinkState::Reconnecting { last_error, .. } = down else {
        unreachable!()
    };
    assert_eq!(last_error.code, ErrorCode::AgentUnreachable);

    // A new agent on the same journal and the same address: live again, and signals made
    // after the restart arrive.
    let agent = start_agent(&fake, agent_dir.path(), &addr).await;
    wait_state(&link, "live again", LinkState::is_live).await;
    fake.advance(Interval::M1, 2);
    wait_until("8 signals stored", || async {
        stored_last_seq(&store).await >= 8
    })
    .await;
    link.shutdown().await;
    assert_eq!(*link.state().borrow(), LinkState::Offline { error: None });
    agent.shutdown().await;

    // The desktop holds exactly the agent's journal: none missing, none duplicated.
    let journal = Journal::open(agent_dir.path()).await.unwrap();
    let expected: Vec<_> = journal
        .after(0, 10_000)
        .await
        .unwrap()
        .into_iter()
        .map(|(s, _)| s)
        .collect();
    let journal_id = store.agent_cursor().await.unwrap().unwrap().journal_id;
    assert_eq!(journal_id, journal.id().await.unwrap());
    let stored: Vec<_> = store
        .agent_signals(&journal_id, 0, 10_000)
        .await
        .unwrap()
        .into_iter()
        .map(|(s, _)| s)
        .collect();
    assert_eq!(stored, expected);
    let seqs: Vec<u64> = stored.iter().map(|s| s.seq).collect();
    assert_eq!(
        seqs,
        (1..=seqs.len() as u64).collect::<Vec<_>>(),
        "contiguous"
    );
    assert!(seqs.len() >= 8);
    let seen = states.lock().unwrap().clone();
    assert!(seen.iter().filter(|s| s.is_live()).count() >= 2, "{seen:?}");
}

#[tokio::test]
async fn a_command_written_offline_survives_an_app_restart_and_is_delivered_once() {
    let fake = market();
    let agent_dir = tempfile::tempdir().unwrap();
    let app_dir = tempfile::tempdir().unwrap();
    // Bad input: nothing listens at the agent URL yet.
    let free = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let store = open_store(app_dir.path()).await;
    let link = start_link(&store, &format!("http://{free}"), OWNER).await;
    wait_state(&link, "reconnecting", |s| {
        matches!(s, LinkState::Reconnecting { .. })
    })
    .await;
    let id = link.deploy_trader(always("every-close", 1)).await.unwrap();
    link.shutdown().await;
    store.close().await;

    // The app restarts: the command is still there, pending, never sent.
    let store = open_store(app_dir.path()).await;
    let pending = store.outbox().await.unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(
        (
            pending[0].id.as_str(),
            pending[0].state,
            pending[0].attempts
        ),
        (id.as_str(), CommandState::Pending, 0)
    );

    let agent = start_agent(&fake, agent_dir.path(), &free.to_string()).await;
    let link = start_link(&store, &agent.base_url(), OWNER).await;
    wait_until("deploy acked", || outbox_empty(&store)).await;
    link.shutdown().await;
    agent.shutdown().await;
    let traders = Journal::open(agent_dir.path())
        .await
        .unwrap()
        .traders()
        .await
        .unwrap();
    assert_eq!(traders.len(), 1);
    assert_eq!(
        (traders[0].id.as_str(), traders[0].version),
        ("every-close", 1)
    );
}

#[tokio::test]
async fn a_command_resent_after_a_lost_ack_keeps_its_id_and_is_not_applied_twice() {
    let fake = market();
    let agent_dir = tempfile::tempdir().unwrap();
    let agent = start_agent(&fake, agent_dir.path(), "127.0.0.1:0").await;
    let v1 =
        OwnerCommand::DeployTrader(Box::new(always("t", 1))).into_frame("cmd-v1-lost-ack".into());

    // Another computer of the owner delivers the same command id, then version 2.
    let other_dir = tempfile::tempdir().unwrap();
    let other = open_store(other_dir.path()).await;
    other.outbox_push(&v1).await.unwrap();
    let other_link = start_link(&other, &agent.base_url(), OWNER).await;
    other_link.deploy_trader(always("t", 2)).await.unwrap();
    wait_until("both acked", || outbox_empty(&other)).await;
    other_link.shutdown().await;

    // This desktop sent v1 under that id and lost the connection before the ack: the row is
    // still in its outbox. The resend must be acked as already applied — applying it again
    // would be a version_conflict (v1 < v2).
    let app_dir = tempfile::tempdir().unwrap();
    let store = open_store(app_dir.path()).await;
    store.outbox_push(&v1).await.unwrap();
    store.outbox_sent("cmd-v1-lost-ack").await.unwrap();
    let link = start_link(&store, &agent.base_url(), OWNER).await;
    wait_until("resend acked", || outbox_empty(&store)).await;
    link.shutdown().await;
    agent.shutdown().await;
    let traders = Journal::open(agent_dir.path())
        .await
        .unwrap()
        .traders()
        .await
        .unwrap();
    assert_eq!(traders.iter().map(|t| t.version).collect::<Vec<_>>(), [2]);
}

#[tokio::test]
async fn an_older_version_is_recorded_as_version_conflict_and_not_retried() {
    let fake = market();
    let agent_dir = tempfile::tempdir().unwrap();
    let agent = start_agent(&fake, agent_dir.path(), "127.0.0.1:0").await;
    let app_dir = tempfile::tempdir().unwrap();
    let store = open_store(app_dir.path()).await;
    let link = start_link(&store, &agent.base_url(), OWNER).await;
    link.deploy_trader(always("t", 2)).await.unwrap();
    wait_until("v2 acked", || outbox_empty(&store)).await;

    // Bad input: an older version than the deployed one.
    let id = link.deploy_trader(always("t", 1)).await.unwrap();
    wait_until("v1 refused", || async {
        store
            .outbox()
            .await
            .unwrap()
            .iter()
            .any(|c| c.state == CommandState::Failed)
    })
    .await;
    // A reconnect does not send it again.
    link.reconnect();
    wait_state(&link, "live", LinkState::is_live).await;
    link.send(OwnerCommand::Pause).await.unwrap();
    wait_until("pause acked", || async {
        store.outbox().await.unwrap().len() == 1
    })
    .await;
    let entries = link.commands().await.unwrap();
    assert_eq!(entries.len(), 1);
    let failed = &entries[0];
    assert_eq!(
        (failed.id.as_str(), failed.state, failed.attempts),
        (id.as_str(), CommandState::Failed, 1)
    );
    let error = failed.error.as_ref().unwrap();
    assert_eq!(error.code, "version_conflict");
    assert!(error.message.contains("version 2"), "{}", error.message);
    assert!(link.dismiss(&id).await.unwrap());
    assert!(link.commands().await.unwrap().is_empty());
    link.shutdown().await;
    agent.shutdown().await;
}

#[tokio::test]
async fn viewer_token_gives_role_viewer_and_owner_commands_are_refused() {
    let fake = market();
    let agent_dir = tempfile::tempdir().unwrap();
    let agent = start_agent(&fake, agent_dir.path(), "127.0.0.1:0").await;
    let app_dir = tempfile::tempdir().unwrap();
    let store = open_store(app_dir.path()).await;
    let link = start_link(&store, &agent.base_url(), VIEWER).await;
    let live = wait_state(&link, "live", LinkState::is_live).await;
    assert!(
        matches!(
            live,
            LinkState::Live {
                role: Role::Viewer,
                ..
            }
        ),
        "{live:?}"
    );
    // Bad input: every owner command from a viewer.
    for command in [
        OwnerCommand::DeployTrader(Box::new(always("t", 1))),
        OwnerCommand::UndeployTrader {
            trader_id: "t".into(),
            version: 1,
        },
        OwnerCommand::Pause,
        OwnerCommand::Resume,
    ] {
        let err = ApiError::from(link.send(command).await.unwrap_err());
        assert_eq!(err.code, ErrorCode::Forbidden);
        assert!(err.hint.unwrap().contains("viewer"));
    }
    assert!(outbox_empty(&store).await, "nothing was written");
    link.shutdown().await;
    agent.shutdown().await;
}

#[tokio::test]
async fn wrong_token_is_unauthorized_without_a_retry_storm() {
    let fake = market();
    let agent_dir = tempfile::tempdir().unwrap();
    let agent = start_agent(&fake, agent_dir.path(), "127.0.0.1:0").await;
    let relay = CountingRelay::start(agent.addr).await;
    let app_dir = tempfile::tempdir().unwrap();
    let store = open_store(app_dir.path()).await;
    // Bad input: a well-formed token the agent does not know.
    let link = start_link(&store, &relay.url(), "tmo_not-the-agents-token-000000000").await;
    let refused = |s: &LinkState| matches!(s, LinkState::Offline { error: Some(e) } if e.code == ErrorCode::Unauthorized);
    wait_state(&link, "unauthorized", refused).await;
    // With a 50 ms backoff a retrying link would make ~20 attempts in this second.
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(relay.accepted(), 1, "one attempt, no retries");
    assert_eq!(link.attempts(), 1);
    // A manual reconnect tries once more (still refused).
    link.reconnect();
    wait_until("second attempt", || async { link.attempts() == 2 }).await;
    wait_state(&link, "unauthorized again", refused).await;
    assert_eq!(relay.accepted(), 2);
    link.shutdown().await;
    agent.shutdown().await;
}

#[tokio::test]
async fn backoff_grows_and_the_circuit_opens_after_repeated_failures() {
    // Bad input: an agent URL where nothing listens.
    let free = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let app_dir = tempfile::tempdir().unwrap();
    let store = open_store(app_dir.path()).await;
    let mut timings = fast();
    timings.failures_to_open = 4;
    timings.cool_down = Duration::from_millis(300);
    let link = trademind::link::Link::start(
        store.clone(),
        config(&format!("http://{free}"), OWNER, timings),
    )
    .await
    .unwrap();
    let states = record_states(&link);
    wait_state(&link, "circuit open", |s| {
        matches!(s, LinkState::CircuitOpen { .. })
    })
    .await;
    let seen = states.lock().unwrap().clone();
    let attempts: Vec<u32> = seen
        .iter()
        .filter_map(|s| match s {
            LinkState::Reconnecting {
                attempt,
                next_in_ms,
                ..
            } => {
                assert!(*next_in_ms <= 50 << (attempt - 1), "{s:?}");
                Some(*attempt)
            }
            _ => None,
        })
        .collect();
    assert_eq!(
        attempts,
        [1, 2, 3],
        "three retries, then the 4th failure opens it"
    );
    // After the cool-down it tries again.
    wait_until("a try after the cool-down", || async {
        link.attempts() >= 5
    })
    .await;
    link.shutdown().await;
}
