//! The Gemini `generateContent` REST wire format (v1beta): the request body we send, the
//! parts of the reply we read, and Google's error body.
//!
//! - Request: `{systemInstruction, contents: [{role: "user", parts: [{text}]}],
//!   generationConfig: {temperature, maxOutputTokens, responseMimeType: "application/json",
//!   responseSchema}}`.
//! - Reply: `candidates[0].content.parts[].text` (parts marked `thought` are skipped),
//!   `candidates[0].finishReason`, `promptFeedback.blockReason`, `usageMetadata`,
//!   `modelVersion`.
//! - Error: `{"error": {code, message, status, details: [{"@type": "…RetryInfo",
//!   "retryDelay": "37s"}, {"reason": "API_KEY_INVALID", …}]}}`.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::retry::parse_proto_duration;

/// The body of `POST /v1beta/models/{model}:generateContent`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GenerateRequest {
    pub system_instruction: Content,
    pub contents: Vec<Content>,
    pub generation_config: GenerationConfig,
}

/// A turn: a role and its text parts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Content {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    #[serde(default)]
    pub parts: Vec<Part>,
}

impl Content {
    /// One text part, with an optional role.
    pub fn text(role: Option<&str>, text: String) -> Content {
        Content {
            role: role.map(str::to_owned),
            parts: vec![Part {
                text: Some(text),
                thought: None,
            }],
        }
    }
}

/// A part of a turn; only text parts are used.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Part {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Set on thought summaries of thinking models: not part of the answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thought: Option<bool>,
}

/// Sampling and structured-output settings.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GenerationConfig {
    pub temperature: f64,
    pub max_output_tokens: u32,
    pub response_mime_type: String,
    pub response_schema: Value,
}

/// What we read of a `GenerateContentResponse`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct GenerateResponse {
    pub candidates: Vec<Candidate>,
    pub prompt_feedback: Option<PromptFeedback>,
    pub usage_metadata: Option<UsageMetadata>,
    pub model_version: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Candidate {
    pub content: Option<Content>,
    pub finish_reason: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PromptFeedback {
    pub block_reason: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct UsageMetadata {
    pub prompt_token_count: u64,
    pub candidates_token_count: u64,
    pub total_token_count: u64,
}

impl GenerateResponse {
    /// The answer text of the first candidate: its non-thought text parts, joined.
    pub fn answer_text(&self) -> Option<String> {
        let parts = &self.candidates.first()?.content.as_ref()?.parts;
        let text: String = parts
            .iter()
            .filter(|p| p.thought != Some(true))
            .filter_map(|p| p.text.as_deref())
            .collect();
        Some(text)
    }

    /// `finishReason` of the first candidate.
    pub fn finish_reason(&self) -> Option<&str> {
        self.candidates.first()?.finish_reason.as_deref()
    }
}

/// Google's error body, as far as it matters here.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ApiError {
    /// `error.status`, e.g. `RESOURCE_EXHAUSTED`.
    pub status: String,
    /// `error.message`, cut to a readable length.
    pub message: String,
    /// `RetryInfo.retryDelay`, when given.
    pub retry_delay: Option<Duration>,
    /// `ErrorInfo.reason` values, e.g. `API_KEY_INVALID`.
    pub reasons: Vec<String>,
}

/// Longest API error message kept.
const MAX_MESSAGE_CHARS: usize = 300;

impl ApiError {
    /// Reads an error body; anything unreadable gives empty fields.
    pub fn parse(body: &[u8]) -> ApiError {
        let value: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
        let error = &value["error"];
        let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
        let details = error["details"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default();
        let retry_delay = details
            .iter()
            .filter_map(|d| d["retryDelay"].as_str())
            .find_map(parse_proto_duration);
        let reasons = details
            .iter()
            .filter_map(|d| d["reason"].as_str().map(str::to_owned))
            .collect();
        let message: String = text(&error["message"])
            .chars()
            .take(MAX_MESSAGE_CHARS)
            .collect();
        ApiError {
            status: text(&error["status"]),
            message,
            retry_delay,
            reasons,
        }
    }

    /// Whether Google says the key itself is wrong (it answers 400 for a bad key).
    pub fn is_bad_key(&self) -> bool {
        self.reasons.iter().any(|r| r == "API_KEY_INVALID")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_bodies_give_status_message_delay_and_reasons() {
        let body =
            br#"{"error":{"code":429,"message":"Quota exceeded","status":"RESOURCE_EXHAUSTED",
            "details":[{"@type":"type.googleapis.com/google.rpc.QuotaFailure"},
                       {"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"37s"}]}}"#;
        let e = ApiError::parse(body);
        assert_eq!(e.status, "RESOURCE_EXHAUSTED");
        assert_eq!(e.message, "Quota exceeded");
        assert_eq!(e.retry_delay, Some(Duration::from_secs(37)));
        assert!(!e.is_bad_key());
        let key = br#"{"error":{"code":400,"message":"API key not valid. Please pass a valid API key.",
            "status":"INVALID_ARGUMENT","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo",
            "reason":"API_KEY_INVALID","domain":"googleapis.com"}]}}"#;
        assert!(ApiError::parse(key).is_bad_key());
        assert_eq!(
            ApiError::parse(b"<html>bad gateway</html>"),
            ApiError::default()
        );
    }

    #[test]
    fn answer_text_skips_thoughts() {
        let reply: GenerateResponse = serde_json::from_str(
            r#"{"candidates":[{"content":{"role":"model","parts":[
                {"text":"thinking…","thought":true},{"text":"{\"a\":"},{"text":"1}"}]},
                "finishReason":"STOP"}],"modelVersion":"gemini-2.5-flash"}"#,
        )
        .unwrap_or_default();
        assert_eq!(reply.answer_text().as_deref(), Some("{\"a\":1}"));
        assert_eq!(reply.finish_reason(), Some("STOP"));
    }
}
