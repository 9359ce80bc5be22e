//! Embedding trainers and the cold-start projection.

pub mod als;
pub mod coldstart;
pub mod ppmi;
