//! What a pack learns from the groups: co-occurrence counts, neighbour lists and transitions
//! ([`cooc`]), embeddings (implicit ALS in [`als`], PPMI-SVD in [`ppmi`]), title-based rows for
//! rarely bought items ([`coldstart`]), and the seeded generator they share ([`rng`]).

pub mod als;
pub mod coldstart;
pub mod cooc;
pub mod ppmi;
pub mod rng;
