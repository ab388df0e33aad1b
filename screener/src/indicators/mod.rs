//! Technical indicators (work in progress; see the engine issue).
