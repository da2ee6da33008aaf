//! Code shared by the examples (and the integration tests).
#![allow(dead_code)]

pub mod conformance;
