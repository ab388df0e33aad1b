//! Progress of the machine operations other than start (stop, restart, destroy, a new viewer
//! token): one line per phase as it happens, for the window (the start has its named steps in
//! [`crate::machine::step`]).

use std::sync::Arc;
use std::time::Instant;

use serde::Serialize;
use ts_rs::TS;

/// The operation reporting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Operation {
    Stop,
    Restart,
    Destroy,
    /// A new viewer token for the agent (and the restart that makes it count).
    ViewerToken,
}

/// One progress line of an operation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct OperationProgress {
    pub operation: Operation,
    /// What is happening now, for people (never a secret).
    pub line: String,
    /// Since the operation began, in milliseconds.
    pub elapsed_ms: u64,
    /// The last line of a finished operation.
    pub done: bool,
}

/// Where an operation sends its progress.
pub type OperationSink = Arc<dyn Fn(OperationProgress) + Send + Sync>;

/// Reports one operation's progress to a sink, stamping the elapsed time.
#[derive(Clone)]
pub struct Reporter {
    operation: Operation,
    sink: OperationSink,
    began: Instant,
}

impl std::fmt::Debug for Reporter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reporter")
            .field("operation", &self.operation)
            .finish_non_exhaustive()
    }
}

impl Reporter {
    /// Reports `operation` to `sink` from now on.
    pub fn new(operation: Operation, sink: OperationSink) -> Self {
        Self {
            operation,
            sink,
            began: Instant::now(),
        }
    }

    /// Reports nowhere (the CLI prints only the outcome).
    pub fn silent(operation: Operation) -> Self {
        Self::new(operation, Arc::new(|_| {}))
    }

    /// A line about the phase under way.
    pub fn line(&self, line: impl Into<String>) {
        self.send(line.into(), false);
    }

    /// The last line.
    pub fn done(&self, line: impl Into<String>) {
        self.send(line.into(), true);
    }

    fn send(&self, line: String, done: bool) {
        (self.sink)(OperationProgress {
            operation: self.operation,
            line,
            elapsed_ms: self.began.elapsed().as_millis() as u64,
            done,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[test]
    fn lines_are_stamped_and_the_last_is_done() {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let out = Arc::clone(&seen);
        let report = Reporter::new(
            Operation::Stop,
            Arc::new(move |p| out.lock().unwrap().push(p)),
        );
        report.line("stopping");
        report.done("stopped");
        let seen = seen.lock().unwrap();
        assert_eq!(seen.len(), 2);
        assert!(!seen[0].done && seen[1].done);
        assert!(seen[1].elapsed_ms >= seen[0].elapsed_ms);
        let json = serde_json::to_value(&seen[1]).unwrap();
        assert_eq!(json["operation"], "stop");
        assert_eq!(json["line"], "stopped");
        assert!(json.get("elapsedMs").is_some());
    }
}
