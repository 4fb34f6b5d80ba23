//! Streaming analysis of a real annotation log.
