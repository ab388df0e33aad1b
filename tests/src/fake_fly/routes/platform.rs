//! `GET /v1/platform/regions` (the region table with `nearest`) and `GET /v1/tokens/current`
//! (which org and apps the presented token covers).

use super::{Ctx, Shared};
use crate::fake_fly::http::{Outcome, Reply};
use crate::fake_fly::regions;
use crate::fake_fly::tokens::TokenKind;
use serde_json::json;

pub(super) fn regions(shared: &Shared) -> Outcome {
    Ok(Reply::ok(regions::listing(&shared.config.nearest_region)))
}

pub(super) fn current_token(shared: &Shared, ctx: &Ctx) -> Outcome {
    let who = &ctx.who;
    let apps = match &who.kind {
        TokenKind::App(app) => vec![app.clone()],
        _ => Vec::new(),
    };
    let (org_name, _) = shared.org(&who.org_slug);
    let user = match who.kind {
        TokenKind::User => shared.config.user_email.clone(),
        _ => String::new(),
    };
    Ok(Reply::ok(json!({
        "tokens": [{
            "token_id": who.token_id,
            "org_slug": who.org_slug,
            "organization": org_name,
            "apps": apps,
            "user": user,
            "restricted_to_machine": "",
            "source_machine_id": "",
        }]
    })))
}
